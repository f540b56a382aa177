/**
 * `mlgen graph [pipeline] --format mermaid|dot|html`: the task graph of one pipeline (by id, or the
 * only one in the project), lowered exactly as `mlgen compile` lowers it, printed to stdout or
 * written atomically to `--out`.
 */
import { isAbsolute, join, relative, sep } from "node:path";
import { type Diagnostic, diagnostic, formatDiagnostic, typoOf } from "@mlgen/core";
import { CliError, type CliIO } from "../io.js";
import { createModuleLoader } from "../load.js";
import { writeAtomic, writeError } from "../write.js";
import {
  loadConfig,
  loadPipelines,
  pipelineFiles,
  readModules,
  relativeSourceMap,
} from "./compile.js";

export interface GraphOptions {
  readonly config?: string;
  readonly format?: string;
  readonly out?: string;
  readonly root?: string;
}

const toPosix = (p: string) => p.split(sep).join("/");

export async function graphCommand(
  io: CliIO,
  pipelineId: string | undefined,
  options: GraphOptions,
): Promise<number> {
  const { GRAPH_FORMATS, lowerPipeline, renderGraph } = await import("@mlgen/compiler");
  const format = options.format ?? "mermaid";
  if (!(GRAPH_FORMATS as readonly string[]).includes(format)) {
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "--format",
          reason: `'${format}' is not a graph format`,
          hint: `use one of: ${GRAPH_FORMATS.join(", ")}`,
        }),
      ),
      2,
    );
  }
  await import("@mlgen/dsl");
  const importModule = await createModuleLoader();
  const config = await loadConfig(
    io,
    {
      ...(options.config === undefined ? {} : { config: options.config }),
      ...(options.root === undefined ? {} : { root: options.root }),
    },
    [],
    importModule,
    "graph",
  );
  const diagnostics: Diagnostic[] = [];
  const loaded = await loadPipelines(
    await pipelineFiles(config),
    config.root,
    (d) => diagnostics.push(d),
    importModule,
  );
  const all = loaded.flatMap(({ file, definitions }) => definitions.map((def) => ({ file, def })));
  const ids = all.map((x) => x.def.ir.id).sort();
  const chosen =
    pipelineId === undefined
      ? all.length === 1
        ? all[0]
        : undefined
      : all.find((x) => x.def.ir.id === pipelineId);
  if (!chosen) {
    for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
    // A pipeline module that failed to load: that is the error, not the count it left.
    if (diagnostics.some((d) => d.severity === "error")) return 1;
    const near = pipelineId === undefined ? undefined : typoOf(pipelineId, ids);
    throw new CliError(
      formatDiagnostic(
        diagnostic("MLG1011", {
          what: "pipeline",
          reason:
            pipelineId === undefined
              ? `the project has ${ids.length} pipelines, so name one`
              : `no pipeline has the id '${pipelineId}'`,
          hint: ids.length
            ? `${near ? `did you mean '${near}'? ` : ""}mlgen graph <id>, with one of: ${ids.join(", ")}`
            : "check `pipelines` in mlgen.config.ts",
        }),
      ),
    );
  }
  const same = all.filter((x) => x.def.ir.id === chosen.def.ir.id);
  if (same.length > 1) {
    // Which one compile would keep is no answer: it refuses both (MLG1012).
    const [first, second] = same.map((x) => toPosix(relative(config.root, x.file)));
    io.stderr(
      `${formatDiagnostic(
        diagnostic(
          "MLG1012",
          { id: chosen.def.ir.id, first: first ?? "" },
          { pipeline: chosen.def.ir.id, location: { file: second ?? "" } },
        ),
      )}\n`,
    );
    return 1;
  }
  const { def } = chosen;
  const root = config.root;
  const sourceMap = relativeSourceMap(def.sourceMap, root);
  const modules = await readModules(def.ir, root);
  const lowered = lowerPipeline({ ir: def.ir, sourceMap, modules });
  const errors = [...def.problems, ...lowered.diagnostics].filter((d) => d.severity === "error");
  if (!lowered.ok || errors.length > 0) {
    for (const d of errors) io.stderr(`${formatDiagnostic(d)}\n`);
    io.stderr(`mlgen: ${def.ir.id} has errors; fix them first (mlgen compile shows them all)\n`);
    return 1;
  }
  const text = renderGraph(lowered.ir, format as (typeof GRAPH_FORMATS)[number]);
  if (options.out === undefined) {
    io.stdout(text);
    return 0;
  }
  const target = isAbsolute(options.out) ? options.out : join(io.cwd, options.out);
  await writeAtomic(target, text).catch((e: unknown) => {
    throw writeError(e, target);
  });
  io.stderr(`mlgen: wrote ${toPosix(relative(io.cwd, target))}\n`);
  return 0;
}
