/**
 * Plain functions over IR values: option layering, value traversal, the functions a task
 * imports. No zod here, so `@mlgen/core/light` can export them without loading the schemas;
 * `ir.ts` re-exports all of it, so `@mlgen/core` is unchanged.
 */
import type {
  Condition,
  FunctionRef,
  KubeflowTaskSettings,
  OperatorTask,
  OutputType,
  Param,
  Pipeline,
  Task,
  TaskOptions,
  Value,
} from "./ir.js";

/**
 * The task kinds that can be Airflow setups and teardowns in mlgen (`setup: true`,
 * `teardown: ...`): the DSL, the compiler's check and the leaf-masks-failure hint read this one list.
 */
export const SETUP_TEARDOWN_KINDS: ReadonlySet<string> = new Set([
  "python",
  "bash",
  "container",
  "operator",
]);

/**
 * The output an operator task's return value is read as (`task.output` in the DSL): the XCom
 * key Airflow pushes it under.
 */
export const OPERATOR_OUTPUT = "return_value";

/**
 * An output as the DSL reads it, for messages: `train.out.model`, or `query.output` for an
 * operator's return value (no python output is named return_value: MLG1011).
 */
export function outputHandle(task: string, output: string): string {
  return output === OPERATOR_OUTPUT ? `${task}.output` : `${task}.out.${output}`;
}

export const EMPTY_TASK_OPTIONS: TaskOptions = Object.freeze({
  retries: null,
  retryDelay: null,
  retryExponentialBackoff: null,
  maxRetryDelay: null,
  executionTimeout: null,
  triggerRule: null,
  pool: null,
  poolSlots: null,
  queue: null,
  priorityWeight: null,
  dependsOnPast: null,
  maxActiveTisPerDag: null,
  maxActiveTisPerDagrun: null,
  onFailure: null,
  onRetry: null,
  onSuccess: null,
});

/**
 * The tasks a branch target names: the task of that id, or every task of the group of that id
 * (nested groups' too); none for an id that is neither.
 */
export function targetTasks(pipeline: Pipeline, target: string): Task[] {
  const task = pipeline.tasks.find((t) => t.id === target);
  if (task) return [task];
  return pipeline.tasks.filter((t) => t.id.startsWith(`${target}.`));
}

/** Each task's downstream tasks (those listing it upstream), in the pipeline's task order. */
export function downstreamMap(pipeline: Pipeline): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of pipeline.tasks) {
    for (const up of t.upstream) {
      const list = out.get(up);
      if (list) list.push(t.id);
      else out.set(up, [t.id]);
    }
  }
  return out;
}

/** Task options after applying pipeline defaults (task value wins). */
export function effectiveOptions(pipeline: Pipeline, task: Task): TaskOptions {
  // Asked several times per task by the passes and targets (a thousand-task compile asked it
  // thousands of times): kept per task while the pipeline and the task's own options are the
  // same objects. The IR is not changed in place once built; the result is frozen.
  const known = effective.get(task);
  if (known && known.pipeline === pipeline && known.own === task.options) return known.options;
  const options = Object.freeze(resolveOptions(pipeline, task.group, task.options));
  effective.set(task, { pipeline, own: task.options, options });
  return options;
}

const effective = new WeakMap<
  Task,
  { readonly pipeline: Pipeline; readonly own: TaskOptions; readonly options: TaskOptions }
>();

/** Options given at `own`, then each enclosing group outwards, then the pipeline defaults. */
export function resolveOptions(
  pipeline: Pipeline,
  group: string | null,
  own: TaskOptions,
): TaskOptions {
  const layers: TaskOptions[] = [own];
  for (let g = group; g !== null; g = pipeline.groups[g]?.parent ?? null) {
    const node = pipeline.groups[g];
    if (!node) break;
    layers.push(node.options);
  }
  layers.push(pipeline.defaults);
  // Plain loops: a compile of a thousand tasks calls this several times per task.
  const out = {} as Record<keyof TaskOptions, unknown>;
  for (const key of OPTION_KEYS) {
    let value: unknown = null;
    for (const layer of layers) {
      if (layer[key] !== null) {
        value = layer[key] ?? null;
        break;
      }
    }
    out[key] = value;
  }
  return out as TaskOptions;
}

