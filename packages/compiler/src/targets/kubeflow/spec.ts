/**
 * IR → KFP PipelineSpec (as plain data, serialized by the caller). The shape comes from
 * scopes.ts; this file wires dependencies and data between DAGs the way kfp's compiler does:
 * values cross a DAG boundary as `pipelinechannel--*` inputs going down and DAG outputs going
 * up, and a mapped task's output leaves its loop as a collected LIST.
 */
import {
  type Alert,
  type Condition,
  effectiveOptions,
  type KubeflowTaskSettings,
  type OutputType,
  operatorClass,
  optionalParamNames,
  PARAM_CHECK_KEYS,
  type ParamType,
  type Pipeline,
  paramsInOrder,
  type Ref,
  refsIn,
  rightValue,
  type Scalar,
  SENSOR_DEFAULT_TIMEOUT,
  type Task,
  taskFunction,
  taskKubeflow,
  taskOutputs,
  taskPod,
  taskValues,
  topologicalOrder,
  type Value,
} from "@mlgen/core";
import { isPyIdentifier } from "../../escape/python.js";
import { celString } from "../../escape/yaml.js";
import type { EmittedFile, TargetInput } from "../../target.js";
import {
  type Approximated,
  alertsComponent,
  type ComponentBuild,
  pythonComponent,
  SLACK_VARIABLE,
  type ValueCode,
} from "./component.js";
import {
  addPullSecrets,
  CLUSTER_VARIABLE,
  containerExecutor,
  expansions,
  type KubeflowSettings,
  levelPackages,
  podVariables,
  shellExecutor,
} from "./executors.js";
import { shippedModules } from "./modules.js";
import { k8sName } from "./names.js";
import { ancestry, buildShape, childOf, type Node, type Scope, type TaskNode } from "./scopes.js";
import { constantOf, pyJsonDumps } from "./values.js";

/** A module that imports Airflow at its top or inside a function (`import airflow`, `from airflow.sdk import ...`). */
const IMPORTS_AIRFLOW =
  /^[ \t]*(?:import[ \t]+airflow\b|from[ \t]+airflow(?:\.[\w.]+)?[ \t]+import\b)/m;

/**
 * How many instances of a mapped task run at once in one run, its loop's parallelismLimit:
 * maxActiveTisPerDagrun, or maxActiveTisPerDag (across runs on Airflow, so no more in one run);
 * the smaller when both are set. Null: no limit.
 */
function loopLimit(ir: Pipeline, task: Task): number | null {
  const o = effectiveOptions(ir, task);
  const limits = [o.maxActiveTisPerDagrun, o.maxActiveTisPerDag].filter((n) => n !== null);
  return limits.length ? Math.min(...limits) : null;
}
export type ParameterType =
  | "STRING"
  | "NUMBER_INTEGER"
  | "NUMBER_DOUBLE"
  | "BOOLEAN"
  | "LIST"
  | "STRUCT"
  | "TASK_FINAL_STATUS";

const OUTPUT_PARAMETER_TYPES: Readonly<Record<OutputType, ParameterType>> = {
  string: "STRING",
  int: "NUMBER_INTEGER",
  float: "NUMBER_DOUBLE",
  bool: "BOOLEAN",
  list: "LIST",
  dict: "STRUCT",
};

const PARAM_TYPES = {
  string: "STRING",
  integer: "NUMBER_INTEGER",
  number: "NUMBER_DOUBLE",
  boolean: "BOOLEAN",
  array: "LIST",
  object: "STRUCT",
} as const satisfies Record<ParamType, ParameterType>;

/** Something a task reads at run time that KFP carries as a parameter. */
export type Source =
  | { readonly kind: "param"; readonly name: string; readonly type: ParameterType }
  | { readonly kind: "output"; readonly task: string; readonly output: string };

/** A `TaskInputsSpec.InputParameterSpec`. */
export type InputSpec = Readonly<Record<string, unknown>>;

interface Port {
  readonly type: ParameterType;
  readonly spec: InputSpec;
}

/** What KFP cannot carry exactly, reported by the target's validate step. */
export interface KfpProblem {
  readonly task?: string | undefined;
  /** The task group it is about, when it is about one's settings: placed at its p.group() call. */
  readonly group?: string | undefined;
  readonly what: string;
  readonly reason: string;
  readonly hint: string;
  /** Whether `what` is plural ("the outlets of 'load'"): "are approximated", not "is". */
  readonly plural?: boolean | undefined;
  /** `error`: the output would be wrong; `warning`: approximated (an error under --strict). */
  readonly level: "error" | "warning";
}

export interface BuiltSpec {
  readonly spec: Record<string, unknown>;
  readonly platform: Record<string, unknown> | null;
  readonly problems: readonly KfpProblem[];
}

/** A JS number as KFP types it: whole numbers are integers. */
function literalType(value: unknown): ParameterType {
  if (typeof value === "string") return "STRING";
  if (typeof value === "boolean") return "BOOLEAN";
  if (typeof value === "number")
    return Number.isInteger(value) ? "NUMBER_INTEGER" : "NUMBER_DOUBLE";
  if (Array.isArray(value)) return "LIST";
  return "STRUCT";
}

/**
 * The one parameter type that carries every item of a literal list unchanged: integers and
 * floats together are NUMBER_DOUBLE (kfp types the items by the first one, and an integer type
 * cuts 0.5 to 0); null when the items are of different kinds.
 */
function listItemType(items: readonly unknown[]): ParameterType | null {
  if (items.length === 0) return "STRING";
  const types = new Set(items.map(literalType));
  if (types.size === 1) return [...types][0] as ParameterType;
  if (types.size === 2 && types.has("NUMBER_INTEGER") && types.has("NUMBER_DOUBLE")) {
    return "NUMBER_DOUBLE";
  }
  return null;
}

const CEL_OPS: Readonly<Record<Condition["op"], string>> = {
  "==": "==",
  "!=": "!=",
  ">": ">",
  ">=": ">=",
  "<": "<",
  "<=": "<=",
};

const celOperand = (channel: string) => `inputs.parameter_values[${celString(channel)}]`;

/**
 * The CEL kfp's compiler writes for `operand op literal` (pipeline_spec_builder.py
 * `_single_binary_operation_to_cel_condition`): integer channels are cast with `int(...)`
 * (the driver hands numbers over as doubles), mixed types are promoted String > Boolean >
 * Double > Integer. A whole-number literal compared with a double channel is written `1.0`
 * rather than kfp's `double(1)`: the same CEL, and kfp.local's evaluator knows no `double`.
 */
export function celCondition(channel: string, type: ParameterType, c: Condition): string {
  const right = c.right as Scalar;
  let operand = celOperand(channel);
  let literal: string;
  if (type === "STRING") {
    literal = celString(typeof right === "string" ? right : String(right));
  } else if (typeof right === "string") {
    // kfp promotes the channel's side to a string: compare as text.
    literal = celString(right);
    operand = `string(${type === "NUMBER_INTEGER" ? `int(${operand})` : operand})`;
  } else if (typeof right === "boolean" || right === null) {
    literal = String(right);
  } else if (type === "NUMBER_INTEGER" && Number.isSafeInteger(right)) {
    operand = `int(${operand})`;
    literal = String(right);
  } else if (type === "NUMBER_INTEGER") {
    // A fraction, or a whole number beyond what JavaScript holds exactly (1e21): as doubles.
    operand = `double(int(${operand}))`;
    literal = celDouble(right);
  } else {
    literal = celDouble(right);
  }
  return `${operand} ${CEL_OPS[c.op]} ${literal}`;
}

/**
 * A value KFP fills in: `{{$.pipeline_job_name}}` and the like in an input's constant or a
 * parameter's default are replaced before the task runs (that is how kfp's
 * PIPELINE_JOB_NAME_PLACEHOLDER works), and `{{$}}` becomes the whole executor input.
 */
const PLACEHOLDER = {
  reason:
    "it holds '{{$', which Kubeflow takes for one of its placeholders ({{$}}, {{$.pipeline_job_name}}, ...) and fills in before the task runs",
  hint: 'split the text ("{{" "$") and join it in the task',
} as const;
const holdsPlaceholder = (value: unknown) =>
  value !== null && value !== undefined && JSON.stringify(value).includes("{{$");

/** Text that a container's command does not pass as written, where the task modules travel. */
const CHANGED_IN_COMMAND = [
  {
    marker: "{{$",
    reason:
      "it holds '{{$', and Kubeflow replaces its placeholders ({{$}}, {{$.inputs...}}) in a container's command, where the modules travel: the module would run changed",
    hint: 'split the text ("{{" "$"), or read it from a file at run time',
  },
  {
    marker: "$$",
    reason:
      "it holds '$$', which Kubernetes turns into '$' in a container's command and args, where the modules travel: the module would run changed",
    hint: 'write it another way ("$" "$", "$" * 2), or read it from a file at run time',
  },
] as const;

