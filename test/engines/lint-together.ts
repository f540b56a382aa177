/**
 * The DAG folders of the lint engine tests that read files together (the checks across files:
 * a sensor in one file, the DAG it waits for in another): written once, then loaded by real
 * Airflow and linted by `mlgen lint`'s lintPythonFiles.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Finding, lintPythonFiles } from "../../packages/lint/src/index.js";
import { AIRFLOW2_VENV, airflowEnv, ROOT, runEngine, VENV } from "./harness.js";

/** Writes `files` (name → source) into the new folder `dir`; returns `dir`. */
export function writeDagFolder(dir: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(dir);
  for (const [name, source] of Object.entries(files)) writeFileSync(join(dir, name), source);
  return dir;
}

/**
 * The findings of one rule when the files are linted together, as the whole DAG folder they
 * are, in a new folder under `work`.
 */
export async function lintTogether(
  work: string,
  version: 2 | 3,
  files: Readonly<Record<string, string>>,
  rule: string,
): Promise<Finding[]> {
  const dir = writeDagFolder(
    join(work, `lint-${version}-${Math.random().toString(36).slice(2)}`),
    files,
  );
  const inputs = Object.keys(files).map((file) => ({ file, path: join(dir, file) }));
  const linted = await lintPythonFiles(inputs, { airflowVersion: version, dagFolder: true }, 0);
  return linted.flatMap((r) => r.findings).filter((f) => f.ruleId === rule);
}

/**
 * Writes `files` into a new folder under `work` and runs every DAG of it once with dag.test()
 * under real Airflow `version`, in an Airflow home of its own (test/python/external_task_runs.py:
 * the DAGs without ExternalTaskSensors first). Each task's state (`<dag_id>.<task_id>`), and what
 * the runs logged.
 */
export function runFolderOnce(
  work: string,
  version: 2 | 3,
  name: string,
  files: Readonly<Record<string, string>>,
): { states: Record<string, string>; output: string } {
  return runDagsOnce(work, version, name, writeDagFolder(join(work, `${name}-${version}`), files));
}

/**
 * runFolderOnce over the DAG folder `dags` as it is (a folder `mlgen compile` wrote); `conf`,
 * by DAG id, the conf of that DAG's run.
 */
export function runDagsOnce(
  work: string,
  version: 2 | 3,
  name: string,
  dags: string,
  conf: Readonly<Record<string, unknown>> = {},
): { states: Record<string, string>; output: string } {
  const { json, output } = runScript(work, version, name, dags, "external_task_runs.py", [], {
    MLGEN_RUN_CONF: JSON.stringify(conf),
  });
  return { states: json as Record<string, string>, output };
}

/**
 * Runs test/python/<script> under real Airflow `version` in a new Airflow home under `work`
 * (its database migrated) whose DAG folder is `dags`, with `args` and then the path of the JSON
 * it writes: that JSON, and what the run logged.
 */
export function runScript(
  work: string,
  version: 2 | 3,
  name: string,
  dags: string,
  script: string,
  args: readonly string[],
  extraEnv: Readonly<Record<string, string>> = {},
): { json: unknown; output: string } {
  const venv = version === 3 ? VENV : AIRFLOW2_VENV;
  const home = join(work, `home-${name}-${version}`);
  mkdirSync(home);
  const env = { ...airflowEnv(home, dags), ...extraEnv };
  const migrate = runEngine(join(venv, "bin", "airflow"), ["db", "migrate"], env);
  if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.output}`);
  const out = join(work, `${name}-${version}.json`);
  const r = runEngine(
    join(venv, "bin", "python"),
    [join(ROOT, "test/python", script), dags, ...args, out],
    env,
  );
  if (r.status !== 0) throw new Error(`${script} failed:\n${r.output.slice(-3000)}`);
  return { json: JSON.parse(readFileSync(out, "utf8")), output: r.output };
}

/**
 * Runs the one DAG `dagId` of `<dagId>.py` (its source) once, as runFolderOnce does: each
 * task's state by its task id.
 */
export function runDagOnce(
  work: string,
  version: 2 | 3,
  name: string,
  dagId: string,
  source: string,
): Record<string, string> {
  const { states } = runFolderOnce(work, version, name, { [`${dagId}.py`]: source });
  return Object.fromEntries(
    Object.entries(states).map(([key, state]) => [key.slice(dagId.length + 1), state]),
  );
}