const OPTION_KEYS = Object.keys(EMPTY_TASK_OPTIONS) as (keyof TaskOptions)[];

/** Calls `fn` on a value and every value nested in it, depth first, in source order. */
export function visitValue(value: Value, fn: (v: Value) => void): void {
  fn(value);
  switch (value.kind) {
    case "list":
      for (const item of value.items) visitValue(item, fn);
      break;
    case "object":
      for (const entry of Object.values(value.entries)) visitValue(entry, fn);
      break;
    case "join":
      visitValue(value.base, fn);
      break;
    case "oneOf":
      for (const ref of value.refs) visitValue(ref, fn);
      break;
    case "literal":
    case "ref":
    case "env":
    case "variable":
    case "param":
    case "template":
      break;
    default:
      assertNever(value);
  }
}

/** Whether a value is known when the file is written: a literal, or lists and objects of them. */
export function literalOnly(value: Value): boolean {
  let known = true;
  visitValue(value, (v) => {
    if (v.kind !== "literal" && v.kind !== "list" && v.kind !== "object") known = false;
  });
  return known;
}

/**
 * A task's texts Airflow renders as written (a bash command, a container's command and args, a
 * trigger's run id and logical date), with where each is.
 */
export function commandTexts(task: Task): [where: string, text: string][] {
  if (task.kind === "bash") return [["command", task.command]];
  if (task.kind === "trigger") {
    const out: [string, string][] = [];
    if (task.runId !== null) out.push(["runId", task.runId]);
    if (task.logicalDate !== null) out.push(["logicalDate", task.logicalDate]);
    return out;
  }
  if (task.kind === "container") {
    return [
      ...(task.command ?? []).map((c): [string, string] => ["command", c]),
      ...task.args.map((a): [string, string] => ["args", a]),
    ];
  }
  return [];
}

/** The value a condition reads for its right side; undefined when that side is a literal. */
export const rightValue = (c: Condition): Value | undefined =>
  typeof c.right === "object" && c.right !== null ? c.right : undefined;

/** Every ref inside a value, depth first, in source order. */
export function refsIn(value: Value, out: { task: string; output: string }[] = []) {
  visitValue(value, (v) => {
    if (v.kind === "ref") out.push({ task: v.task, output: v.output });
  });
  return out;
}

/** The values a task consumes, by a readable path such as `inputs.data_path`. */
export function taskValues(task: Task): [path: string, value: Value][] {
  switch (task.kind) {
    case "python": {
      const out: [string, Value][] = Object.entries(task.inputs).map(([k, v]) => [
        `inputs.${k}`,
        v,
      ]);
      if (task.map) out.push(["map.over", task.map.over]);
      return out;
    }
    case "bash":
    case "container":
      return Object.entries(task.env).map(([k, v]) => [`env.${k}`, v]);
    case "branch":
    case "short_circuit": {
      const right = rightValue(task.condition);
      return [
        ["condition", task.condition.left],
        ...(right ? [["condition.right", right] as [string, Value]] : []),
      ];
    }
    case "sensor": {
      const s = task.sensor;
      if (s.type === "file") return [["path", s.path]];
      if (s.type === "python") return Object.entries(s.inputs).map(([k, v]) => [`inputs.${k}`, v]);
      return [];
    }
    case "validate":
      return [["data", task.data]];
    case "trigger":
      return Object.entries(task.conf).map(([k, v]) => [`conf.${k}`, v]);
    case "operator":
      return Object.entries(task.args).map(([k, v]) => [`args.${k}`, v]);
    case "latest_only":
      return [];
    default:
      return assertNever(task);
  }
}

export function taskOutputs(task: Task): Readonly<Record<string, OutputType>> {
  if (task.kind === "python") return task.outputs;
  if (task.kind === "sensor" && task.sensor.type === "python") return task.sensor.outputs ?? {};
  if (task.kind === "operator" && task.returns !== undefined)
    return { [OPERATOR_OUTPUT]: task.returns };
  return {};
}

