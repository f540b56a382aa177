import { fileURLToPath } from "node:url";
import {
  type BashTask,
  type Diagnostic,
  diagnostic,
  EMPTY_TASK_OPTIONS,
  type Group,
  IR_VERSION,
  type MlflowTracking,
  type OutputType,
  type Param,
  type Pipeline,
  type PythonTask,
  type Schedule,
  type SourceLocation,
  type Task,
  type TaskOptions,
  type TriggerRule,
  taskKey,
  type Value,
  withNativeStackTrace,
} from "@mlgen/core";
import { type Duration, toSeconds } from "./duration.js";
import {
  checkKey,
  type Input,
  type PathValue,
  paramValue,
  refValue,
  toValue,
  type ValueHandle,
} from "./values.js";

export const PIPELINE = Symbol.for("mlgen.pipeline");

/** What a pipeline module exports: the IR plus where each node was written. */
export interface PipelineDefinition {
  readonly [PIPELINE]: true;
  readonly ir: Pipeline;
  /** Absolute file paths; the CLI makes them relative for messages. */
  readonly sourceMap: Readonly<Record<string, SourceLocation>>;
  /** Problems found while the definition ran, e.g. a malformed `fn`. */
  readonly problems: readonly Diagnostic[];
}

export function isPipelineDefinition(x: unknown): x is PipelineDefinition {
  return typeof x === "object" && x !== null && PIPELINE in x;
}

/** The TypeScript type a declared output type delivers. */
export interface OutputTypeMap {
  string: string;
  int: number;
  float: number;
  bool: boolean;
  list: unknown[];
  dict: Record<string, unknown>;
}
export type Outputs = Readonly<Record<string, OutputType>>;

/** A handle on one declared output; string outputs can have paths joined onto them. */
export type Output<T> = [T] extends [string] ? PathValue : ValueHandle<T>;
export type OutputHandles<O extends Outputs> = {
  readonly [K in keyof O]: Output<OutputTypeMap[O[K]]>;
};

/** Retry and timeout settings of a task; unset ones come from the pipeline's `defaults`. */
export interface TaskOptionsInput {
  /** Retries after the first try. Default: Airflow's (0). */
  readonly retries?: number;
  readonly retryDelay?: Duration;
  /** `true` doubles the delay on each retry (up to `maxRetryDelay`); a number is the multiplier. */
  readonly retryExponentialBackoff?: boolean | number;
  readonly maxRetryDelay?: Duration;
  /** Airflow fails the try when it runs longer than this. */
  readonly executionTimeout?: Duration;
  /** When the task runs given its upstream states. Default Airflow's `all_success`. */
  readonly triggerRule?: TriggerRule;
  /** An Airflow pool that limits how many such tasks run at once. */
  readonly pool?: string;
  /** Slots of the pool this task takes. Default 1. */
  readonly poolSlots?: number;
  /** Executor queue (CeleryExecutor queues, for example). */
  readonly queue?: string;
  readonly priorityWeight?: number;
  /** Run only when this task succeeded in the previous run. Default false. */
  readonly dependsOnPast?: boolean;
  /** At most this many instances of the task at once, across runs. */
  readonly maxActiveTisPerDag?: number;
}

export interface MlflowOptions {
  readonly experiment: string;
  /** Read when the task runs; defaults to the worker's `MLFLOW_TRACKING_URI`. */
  readonly trackingUri?: string | ValueHandle<string>;
}

export interface TaskHandle {
  readonly id: string;
  /** Adds order-only edges: this task runs after the given ones. Returns the same handle. */
  after(...tasks: TaskHandle[]): this;
}

export interface PythonTaskHandle<O extends Outputs> extends TaskHandle {
  readonly out: OutputHandles<O>;
}

export interface PythonTaskSpec<O extends Outputs> extends TaskOptionsInput {
  /** `path/to/module.py:function`, the path relative to the project root. */
  readonly fn: string;
  readonly inputs?: Readonly<Record<string, Input>>;
  readonly outputs?: O;
  /** Run the function inside an MLflow run; `true` uses the pipeline's settings. */
  readonly mlflow?: boolean | MlflowOptions;
}

export interface BashTaskSpec extends TaskOptionsInput {
  /** The command, an Airflow template as in BashOperator (`{{ ds }}` works). */
  readonly command: string;
  /** Environment for the command; values are resolved when the task runs. */
  readonly env?: Readonly<Record<string, Input>>;
}