/** A CEL double literal: `1.0`, `0.5`, `1e+21` (an exponent needs no dot; `1e+21.0` is no CEL). */
function celDouble(n: number): string {
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

export function buildPipelineSpec(input: TargetInput, settings: KubeflowSettings): BuiltSpec {
  const { ir } = input;
  const problems: KfpProblem[] = [];
  // The defaults' alerts and the pipeline's own are both a run's on Kubeflow (its exit handler
  // runs once per run): one alert given in both is sent once.
  const once = (list: readonly Alert[]) =>
    list.filter((a, i) => list.findIndex((b) => JSON.stringify(b) === JSON.stringify(a)) === i);
  const alerts = {
    onFailure: once([...(ir.defaults.onFailure ?? []), ...(ir.alerts?.onFailure ?? [])]),
    onSuccess: once([...(ir.defaults.onSuccess ?? []), ...(ir.alerts?.onSuccess ?? [])]),
  };
  const shape = buildShape(ir, alerts.onFailure.length + alerts.onSuccess.length > 0);
  // KFP's cache reuses a task's outputs from an earlier run with the same inputs: a recurring
  // run would skip its extracts and every task without inputs, which Airflow runs each time.
  // Unless the config says, it is on (kfp's default) for pipelines run by hand, off for
  // scheduled ones.
  const recurring =
    ir.schedule.kind !== "none" &&
    !(ir.schedule.kind === "preset" && ir.schedule.preset === "@once");
  const caching = settings.caching ?? !recurring;
  if (ir.deadlines?.length) {
    problems.push({
      what: `the deadline${ir.deadlines.length > 1 ? "s" : ""} of pipeline '${ir.id}'`,
      plural: ir.deadlines.length > 1,
      reason: "KFP has no deadline alert: a late run is not alerted (its alerts are not sent)",
      hint: "with `kubeflow: { timeouts: true }`, dagrunTimeout ends a run that takes too long and the exit handler's onFailure alerts say so",
      level: "warning",
    });
  }
  if (ir.defaults.onRetry?.length) {
    problems.push({
      what: "onRetry alerts",
      plural: true,
      reason: "KFP retries a task without telling anyone",
      hint: "drop onRetry for Kubeflow, or alert from the task itself",
      level: "warning",
    });
  }
  const ownAlerts = [
    ...Object.values(ir.groups).map((g) => ({
      where: `group '${g.id}'`,
      task: undefined,
      group: g.id,
      o: g.options,
    })),
    ...ir.tasks.map((t) => ({
      where: `task '${t.id}'`,
      task: t.id,
      group: undefined,
      o: t.options,
    })),
  ];
  for (const { where, task, group, o } of ownAlerts) {
    if (o.onFailure || o.onRetry || o.onSuccess) {
      problems.push({
        task,
        group,
        what: `the alerts of ${where}`,
        plural: true,
        reason:
          "Kubeflow runs alerts for the whole pipeline only (an exit handler); these are not sent",
        hint: "set alerts in the pipeline's defaults",
        level: "warning",
      });
    }
  }
  // Airflow scheduling settings a pipeline spec has no place for: said once per layer.
  const layers = [
    {
      where: `the defaults of pipeline '${ir.id}'`,
      task: undefined,
      group: undefined,
      o: ir.defaults,
    },
    ...ownAlerts,
  ];
  for (const { where, task, group, o } of layers) {
    const dropped = [
      o.pool !== null ? "pool" : null,
      o.poolSlots !== null ? "poolSlots" : null,
      o.queue !== null ? "queue" : null,
      o.priorityWeight !== null ? "priorityWeight" : null,
    ].filter((x): x is string => x !== null);
    if (dropped.length > 0) {
      problems.push({
        task,
        group,
        what: `${dropped.join(", ")} of ${where}`,
        plural: dropped.length > 1,
        reason:
          "Kubernetes schedules a run's pods; Airflow's pools, queues and priorities have no KFP equivalent and are left out",
        hint: "drop them for Kubeflow, or limit a fan-out with maxActiveTisPerDag (parallelismLimit)",
        level: "warning",
      });
    }
    if (o.dependsOnPast) {
      problems.push({
        task,
        group,
        what: `dependsOnPast of ${where}`,
        reason: "a KFP run never waits for the previous run's task; this is left out",
        hint: "drop it for Kubeflow, or check the previous run's result in the task",
        level: "warning",
      });
    }
  }
  // A KFP task runs when the tasks before it succeeded; only an exit handler's task runs after a
  // failure, and its tasks are not the ones before the teardown.
  for (const t of ir.tasks) {
    if (t.setupTeardown !== "teardown") continue;
    problems.push({
      task: t.id,
      what: `teardown task '${t.id}'`,
      reason:
        "a Kubeflow task runs only when the tasks before it succeeded, so it would not run after a failed one, which a teardown is for",
      hint: "clean up in the task that made the resource or used it (try/finally), or leave teardown out for Kubeflow; the pipeline's onFailure alerts run in Kubeflow's exit handler",
      level: "error",
    });
  }
  // Airflow's data-aware scheduling: nothing on KFP starts a run when data is updated.
  if (ir.schedule.kind === "assets") {
    problems.push({
      what: `the asset schedule of pipeline '${ir.id}' (${ir.schedule.uris.join(", ")})`,
      reason: `a KFP recurring run starts on a cron or an interval only, so no run starts when the assets are updated${ir.schedule.time ? " (the schedule's time part can be the recurring run's cron)" : ""}`,
      hint: "start this pipeline's runs from the producer (kfp.Client().create_run_from_pipeline_package) or give it a cron schedule for Kubeflow",
      level: "warning",
    });
  }
  const producers = ir.tasks.filter((t) => t.outlets.length > 0);
  if (producers.length > 0) {
    problems.push({
      task: producers[0]?.id,
      what: `the outlets of ${producers.map((t) => `'${t.id}'`).join(", ")}`,
      plural: true,
      reason: "KFP has no assets: updating them triggers no pipeline, so they are left out",
      hint: "start the consuming pipeline's run from a task, or schedule it by time for Kubeflow",
      level: "warning",
    });
  }
  if (ir.maxActiveTasks !== null) {
    problems.push({
      what: `maxActiveTasks of pipeline '${ir.id}' (${ir.maxActiveTasks})`,
      reason:
        "KFP has no limit on a pipeline's running tasks across runs; it is left out (a recurring run's max_concurrency limits runs, not tasks)",
      hint: "limit a fan-out with maxActiveTisPerDag (parallelismLimit), or runs with maxActiveRuns",
      level: "warning",
    });
  }
  const tisReason =
    "KFP limits parallelism only inside a loop (a mapped task's parallelismLimit); across runs there is no limit, so this is left out";
  // Set in the defaults (the pipeline's or a group's): said once, naming the tasks it misses.
  const inheritedTis: string[] = [];
  for (const task of ir.tasks) {
    if (task.kind === "python" && task.map) {
      // A map chained into another's loop (scopes.ts) runs under that loop's limit.
      const loop = shape.nodeOf.get(task.id)?.parent;
      const head = loop?.mapped;
      if (!head || head === task) continue;
      const own = loopLimit(ir, task);
      const limit = loopLimit(ir, head);
      // None of its own: the loop's limit holds it to no more than its head's, harmlessly.
      if (own === null || own === limit) continue;
      problems.push({
        task: task.id,
        what: `the instance limit of task '${task.id}' (${own})`,
        reason: `'${task.id}' maps over an output of '${head.id}', so on Kubeflow it runs in the loop of '${head.id}', one instance after each of its, and that loop's parallelismLimit is ${limit === null ? `none (the limit of '${task.id}' is left out)` : `${limit}, the limit of '${head.id}'`}`,
        hint: `give '${task.id}' and '${head.id}' the same maxActiveTisPerDagrun`,
        level: "warning",
      });
      continue;
    }
    if (task.options.maxActiveTisPerDag !== null) {
      problems.push({
        task: task.id,
        what: `maxActiveTisPerDag of task '${task.id}'`,
        reason: tisReason,
        hint: "drop it for Kubeflow, or map the task and keep the limit there",
        level: "warning",
      });
    } else if (effectiveOptions(ir, task).maxActiveTisPerDag !== null) {
      inheritedTis.push(task.id);
    }
  }
  if (inheritedTis.length > 0) {
    problems.push({
      task: inheritedTis[0],
      what: `maxActiveTisPerDag from the defaults, for ${inheritedTis.map((t) => `'${t}'`).join(", ")}`,
      reason: tisReason,
      hint: "set it on the mapped tasks only for Kubeflow (it is their loop's parallelismLimit)",
      level: "warning",
    });
  }
  for (const p of shape.problems) problems.push({ ...p, level: "error" });
  // Each python task's command carries its module and the project modules that imports
  // (modules.ts; the exit handler, its alert callbacks' modules), one argument each: Linux
  // refuses an argument over 128 KiB and a command line over 2 MiB, and every run of the task
  // would fail with E2BIG.
  const carriers: {
    who: string;
    task?: string;
    files: readonly EmittedFile[];
    /** The variables the pod has, which Kubernetes expands as `$(NAME)` in its command. */
    env: ReadonlySet<string>;
  }[] = [];
  /** Whether each module imports Airflow, which a task's pod does not have: true until said. */
  const importsAirflow = new Map<string, boolean>();
  for (const task of ir.tasks) {
    const fn = taskFunction(task);
    if (fn === null) continue;
    const files = shippedModules(input.pythonFiles, [fn.module]);
    const own = taskKubeflow(task);
    const env = podVariables(settings.secretEnv, own?.secretEnv, false);
    for (const e of own?.env ?? []) env.add(e.name);
    carriers.push({ who: `task '${task.id}'`, task: task.id, files, env });
    for (const f of files) {
      let imports = importsAirflow.get(f.path);
      if (imports === undefined) {
        imports = IMPORTS_AIRFLOW.test(f.content);
        importsAirflow.set(f.path, imports);
      }
      if (!imports) continue;
      const packages = levelPackages(settings.packages, taskKubeflow(task));
      if (packages.some((p) => /^apache[-_.]airflow\b/i.test(p))) continue;
      importsAirflow.set(f.path, false);
      problems.push({
        task: task.id,
        what: `module ${f.path} of task '${task.id}'`,
        reason:
          "it imports airflow, which a Kubeflow pod does not have (it runs the function with kfp's executor alone), so the task fails with ModuleNotFoundError",
        hint: `keep Airflow out of the modules the tasks run (a sensor's check returns a plain bool, not a PokeReturnValue), or add apache-airflow to the task's kubeflow.packages`,
        level: "warning",
      });
    }
  }
  const alertModules = [...alerts.onFailure, ...alerts.onSuccess].flatMap((a) =>
    a.kind === "callable" ? [a.module] : [],
  );
  if (alertModules.length > 0) {
    carriers.push({
      who: "the alerts' exit handler",
      files: shippedModules(input.pythonFiles, alertModules),
      env: podVariables(settings.secretEnv, undefined, true),
    });
  }
  const judged = new Set<string>();
  const bytesOf = new Map<string, number>();
  for (const { files } of carriers) {
    for (const f of files) {
      if (judged.has(f.path)) continue;
      judged.add(f.path);
      const bytes = Buffer.byteLength(f.content, "utf8");
      bytesOf.set(f.path, bytes);
      for (const { marker, reason, hint } of CHANGED_IN_COMMAND) {
        if (f.content.includes(marker)) {
          problems.push({ what: `task module ${f.path}`, reason, hint, level: "error" });
        }
      }
      if (bytes >= MAX_ARGUMENT) {
        problems.push({
          what: `task module ${f.path} (${Math.round(bytes / 1024)} KiB)`,
          reason:
            "a python task's command carries the modules it runs, one argument each, and Linux refuses an argument of 128 KiB or more ('Argument list too long'): every run would fail",
          hint: "keep data (word lists, generated code) out of the task modules and load it at run time, or split the module",
          level: "error",
        });
      }
    }
  }
  const expanded = new Set<string>();
  for (const { task, files, env } of carriers) {
    for (const f of files) {
      for (const name of expansions(f.content)) {
        if (!env.has(name) && !CLUSTER_VARIABLE.test(name)) continue;
        const key = `${f.path}\0${name}`;
        if (expanded.has(key)) continue;
        expanded.add(key);
        problems.push({
          ...(task ? { task } : {}),
          what: `task module ${f.path}`,
          reason: `it holds '$(${name})', and ${name} is a variable of ${task ? `the pod of '${task}'` : "the exit handler's pod"}: Kubernetes replaces '$(${name})' by its value in a container's command, where the modules travel, so the module would run changed`,
          hint: `write it another way ("$" "(${name})"), or read it from a file at run time`,
          level: "error",
        });
      }
    }
  }
  const tooLong = new Set<string>();
  for (const { who, task, files } of carriers) {
    let total = 0;
    for (const f of files) total += bytesOf.get(f.path) ?? 0;
    const key = files.map((f) => f.path).join("\0");
    if (total < MAX_COMMAND || tooLong.has(key)) continue;
    tooLong.add(key);
    problems.push({
      ...(task ? { task } : {}),
      what: `the modules ${who} carries (${Math.round(total / 1024)} KiB in ${files.length} files)`,
      reason:
        "a python task's command carries its module and the project modules that imports (every one when a module imports with importlib, __import__ or sys.path), and Linux refuses a command line over 2 MiB ('Argument list too long'): every run would fail",
      hint: "keep data and code the task does not import out of its modules, or import what it needs with import statements",
      level: "error",
    });
  }
  for (const task of ir.tasks) {
    for (const output of Object.keys(taskOutputs(task))) {
      // kfp's executor returns a function's outputs as a typing.NamedTuple of their names,
      // which refuses keywords and names starting with `_` when the task runs.
      if (isPyIdentifier(output) && !output.startsWith("_")) continue;
      problems.push({
        task: task.id,
        what: `output '${output}' of task '${task.id}'`,
        reason:
          "kfp returns a function's outputs as a typing.NamedTuple of their names, and a field name must be a Python identifier, not a keyword, not starting with '_' (every run of the task would fail)",
        hint: `rename the output (e.g. '${outputSuggestion(output)}'), here and where it is read`,
        level: "error",
      });
    }
  }
  const { nodeOf, root } = shape;
  const taskById = new Map(ir.tasks.map((t) => [t.id, t] as const));

  const scopeInputs = new Map<Scope, Map<string, Port>>();
  const scopeOutputs = new Map<Scope, Map<string, { type: ParameterType; from: InputSpec }>>();
  const deps = new Map<Node, Set<string>>();
  const depsOf = (n: Node) => {
    const s = deps.get(n) ?? new Set<string>();
    deps.set(n, s);
    return s;
  };
  const rootParams = new Map<string, Record<string, unknown>>();
  const placeholderDefault = (what: string, value: unknown) => {
    if (holdsPlaceholder(value)) problems.push({ what, ...PLACEHOLDER, level: "warning" });
  };
  // Said in the order declared, as the trigger form and the messages list params.
  for (const [name, p] of paramsInOrder(ir.params)) {
    const checks = PARAM_CHECK_KEYS.filter((key) => p[key] !== undefined);
    if (checks.length > 0) {
      problems.push({
        what: `${checks.join(", ")} of param '${name}'`,
        plural: checks.length > 1,
        reason:
          "a KFP run takes any value of the param's type: neither the backend nor the UI checks it against them (Airflow does)",
        hint: "check the value in the first task that reads it",
        level: "warning",
      });
    }
  }
  for (const [name, p] of Object.entries(ir.params)) {
    placeholderDefault(`the default of param '${name}'`, p.default);
    // A protobuf Value can hold null, but kfp's parameters cannot: its compiler refuses such a
    // default (to_protobuf_value), and a run fails on it naming neither the param nor a task.
    // A null default itself is an optional param's, left unset (below).
    const at = p.default === null ? null : nullPath(p.default, name);
    if (at !== null) {
      problems.push({
        what: `the default of param '${name}'`,
        reason: `it holds null at ${at}, and a KFP parameter carries no null inside a list or dict: kfp's own compiler refuses such a default ("Value must be one of the following types ... Got: None"), and kfp.local fails the run with that ValueError, naming neither the param nor a task`,
        hint: `leave the key out of the default, or give it a value of its type ("", 0, [], {}) and test for that in the task`,
        level: "error",
      });
    }
    // An optional param, as kfp compiles `Optional[str] = None`: no default, and a run that
    // leaves it unset gives the tasks reading it no value (their function's None).
    rootParams.set(name, {
      parameterType: PARAM_TYPES[p.type],
      ...(p.default === null ? {} : { defaultValue: p.default }),
      isOptional: true,
      ...(p.description ? { description: p.description } : {}),
    });
  }

  const producer = (task: string) => nodeOf.get(task) as TaskNode;
  // kfp's names: `pipelinechannel--<param>` and `pipelinechannel--<task>-<output>`. A param
  // whose name holds a '-' (which kfp's, Python identifiers, never do) can meet a task output's
  // (`model-path` and model's `path`): the second value met gets a numbered name of its own.
  const channels = new Map<string, string>();
  const channelTaken = new Set<string>();
  // (A loop's item is `pipelinechannel--loop-item-param-<n>`.)
  const taken = (c: string) =>
    channelTaken.has(c) || /^pipelinechannel--loop-item-param-\d+$/.test(c);
  const channel = (src: Source) => {
    const id = src.kind === "param" ? `param ${src.name}` : `output ${src.task} ${src.output}`;
    let name = channels.get(id);
    if (name === undefined) {
      const base =
        src.kind === "param"
          ? `pipelinechannel--${src.name}`
          : `pipelinechannel--${producer(src.task).key}-${src.output}`;
      name = base;
      for (let n = 2; taken(name); n++) name = `${base}-${n}`;
      channels.set(id, name);
      channelTaken.add(name);
    }
    return name;
  };
  const baseType = (src: Source): ParameterType => {
    if (src.kind === "param") return src.type;
    const t = taskById.get(src.task);
    const out = t ? taskOutputs(t)[src.output] : undefined;
    return out ? OUTPUT_PARAMETER_TYPES[out] : "STRING";
  };
  /** A mapped task's output is a list everywhere outside its own loop. */
  const typeAt = (src: Source, at: Scope): ParameterType => {
    if (src.kind === "output") {
      const p = producer(src.task);
      if (p.task.kind === "python" && p.task.map && !ancestry(at).includes(p.parent)) return "LIST";
    }
    return baseType(src);
  };
  const ensureInput = (s: Scope, name: string, type: ParameterType, from: () => InputSpec) => {
    const m = scopeInputs.get(s) ?? new Map<string, Port>();
    scopeInputs.set(s, m);
    if (!m.has(name)) m.set(name, { type, spec: from() });
  };
  const reportedExports = new Set<string>();
  /**
   * `quiet`: read through a oneOf, which selects the side that ran (no problem to report);
   * `reader`: the task that reads it, where a problem is reported.
   */
  const expose = (y: Scope, p: TaskNode, output: string, quiet = false, reader?: Task): string => {
    const src: Source = { kind: "output", task: p.task.id, output };
    const ch = channel(src);
    const m = scopeOutputs.get(y) ?? new Map<string, { type: ParameterType; from: InputSpec }>();
    scopeOutputs.set(y, m);
    if (!quiet && (y.kind === "condition" || y.kind === "condition-branches") && y.origin) {
      const origin = y.origin.task;
      const key = `${origin.id}|${p.task.id}|${output}|${reader?.id ?? ""}`;
      if (!reportedExports.has(key)) {
        reportedExports.add(key);
        const read = `${p.task.id}.out.${output}`;
        problems.push({
          task: reader?.id ?? p.task.id,
          what: `${reader ? `task '${reader.id}' reading ` : ""}output '${output}' of task '${p.task.id}'`,
          reason: `'${p.task.id}' runs only ${origin.kind === "branch" ? `on one side of branch '${origin.id}'` : `when '${origin.id}' lets it`}, and ${reader ? `'${reader.id}'` : "the reader"} runs outside it, where KFP has no such output when it did not run`,
          hint:
            origin.kind === "branch"
              ? `read it in a task on the same side of '${origin.id}', or, for the value of whichever side ran, pass oneOf(${read}, <an output of the other side>) as a python task's input (KFP's dsl.OneOf)`
              : `read it only in tasks after '${p.task.id}' that '${origin.id}' skips with it`,
          level: "error",
        });
      }
    }
    if (m.has(ch)) return ch;
    let from: InputSpec;
    if (p.parent === y) {
      from = { valueFromParameter: { producerSubtask: p.key, outputParameterKey: output } };
    } else {
      const z = childOf(y, p) as Scope;
      from = {
        valueFromParameter: {
          producerSubtask: z.key,
          outputParameterKey: expose(z, p, output, quiet, reader),
        },
      };
    }
    const type =
      ancestry(p).includes(y) && p.task.kind === "python" && p.task.map ? "LIST" : baseType(src);
    m.set(ch, { type, from });
    return ch;
  };
  // dsl.OneOf: an output of the If/Else wrapper (`condition-branches-N`) that selects, among
  // its sides' outputs, the one of the side that ran (`valueFromOneof`), named as kfp names it:
  // `pipelinechannel--<wrapper>-oneof-<n>`, n counting the wrapper's oneOfs from 1.
  const oneOfs = new Map<string, { scope: Scope; name: string; type: ParameterType } | null>();
  const oneOfCount = new Map<Scope, number>();
  const oneOfOutput = (consumer: Task, refs: readonly Ref[]) => {
    const id = refs.map((r) => `${r.task}\0${r.output}`).join("\0\0");
    if (oneOfs.has(id)) return oneOfs.get(id) ?? null;
    const nodes = refs.map((r) => producer(r.task));
    let wrapper: Scope | null = nodes[0]?.parent ?? null;
    while (wrapper && !nodes.every((n) => ancestry(n).includes(wrapper as Scope))) {
      wrapper = wrapper.parent;
    }
    // checkOneOf refuses outputs not on the sides of one branch; a shape it allows but KFP
    // cannot carry is said here.
    const refuse = (reason: string, hint: string) => {
      problems.push({
        task: consumer.id,
        what: `oneOf(${refs.map((r) => `${r.task}.out.${r.output}`).join(", ")}) read by '${consumer.id}'`,
        reason,
        hint,
        level: "error",
      });
      oneOfs.set(id, null);
      return null;
    };
    if (wrapper?.kind !== "condition-branches") {
      return refuse(
        "its outputs do not sit in the sides of one If/Else on Kubeflow, where dsl.OneOf selects among the sides of one condition-branches group",
        "put in oneOf(...) one output from each side of one branch that has both ifTrue and ifFalse",
      );
    }
    // Two on one side of the group: a branch nested there (on Airflow exactly one still runs);
    // kfp's OneOf selects one output per side, and dsl.Elif chains only an Else.
    if (new Set(nodes.map((n) => childOf(wrapper, n))).size < nodes.length) {
      return refuse(
        "two of its outputs sit on one side of an If/Else on Kubeflow, inside a branch nested there, and dsl.OneOf selects one output per side of one condition-branches group",
        "nest the inner branch on the ifFalse side of the outer one with nothing else on that side (an If/Elif/Else chain, which mlgen writes as kfp's dsl.Elif; its condition then reads only values made before the outer branch)",
      );
    }
    const n = (oneOfCount.get(wrapper) ?? 0) + 1;
    oneOfCount.set(wrapper, n);
    const name = `pipelinechannel--${wrapper.key}-oneof-${n}`;
    const cb = wrapper;
    const parameterSelectors = refs.map((r, i) => {
      const p = nodes[i] as TaskNode;
      const side = childOf(cb, p) as Scope;
      return { producerSubtask: side.key, outputParameterKey: expose(side, p, r.output, true) };
    });
    const first = refs[0] as Ref;
    const type = baseType({ kind: "output", task: first.task, output: first.output });
    const m = scopeOutputs.get(cb) ?? new Map<string, { type: ParameterType; from: InputSpec }>();
    scopeOutputs.set(cb, m);
    m.set(name, { type, from: { valueFromOneof: { parameterSelectors } } });
    const made = { scope: cb, name, type };
    oneOfs.set(id, made);
    return made;
  };
  /** The oneOf output lifted out of the scopes between its wrapper and `y`'s children. */
  const liftOneOf = (y: Scope, o: { scope: Scope; name: string; type: ParameterType }): string => {
    const m = scopeOutputs.get(y) ?? new Map<string, { type: ParameterType; from: InputSpec }>();
    scopeOutputs.set(y, m);
    if (!m.has(o.name)) {
      const z = childOf(y, o.scope) as Scope;
      const key = z === o.scope ? o.name : liftOneOf(z, o);
      m.set(o.name, {
        type: o.type,
        from: { valueFromParameter: { producerSubtask: z.key, outputParameterKey: key } },
      });
    }
    return o.name;
  };
  const bringOneOf = (
    x: Scope,
    o: { scope: Scope; name: string; type: ParameterType },
  ): InputSpec => {
    if (o.scope.parent === x) {
      return { taskOutputParameter: { producerTask: o.scope.key, outputParameterKey: o.name } };
    }
    const y = childOf(x, o.scope);
    if (y && y.type === "scope") {
      return { taskOutputParameter: { producerTask: y.key, outputParameterKey: liftOneOf(y, o) } };
    }
    // Into a loop or condition below: the channel's full name, as kfp writes it for any task
    // output (`pipelinechannel--<producer>-<output>`), the wrapper being the producer here.
    const input = `pipelinechannel--${o.scope.key}-${o.name}`;
    ensureInput(x, input, o.type, () => bringOneOf(x.parent as Scope, o));
    return { componentInputParameter: input };
  };
  /** `reader`: the task whose input it is, where a problem reading it is reported. */
  const bring = (x: Scope, src: Source, reader?: Task): InputSpec => {
    if (src.kind === "param") {
      if (x.kind === "root") return { componentInputParameter: src.name };
      const ch = channel(src);
      ensureInput(x, ch, src.type, () => bring(x.parent as Scope, src, reader));
      return { componentInputParameter: ch };
    }
    const p = producer(src.task);
    if (p.parent === x) {
      return { taskOutputParameter: { producerTask: p.key, outputParameterKey: src.output } };
    }
    const y = childOf(x, p);
    if (y && y.type === "scope") {
      return {
        taskOutputParameter: {
          producerTask: y.key,
          outputParameterKey: expose(y, p, src.output, false, reader),
        },
      };
    }
    const ch = channel(src);
    ensureInput(x, ch, typeAt(src, x), () => bring(x.parent as Scope, src, reader));
    return { componentInputParameter: ch };
  };

  // Airflow Variables become pipeline parameters: the run's settings, defaulted as given.
  const variables = new Map<string, string | null>();
  /** Variables read with two different defaults (reported once each). */
  const conflicting = new Set<string>();
  const sourceOf = (v: Value): Source | null => {
    if (v.kind === "ref") return { kind: "output", task: v.task, output: v.output };
    if (v.kind === "param") {
      const p = Object.hasOwn(ir.params, v.name) ? ir.params[v.name] : undefined;
      return { kind: "param", name: v.name, type: p ? PARAM_TYPES[p.type] : "STRING" };
    }
    if (v.kind === "variable") {
      if (Object.hasOwn(ir.params, v.name)) {
        problems.push({
          what: `variable('${v.name}')`,
          reason: `Variables become pipeline parameters on Kubeflow, and a param named '${v.name}' exists`,
          hint: "rename the param or the variable",
          level: "error",
        });
      }
      const known = variables.get(v.name) ?? null;
      if (known !== null && v.default !== null && known !== v.default) {
        if (!conflicting.has(v.name)) {
          conflicting.add(v.name);
          problems.push({
            what: `variable('${v.name}') with two defaults ('${known}' and '${v.default}')`,
            reason: `Variables become pipeline parameters on Kubeflow, and a parameter has one default, so every task would read '${known}' when the run does not set it; Airflow gives each use its own default`,
            hint: `give variable('${v.name}') the same default everywhere, or use two variables`,
            level: "warning",
          });
        }
      } else if (!variables.has(v.name) || v.default !== null) {
        variables.set(v.name, v.default);
      }
      return { kind: "param", name: v.name, type: "STRING" };
    }
    return null;
  };

  // Dependencies: each edge lifted to the children of the two ends' closest common scope.
  for (const task of ir.tasks) {
    const a = nodeOf.get(task.id);
    if (!a) continue;
    for (const u of task.upstream) {
      const b = nodeOf.get(u);
      if (!b) continue;
      const upA = ancestry(a);
      const upB = ancestry(b);
      if (upA.includes(b) || upB.includes(a)) continue;
      const lca = upA.find((n) => upB.includes(n)) as Scope;
      const ca = childOf(lca, a);
      const cb = childOf(lca, b);
      if (ca && cb && ca !== cb) depsOf(ca).add(cb.key);
    }
  }

  // Conditions: each side's task reads the operand through its own inputs.
  const triggers = new Map<Scope, string>();
  const walk = (s: Scope, fn: (s: Scope) => void) => {
    fn(s);
    for (const c of s.children) if (c.type === "scope") walk(c, fn);
  };
  type Operand = { src: Source; ch: string; type: ParameterType };
  /** A gate's condition as CEL and the values it reads, or null (said once) when KFP cannot. */
  const gates = new Map<Task, { cel: string; operands: Operand[] } | null>();
  const gateOf = (task: Task, at: Scope): { cel: string; operands: Operand[] } | null => {
    if (gates.has(task)) return gates.get(task) ?? null;
    gates.set(task, null);
    if (task.kind !== "branch" && task.kind !== "short_circuit") return null;
    const read = rightValue(task.condition);
    const sides = read ? [task.condition.left, read] : [task.condition.left];
    const operands: Operand[] = [];
    for (const value of sides) {
      const src = sourceOf(value);
      if (!src) {
        problems.push({
          task: task.id,
          what: `the condition of '${task.id}'`,
          reason: `Kubeflow evaluates conditions on task outputs and pipeline parameters, not on ${value.kind} values`,
          hint: "compare a task output or a param, or compute the value in a python task first",
          level: "error",
        });
        return null;
      }
      const type = typeAt(src, at);
      if (type === "LIST" || type === "STRUCT") {
        // kfp's compiler refuses it ("Conditional requires primitive parameter values"), and the
        // backend's CEL has no comparison of a list or a map with a scalar.
        problems.push({
          task: task.id,
          what: `the condition of '${task.id}'`,
          reason: `it compares a ${type === "LIST" ? "list" : "dict"} value, and KFP conditions compare strings, numbers and booleans only`,
          hint: "compare a string, number or bool output: compute it from the list or dict in a python task",
          level: "error",
        });
        return null;
      }
      operands.push({ src, ch: channel(src), type });
    }
    if (task.condition.right === null) {
      // Airflow compares with None (a join's read of a skipped side); a KFP parameter always
      // holds a value, so the branch would be taken the same way on every run.
      problems.push({
        task: task.id,
        what: `the condition of '${task.id}'`,
        reason:
          "it compares with null, and a KFP task output or param is never null, so the same side would run on every run",
        hint: "compare with a value the task returns when it has nothing (an empty string, 0 or false)",
        level: "error",
      });
      return null;
    }
    const [l, r] = operands as [Operand, ...Operand[]];
    // Two parameters compared (`accuracy >= threshold`) are written as read, without kfp's
    // casts (`int(a)`, `double(int(a))` for an int and a double): the driver hands every number
    // over as a double, so two numbers compare as doubles whatever their declared types.
    // Strings and booleans compare as they are; two of different kinds are MLG1011 before this
    // (check-constructs.ts).
    const cel = r
      ? `${celOperand(l.ch)} ${CEL_OPS[task.condition.op]} ${celOperand(r.ch)}`
      : celCondition(l.ch, l.type, task.condition);
    const made = { cel, operands };
    gates.set(task, made);
    return made;
  };
  walk(root, (s) => {
    if (s.kind !== "condition" || !s.origin) return;
    // An elif's side: the conditions before it false, then its own (kfp's `!(a) && b`).
    const parts: string[] = [];
    for (const [task, negate] of [
      ...(s.elseOf ?? []).map((t) => [t, true] as const),
      [s.origin.task, s.origin.negate] as const,
    ]) {
      const gate = gateOf(task, s.parent as Scope);
      if (!gate) return;
      for (const o of gate.operands)
        ensureInput(s, o.ch, o.type, () => bring(s.parent as Scope, o.src, task));
      parts.push(negate ? `!(${gate.cel})` : gate.cel);
    }
    triggers.set(s, parts.join(" && "));
  });

  // Loops: iterate a task output, a param or a literal list.
  const iterators = new Map<
    Scope,
    {
      iterator: Record<string, unknown>;
      item: string;
      itemType: ParameterType;
      /** Items from a literal list, which keep their JSON types whatever the input's type. */
      literal: boolean;
    }
  >();
  const where = (group: string | null) =>
    group === null ? "at the top level" : `in task group '${group}'`;
  walk(root, (s) => {
    if (s.kind !== "for-loop" || !s.mapped || s.mapped.kind !== "python" || !s.mapped.map) return;
    const over = s.mapped.map.over;
    const literal = constantOf(over);
    if (Array.isArray(literal)) {
      const item = `pipelinechannel--loop-item-param-${s.number}`;
      const itemType = listItemType(literal);
      if (itemType === null) {
        problems.push({
          task: s.mapped.id,
          what: `the literal list that '${s.mapped.id}' maps over`,
          reason:
            "its items are of different types, and a ParallelFor hands every item to the task as one parameter type (a string item given to an integer parameter fails, a float is cut to an integer)",
          hint: "map over items of one type (numbers, strings, booleans, lists or dicts), e.g. dicts holding the different values",
          level: "error",
        });
        return;
      }
      iterators.set(s, {
        iterator: { items: { raw: pyJsonDumps(literal) }, itemInput: item },
        item,
        itemType,
        literal: true,
      });
      return;
    }
    const src = sourceOf(over);
    if (!src) {
      problems.push({
        task: s.mapped.id,
        what: `the list that '${s.mapped.id}' maps over`,
        reason: `a ParallelFor iterates a task output, a param or a literal list, not ${over.kind} values`,
        hint: "produce the list in a python task and map over its output",
        level: "error",
      });
      return;
    }
    const producer = src.kind === "output" ? ir.tasks.find((t) => t.id === src.task) : undefined;
    if (producer?.kind === "python" && producer.map) {
      // A map over a mapped task's output joins its loop when both sit in one task group
      // (scopes.ts); across groups it would iterate the outputs collected from the other loop,
      // which kfp's compiler refuses (dsl.ParallelFor over dsl.Collected) and kfp.local cannot run.
      // In one group it stays out of the loop when it waits for a task after the loop.
      const seen = new Set<string>();
      const after = (id: string): boolean => {
        if (id === producer.id) return true;
        if (seen.has(id)) return false;
        seen.add(id);
        return (taskById.get(id)?.upstream ?? []).some(after);
      };
      const waits =
        producer.group === s.mapped.group
          ? s.mapped.upstream.find((u) => u !== producer.id && after(u))
          : undefined;
      const otherLoop =
        "KFP does not iterate the outputs collected from another loop (kfp refuses dsl.ParallelFor over dsl.Collected)";
      problems.push({
        task: s.mapped.id,
        what: `the list that '${s.mapped.id}' maps over`,
        reason:
          waits !== undefined
            ? `it is the collected output of '${producer.id}', and '${s.mapped.id}' waits for '${waits}', which runs after the loop of '${producer.id}', so the two cannot run in that loop item by item; and ${otherLoop}`
            : `it is the collected output of '${producer.id}', mapped ${where(producer.group)} and '${s.mapped.id}' ${where(s.mapped.group)}, and ${otherLoop}`,
        hint:
          waits !== undefined
            ? `compute what '${s.mapped.id}' needs of '${waits}' without the loop's outputs, or pass ${producer.id}'s output through '${waits}' (a list it returns) and map over that`
            : `put '${s.mapped.id}' in the task group of '${producer.id}' (the two then run in one loop, item by item), or pass ${producer.id}'s output to a python task that returns the list and map over that task's output`,
        level: "error",
      });
      return;
    }
    const ch = channel(src);
    ensureInput(s, ch, "LIST", () => bring(s.parent as Scope, src, s.mapped));
    // kfp types the items of an untyped list as strings (kfp/dsl/for_loop.py).
    iterators.set(s, {
      iterator: { items: { inputParameter: ch }, itemInput: `${ch}-loop-item` },
      item: `${ch}-loop-item`,
      itemType: "STRING",
      literal: false,
    });
  });

  // Leaves: one component and one executor each.
  const components: Record<string, unknown> = {};
  const executors: Record<string, unknown> = {};
  /** The executors of python tasks with a secretEnv of their own, and it (see secretsOf). */
  const ownSecrets = new Map<string, NonNullable<KubeflowTaskSettings["secretEnv"]>>();
  /**
   * The executors of container tasks and latest-only stand-ins: their images get no secretEnv
   * (see secretsOf).
   */
  const imageTasks = new Set<string>();
  const platformExecutors: Record<string, unknown> = {};
  /** Adds settings to an executor's entry of the Kubernetes platform spec. */
  const addPlatform = (label: string, entry: Record<string, unknown>) => {
    platformExecutors[label] = { ...(platformExecutors[label] ?? {}), ...entry };
  };
  const leafInputs = new Map<TaskNode, Map<string, Port>>();
  const leafOutputs = new Map<TaskNode, Record<string, ParameterType>>();
  const approximated: Approximated = (task, what, reason, hint, plural) =>
    problems.push({ task: task.id, what, reason, hint, plural, level: "warning" });
  /** Variables read without a default and not set from a secret: the tasks that read each. */
  const unsetEnv = new Map<string, Task[]>();

  for (const leaf of shape.leaves) {
    const task = leaf.task;
    const x = leaf.parent;
    const ports = new Map<string, Port>();
    leafInputs.set(leaf, ports);
    const code: ValueCode = {
      input(name, v) {
        if (v.kind === "oneOf") {
          const o = oneOfOutput(task, v.refs);
          const type = o?.type ?? "STRING";
          ports.set(name, { type, spec: o ? bringOneOf(x, o) : {} });
          return type;
        }
        const src = sourceOf(v);
        if (!src) throw new Error(`not a channel: ${v.kind}`);
        if (src.kind === "output" && x.mapped && producer(src.task).parent === x) {
          // Only a map chained into this loop reads a loop-mate (a mapped task); on Airflow it
          // gets the list of every instance's value, here one instance's.
          problems.push({
            task: task.id,
            what: `input '${name}' of '${task.id}'`,
            reason: `'${task.id}' maps over an output of '${x.mapped.id}', so on Kubeflow it runs in the same ParallelFor, where '${src.task}.out.${src.output}' is the value of one instance, not the list of all of them Airflow passes`,
            hint: `map over one output of '${src.task}' that holds all '${task.id}' needs from it (a dict), or read the list in a task after the loop`,
            level: "error",
          });
        }
        const type = typeAt(src, x);
        ports.set(name, { type, spec: bring(x, src, task) });
        return type;
      },
      item(name, declared) {
        const over = task.kind === "python" ? task.map?.over : undefined;
        if (x.mapped && x.mapped !== task && over?.kind === "ref") {
          // A map chained into another's loop: its item is what the instance beside it returned.
          const src: Source = { kind: "output", task: over.task, output: over.output };
          const type = declared ?? baseType(src);
          ports.set(name, { type, spec: bring(x, src, task) });
          return type;
        }
        const it = iterators.get(x);
        if (it && !it.literal && declared === null && task.kind === "python") {
          // The driver turns a value into text for a STRING input (pbValueToText), where
          // Airflow and kfp.local pass the value itself; a typed input gets the value.
          approximated(
            task,
            `the items that '${task.id}' maps over`,
            `on a KFP cluster each item reaches ${task.function}() as text (1 as '1', a dict as its JSON) unless its parameter '${name}' is annotated; Airflow and kfp.local pass the value itself`,
            `annotate the parameter in ${task.module} (${name}: int, float, bool, str, dict or list), as kfp components are`,
            true,
          );
        }
        const type = declared ?? it?.itemType ?? "STRING";
        ports.set(name, { type, spec: it ? { componentInputParameter: it.item } : {} });
        return type;
      },
      constant(name, value, declared) {
        if (holdsPlaceholder(value)) {
          approximated(
            task,
            `input '${name}' of '${task.id}'`,
            PLACEHOLDER.reason,
            PLACEHOLDER.hint,
          );
        }
        const type =
          declared === "NUMBER_DOUBLE" && typeof value === "number"
            ? "NUMBER_DOUBLE"
            : literalType(value);
        ports.set(name, { type, spec: { runtimeValue: { constant: value } } });
        return type;
      },
      template(text) {
        approximated(
          task,
          `template '${text}' in '${task.id}'`,
          "Airflow templates are not rendered on Kubeflow; the text is passed as is",
          "use a param, or a placeholder value computed in a python task",
        );
      },
      envWithoutDefault(name) {
        // Said once per variable (below), at the first task that reads it, naming them all.
        if (name in settings.secretEnv) return;
        // A python task's own kubeflow.env or secretEnv sets it in its pod.
        const own = taskKubeflow(task);
        if (own?.env?.some((e) => e.name === name) || own?.secretEnv?.[name] !== undefined) return;
        const readers = unsetEnv.get(name) ?? [];
        if (!readers.includes(task)) readers.push(task);
        unsetEnv.set(name, readers);
      },
    };
    let build: ComponentBuild;
    switch (task.kind) {
      case "python":
      case "validate":
      case "sensor":
      case "trigger":
      case "latest_only":
        build = pythonComponent(input, task, code, settings, approximated);
        break;
      case "bash":
        build = shellExecutor(task, code, settings, approximated);
        break;
      case "container":
        build = containerExecutor(task, code, approximated);
        break;
      case "operator": {
        const name = operatorClass(task);
        problems.push({
          task: task.id,
          what: `operator task '${task.id}' (${name})`,
          reason: "it runs an Airflow operator, which only an Airflow worker can run",
          hint: "compile the pipeline for Airflow only, or do the step in a p.python() task (the provider's hook, or the service's client) or a p.container() task",
          level: "error",
        });
        continue;
      }
      default:
        continue;
    }
    for (const [name, type] of Object.entries(build.extraInputs ?? {})) {
      ports.set(name, { type: type.type, spec: type.spec });
    }
    leafOutputs.set(leaf, build.outputs);
    components[`comp-${leaf.key}`] = {
      executorLabel: `exec-${leaf.key}`,
      ...definitions(ports, build.outputs, build.optionalInputs),
    };
    const label = `exec-${leaf.key}`;
    executors[label] = { container: build.container };
    // A latest-only stand-in only prints: it needs no secret either.
    if (task.kind === "container" || task.kind === "latest_only") imageTasks.add(label);
    const ownPod = taskKubeflow(task);
    if (ownPod?.secretEnv) ownSecrets.set(label, ownPod.secretEnv);
    // Where the pod may run, as kfp-kubernetes writes add_node_selector and add_toleration: a
    // container task's own, a python task's kubeflow settings.
    const pod = taskPod(task);
    if (pod && Object.keys(pod.nodeSelector).length > 0) {
      addPlatform(label, {
        nodeSelector: { labels: { ...pod.nodeSelector } },
      });
    }
    if (pod && pod.tolerations.length > 0) {
      addPlatform(label, {
        tolerations: pod.tolerations.map((t) => ({
          ...(t.key !== null ? { key: t.key } : {}),
          ...(t.operator !== null ? { operator: t.operator } : {}),
          ...(t.value !== null ? { value: t.value } : {}),
          ...(t.effect !== null ? { effect: t.effect } : {}),
          ...(t.tolerationSeconds !== null
            ? { tolerationSeconds: String(t.tolerationSeconds) }
            : {}),
        })),
      });
    }
    // The pod's volumes, as kfp-kubernetes writes mount_pvc and empty_dir_mount.
    if (pod?.pvcs?.length) {
      addPlatform(label, {
        pvcMount: pod.pvcs.map((v) => ({
          constant: v.name,
          pvcNameParameter: { runtimeValue: { constant: v.name } },
          mountPath: v.mountPath,
        })),
      });
    }
    const emptyDirs = [
      // Shared memory first, then the others in the order written.
      ...(pod?.shm !== undefined
        ? [
            {
              volumeName: "shm",
              mountPath: "/dev/shm",
              medium: "Memory",
              ...(pod.shm === true ? {} : { sizeLimit: pod.shm }),
            },
          ]
        : []),
      ...(pod?.emptyDirs ?? []).map((v) => ({
        volumeName: v.name,
        mountPath: v.mountPath,
        ...(v.medium !== null ? { medium: v.medium } : {}),
        ...(v.sizeLimit !== null ? { sizeLimit: v.sizeLimit } : {}),
      })),
    ];
    if (emptyDirs.length > 0) {
      addPlatform(label, {
        emptyDirMounts: emptyDirs,
      });
    }
    // The project's and the pipeline's pull secrets (in `settings`) with the task's own: on
    // every pod, a container task's too, since the kubelet reads them and the container never
    // sees them.
    const pullSecrets = addPullSecrets(
      settings.imagePullSecrets,
      task.kind === "container" ? task.imagePullSecrets : ownPod?.imagePullSecrets,
    );
    if (pullSecrets.length > 0) {
      addPlatform(label, {
        imagePullSecret: imagePullSecret(pullSecrets),
      });
    }
    const timeout = podDeadline(task, effectiveOptions(ir, task).executionTimeout);
    if (timeout !== null && settings.timeouts) {
      addPlatform(label, {
        activeDeadlineSeconds: String(timeout),
      });
    }
  }

  for (const [name, readers] of unsetEnv) {
    const ids = readers.map((t) => `'${t.id}'`);
    const shown =
      ids.length <= 3
        ? ids.join(ids.length === 2 ? " and " : ", ")
        : `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more`;
    approximated(
      readers[0] as Task,
      `env('${name}') in ${shown}`,
      `it has no default, and nothing sets ${name} in a KFP pod (the image's own environment aside), so ${readers.length === 1 ? "the task fails" : "each of these tasks fails"} when it reads it`,
      `give it a default, env('${name}', '...'), or set kubeflow: { secretEnv: { ${name}: { secret: "<secret name>", key: "<key>" } } } in mlgen.config.ts`,
    );
  }

  // kfp's validate_pipeline_name: what is left of the id once made k8s-safe must name it.
  if (!/^[a-z0-9][a-z0-9-]{0,127}$/.test(pipelineName(ir.id))) {
    problems.push({
      what: `pipeline id '${ir.id}'`,
      reason: `made Kubernetes-safe it is '${pipelineName(ir.id)}', and a KFP pipeline name must start with a letter or digit (kfp refuses it)`,
      hint: "give the pipeline an id with a letter or digit in it, e.g. 'train_model'",
      level: "error",
    });
  }

  if (!settings.timeouts) {
    // A latest-only stand-in only prints: its timeout is nothing to lose.
    const timed = ir.tasks.filter(
      (t) => t.kind !== "latest_only" && effectiveOptions(ir, t).executionTimeout !== null,
    );
    if (timed.length > 0) {
      problems.push({
        what: `execution timeouts (${timed.length} task${timed.length === 1 ? "" : "s"}: ${timed
          .slice(0, 3)
          .map((t) => `'${t.id}'`)
          .join(", ")}${timed.length > 3 ? ", …" : ""})`,
        plural: true,
        reason: "the KFP pipeline spec has no task timeout",
        hint: "set `kubeflow: { timeouts: true }` in mlgen.config.ts to emit them as activeDeadlineSeconds in the Kubernetes platform spec (kfp-kubernetes)",
        level: "warning",
      });
    }
  }

  const isJoinAfterCondition = joinsAfterCondition(ir);
  /** A backoff factor that is no whole number: the tasks whose retry policy has it. */
  const fractionalFactors = new Map<number, Task[]>();
  const taskSpec = (n: Node): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      componentRef: { name: `comp-${n.key}` },
      // The task key, as kfp writes it: KFP backends before 2.14 look a producer task up by
      // taskInfo.name, so a display name (the DSL id, `prepare_data`) broke data passing.
      taskInfo: { name: n.key },
    };
    const d = deps.get(n);
    if (d && d.size > 0) out.dependentTasks = sorted(d);
    const ports = n.type === "task" ? leafInputs.get(n) : scopeInputs.get(n);
    if (ports && ports.size > 0) {
      out.inputs = {
        parameters: Object.fromEntries(sorted(ports.keys()).map((k) => [k, ports.get(k)?.spec])),
      };
    }
    // kfp writes caching options on every PipelineTask, a sub-pipeline's (a group's) too. A
    // sensor is never cached: it looks at the world outside, and a cached success would skip the
    // wait in every later run; nor is a trigger (a cached one would start nothing).
    if (n.type === "task" || n.kind === "group") {
      // A python task's own kubeflow.caching comes first (the pipeline's is in `settings`).
      const own = n.type === "task" && n.task.kind === "python" ? n.task.kubeflow?.caching : null;
      const cached =
        (own ?? caching) &&
        !(n.type === "task" && (n.task.kind === "sensor" || n.task.kind === "trigger"));
      out.cachingOptions = cached ? { enableCache: true } : {};
    }
    if (n.type === "task") {
      const o = effectiveOptions(ir, n.task);
      // A polling sensor's (a file's, a python function's) failure is almost always its timeout,
      // which Airflow never retries (AirflowSensorTimeout fails the task at once); KFP would
      // wait the whole timeout again.
      const polls =
        n.task.kind === "sensor" &&
        (n.task.sensor.type === "file" || n.task.sensor.type === "python");
      if (o.retries !== null && o.retries > 0 && !polls) {
        const factor = o.retryExponentialBackoff ? o.retryExponentialBackoff : 1;
        if (!Number.isInteger(factor)) {
          const same = fractionalFactors.get(factor) ?? [];
          same.push(n.task);
          fractionalFactors.set(factor, same);
        }
        // Airflow's default delay between tries is five minutes.
        const delay = o.retryDelay ?? 300;
        const policy: Record<string, unknown> = {
          maxRetryCount: o.retries,
          backoffDuration: `${delay}s`,
          backoffFactor: factor,
        };
        // backoffMaxDuration becomes Argo's backoff.maxDuration: retrying stops that long after
        // the first try started (a window over every try, not Airflow's cap on each delay, and
        // kfp's default of an hour would stop retrying a task that runs longer). It is always
        // written: the backend's executor template defaults a missing one to 0, which ends
        // retrying at once. When each try is bounded (the pod deadline) it is the whole of
        // Airflow's schedule: every wait, and every try with time for its pod to start; when
        // not, ten years: no limit, as on Airflow.
        const tryLimit = settings.timeouts ? podDeadline(n.task, o.executionTimeout) : null;
        const waits = Array.from({ length: o.retries }, (_, i) => delay * factor ** i);
        const window =
          tryLimit === null
            ? MAX_RETRY_WINDOW_SECONDS
            : waits.reduce((a, b) => a + b, 0) + (o.retries + 1) * (tryLimit + POD_START_SECONDS);
        policy.backoffMaxDuration = `${Math.min(Math.ceil(window), MAX_RETRY_WINDOW_SECONDS)}s`;
        out.retryPolicy = policy;
        const longest = waits[waits.length - 1] ?? 0;
        if (factor !== 1 && o.maxRetryDelay !== null && longest > o.maxRetryDelay) {
          problems.push({
            task: n.task.id,
            what: `maxRetryDelay of '${n.task.id}' (${o.maxRetryDelay} s)`,
            reason: `KFP cannot cap each wait between tries: with backoffFactor ${factor} the last of its ${o.retries} retries waits ${Math.round(longest)} s, where Airflow waits at most maxRetryDelay`,
            hint: "lower retries, retryDelay or the backoff factor so the waits stay under maxRetryDelay",
            level: "warning",
          });
        }
      }
      const rule = o.triggerRule;
      if (rule !== null && rule !== "all_success" && !isJoinAfterCondition(n.task)) {
        if (rule === "all_done") {
          out.triggerPolicy = { strategy: "ALL_UPSTREAM_TASKS_COMPLETED" };
          const reads = [
            ...new Set(taskValues(n.task).flatMap(([, v]) => refsIn(v).map((r) => r.task))),
          ];
          if (reads.length > 0) {
            // kfp's compiler refuses this (for an input without a default); the backend fails the
            // task when an input never came.
            problems.push({
              task: n.task.id,
              what: `trigger rule all_done of '${n.task.id}'`,
              reason: `it reads outputs of ${reads.map((r) => `'${r}'`).join(", ")}, which do not exist when that task failed, so on Kubeflow it fails instead of running (kfp's own compiler refuses ignore_upstream_failure() on a task that takes an upstream output into an input without a default, as each of these is)`,
              hint: "read no upstream output in an all_done task (e.g. clean-up), or use all_success",
              level: "error",
            });
          }
        } else if (rule === "one_failed" || rule === "all_failed" || rule === "all_skipped") {
          // Run only when something upstream failed (or was skipped): on KFP, which runs a task
          // after its upstream tasks succeeded, it would run exactly when it should not.
          problems.push({
            task: n.task.id,
            what: `trigger rule '${rule}' of '${n.task.id}'`,
            reason: `KFP runs a task only after its upstream tasks succeeded (or, all_done, completed), so it would run when it should not and never when it should`,
            hint:
              rule === "all_skipped"
                ? "make it a branch target instead"
                : "react to failures with the pipeline's onFailure alert (defaults: { onFailure: callback(...) }), which Kubeflow runs in an exit handler",
            level: "error",
          });
        } else {
          problems.push({
            task: n.task.id,
            what: `trigger rule '${rule}' of '${n.task.id}'`,
            reason:
              "KFP runs a task after all its upstream tasks succeeded, or (all_done) completed",
            hint: "use all_success or all_done, or restructure with a branch",
            level: "warning",
          });
        }
      }
    } else {
      const trigger = triggers.get(n);
      if (trigger) out.triggerPolicy = { condition: trigger };
      const it = iterators.get(n);
      if (it) {
        out.parameterIterator = it.iterator;
        const limit = n.mapped ? loopLimit(ir, n.mapped) : null;
        if (limit !== null) out.iteratorPolicy = { parallelismLimit: limit };
      }
    }
    return out;
  };

  const dagOf = (s: Scope): Record<string, unknown> => {
    const dag: Record<string, unknown> = {
      tasks: Object.fromEntries(s.children.map((c) => [c.key, taskSpec(c)])),
    };
    const outs = scopeOutputs.get(s);
    if (outs && outs.size > 0) {
      dag.outputs = {
        parameters: Object.fromEntries(sorted(outs.keys()).map((k) => [k, outs.get(k)?.from])),
      };
    }
    return dag;
  };
  // The channels of optional params (default null): a group's input that carries one is
  // optional too, as kfp compiles a nested pipeline's `Optional[str] = None` parameter.
  const optionalChannels = new Set(
    [...optionalParamNames(ir.params)]
      .map((name) => channels.get(`param ${name}`))
      .filter((c): c is string => c !== undefined),
  );
  walk(root, (s) => {
    if (s.kind === "root") return;
    const ports = new Map(scopeInputs.get(s) ?? []);
    const it = iterators.get(s);
    if (it) ports.set(it.item, { type: it.itemType, spec: {} });
    const outs = scopeOutputs.get(s);
    components[`comp-${s.key}`] = {
      dag: dagOf(s),
      ...definitions(
        ports,
        Object.fromEntries([...(outs ?? new Map())].map(([k, v]) => [k, v.type])),
        new Set(s.kind === "group" ? [...ports.keys()].filter((k) => optionalChannels.has(k)) : []),
      ),
    };
  });
  // A run that leaves an optional param unset gives a sub-DAG's input null, which the KFP
  // driver refuses ("the resolved input parameter is null"), or, for an optional input, leaves
  // out, and the task inside then fails ("parent DAG does not have input parameter"): so for
  // kfp's own compiler's pipelines too.
  for (const task of ir.tasks) {
    const node = nodeOf.get(task.id);
    if (node?.type !== "task" || node.parent === root) continue;
    const reads = Object.values(
      task.kind === "python"
        ? task.inputs
        : task.kind === "sensor" && task.sensor.type === "python"
          ? task.sensor.inputs
          : {},
    ).filter(
      (v): v is Extract<Value, { kind: "param" }> =>
        v.kind === "param" && ir.params[v.name]?.default === null,
    );
    const names = [...new Set(reads.map((v) => v.name))];
    if (names.length === 0) continue;
    const scope = (ancestry(node).slice(1) as Scope[]).find(
      (sc) => sc.kind !== "root" && sc.kind !== "condition-branches",
    );
    const inside =
      scope?.kind === "group"
        ? `group '${scope.group}'`
        : scope?.kind === "for-loop"
          ? `the loop of map '${scope.mapped?.id}'`
          : scope?.kind === "condition"
            ? `the condition of ${scope.origin?.task.kind === "short_circuit" ? "short-circuit" : "branch"} '${scope.origin?.task.id}'`
            : "the exit handler of the pipeline's alerts";
    problems.push({
      task: task.id,
      what: `${names.length > 1 ? "optional params" : "optional param"} ${names.map((n) => `'${n}'`).join(", ")} of task '${task.id}'`,
      plural: names.length > 1,
      reason: `the task runs inside ${inside}, a sub-DAG of its own on Kubeflow, and a run that leaves ${names.length > 1 ? "them" : "it"} unset hands that sub-DAG null, which the KFP driver refuses ("the resolved input parameter is null"; an optional input of it is left out, and the task then fails with "parent DAG does not have input parameter"), for kfp's own compiler's pipelines too: only a run that sets ${names.length > 1 ? "them" : "it"} runs the task`,
      hint: "read the param in a Python task at the pipeline's top level (outside groups, branches, maps and pipeline alerts' exit handler) and pass its output in, or give the param a default of its type",
      level: "warning",
    });
  }

  for (const [name, def] of variables) {
    placeholderDefault(`the default of variable('${name}')`, def);
    rootParams.set(name, {
      parameterType: "STRING",
      ...(def !== null ? { defaultValue: def, isOptional: true } : {}),
    });
  }

  const rootTasks = dagOf(root);
  // Every task's spec is built (dagOf walked the scopes): said once per factor, at the first
  // task that retries with it.
  for (const [factor, tasks] of fractionalFactors) {
    const whole = [...new Set([Math.max(Math.floor(factor), 1), Math.ceil(factor)])].map(
      (f) =>
        `retryExponentialBackoff: ${f}${f === 1 ? " (a constant delay)" : f === 2 ? " (or true)" : ""}`,
    );
    const ids = tasks.map((t) => `'${t.id}'`);
    const shown =
      ids.length <= 3
        ? ids.join(ids.length === 2 ? " and " : ", ")
        : `${ids.slice(0, 3).join(", ")} and ${ids.length - 3} more`;
    problems.push({
      task: (tasks[0] as Task).id,
      what: `retryExponentialBackoff ${factor} of ${shown}`,
      reason: `KFP hands retryPolicy.backoffFactor to Argo's retryStrategy.backoff.factor, a whole number: Argo cannot read ${factor} ("cannot be resolved to an int"), so ${tasks.length === 1 ? "the task errors" : "each of these tasks errors"} the first time it fails instead of retrying`,
      hint: `give a whole factor${whole.length > 1 ? ", rounded down or up" : ""}: ${whole.join(" or ")}`,
      level: "error",
    });
  }
  if (shape.exit) {
    const key = shape.exit.key;
    const build = alertsComponent(input, alerts, settings, (what, reason, hint) =>
      problems.push({ what, reason, hint, level: "warning" }),
    );
    components[`comp-${key}`] = {
      executorLabel: `exec-${key}`,
      inputDefinitions: {
        parameters: { status: { isOptional: true, parameterType: "TASK_FINAL_STATUS" } },
      },
    };
    executors[`exec-${key}`] = { container: build.container };
    // The alerts run on the pipeline's image, pulled as the tasks' are.
    if (settings.imagePullSecrets.length > 0) {
      addPlatform(`exec-${key}`, {
        imagePullSecret: imagePullSecret(settings.imagePullSecrets),
      });
    }
    (rootTasks.tasks as Record<string, unknown>)[key] = {
      cachingOptions: caching ? { enableCache: true } : {},
      componentRef: { name: `comp-${key}` },
      dependentTasks: [shape.exit.scope.key],
      inputs: {
        parameters: { status: { taskFinalStatus: { producerTask: shape.exit.scope.key } } },
      },
      taskInfo: { name: key },
      triggerPolicy: { strategy: "ALL_UPSTREAM_TASKS_COMPLETED" },
    };
  }

  if (k8sName(ir.id).length > 128) {
    // kfp refuses the name (`^[a-z0-9][a-z0-9-]{0,127}$`); cut, two long ids could meet.
    problems.push({
      what: `pipeline id '${ir.id.slice(0, 40)}...'`,
      reason: `its Kubeflow name is ${k8sName(ir.id).length} characters long, and KFP takes pipeline names of at most 128 ('${pipelineName(ir.id).slice(0, 20)}...' would be cut, and two ids that start alike would clash)`,
      hint: "give the pipeline a shorter id (put the rest in its description)",
      level: "error",
    });
  }
  const spec: Record<string, unknown> = {
    components,
    deploymentSpec: { executors },
    pipelineInfo: {
      name: pipelineName(ir.id),
      ...(ir.description ? { description: ir.description } : {}),
      ...(pipelineName(ir.id) !== ir.id ? { displayName: ir.id } : {}),
    },
    root: {
      dag: rootTasks,
      ...(rootParams.size > 0
        ? {
            inputDefinitions: {
              parameters: Object.fromEntries(
                sorted(rootParams.keys()).map((k) => [k, rootParams.get(k)]),
              ),
            },
          }
        : {}),
    },
    schemaVersion: "2.1.0",
    sdkVersion: `mlgen-${settings.mlgenVersion}`,
  };
  const pipelineConfig =
    settings.timeouts && ir.dagrunTimeout !== null
      ? { activeDeadlineSeconds: ir.dagrunTimeout } // an int32: a JSON number
      : null;
  if (!settings.timeouts && ir.dagrunTimeout !== null) {
    problems.push({
      what: "dagrunTimeout",
      reason: "the KFP pipeline spec has no run timeout",
      hint: "set `kubeflow: { timeouts: true }` to emit it as pipelineConfig.activeDeadlineSeconds",
      level: "warning",
    });
  }
  // Secrets as env: kfp-kubernetes' secretAsEnv, one entry per secret. A Slack webhook URL
  // (MLGEN_SLACK_<CONN>_URL) is read by the alerts only: it goes to the exit handler's pod, not
  // to every task's; the other variables, which a task's code may read from its environment,
  // go to the pods that run the project's code (python, validate, sensor, bash), not to a
  // container task's.
  const exitLabel = shape.exit ? `exec-${shape.exit.key}` : null;
  // A python task's own secretEnv goes to its pod alone, over the project's and the pipeline's.
  const secretsOf = (alerts: boolean, own?: KubeflowTaskSettings["secretEnv"]) => {
    const bySecret = new Map<string, { secretKey: string; envVar: string }[]>();
    const all = own ? { ...settings.secretEnv, ...own } : settings.secretEnv;
    for (const [envVar, ref] of Object.entries(all).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      if (SLACK_VARIABLE.test(envVar) && !alerts) continue;
      const list = bySecret.get(ref.secret) ?? [];
      list.push({ secretKey: ref.key, envVar });
      bySecret.set(ref.secret, list);
    }
    // As kfp-kubernetes 2.17 writes use_secret_as_env: the name also as a parameter (KFP
    // backends from 2.5, Kubeflow 1.10's, read it) and optional false.
    return [...bySecret].map(([secretName, keyToEnv]) => ({
      secretName,
      secretNameParameter: { runtimeValue: { constant: secretName } },
      keyToEnv,
      optional: false,
    }));
  };
  // Built once each and shared by the executors, as the YAML writer writes a shared value once.
  const taskSecrets = secretsOf(false);
  const alertSecrets = exitLabel ? secretsOf(true) : taskSecrets;
  for (const label of Object.keys(executors)) {
    // A container task's image gets none: on Airflow a KubernetesPodOperator's pod gets none
    // of the worker's environment either, and a third-party image has no business with them.
    if (imageTasks.has(label)) continue;
    const own = ownSecrets.get(label);
    const secretAsEnv =
      label === exitLabel ? alertSecrets : own ? secretsOf(false, own) : taskSecrets;
    if (secretAsEnv.length === 0) continue;
    addPlatform(label, { secretAsEnv });
  }
  const hasPlatform = Object.keys(platformExecutors).length > 0 || pipelineConfig;
  const platform = hasPlatform
    ? {
        platforms: {
          kubernetes: {
            ...(Object.keys(platformExecutors).length > 0
              ? { deploymentSpec: { executors: platformExecutors } }
              : {}),
            ...(pipelineConfig ? { pipelineConfig } : {}),
          },
        },
      }
    : null;
  return { spec, platform, problems };
}

