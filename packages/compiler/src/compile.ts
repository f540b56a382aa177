import {
  type Diagnostic,
  diagnostic,
  hasErrors,
  hashCanonicalIR,
  type Pipeline,
  pipelineSchema,
  type SourceMap,
  taskKey,
  typoOf,
} from "@mlgen/core";
import { branchJoins } from "./passes/branch-joins.js";
import { checkConstructs } from "./passes/check-constructs.js";
import { checkDuplicateIds, checkGraph } from "./passes/check-graph.js";
import { checkImages } from "./passes/check-images.js";
import { checkMapItems } from "./passes/check-map-items.js";
import { checkModules } from "./passes/check-modules.js";
import { checkOneOf } from "./passes/check-one-of.js";
import { checkOptionalParams } from "./passes/check-optional-params.js";
import { checkContainerPods } from "./passes/check-pods.js";
import { checkSecrets } from "./passes/check-secrets.js";
import { checkTeardownRules } from "./passes/check-setup-teardown.js";
import { inferDependencies } from "./passes/infer-dependencies.js";
import { orderTasks } from "./passes/order-tasks.js";
import { resolveRefs } from "./passes/resolve-refs.js";

export interface LowerInput {
  /** IR as the DSL built it: dependencies not yet inferred, order as written. */
  readonly ir: unknown;
  readonly sourceMap: SourceMap;
  /**
   * Python module path → source, or null when the file does not exist. Null: the modules are
   * not at hand (the Airflow fake's DAG of a pipeline), and what is checked in them is not.
   */
  readonly modules: ReadonlyMap<string, string | null> | null;
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
    for (const issue of parsed.error.issues) diagnostics.push(irProblem(input, issue));
    return { ok: false, diagnostics };
  }
  const ctx = { sourceMap: input.sourceMap, report: (d: Diagnostic) => diagnostics.push(d) };
  const withDeps = inferDependencies(parsed.data);
  // Two tasks with one id make every reference to it ambiguous: say that alone (MLG1001), not
  // what reading the wrong one of them would break.
  if (checkDuplicateIds(withDeps, ctx)) return { ok: false, diagnostics };
  resolveRefs(withDeps, ctx);
  checkGraph(withDeps, ctx);
  checkConstructs(withDeps, ctx);
  checkImages(withDeps, ctx);
  checkContainerPods(withDeps, ctx);
  checkOneOf(withDeps, ctx);
  // Without the modules, the checks that read them find nothing to say.
  const modules = input.modules ?? new Map<string, string | null>();
  if (input.modules !== null) checkModules(withDeps, modules, ctx);
  checkMapItems(withDeps, modules, ctx);
  checkOptionalParams(withDeps, modules, ctx);
  checkSecrets(withDeps, ctx);
  checkTeardownRules(withDeps, ctx);
  if (hasErrors(diagnostics)) return { ok: false, diagnostics };
  const ir = orderTasks(branchJoins(withDeps, ctx));
  return { ok: true, ir, hash: hashCanonicalIR(ir), diagnostics };
}

/**
 * A schema violation as the user wrote it: `retries of task 'train'` at the task's call, not
 * `tasks.3.options.retries` at the pipeline (a value the types forbid still reaches here from
 * JavaScript, a cast, or an `any`).
 */
/** Options the DSL takes as a Duration (`minutes(10)`), which the IR holds as seconds. */
const DURATIONS = new Set([
  "retryDelay",
  "maxRetryDelay",
  "executionTimeout",
  "dagrunTimeout",
  "within",
  "timeout",
  "pokeInterval",
  "delta",
]);

/** The IR's names of container resources that the DSL spells otherwise (`resources: { gpu }`). */
const DSL_RESOURCE: Readonly<Record<string, string>> = {
  cpuRequest: "cpu",
  memoryRequest: "memory",
  gpuLimit: "gpu",
};

function irProblem(
  input: LowerInput,
  issue: {
    readonly path: readonly PropertyKey[];
    readonly message: string;
    readonly code?: string;
    readonly values?: readonly unknown[];
  },
): Diagnostic {
  const path = issue.path.map(String);
  // A bare number or a string where a Duration belongs reaches the IR as nothing.
  const duration =
    DURATIONS.has(path[path.length - 1] ?? "") && /received undefined/.test(issue.message);
  // A text none of the names an option takes (`"floot"` for an output type): the near one.
  const given = issue.path.reduce<unknown>(
    (at, key) =>
      at !== null && typeof at === "object" ? (at as Record<PropertyKey, unknown>)[key] : undefined,
    input.ir,
  );
  const names =
    issue.code === "invalid_value" ? (issue.values ?? []).filter((v) => typeof v === "string") : [];
  // A letter or two off one, not a prefix of it ("none" is none of "none_failed").
  const near = typeof given === "string" && names.length > 0 ? typoOf(given, names) : undefined;
  const hint = duration
    ? "write it with seconds(), minutes(), hours() or days() from @mlgen/dsl, e.g. executionTimeout: minutes(10)"
    : near
      ? `did you mean '${near}'?`
      : "fix the value where the pipeline is written (the DSL's types say what each option takes)";
  if (duration) {
    issue = { ...issue, message: "it must be a duration (a bare number or a string is not one)" };
  } else if (typeof given === "string" && names.length > 0) {
    issue = {
      ...issue,
      message: `'${given}' is none of ${names.map((n) => `'${n}'`).join(", ")}`,
    };
  }
  const ir = input.ir as { tasks?: { id?: unknown }[] } | null;
  // The task or group the path is under, and where it was written.
  let owner: { what: string; id: string; key: string } | null = null;
  if (path[0] === "tasks" && path[1] !== undefined) {
    const id = ir?.tasks?.[Number(path[1])]?.id;
    if (typeof id === "string") owner = { what: "task", id, key: taskKey(id) };
  } else if (path[0] === "groups" && path[1] !== undefined) {
    owner = { what: "group", id: path[1], key: `group:${path[1]}` };
  }
  if (owner) {
    // `options` and `sensor` are the IR's nesting; the DSL takes those keys on the task itself.
    const option = path
      .slice(2)
      .filter((p, i) => p !== "options" && !(i === 0 && p === "sensor"))
      .map((p, i, all) => (all[i - 1] === "resources" ? (DSL_RESOURCE[p] ?? p) : p));
    return diagnostic(
      "MLG1011",
      {
        what: `${option.join(".") || "definition"} of ${owner.what} '${owner.id}'`,
        reason: issue.message,
        hint,
      },
      { task: owner.id, location: input.sourceMap[owner.key] ?? input.sourceMap.pipeline },
    );
  }
  return diagnostic(
    "MLG1011",
    {
      what: path.length > 0 ? `pipeline option ${path.join(".")}` : "pipeline definition",
      reason: issue.message,
      hint,
    },
    { location: input.sourceMap.pipeline },
  );
}