export type ParamSpec =
  | string
  | number
  | boolean
  | {
      readonly default: string | number | boolean;
      readonly type?: Param["type"];
      readonly description?: string;
    };
type ParamTs<S> = S extends { readonly default: infer D } ? D : S;
export type ParamHandles<P extends Readonly<Record<string, ParamSpec>>> = {
  readonly [K in keyof P]: ParamTs<P[K]> extends string
    ? PathValue
    : ValueHandle<ParamTs<P[K]> extends number ? number : boolean>;
};

export interface PipelineOptions<P extends Readonly<Record<string, ParamSpec>>> {
  /** Cron expression, preset such as `@daily`, or `null` for manual runs only. Default `null`. */
  readonly schedule?: string | null;
  /** `YYYY-MM-DD` or an ISO date-time; UTC unless it carries an offset. */
  readonly startDate?: string;
  /** Default `false`: a new pipeline does not backfill. */
  readonly catchup?: boolean;
  readonly tags?: readonly string[];
  readonly description?: string;
  readonly owner?: string;
  readonly maxActiveRuns?: number;
  /** Most task instances of this pipeline running at once, across runs. */
  readonly maxActiveTasks?: number;
  /** Fail a run still going after this long. */
  readonly dagrunTimeout?: Duration;
  /** Run-time parameters with defaults; a trigger may override them. */
  readonly params?: P;
  readonly defaults?: TaskOptionsInput;
  readonly mlflow?: MlflowOptions;
}

export interface PipelineBuilder<P extends Readonly<Record<string, ParamSpec>>> {
  readonly params: ParamHandles<P>;
  python<const O extends Outputs = Record<never, OutputType>>(
    id: string,
    spec: PythonTaskSpec<O>,
  ): PythonTaskHandle<O>;
  bash(id: string, spec: BashTaskSpec): TaskHandle;
  /**
   * A task group (Airflow TaskGroup): its tasks get ids `group.task`, its `defaults` apply to
   * them (over the pipeline's), and the returned handle orders the whole group with `.after()`.
   */
  group(id: string, spec: GroupSpec, body: (g: PipelineBuilder<P>) => void): TaskHandle;
}

export interface GroupSpec {
  readonly tooltip?: string;
  readonly defaults?: TaskOptionsInput;
}

/** Frames from the package's src/ (source-mapped) or dist/ are the DSL's own. */
const DSL_ROOT = fileURLToPath(new URL("..", import.meta.url));
const DSL_DIRS = [`${DSL_ROOT}src/`, `${DSL_ROOT}dist/`];