/** Every module of the project the pipeline's tasks and callbacks import, once each, sorted. */
export function pipelineModules(pipeline: Pipeline): string[] {
  const modules = new Set<string>();
  for (const task of pipeline.tasks) {
    for (const { ref } of functionRefs(pipeline, task)) modules.add(ref.module);
  }
  // The pipeline's own alerts (a run's end).
  for (const alert of [
    ...(pipeline.alerts?.onSuccess ?? []),
    ...(pipeline.alerts?.onFailure ?? []),
  ]) {
    if (alert.kind === "callable") modules.add(alert.module);
  }
  return [...modules].sort();
}

/**
 * The user function a task calls with its inputs (a python task's `fn`, a python sensor's), or
 * null for a task that calls none.
 */
export function taskFunction(
  task: Task,
): { module: string; function: string; inputs: Readonly<Record<string, Value>> } | null {
  if (task.kind === "python") return task;
  if (task.kind === "sensor" && task.sensor.type === "python") return task.sensor;
  return null;
}

/**
 * A task's own Kubeflow pod settings (a python task's, a python sensor's), or undefined: the
 * pipeline's and the project's apply.
 */
export function taskKubeflow(task: Task): KubeflowTaskSettings | undefined {
  if (task.kind === "python") return task.kubeflow;
  if (task.kind === "sensor" && task.sensor.type === "python") return task.sensor.kubeflow;
  return undefined;
}

/** The class an operator task runs, without its module (`SQLExecuteQueryOperator`). */
export function operatorClass(task: OperatorTask): string {
  return task.operator.slice(task.operator.lastIndexOf(".") + 1);
}

/** Where a task's pod runs and the volumes it mounts. */
export type PodPlacement = Pick<
  KubeflowTaskSettings,
  "nodeSelector" | "tolerations" | "pvcs" | "emptyDirs" | "shm"
>;

/**
 * Where a task's pod runs and what it mounts: a container task's own settings (its pod on every
 * target), a python task's `kubeflow` ones (its pod on Kubeflow), or undefined.
 */
export function taskPod(task: Task): PodPlacement | undefined {
  if (task.kind !== "container") return taskKubeflow(task);
  return {
    nodeSelector: task.nodeSelector ?? {},
    tolerations: task.tolerations ?? [],
    ...(task.pvcs !== undefined ? { pvcs: task.pvcs } : {}),
    ...(task.emptyDirs !== undefined ? { emptyDirs: task.emptyDirs } : {}),
    ...(task.shm !== undefined ? { shm: task.shm } : {}),
  };
}

/** The user functions a task or its callbacks import, with where each is used. */
export function functionRefs(
  pipeline: Pipeline,
  task: Task,
): { ref: FunctionRef; where: string }[] {
  const out: { ref: FunctionRef; where: string }[] = [];
  const fn = taskFunction(task);
  if (fn) out.push({ ref: { module: fn.module, function: fn.function }, where: "fn" });
  const o = effectiveOptions(pipeline, task);
  for (const [name, list] of [
    ["onFailure", o.onFailure],
    ["onRetry", o.onRetry],
    ["onSuccess", o.onSuccess],
  ] as const) {
    for (const alert of list ?? []) {
      if (alert.kind === "callable") out.push({ ref: alert, where: name });
    }
  }
  return out;
}

export function assertNever(value: never): never {
  throw new Error(`unexpected node: ${JSON.stringify(value)}`);
}

/** A pipeline's params in the order they were declared (the IR keeps its keys sorted). */
/**
 * The names of the optional params, those whose default is null (`{ default: null, type }`): a
 * run may leave them unset, and a Python task's input reads them as None.
 */
export function optionalParamNames(params: Readonly<Record<string, Param>>): Set<string> {
  return new Set(
    Object.entries(params)
      .filter(([, p]) => p.default === null)
      .map(([name]) => name),
  );
}

export function paramsInOrder(params: Readonly<Record<string, Param>>): [string, Param][] {
  return Object.entries(params).sort(
    ([a, p], [b, q]) => p.position - q.position || (a < b ? -1 : a > b ? 1 : 0),
  );
}