/** Image pull secrets as kfp-kubernetes' set_image_pull_secrets writes them. */
function imagePullSecret(names: readonly string[]): unknown[] {
  return names.map((name) => ({
    secretName: name,
    secretNameParameter: { runtimeValue: { constant: name } },
  }));
}

/** Joins after a branch need no policy: they wait on the condition's wrapper, which always ends. */
function joinsAfterCondition(ir: Pipeline): (task: Task) => boolean {
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  // Tasks with a branch or short-circuit anywhere upstream, in one pass in topological order
  // (every upstream task is settled before its dependents).
  const { order } = topologicalOrder([...byId.keys()], (id) => byId.get(id)?.upstream ?? []);
  const afterCondition = new Set<string>();
  for (const id of order ?? []) {
    const t = byId.get(id) as Task;
    const hit = t.upstream.some((u) => {
      const up = byId.get(u);
      return (
        up !== undefined &&
        (up.kind === "branch" || up.kind === "short_circuit" || afterCondition.has(u))
      );
    });
    if (hit) afterCondition.add(t.id);
  }
  return (task) => {
    if (effectiveOptions(ir, task).triggerRule !== "none_failed_min_one_success") return false;
    return task.upstream.some((u) => byId.get(u)?.kind === "branch" || afterCondition.has(u));
  };
}