/** The file:line:col of the first stack frame outside the DSL: the user's call. */
function locate(captured: Error): SourceLocation | undefined {
  const stack = withNativeStackTrace(() => captured.stack?.split("\n") ?? []);
  for (const line of stack.slice(1)) {
    const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m?.[1]) continue;
    const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
    if (DSL_DIRS.some((d) => file.startsWith(d)) || !file.startsWith("/")) continue;
    return { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return undefined;
}

/**
 * The user's call site, resolved only when asked: V8 records the frames cheaply at `new Error()`,
 * and formatting them (with source maps) is what costs, so only places a diagnostic names pay.
 */
function callSite(): () => SourceLocation | undefined {
  const captured = new Error();
  let done = false;
  let loc: SourceLocation | undefined;
  return () => {
    if (!done) {
      loc = locate(captured);
      done = true;
    }
    return loc;
  };
}

/** Adds `key` to the source map as a lazy, memoized entry. */
function recordSite(
  map: Record<string, SourceLocation>,
  key: string,
  site: () => SourceLocation | undefined,
) {
  Object.defineProperty(map, key, { enumerable: true, configurable: true, get: site });
}

function taskOptions(spec: TaskOptionsInput): TaskOptions {
  const backoff = spec.retryExponentialBackoff;
  return {
    retries: spec.retries ?? null,
    retryDelay: spec.retryDelay ? toSeconds(spec.retryDelay) : null,
    retryExponentialBackoff:
      backoff === undefined ? null : backoff === true ? 2 : backoff === false ? 0 : backoff,
    maxRetryDelay: spec.maxRetryDelay ? toSeconds(spec.maxRetryDelay) : null,
    executionTimeout: spec.executionTimeout ? toSeconds(spec.executionTimeout) : null,
    triggerRule: spec.triggerRule ?? null,
    pool: spec.pool ?? null,
    poolSlots: spec.poolSlots ?? null,
    queue: spec.queue ?? null,
    priorityWeight: spec.priorityWeight ?? null,
    dependsOnPast: spec.dependsOnPast ?? null,
    maxActiveTisPerDag: spec.maxActiveTisPerDag ?? null,
  };
}

function schedule(value: string | null | undefined): Schedule {
  if (value === null || value === undefined) return { kind: "none" };
  if (value.startsWith("@")) return { kind: "preset", preset: value };
  return { kind: "cron", expression: value };
}

function param(spec: ParamSpec): Param {
  const s = typeof spec === "object" ? spec : { default: spec };
  const type =
    s.type ??
    (typeof s.default === "string"
      ? "string"
      : typeof s.default === "boolean"
        ? "boolean"
        : Number.isInteger(s.default)
          ? "integer"
          : "number");
  return { kind: "param", type, default: s.default, description: s.description ?? null };
}

function mlflowTracking(options: MlflowOptions, where: string): MlflowTracking {
  const uri = options.trackingUri;
  return {
    kind: "mlflow",
    experiment: options.experiment,
    trackingUri: uri === undefined ? null : toValue(uri as Input, `${where}.mlflow.trackingUri`),
  };
}

/**
 * Defines a pipeline. `body` declares its tasks through the builder; passing one task's
 * `out.x` into another's inputs makes the second depend on the first.
 */
export function pipeline<
  const P extends Readonly<Record<string, ParamSpec>> = Record<never, never>,
>(
  id: string,
  options: PipelineOptions<P>,
  body: (p: PipelineBuilder<P>) => void,
): PipelineDefinition {
  const sourceMap: Record<string, SourceLocation> = {};
  const problems: Diagnostic[] = [];
  const pipelineSite = callSite();
  recordSite(sourceMap, "pipeline", pipelineSite);
  const tasks: Task[] = [];
  const pipelineMlflow = options.mlflow ? mlflowTracking(options.mlflow, id) : null;

  const paramsIr: Record<string, Param> = {};
  const paramHandles: Record<string, ValueHandle<unknown>> = {};
  for (const [name, spec] of Object.entries(options.params ?? {})) {
    if (name === "__proto__") {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: "param name '__proto__'",
            reason: "it cannot be a key of a JavaScript object",
            hint: "rename the param",
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
      continue;
    }
    const p = param(spec as ParamSpec);
    paramsIr[name] = p;
    paramHandles[name] = paramValue(name, p.type === "string");
  }

  function handle<T extends Task>(node: T): TaskHandle & { node: T } {
    return {
      id: node.id,
      node,
      after(...upstream: TaskHandle[]) {
        (node.after as string[]).push(...upstream.map((t) => t.id));
        return this;
      },
    };
  }

  const lowerInputs = (
    taskId: string,
    inputs: Readonly<Record<string, Input>> | undefined,
    group: string,
    site: () => SourceLocation | undefined,
  ): Record<string, Value> => {
    const out: Record<string, Value> = {};
    for (const [k, v] of Object.entries(inputs ?? {})) {
      try {
        checkKey(k, group);
        out[k] = toValue(v, `${group}.${k}`);
      } catch (e) {
        problems.push(
          diagnostic(
            "MLG1011",
            {
              what: `value for task '${taskId}'`,
              reason: (e as Error).message,
              hint: "pass strings, numbers, booleans, null, lists and plain objects, or env()/variable()/task outputs",
            },
            { pipeline: id, task: taskId, location: site() },
          ),
        );
      }
    }
    return out;
  };

  const groups: Record<string, Group> = {};

  /** A builder whose tasks go into `groupId` (null: the pipeline itself), ids prefixed with it. */
  const makeBuilder = (groupId: string | null): PipelineBuilder<P> => {
    const full = (local: string) => (groupId === null ? local : `${groupId}.${local}`);
    return {
      params: paramHandles as ParamHandles<P>,
      group(
        localId: string,
        spec: GroupSpec,
        groupBody: (g: PipelineBuilder<P>) => void,
      ): TaskHandle {
        const groupFull = full(localId);
        const site = callSite();
        recordSite(sourceMap, `group:${groupFull}`, site);
        if (groups[groupFull] || tasks.some((t) => t.id === groupFull)) {
          problems.push(
            diagnostic(
              "MLG1001",
              { id: groupFull },
              { pipeline: id, task: groupFull, location: site() },
            ),
          );
        }
        const node: Group = {
          kind: "group",
          id: groupFull,
          parent: groupId,
          tooltip: spec.tooltip ?? null,
          after: [],
          options: taskOptions(spec.defaults ?? {}),
        };
        groups[groupFull] = node;
        groupBody(makeBuilder(groupFull));
        return {
          id: groupFull,
          after(...upstream: TaskHandle[]) {
            (node.after as string[]).push(...upstream.map((t) => t.id));
            return this;
          },
        };
      },
      python<const O extends Outputs>(localId: string, spec: PythonTaskSpec<O>) {
        const taskId = full(localId);
        const site = callSite();
        recordSite(sourceMap, taskKey(taskId), site);
        const sep = spec.fn.lastIndexOf(":");
        const module = sep > 0 ? spec.fn.slice(0, sep) : spec.fn;
        const fn = sep > 0 ? spec.fn.slice(sep + 1) : "";
        if (sep <= 0 || !fn) {
          problems.push(
            diagnostic(
              "MLG1011",
              {
                what: `fn '${spec.fn}' of task '${taskId}'`,
                reason: "it names no function",
                hint: "write fn as 'path/to/module.py:function_name'",
              },
              { pipeline: id, task: taskId, location: site() },
            ),
          );
        }
        let mlflow: MlflowTracking | null = null;
        if (spec.mlflow === true) {
          mlflow = pipelineMlflow;
          if (!mlflow) {
            problems.push(
              diagnostic(
                "MLG1011",
                {
                  what: `mlflow setting of task '${taskId}'`,
                  reason: "`mlflow: true` needs `mlflow: { experiment }` on the pipeline",
                  hint: "add mlflow: { experiment: '...' } to the pipeline options, or give the task its own",
                },
                { pipeline: id, task: taskId, location: site() },
              ),
            );
          }
        } else if (spec.mlflow) {
          mlflow = mlflowTracking(spec.mlflow, taskId);
        }
        const outputs: Record<string, OutputType> = { ...(spec.outputs ?? {}) };
        const node: PythonTask = {
          kind: "python",
          id: taskId,
          group: groupId,
          after: [],
          upstream: [],
          options: taskOptions(spec),
          module,
          function: fn,
          inputs: lowerInputs(taskId, spec.inputs, "inputs", site),
          outputs,
          mlflow,
        };
        tasks.push(node);
        const out: Record<string, ValueHandle<unknown>> = {};
        for (const [name, type] of Object.entries(outputs)) {
          out[name] = refValue(taskId, name, type === "string");
        }
        // The type checker rejects undeclared names; for plain JS (or a cast) the proxy still
        // hands back a ref, so resolveRefs can name the task and list the declared outputs.
        const outProxy = new Proxy(out, {
          get(target, prop) {
            if (
              typeof prop !== "string" ||
              prop in target ||
              prop === "then" ||
              prop === "toJSON"
            ) {
              return Reflect.get(target, prop);
            }
            return refValue(taskId, prop, false);
          },
        });
        return Object.assign(handle(node), { out: outProxy as OutputHandles<O> });
      },
      bash(localId: string, spec: BashTaskSpec) {
        const taskId = full(localId);
        const site = callSite();
        recordSite(sourceMap, taskKey(taskId), site);
        const node: BashTask = {
          kind: "bash",
          id: taskId,
          group: groupId,
          after: [],
          upstream: [],
          options: taskOptions(spec),
          command: spec.command,
          env: lowerInputs(taskId, spec.env, "env", site),
        };
        tasks.push(node);
        return handle(node);
      },
    };
  };

  body(makeBuilder(null));

  const ir: Pipeline = {
    kind: "pipeline",
    irVersion: IR_VERSION,
    id,
    description: options.description ?? null,
    schedule: schedule(options.schedule),
    startDate: options.startDate ?? null,
    catchup: options.catchup ?? false,
    tags: [...(options.tags ?? [])],
    owner: options.owner ?? null,
    maxActiveRuns: options.maxActiveRuns ?? null,
    maxActiveTasks: options.maxActiveTasks ?? null,
    dagrunTimeout: options.dagrunTimeout ? toSeconds(options.dagrunTimeout) : null,
    params: paramsIr,
    defaults: options.defaults ? taskOptions(options.defaults) : { ...EMPTY_TASK_OPTIONS },
    groups,
    tasks,
  };
  return { [PIPELINE]: true, ir, sourceMap, problems };
}
