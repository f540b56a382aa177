import { type Diagnostic, diagnostic, type SourceLocation } from "@mlgen/core";

/**
 * What compile refuses about the names of the files it writes, said the same way by compile (at
 * emit time) and by lint (from the pipeline ids): two pipelines whose files share a name, and a
 * DAG file named like the folder or module of its task modules.
 */
export function fileClash(
  id: string,
  path: string,
  other: { readonly pipeline: string; readonly from: string },
  location: SourceLocation | undefined,
): Diagnostic {
  // Ids that differ only in '-' and '_', or in case (one file on macOS and Windows), map to
  // one file: the second would overwrite the first.
  return diagnostic(
    "MLG1011",
    {
      what: `pipeline id '${id}'`,
      reason: `it generates ${path}, as pipeline '${other.pipeline}' (${other.from}) does with other content, and one would overwrite the other`,
      hint: `rename one of the two pipelines so that their file names differ ('${id}' and '${other.pipeline}' both give ${path})`,
    },
    { pipeline: id, location },
  );
}

/**
 * Two pipelines the engine would know by one name (`_train` and `train` are both 'train' in
 * Kubeflow's pipelineInfo): its runs, lineage and cache would mix the two pipelines.
 */
export function engineNameClash(
  id: string,
  engine: { readonly target: string; readonly name: string },
  other: { readonly pipeline: string; readonly from: string },
  location: SourceLocation | undefined,
): Diagnostic {
  return diagnostic(
    "MLG1011",
    {
      what: `pipeline id '${id}'`,
      reason: `the ${engine.target} target names it '${engine.name}', as it names pipeline '${other.pipeline}' (${other.from}), so the engine would take the two for one pipeline`,
      hint: `rename one of the two pipelines so that they differ in more than case, '-', '_' and '.'`,
    },
    { pipeline: id, location },
  );
}

export function dagShadowsModules(
  id: string,
  path: string,
  location: SourceLocation | undefined,
): Diagnostic {
  // Airflow puts the DAG folder on sys.path: `import tasks.steps` would find tasks.py.
  return diagnostic(
    "MLG1011",
    {
      what: `pipeline id '${id}'`,
      reason: `its DAG file ${path} has the name of the task modules (${path.slice(0, -3)}/ or ${path}), so Python would import the DAG file instead and every task would fail`,
      hint: "rename the pipeline, or the folder of its task modules",
    },
    { pipeline: id, location },
  );
}

/**
 * Whether a DAG file at the top of the output folder shadows the task modules shipped beside
 * it: a module of its name, or a folder of them without `__init__.py` (a namespace package,
 * which a module of its name wins over; a regular package wins over the module).
 */
export function shadowsModules(dagPath: string, modulePaths: readonly string[]): boolean {
  if (!/^[^/]+\.py$/.test(dagPath)) return false;
  const stem = dagPath.slice(0, -3);
  if (modulePaths.includes(`${stem}/__init__.py`)) return false;
  return modulePaths.some((m) => m.startsWith(`${stem}/`) || m === dagPath);
}