/** The pipeline name KFP requires (`^[a-z0-9][a-z0-9-]{0,127}$`). */
export const pipelineName = (id: string): string => k8sName(id).slice(0, 128);

/** What a component allows for its pod to start (image pull, pip install) before it runs. */
const POD_START_SECONDS = 600;
/** The retry window that stands for none: ten years (within Argo's and protobuf's ranges). */
const MAX_RETRY_WINDOW_SECONDS = 10 * 365 * 24 * 3600;

/** Where in a param's default a null is (`nested.a[2].b`), or null when it holds none. */
function nullPath(value: unknown, path: string): string | null {
  if (value === null) return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = nullPath(value[i], `${path}[${i}]`);
      if (at !== null) return at;
    }
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const at = nullPath(
        v,
        /^[A-Za-z_]\w*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
      );
      if (at !== null) return at;
    }
  }
  return null;
}

/**
 * The pod's activeDeadlineSeconds for a task: its execution timeout. A sensor that does not poke
 * (reschedule mode, or deferrable) is given its own timeout instead: on Airflow the execution
 * timeout bounds each short check and `timeout` the whole wait, and on Kubeflow the whole wait
 * runs in one pod. A poking sensor's execution timeout bounds each try on Airflow too.
 */
function podDeadline(task: Task, executionTimeout: number | null): number | null {
  if (task.kind !== "sensor" || (task.mode === "poke" && !task.deferrable)) return executionTimeout;
  const wait = (task.timeout ?? SENSOR_DEFAULT_TIMEOUT) + POD_START_SECONDS;
  return executionTimeout === null ? wait : Math.max(executionTimeout, wait);
}

