import {
  type Diagnostic,
  diagnostic,
  hasErrors,
  hashCanonicalIR,
  type Pipeline,
  pipelineSchema,
  type SourceMap,
} from "@mlgen/core";
import { branchJoins } from "./passes/branch-joins.js";
import { checkConstructs } from "./passes/check-constructs.js";
import { checkGraph } from "./passes/check-graph.js";
import { checkModules } from "./passes/check-modules.js";
import { checkSecrets } from "./passes/check-secrets.js";
import { inferDependencies } from "./passes/infer-dependencies.js";
import { orderTasks } from "./passes/order-tasks.js";
import { resolveRefs } from "./passes/resolve-refs.js";

export interface LowerInput {
  /** IR as the DSL built it: dependencies not yet inferred, order as written. */
  readonly ir: unknown;
  readonly sourceMap: SourceMap;
  /** Python module path → source, or null when the file does not exist. */
  readonly modules: ReadonlyMap<string, string | null>;
}

export type LowerResult =
  | {
      readonly ok: true;
      readonly ir: Pipeline;
      readonly hash: string;
      readonly diagnostics: Diagnostic[];
    }
  | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** Validates the IR, runs the passes and returns canonical IR plus its hash, or diagnostics. */
export function lowerPipeline(input: LowerInput): LowerResult {
  const diagnostics: Diagnostic[] = [];
  const parsed = pipelineSchema.safeParse(input.ir);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 10)) {
      diagnostics.push(
        diagnostic(
          "MLG1011",
          {
            what: `pipeline definition at ${issue.path.join(".") || "(root)"}`,
            reason: issue.message,
            hint: "build pipelines with @mlgen/dsl, or fix the IR document",
          },
          { location: input.sourceMap.pipeline },
        ),
      );
    }
    return { ok: false, diagnostics };
  }
  const ctx = { sourceMap: input.sourceMap, report: (d: Diagnostic) => diagnostics.push(d) };
  const withDeps = inferDependencies(parsed.data);
  resolveRefs(withDeps, ctx);
  checkGraph(withDeps, ctx);
  checkConstructs(withDeps, ctx);
  checkModules(withDeps, input.modules, ctx);
  checkSecrets(withDeps, ctx);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const ir = orderTasks(branchJoins(withDeps));
  return { ok: true, ir, hash: hashCanonicalIR(ir), diagnostics };
}