function definitions(
  inputs: ReadonlyMap<string, Port>,
  outputs: Readonly<Record<string, ParameterType>>,
  optional: ReadonlySet<string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (inputs.size > 0) {
    out.inputDefinitions = {
      parameters: Object.fromEntries(
        sorted(inputs.keys()).map((k) => [
          k,
          {
            parameterType: inputs.get(k)?.type,
            ...(optional.has(k) ? { isOptional: true } : {}),
          },
        ]),
      ),
    };
  }
  const names = sorted(Object.keys(outputs));
  if (names.length > 0) {
    out.outputDefinitions = {
      parameters: Object.fromEntries(names.map((k) => [k, { parameterType: outputs[k] }])),
    };
  }
  return out;
}

export { constantOf, pyJsonDumps };

/** Linux's MAX_ARG_STRLEN (32 pages), and most of ARG_MAX (2 MiB, shared with the environment). */
const MAX_ARGUMENT = 128 * 1024;
const MAX_COMMAND = 1792 * 1024;

/** A name close to `output` that kfp can return. */
function outputSuggestion(output: string): string {
  const ident = output.replace(/[^A-Za-z0-9_]/g, "_").replace(/^_+/, "");
  const base = /^[A-Za-z]/.test(ident) ? ident : `out_${ident}`;
  return isPyIdentifier(base) ? base : `${base}_value`;
}
