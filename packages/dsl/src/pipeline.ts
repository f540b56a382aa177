import { fileURLToPath } from "node:url";
import {
  type BashTask,
  type CompareOp,
  type Condition,
  type ContainerTask,
  type DagRunState,
  type Deadline,
  type Diagnostic,
  diagnostic,
  EMPTY_TASK_OPTIONS,
  type Group,
  IR_VERSION,
  type Json,
  type KubeflowPipelineSettings,
  type KubeflowTaskSettings,
  type MlflowTracking,
  OPERATOR_OUTPUT,
  type OperatorTask,
  type OutputType,
  PARAM_CHECK_KEYS,
  PARAM_TYPES,
  type Param,
  type Pipeline,
  type PythonTask,
  type Resources,
  type Schedule,
  SETUP_TEARDOWN_KINDS,
  type SensorTask,
  type SourceLocation,
  type Task,
  type TaskOptions,
  type Toleration,
  type TriggerRule,
  type TriggerTask,
  taskKey,
  type ValidateTask,
  type Value,
  withNativeStackTrace,
} from "@mlgen/core";
import { type AlertInput, type Asset, alertList } from "./alerts.js";
import { type Duration, toSeconds } from "./duration.js";
import {
  badCallbacks,
  OPTIONS,
  type OptionsOf,
  unknownOptions,
  unknownScopeOptions,
} from "./options.js";
import { confProblems, waitStateProblems } from "./trigger.js";
import {
  buildingPipeline,
  checkKey,
  describeHandle,
  ForeignValueError,
  type Input,
  isValueHandle,
  type PipelineToken,
  paramValue,
  refValue,
  type TextValue,
  toValue,
  type ValueHandle,
} from "./values.js";

export const PIPELINE = Symbol.for("mlgen.pipeline");

/** The key of a definition's params type (a phantom, never set): what a trigger's conf checks. */
declare const PARAM_SPECS: unique symbol;

/**
 * What a pipeline module exports: the IR plus where each node was written. `P` is its params'
 * types, which `p.trigger()` checks the conf it sends against.
 */
export interface PipelineDefinition<
  P extends Readonly<Record<string, ParamSpec>> = Readonly<Record<string, ParamSpec>>,
> {
  readonly [PIPELINE]: true;
  /** @internal phantom type carrier */
  readonly [PARAM_SPECS]?: P;
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
export type Output<T> = [T] extends [string] ? TextValue : ValueHandle<T>;
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
  /**
   * When the task runs given its upstream states. Default Airflow's `all_success`.
   * `all_done_min_one_success` is Airflow 3's only (MLG3001 for Airflow 2).
   */
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
  /** At most this many instances of the task at once, across runs (max_active_tis_per_dag). */
  readonly maxActiveTisPerDag?: number;
  /**
   * At most this many instances of a mapped task at once in one run (max_active_tis_per_dagrun):
   * a fan-out's width, whatever other runs do; on Kubeflow its loop's parallelism.
   */
  readonly maxActiveTisPerDagrun?: number;
  /** Alerts when a try fails for good (after the last retry): `slack()`, `email()`, `callback()`. */
  readonly onFailure?: AlertInput;
  /** Alerts when a try fails and will be retried. */
  readonly onRetry?: AlertInput;
  readonly onSuccess?: AlertInput;
}

/** Options of tasks that produce data other pipelines can be scheduled on. */
export interface OutletOptions {
  /** Assets this task updates when it succeeds; pipelines with `schedule: [asset]` then run. */
  readonly outlets?: readonly Asset[];
}

/**
 * Airflow's setup and teardown tasks: a task that makes what the work needs (a cluster, a
 * scratch table) and one that removes it again, also after the work failed.
 */
export interface SetupTeardownOptions {
  /**
   * A setup task (Airflow's `as_setup()`): the tasks right after it keep the trigger rule
   * all_success (Airflow refuses the DAG otherwise), and clearing a task after it in Airflow
   * clears the setup too, so the work has its resource again. A task after it and before its
   * teardown (anywhere after it when no teardown names it) runs only when it succeeded, whatever
   * that task's trigger rule: an all_done or one_failed task there is upstream_failed then.
   */
  readonly setup?: boolean;
  /**
   * A teardown task (Airflow's `as_teardown()`): runs once the tasks before it are done, also
   * when they failed or were skipped, with the trigger rule all_done_setup_success; Airflow leaves
   * it out of the run's state, so a failed work task still fails the run and a failed teardown
   * does not. `teardown: create` (or a list) names its setups, as `as_teardown(setups=create)`:
   * they become setups and come right before it, and it is skipped when they were, not run when
   * none of them succeeded (nothing to tear down). `teardown: true`: it has none but the setups
   * right before it. Put it after the work (`.after(work)`, or an input read from it: None
   * when the work failed). A failed teardown leaves the run success, so the pipeline's own
   * onFailure is not sent (the defaults' onFailure, per task, is); a run stopped by its
   * dagrunTimeout skips its teardowns. Kubeflow has no teardown (MLG3001).
   */
  readonly teardown?: boolean | TaskHandle | readonly TaskHandle[];
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

export interface PythonTaskSpec<O extends Outputs>
  extends TaskOptionsInput,
    OutletOptions,
    SetupTeardownOptions {
  /** `path/to/module.py:function`, the path relative to the project root. */
  readonly fn: string;
  readonly inputs?: Readonly<Record<string, Input>>;
  readonly outputs?: O;
  /**
   * Run the function inside an MLflow run; `true` uses the pipeline's settings. The run is named
   * after the task (`train[1]` for a mapped instance, `train (try 2)` for a retry, each try a run
   * of its own) and tagged `airflow.dag_id`, `airflow.run_id`, `airflow.task_id`,
   * `airflow.map_index` and `airflow.try_number`; it ends FINISHED, FAILED when the function
   * raises, KILLED when Airflow stops the task. The function logs with `mlflow.log_*` into it; a
   * run it starts itself must be `mlflow.start_run(nested=True)`, a child of this one.
   */
  readonly mlflow?: boolean | MlflowOptions;
  /**
   * Kubeflow only (on Airflow a python task runs in its worker): the image this task runs in,
   * pip packages it needs besides the pipeline's and the project's, and its pod's CPU, memory
   * and GPUs, e.g. `{ image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime", resources: { gpu: 1 } }`.
   */
  readonly kubeflow?: KubeflowTaskOptions;
}

/** CPU and memory as Kubernetes quantities (`"500m"`, `"2"`, `"4Gi"`); GPUs as a count. */
export interface TaskResources {
  /** CPU request. */
  readonly cpu?: string;
  /** Memory request. */
  readonly memory?: string;
  readonly cpuLimit?: string;
  readonly memoryLimit?: string;
  /** How many accelerators (`nvidia.com/gpu` unless `accelerator` names another). */
  readonly gpu?: number;
  /**
   * The accelerator's Kubernetes resource name when it is not `nvidia.com/gpu`: `amd.com/gpu`,
   * `google.com/tpu`, `habana.ai/gaudi` (kfp's `set_accelerator_type`). Without `gpu`, one.
   */
  readonly accelerator?: string;
}

/** The Kubeflow image and pip packages of a pipeline's tasks. */
export interface KubeflowPipelineOptions {
  /** The image its tasks run in, instead of the project's `kubeflow.image`. */
  readonly image?: string;
  /**
   * pip requirements installed before each python task, besides the project's
   * `kubeflow.packages`; one naming a package the project lists replaces its requirement.
   */
  readonly packages?: readonly string[];
  /**
   * `false`: `packages` alone are installed, not added to the project's (and the pipeline's):
   * for an image that has what the tasks need built in. Default `true`.
   */
  readonly inheritPackages?: boolean;
  /**
   * `false`: kfp's executor is not pip-installed before the task (kfp's `install_kfp_package`):
   * the image has kfp 2 already. With no packages either, the pod installs nothing (an
   * air-gapped cluster). Default `true`.
   */
  readonly installKfp?: boolean;
  /**
   * KFP's cache: `false` runs the tasks every time even when their inputs are those of an
   * earlier run (a deploy, a model registration, an extract of the latest data), as
   * `set_caching_options(False)` does. Default: `kubeflow.caching` of the config.
   */
  readonly caching?: boolean;
  /**
   * Kubernetes secrets (of type `kubernetes.io/dockerconfigjson`) the pods pull a private
   * image with, e.g. `["regcred"]` (kfp-kubernetes' `set_image_pull_secrets`): added to the
   * farther levels' (the config's; for a task, the pipeline's too), as the kubelet tries each.
   */
  readonly imagePullSecrets?: readonly string[];
  /**
   * Environment variables taken from Kubernetes secrets, e.g. `{ DB_PASSWORD: { secret:
   * "warehouse", key: "password" } }` (kfp-kubernetes' `use_secret_as_env`): on a pipeline, for
   * the pods of its python, validate, sensor and bash tasks, besides the config's
   * `kubeflow.secretEnv`; on a python task, for its pod alone, so a credential only one task
   * needs reaches no other. A name set nearer replaces the farther one's.
   */
  readonly secretEnv?: Readonly<Record<string, SecretEnvRef>>;
}

/** A key of a Kubernetes secret, as a pod's environment variable takes it. */
export interface SecretEnvRef {
  /** The secret's name, as `kubectl get secrets` lists it. */
  readonly secret: string;
  /** The key in the secret that holds the value. */
  readonly key: string;
}

/** A python task's own Kubeflow settings. */
export interface KubeflowTaskOptions extends KubeflowPipelineOptions {
  /** The task's pod's CPU, memory and GPUs (as `set_cpu_limit()` and the like in kfp). */
  readonly resources?: TaskResources;
  /**
   * Node labels the pod must be scheduled on, e.g. `{ "cloud.google.com/gke-accelerator":
   * "nvidia-l4" }` (kfp-kubernetes' `add_node_selector`).
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints the pod tolerates, e.g. a GPU pool's `{ key: "nvidia.com/gpu", operator: "Exists",
   * effect: "NoSchedule" }` (kfp-kubernetes' `add_toleration`): without it, a pod on a tainted
   * pool is never scheduled.
   */
  readonly tolerations?: readonly TaskToleration[];
  /**
   * Environment variables of the task's pod, e.g. `{ HF_HOME: "/data/hf" }` (kfp's
   * `set_env_variable`); a secret's belong in the config's `kubeflow.secretEnv`.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Existing PersistentVolumeClaims mounted into the pod, e.g. `[{ name: "training-data",
   * mountPath: "/data" }]` (kfp-kubernetes' `mount_pvc`).
   */
  readonly pvcs?: readonly TaskPvcMount[];
  /**
   * Scratch volumes that live as long as the pod, e.g. `[{ name: "scratch", mountPath:
   * "/scratch", sizeLimit: "20Gi" }]` (kfp-kubernetes' `empty_dir_mount`).
   */
  readonly emptyDirs?: readonly TaskEmptyDir[];
  /**
   * Shared memory at `/dev/shm` (a container gets 64 MiB, too little for PyTorch DataLoader
   * workers): `true`, or its size limit such as `"2Gi"`, which counts against the pod's memory.
   * A memory-backed emptyDir named `shm` (kfp-kubernetes' `empty_dir_mount(medium='Memory')`).
   */
  readonly shm?: true | string;
}

/** An existing PersistentVolumeClaim and where the pod sees it. */
export interface TaskPvcMount {
  /**
   * The claim's name, in the pipeline run's namespace. KFP names the pod's volume after it, so
   * at most 63 lowercase letters, digits and '-'.
   */
  readonly name: string;
  /** An absolute path in the container. */
  readonly mountPath: string;
}

/** An emptyDir volume: empty when the pod starts, gone with it. */
export interface TaskEmptyDir {
  /** The volume's name (lowercase letters, digits and '-'). */
  readonly name: string;
  /** An absolute path in the container. */
  readonly mountPath: string;
  /** `Memory`: a tmpfs, counted as the pod's memory. Default: the node's disk. */
  readonly medium?: "Memory" | "HugePages";
  /** A Kubernetes quantity, e.g. `"10Gi"`. */
  readonly sizeLimit?: string;
}

/** A taint a pod tolerates, as Kubernetes' Toleration. */
export interface TaskToleration {
  /** Omitted: every taint key (with operator Exists). */
  readonly key?: string;
  /** `Equal` (the default): the taint's value is `value`; `Exists`: any value. */
  readonly operator?: "Equal" | "Exists";
  readonly value?: string;
  /** Omitted: every effect. */
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** NoExecute only: how long the pod stays on a node once it is tainted, in seconds. */
  readonly tolerationSeconds?: number;
}

export interface BashTaskSpec extends TaskOptionsInput, OutletOptions, SetupTeardownOptions {
  /** The command, an Airflow template as in BashOperator (`{{ ds }}` works). */
  readonly command: string;
  /** Environment for the command; values are resolved when the task runs. */
  readonly env?: Readonly<Record<string, Input>>;
}

/** A handle on one output of a mapped task: a list with one item per mapped instance. */
export type MappedOutputHandles<O extends Outputs> = {
  readonly [K in keyof O]: ValueHandle<OutputTypeMap[O[K]][]>;
};

export interface MappedTaskHandle<O extends Outputs> extends TaskHandle {
  readonly out: MappedOutputHandles<O>;
}

// A mapped task is no setup or teardown in mlgen (not carried yet).
export interface MapTaskSpec<O extends Outputs>
  extends Omit<PythonTaskSpec<O>, keyof SetupTeardownOptions> {
  /** The list to fan out over: a `list` output of an upstream task, a list param or a literal list. */
  readonly over: ValueHandle<unknown[]> | readonly Input[];
  /** The input of `fn` that receives one item. */
  readonly as: string;
}

/**
 * `[value, op, other]`, checked when the task runs, e.g. `[evaluate.out.accuracy, ">=", 0.9]`.
 * `other` is a literal, or a value read when the task runs too, of the same type: a param
 * (`[evaluate.out.accuracy, ">=", p.params.threshold]`) or another task's output. A string,
 * number, boolean or null on both sides: a list or dict (a list param, a `list` output) is
 * reduced to one value in a python task first, and branched on that.
 */
export type ConditionInput<T> = readonly [
  ValueHandle<T>,
  CompareOp,
  (NoInfer<T> & ConditionScalar) | ValueHandle<NoInfer<T> & ConditionScalar>,
];
type ConditionScalar = string | number | boolean | null;

export interface BranchSpec<T> extends TaskOptionsInput {
  readonly when: ConditionInput<T>;
  /** Run when the condition holds; the `ifFalse` side is skipped. */
  readonly ifTrue: TaskHandle | readonly TaskHandle[];
  /** Run when it does not; omitted: skip `ifTrue` and go on. */
  readonly ifFalse?: TaskHandle | readonly TaskHandle[];
}

/**
 * A deadline for each run: its alerts fire once when the run has not succeeded `within` after
 * `from`, failed runs included (Airflow keeps the deadline of a run that failed first).
 */
export interface DeadlineSpec {
  /** How long after `from` the run must have succeeded. */
  readonly within: Duration;
  /**
   * `"queued"` (the default): when the run was queued, so `within` bounds how long a run takes.
   * `"logicalDate"`: the run's logical date, its scheduled time (the interval's start with
   * `dataIntervals`), so a nightly run can have to be done by 07:00; a run without a logical
   * date (one triggered with `logical_date: null`) gets no deadline.
   * `"averageRuntime"`: when the run is made plus the average time (start to end) of up to
   * `averageOf` of the DAG's successful runs, latest logical dates first, so `within` is how
   * much longer than usual a run may take from when it is made (time queued counts); while
   * fewer than `minRuns` runs have succeeded, a run gets no deadline, so a pipeline whose runs
   * keep failing never gets it. The average is taken once, as the run is made. Runs without
   * a logical date (REST API, assets) sort last on SQLite and first on PostgreSQL.
   */
  readonly from?: "queued" | "logicalDate" | "averageRuntime";
  /** `from: "averageRuntime"`: how many of the latest successful runs to average. Default 10 (Airflow's). */
  readonly averageOf?: number;
  /**
   * `from: "averageRuntime"`: how many successful runs a DAG needs before its runs get this
   * deadline. Default `averageOf` (Airflow's), so a new DAG's first runs get none.
   */
  readonly minRuns?: number;
  /** What to send: `slack()`, `email()`, `callback()` or a list of them. */
  readonly alert: AlertInput;
}

export interface ShortCircuitSpec<T> extends TaskOptionsInput {
  /** When it does not hold, every task downstream is skipped. */
  readonly when: ConditionInput<T>;
}

/**
 * Airflow's LatestOnlyOperator. Its only options are a task's (a retry or a timeout changes
 * nothing: it runs none of your code).
 */
export interface LatestOnlySpec extends TaskOptionsInput {}

export interface SensorOptions extends TaskOptionsInput {
  /** Time between checks. Default 60 s (Airflow's). */
  readonly pokeInterval?: Duration;
  /** Fail (or skip, with `softFail`) after waiting this long. Default Airflow's 7 days. */
  readonly timeout?: Duration;
  /** `reschedule` (default) frees the worker slot between checks; `poke` holds it. */
  readonly mode?: "poke" | "reschedule";
  /** Wait in the triggerer instead of a worker slot. */
  readonly deferrable?: boolean;
  readonly softFail?: boolean;
}

export interface FileSensorSpec extends SensorOptions {
  /** The file or glob to wait for: a template such as `/data/{{ ds }}.csv`, or a computed path. */
  readonly path: string | TextValue;
  /**
   * Airflow `fs` connection whose path prefixes `path`. Default `fs_default`, which Airflow 3
   * does not create: define it in your deployment (`AIRFLOW_CONN_FS_DEFAULT='{"conn_type": "fs"}'`;
   * `mlgen dev up` sets it), or the sensor fails with "The conn_id `fs_default` isn't defined".
   */
  readonly connId?: string;
  readonly recursive?: boolean;
}

export interface ExternalTaskSensorSpec extends SensorOptions {
  readonly dag: string;
  /** Omitted: wait for the whole DAG run. */
  readonly task?: string;
  /** How much earlier the other DAG's logical date is, when schedules differ. */
  readonly executionDelta?: Duration;
  readonly allowedStates?: readonly string[];
  readonly failedStates?: readonly string[];
}

export interface PythonSensorSpec<O extends Outputs = Record<never, OutputType>>
  extends SensorOptions {
  /**
   * `path/to/module.py:function`, the path relative to the project root: called with `inputs`
   * at every check until it returns something true (Airflow's PythonSensor; it may return an
   * Airflow `PokeReturnValue`).
   */
  readonly fn: string;
  readonly inputs?: Readonly<Record<string, Input>>;
  /**
   * What the function found, read downstream as `sensor.out.x`, typed as a python task's
   * outputs: once ready it returns a dict with these keys (with one output, the value itself
   * also works, when it is true), or a `PokeReturnValue(is_done=True, xcom_value=...)` holding
   * that dict or value. Anything false means not ready yet.
   */
  readonly outputs?: O;
  /**
   * Kubeflow only (on Airflow the check runs in a worker): its pod's image, packages (boto3 for
   * a check of S3), pull secrets, secrets as env, volumes (the claim an upstream task writes
   * to), resources and placement, as a python task's `kubeflow`.
   */
  readonly kubeflow?: KubeflowTaskOptions;
}

export interface TimeDeltaSensorSpec extends SensorOptions {
  /** Wait until this long after the end of the data interval. */
  readonly delta: Duration;
}

/** What a trigger's conf may send for a param whose default is a `T` (null: an optional one). */
export type ConfInput<T> = null extends T
  ? ConfInput<NonNullable<T>> | null
  : [T] extends [string]
    ? string | ValueHandle<string>
    : [T] extends [number]
      ? number | ValueHandle<number>
      : [T] extends [boolean]
        ? boolean | ValueHandle<boolean>
        : [T] extends [readonly Json[]]
          ? readonly Input[] | ValueHandle<unknown[]>
          : { readonly [key: string]: Input } | ValueHandle<Record<string, unknown>>;

/** A trigger's conf: by the started pipeline's params when its definition is given. */
export type TriggerConf<Q extends Readonly<Record<string, ParamSpec>>> = string extends keyof Q
  ? Readonly<Record<string, Input>>
  : { readonly [K in keyof Q]?: ConfInput<ParamTs<Q[K]>> };

/** How a trigger waits for the run it started (Airflow's wait_for_completion). */
export interface TriggerWait {
  /** Time between checks of the run's state. Default 60 s (Airflow's). */
  readonly pokeInterval?: Duration;
  /** The run states that end the wait with success. Default `["success"]`. */
  readonly allowedStates?: readonly DagRunState[];
  /** The run states that fail the task. Default `["failed"]`. */
  readonly failedStates?: readonly DagRunState[];
  /** Wait in the triggerer instead of a worker slot. */
  readonly deferrable?: boolean;
}

export interface TriggerSpec<Q extends Readonly<Record<string, ParamSpec>>>
  extends TaskOptionsInput {
  /**
   * The pipeline to start: its definition (`import retrain from "./retrain.pipeline.js"`), which
   * the conf is checked against, or its DAG id.
   */
  readonly pipeline: PipelineDefinition<Q> | string;
  /** The run's params: literals, or values read when the task runs (task outputs, params). */
  readonly conf?: TriggerConf<Q>;
  /**
   * The run's id, an Airflow template (`deploy__{{ run_id }}`): one run per run of this
   * pipeline. A retry of the task then fails on the run already there, or with `resetRun`
   * clears it and runs it again; without `runId` (Airflow's `manual__<time>`), a retry starts
   * another run.
   */
  readonly runId?: string;
  /** A run with `runId` already there is cleared and run again, instead of failing the task. */
  readonly resetRun?: boolean;
  /**
   * A run with `runId` (or `logicalDate`) already there skips the task instead of failing it,
   * and with it what follows by Airflow's default trigger rule (`resetRun` wins over it): a
   * retry, or a catch-up run, does not start the other pipeline twice.
   */
  readonly skipWhenExists?: boolean;
  /**
   * Fail the task when the pipeline started is paused, where Airflow queues its run and goes on
   * (a new DAG starts paused, so a run started before someone unpauses it waits unseen).
   * Airflow 3.2 or later, or Airflow 2 (apache-airflow-providers-standard 1.1 or later, whose
   * TriggerDagRunOperator the DAG files import): Airflow 3.0 and 3.1 refuse the DAG file with
   * it. Kubeflow starts nothing (MLG3002).
   */
  readonly failWhenPaused?: boolean;
  /**
   * The run's logical date, an Airflow template: `{{ logical_date }}` (in a scheduled pipeline;
   * `{{ dag_run.logical_date or dag_run.run_after }}` where a run may have none) starts it for
   * this run's date, so that its `ds` is this run's (a catch-up or backfill run of this pipeline
   * starts the other for the same day). Default: the time the task starts it. Airflow keeps one
   * run per pipeline and logical date: a retry of the task fails on the run it started, or with
   * `resetRun` clears it and runs it again; a run of another id at that date (the other
   * pipeline's own schedule, another trigger) fails the task whatever `resetRun` says on
   * Airflow 3, and on Airflow 2 `resetRun` clears that run instead of starting one. So the
   * pipeline started should have no schedule of its own.
   */
  readonly logicalDate?: string;
  /** Wait for the run to end, failing when it fails; `true` for Airflow's defaults. */
  readonly wait?: boolean | TriggerWait;
}

export interface ContainerTaskSpec extends TaskOptionsInput, OutletOptions, SetupTeardownOptions {
  readonly image: string;
  /** Entrypoint override. Default: the image's. */
  readonly command?: readonly string[];
  /** Arguments; Airflow templates such as `{{ ds }}` work. */
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, Input>>;
  readonly resources?: TaskResources;
  readonly namespace?: string;
  /**
   * Kubernetes secrets a private image is pulled with, e.g. `["regcred"]`
   * (KubernetesPodOperator's `image_pull_secrets`, kfp-kubernetes' `set_image_pull_secrets`).
   */
  readonly imagePullSecrets?: readonly string[];
  /**
   * Node labels the pod must be scheduled on, e.g. `{ "cloud.google.com/gke-accelerator":
   * "nvidia-l4" }` (KubernetesPodOperator's `node_selector`, kfp-kubernetes'
   * `add_node_selector`).
   */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints the pod tolerates, e.g. a GPU pool's `{ key: "nvidia.com/gpu", operator: "Exists",
   * effect: "NoSchedule" }` (KubernetesPodOperator's `tolerations`, kfp-kubernetes'
   * `add_toleration`): without it, a pod on a tainted pool is never scheduled.
   */
  readonly tolerations?: readonly TaskToleration[];
  /**
   * Existing PersistentVolumeClaims mounted into the pod, e.g. `[{ name: "training-data",
   * mountPath: "/data" }]` (a volume named after the claim; kfp-kubernetes' `mount_pvc`).
   */
  readonly pvcs?: readonly TaskPvcMount[];
  /**
   * Scratch volumes that live as long as the pod, e.g. `[{ name: "scratch", mountPath:
   * "/scratch", sizeLimit: "20Gi" }]` (kfp-kubernetes' `empty_dir_mount`).
   */
  readonly emptyDirs?: readonly TaskEmptyDir[];
  /**
   * Shared memory at `/dev/shm` (a container gets 64 MiB, too little for PyTorch DataLoader
   * workers): `true`, or its size limit such as `"2Gi"`, which counts against the pod's memory.
   */
  readonly shm?: true | string;
  /**
   * The Kubernetes service account the pod runs as, e.g. one bound to a cloud identity that
   * reads the bucket (KubernetesPodOperator's `service_account_name`). Kubeflow runs every pod
   * of a run as the run's service account, given when the run is submitted (MLG3002).
   */
  readonly serviceAccountName?: string;
}

/**
 * An Airflow operator mlgen has no construct for: a provider's (SQLExecuteQueryOperator,
 * BigQueryInsertJobOperator, SparkSubmitOperator, ...) or your own, by its import path, with
 * its arguments by Airflow's names. The task's options (retries, executionTimeout, alerts,
 * ...) are written as for any task. Airflow only: Kubeflow cannot run it (MLG3001).
 */
export interface OperatorTaskSpec extends TaskOptionsInput, OutletOptions, SetupTeardownOptions {
  /**
   * The class by its import path, as its provider's docs list it:
   * `"airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator"`.
   */
  readonly operator: string;
  /**
   * Its arguments, as the operator's signature names them (`conn_id`, `sql`). A literal is
   * passed as written, and Airflow renders Jinja (`{{ ds }}`) in the arguments the operator
   * templates (its template_fields), as in a hand-written DAG. A computed value (a string
   * param, a task's string output, a variable) is passed as a template, which renders to text:
   * the argument must be one the operator renders, which the DAG file checks when it is
   * parsed. A task output read here puts the task after the one that makes it.
   */
  readonly args?: Readonly<Record<string, Input>>;
  /**
   * The type of what the operator's execute() returns, which Airflow pushes as the task's
   * `return_value` XCom (a SQL query's rows, a job's id, an HTTP response's text): later
   * tasks read it as `task.output`, which puts them after this task. The task fails when the
   * value is not of this type (a `post_execute` check), so a reader never gets another.
   */
  readonly returns?: OutputType;
}

/** An operator task whose return value later tasks read (`returns` given). */
export interface OperatorTaskHandle<R extends OutputType> extends TaskHandle {
  /** What the operator returned, Airflow's `task.output` (its `return_value` XCom). */
  readonly output: Output<OutputTypeMap[R]>;
}

export interface ValidateSpec extends TaskOptionsInput {
  /** A CSV or Parquet file (by extension). */
  readonly data: string | TextValue;
  readonly requiredColumns?: readonly string[];
  readonly minRows?: number;
  /** Column → largest allowed fraction of nulls, 0..1. */
  readonly maxNullFraction?: Readonly<Record<string, number>>;
  /** The label column: must exist and have no nulls. */
  readonly target?: string;
  readonly dtypes?: Readonly<Record<string, ValidateTask["dtypes"][string]>>;
}

/**
 * A pipeline param: its default, or `{ default, type, description }`. Without a type, a whole
 * number is an `integer` param and any other number a `number` one; JavaScript reads `1.0` as
 * `1`, so a float param with a whole default says so: `{ default: 1, type: "number" }`.
 */
export type ParamSpec =
  | string
  | number
  | boolean
  | readonly Json[]
  | { readonly [key: string]: Json }
  | {
      readonly default:
        | string
        | number
        | boolean
        | readonly Json[]
        | { readonly [key: string]: Json };
      readonly type?: Param["type"];
      readonly description?: string;
      /**
       * The values a run may give, e.g. `["full", "quick"]`: a choice in Airflow's trigger
       * form, checked by Airflow when a run starts (Param's `enum`).
       */
      readonly enum?: readonly (string | number)[];
      /** A number or integer param's smallest value (Param's `minimum`). */
      readonly minimum?: number;
      /** A number or integer param's largest value (Param's `maximum`). */
      readonly maximum?: number;
      /** A string param's shortest length, in characters (Param's `minLength`). */
      readonly minLength?: number;
      /** A string param's longest length, in characters (Param's `maxLength`). */
      readonly maxLength?: number;
    }
  | {
      /**
       * An optional param: a run may leave it unset, and a Python task reading it gets None
       * (Airflow's `Param(None, type=["null", "string"])`, kfp's `Optional[str] = None`). Its
       * type is needed, and only a Python task's input may read it.
       */
      readonly default: null;
      readonly type: Param["type"];
      readonly description?: string;
      readonly minimum?: number;
      readonly maximum?: number;
      readonly minLength?: number;
      readonly maxLength?: number;
    };
/** The value of a param of each type. */
interface ParamTypeTs {
  readonly string: string;
  readonly integer: number;
  readonly number: number;
  readonly boolean: boolean;
  readonly array: readonly Json[];
  readonly object: { readonly [key: string]: Json };
}
type ParamTs<S> = S extends {
  readonly default: null;
  readonly type: infer T extends keyof ParamTypeTs;
}
  ? ParamTypeTs[T] | null
  : S extends { readonly default: infer D }
    ? D
    : S;
/** What a task reads of a param whose value is a `T`. */
type HandleTs<T> = [T] extends [string]
  ? string
  : [T] extends [number]
    ? number
    : [T] extends [boolean]
      ? boolean
      : [T] extends [readonly Json[]]
        ? unknown[]
        : Record<string, unknown>;
export type ParamHandles<P extends Readonly<Record<string, ParamSpec>>> = {
  // An optional param is no text: a path cannot be joined onto a value that may be None.
  readonly [K in keyof P]: P[K] extends {
    readonly default: null;
    readonly type: infer T extends keyof ParamTypeTs;
  }
    ? ValueHandle<HandleTs<ParamTypeTs[T]> | null>
    : ParamTs<P[K]> extends string
      ? TextValue
      : ParamTs<P[K]> extends number
        ? ValueHandle<number>
        : ParamTs<P[K]> extends boolean
          ? ValueHandle<boolean>
          : ParamTs<P[K]> extends readonly Json[]
            ? ValueHandle<unknown[]>
            : ValueHandle<Record<string, unknown>>;
};

export type ScheduleInput =
  | string
  | null
  | Asset
  | readonly Asset[]
  | { readonly cron: string; readonly assets: readonly Asset[] };

export interface PipelineOptions<P extends Readonly<Record<string, ParamSpec>>> {
  /**
   * Cron expression, preset such as `@daily`, `null` for manual runs only (the default), assets
   * (`[asset("s3://bucket/raw")]`: run when all were updated), or `{ cron, assets }` for both.
   * A cron schedule starts a run at each cron time, whose logical date is that time (Airflow's
   * CronTriggerTimetable, written out on Airflow 3 and 2 alike: a plain cron string would mean a
   * data interval ending then on Airflow 2; `dataIntervals: true` keeps that meaning). The cron
   * reads in UTC, or the start date's offset.
   */
  readonly schedule?: ScheduleInput;
  /** `YYYY-MM-DD` or an ISO date-time; read in `timezone` (UTC by default) unless it carries an offset. */
  readonly startDate?: string;
  /**
   * An IANA time zone name such as `Europe/Berlin`: the cron schedule and a start date without
   * an offset are read in it, so a `0 6 * * *` run starts at 06:00 there in summer and in
   * winter (a fixed offset in `startDate` moves by an hour at each daylight-saving change).
   * Airflow's DAG time zone; not carried to Kubeflow, whose recurring runs have their own.
   */
  readonly timezone?: string;
  /** Default `false`: a new pipeline does not backfill. */
  readonly catchup?: boolean;
  /**
   * `true`: each run of a cron schedule covers the interval from the cron time before to its
   * own, and its logical date (`{{ ds }}`) is that interval's start, one period before the run
   * starts: Airflow's CronDataIntervalTimetable, what a cron string means on Airflow 2 (port
   * such a DAG with it). Default: a run's logical date is its own cron time
   * (CronTriggerTimetable), on Airflow 3 and 2 alike.
   */
  readonly dataIntervals?: boolean;
  readonly tags?: readonly string[];
  readonly description?: string;
  readonly owner?: string;
  readonly maxActiveRuns?: number;
  /** Most task instances of this pipeline running at once, across runs. */
  readonly maxActiveTasks?: number;
  /** Fail a run still going after this long. */
  readonly dagrunTimeout?: Duration;
  /**
   * Alert when a run has not succeeded in time, and let it go on (Airflow 3.2+'s DeadlineAlert;
   * `dagrunTimeout` is what stops one): `{ within: hours(2), alert: slack() }`, or a list.
   */
  readonly deadline?: DeadlineSpec | readonly DeadlineSpec[];
  /**
   * Alerts once a run has succeeded (the DAG's on_success_callback; on Kubeflow, the exit
   * handler): "the nightly training finished". A task's own, for each task, are the defaults'.
   */
  readonly onSuccess?: AlertInput;
  /**
   * Alerts once a run has failed, whatever failed it: a task, or its dagrunTimeout (the DAG's
   * on_failure_callback; on Kubeflow, the exit handler). One alert per failed run, where the
   * defaults' onFailure alerts for each task that fails.
   */
  readonly onFailure?: AlertInput;
  /** Run-time parameters with defaults; a trigger may override them. */
  readonly params?: P;
  readonly defaults?: TaskOptionsInput;
  readonly mlflow?: MlflowOptions;
  /** Kubeflow only: the image and pip packages of this pipeline's tasks. */
  readonly kubeflow?: KubeflowPipelineOptions;
}

export interface PipelineBuilder<P extends Readonly<Record<string, ParamSpec>>> {
  readonly params: ParamHandles<P>;
  python<const O extends Outputs = Record<never, OutputType>>(
    id: string,
    spec: PythonTaskSpec<O>,
  ): PythonTaskHandle<O>;
  bash(id: string, spec: BashTaskSpec): TaskHandle;
  /** Dynamic fan-out: one instance of `fn` per item of `over`, decided when the run gets there. */
  map<const O extends Outputs = Record<never, OutputType>>(
    id: string,
    spec: MapTaskSpec<O>,
  ): MappedTaskHandle<O>;
  /**
   * Runs `ifTrue` or `ifFalse` depending on a value known at run time; the other side is
   * skipped (omit `ifFalse` to skip `ifTrue` and go on).
   */
  branch<T>(id: string, spec: BranchSpec<T>): TaskHandle;
  /** Skips everything downstream unless the condition holds. */
  shortCircuit<T>(id: string, spec: ShortCircuitSpec<T>): TaskHandle;
  /**
   * Runs the tasks right after it only in the latest run of the pipeline's schedule (Airflow's
   * LatestOnlyOperator): in a backfill's or a catch-up's run of a past interval they are skipped
   * whatever their trigger rule, and with them what needs them (further on a trigger rule
   * decides, as after a branch). A manual run, and a pipeline without a time schedule, runs
   * them. It judges the run by the clock when it runs, so put it first and the gated tasks after
   * it and after what they need: `const latest = p.latestOnly("latest_only");
   * deploy.after(latest, evaluate)`, so that a backfill retrains old intervals without pushing
   * an old model out.
   */
  latestOnly(id: string, spec?: LatestOnlySpec): TaskHandle;
  /** Waits for a file (FileSensor). */
  fileSensor(id: string, spec: FileSensorSpec): TaskHandle;
  /**
   * Waits until the user's function returns something true, calling it every `pokeInterval`
   * (PythonSensor): a partition landed, a table has rows, a model is approved.
   */
  pythonSensor<const O extends Outputs = Record<never, OutputType>>(
    id: string,
    spec: PythonSensorSpec<O>,
  ): PythonTaskHandle<O>;
  /** Waits for a task or run of another DAG (ExternalTaskSensor). */
  externalTaskSensor(id: string, spec: ExternalTaskSensorSpec): TaskHandle;
  /** Waits until a span after the data interval's end (TimeDeltaSensor). */
  timeDeltaSensor(id: string, spec: TimeDeltaSensorSpec): TaskHandle;
  /**
   * Starts a run of another pipeline with `conf` as its params (TriggerDagRunOperator), and
   * with `wait`, waits for it to end.
   */
  trigger<const Q extends Readonly<Record<string, ParamSpec>>>(
    id: string,
    spec: TriggerSpec<Q>,
  ): TaskHandle;
  /** Runs an image as a Kubernetes pod (KubernetesPodOperator). */
  container(id: string, spec: ContainerTaskSpec): TaskHandle;
  /**
   * Runs an Airflow operator mlgen has no construct for, by its import path, with its
   * arguments (Airflow only).
   */
  operator<const R extends OutputType>(
    id: string,
    spec: OperatorTaskSpec & { readonly returns: R },
  ): OperatorTaskHandle<R>;
  operator(id: string, spec: OperatorTaskSpec): TaskHandle;
  /** Checks a table file; fails listing every violated check. */
  validate(id: string, spec: ValidateSpec): TaskHandle;
  /**
   * A task group (Airflow TaskGroup): its tasks get ids `group.task`, its `defaults` apply to
   * them (over the pipeline's), and the returned handle orders the whole group with `.after()`.
   * What the body returns is the handle's `out`, typed as returned: `return ev.out` makes
   * `group.out.accuracy` an output the rest of the pipeline reads, as a task's.
   */
  group<const R = void>(
    id: string,
    spec: GroupSpec,
    body: (g: PipelineBuilder<P>) => NotAsync<R>,
  ): GroupHandle<R>;
}

/**
 * What a body may return: anything but a promise. A body runs when the pipeline is defined and
 * tasks declared after an `await` would be lost, so an async one fails to type-check, with the
 * reason as the missing property's name (and MLG1011 when it runs, for JavaScript).
 */
export type NotAsync<R> =
  R extends PromiseLike<unknown>
    ? { readonly "MLG1011: a pipeline or group body must not be async": never }
    : R;

/** A task group's handle: `.after()` orders the whole group; `out` is what its body returned. */
export interface GroupHandle<R = void> extends TaskHandle {
  readonly out: R;
}

export interface GroupSpec {
  readonly tooltip?: string;
  readonly defaults?: TaskOptionsInput;
}

/** Frames from the package's src/ (source-mapped) or dist/ are the DSL's own. */
const DSL_ROOT = fileURLToPath(new URL("..", import.meta.url));
const DSL_DIRS = [`${DSL_ROOT}src/`, `${DSL_ROOT}dist/`];
/**
 * The file this module runs from. It is in DSL_DIRS, except when mlgen runs as one bundle
 * (the CLI's startup snapshot, packages/cli/src/snapshot/): then the DSL's frames are the
 * bundle's, and so are those of the rest of mlgen, none of them the user's. Read when first
 * needed: while a snapshot is built, errors carry no stack.
 */
let ownFile: string | undefined;
function thisFile(): string | undefined {
  // Not cached until found: the warm-up of a snapshot build runs here without a stack.
  ownFile ??= withNativeStackTrace(() => frameAt(new Error().stack?.split("\n")[1] ?? "")?.file);
  return ownFile;
}

/** The place one line of a V8 stack trace names (`at f (file:line:col)`, `at file:line:col`). */
function frameAt(line: string): SourceLocation | undefined {
  const m = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line);
  if (!m?.[1]) return undefined;
  const file = m[1].startsWith("file://") ? fileURLToPath(m[1]) : m[1];
  return { file, line: Number(m[2]), column: Number(m[3]) };
}

/** How many call sites were resolved (stacks formatted) in this process: for tests. */
let sitesResolved = 0;
export const resolvedSiteCount = () => sitesResolved;

/** The file:line:col of the first stack frame outside the DSL: the user's call. */
function locate(captured: Error): SourceLocation | undefined {
  sitesResolved++;
  const stack = withNativeStackTrace(() => captured.stack?.split("\n") ?? []);
  const own = thisFile();
  // The first frame of the user's own code: a task made by a helper installed in node_modules
  // (a team's shared package) is placed at the user's call of the helper, where a suppression
  // comment can be written; the helper's own line only when no frame is the user's.
  let installed: SourceLocation | undefined;
  for (const line of stack.slice(1)) {
    const at = frameAt(line);
    if (!at) continue;
    const { file } = at;
    if (file === own || DSL_DIRS.some((d) => file.startsWith(d)) || !file.startsWith("/")) continue;
    if (!file.includes("/node_modules/")) return at;
    installed ??= at;
  }
  return installed;
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

/** What an async function returns: awaited by no one here. */
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null)?.then === "function";

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
    maxActiveTisPerDagrun: spec.maxActiveTisPerDagrun ?? null,
    onFailure: alertList(spec.onFailure),
    onRetry: alertList(spec.onRetry),
    onSuccess: alertList(spec.onSuccess),
  };
}

function timeSchedule(value: string) {
  return value.startsWith("@")
    ? ({ kind: "preset", preset: value } as const)
    : ({ kind: "cron", expression: value } as const);
}

function schedule(value: ScheduleInput | undefined): Schedule {
  if (value === null || value === undefined) return { kind: "none" };
  if (typeof value === "string") return timeSchedule(value);
  if (Array.isArray(value)) {
    return { kind: "assets", uris: assetUris(value as readonly unknown[]), time: null };
  }
  if (typeof value !== "object") {
    // From plain JavaScript, or past the types with a cast.
    throw new TypeError(
      `schedule: ${String(value)} is not a schedule: write "@daily" or a cron string, null for none, asset("s3://bucket/path") or a list of them, or { cron: "@daily", assets: [...] }`,
    );
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind === "duration") {
    // Airflow's schedule=timedelta(hours=4), written with the DSL's hours(4).
    throw new TypeError(
      `schedule: ${toSeconds(value as unknown as Duration)} seconds (a duration, hours() or minutes()) is not a schedule: write a cron string ("0 */4 * * *" runs every 4 hours from midnight) or a preset ("@hourly", "@daily"); Airflow's timedelta schedules have no equivalent here`,
    );
  }
  if (kind !== undefined) return { kind: "assets", uris: [(value as Asset).uri], time: null };
  const both = value as { cron: string; assets: readonly Asset[] };
  return { kind: "assets", uris: assetUris(both.assets), time: timeSchedule(both.cron) };
}

/** The URIs of a schedule's assets; anything else in the list is refused, saying what to write. */
function assetUris(list: readonly unknown[]): string[] {
  return list.map((a) => {
    if (typeof a === "object" && a !== null && "uri" in a) return (a as Asset).uri;
    // Never String(a): a handle refuses to become a string, with a message about something else.
    const shown =
      typeof a === "string"
        ? `'${a}'`
        : a === null || typeof a !== "object"
          ? String(a)
          : "an object";
    throw new TypeError(
      `schedule: a list holds assets, and ${shown} is not one: write asset("s3://bucket/path") in the list, schedule: "@daily" (or a cron string) for a time schedule, or { cron: "@daily", assets: [...] } for both`,
    );
  });
}

const handles = (t: TaskHandle | readonly TaskHandle[] | undefined): TaskHandle[] =>
  t === undefined ? [] : Array.isArray(t) ? [...t] : [t as TaskHandle];

const seconds = (d: Duration | undefined) => (d ? toSeconds(d) : null);

/** Why `value` is not JSON data (where in it, e.g. `[2].lr is NaN`), or null when it is. */
function notJson(value: unknown, at: string): string | null {
  const where = at === "" ? "it" : at;
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") {
    return Number.isFinite(value) ? null : `${where} is ${value}, which JSON has no number for`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const why = notJson(value[i], `${at}[${i}]`);
      if (why !== null) return why;
    }
    return null;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const why = notJson(
        v,
        `${at}${/^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`,
      );
      if (why !== null) return why;
    }
    return null;
  }
  const kind =
    typeof value === "object" ? `a ${value.constructor?.name ?? "non-plain"} object` : typeof value;
  return `${where} is ${kind === "undefined" ? "undefined" : kind === "function" ? "a function" : kind}`;
}

/** `{ default, type?, description? }` rather than an object param's default. */
function isParamOptions(
  spec: ParamSpec,
): spec is Extract<ParamSpec, { readonly default: unknown }> {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return false;
  const keys = Object.keys(spec);
  return keys.includes("default") && keys.every((k) => PARAM_OPTION_KEYS.has(k));
}
const PARAM_OPTION_KEYS: ReadonlySet<string> = new Set([
  "default",
  "type",
  "description",
  ...PARAM_CHECK_KEYS,
]);
/**
 * What Airflow's Param takes besides a default, type and description (JSON Schema keywords and
 * its form's own), which mlgen does not carry: `{ default: "full", enum: [...] }` is a param's
 * options written as Airflow's, not an object param's default (it type-checks as both).
 */
const PARAM_SCHEMA_KEYS: ReadonlySet<string> = new Set([
  "const",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "pattern",
  "format",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "properties",
  "required",
  "title",
  "examples",
  "values_display",
  "section",
  "description_md",
]);

/** Python's names of the param types (kfp's annotations), as the hint says them in mlgen's. */
const PYTHON_TYPES: Readonly<Record<string, string>> = {
  str: "string",
  int: "integer",
  float: "number",
  bool: "boolean",
  list: "array",
  dict: "object",
};

/** A neutral default of each param type, for the hint of a param written without one. */
const EMPTY_DEFAULT: Readonly<Record<string, string>> = {
  string: '""',
  integer: "0",
  number: "0.5",
  boolean: "false",
  array: "[]",
  object: "{}",
};

/**
 * `{ type: "string" }` (with a description, perhaps), as kfp's `run_date: str` or an Airflow
 * `Param(type="string")` are written, where the object would be the default of an object param.
 */
function withoutDefault(spec: ParamSpec): boolean {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return false;
  const keys = Object.keys(spec);
  const type = (spec as { type?: unknown }).type;
  return (
    !keys.includes("default") &&
    typeof type === "string" &&
    ((PARAM_TYPES as readonly string[]).includes(type) || Object.hasOwn(PYTHON_TYPES, type)) &&
    keys.every((k) => PARAM_OPTION_KEYS.has(k) || PARAM_SCHEMA_KEYS.has(k))
  );
}

/** The keys of `{ default, ... }` that are param options mlgen does not carry (Airflow's). */
function paramSchemaKeys(spec: ParamSpec): string[] {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return [];
  const keys = Object.keys(spec);
  if (!keys.includes("default")) return [];
  const other = keys.filter((k) => !PARAM_OPTION_KEYS.has(k));
  // With a type or a description beside the default, every other key is a param option too.
  const options =
    other.every((k) => PARAM_SCHEMA_KEYS.has(k)) ||
    keys.includes("type") ||
    keys.includes("description");
  return options ? other : [];
}

function param(spec: ParamSpec): Omit<Param, "position"> {
  const s: {
    readonly default: unknown;
    readonly type?: Param["type"];
    readonly description?: string;
  } = isParamOptions(spec) ? spec : { default: spec };
  const d = s.default;
  const type =
    s.type ??
    (typeof d === "string"
      ? "string"
      : typeof d === "boolean"
        ? "boolean"
        : Array.isArray(d)
          ? "array"
          : typeof d === "object" && d !== null
            ? "object"
            : // A whole number JavaScript holds exactly; 1e21 is a float's default.
              Number.isSafeInteger(d)
              ? "integer"
              : "number");
  const checks: Partial<Pick<Param, (typeof PARAM_CHECK_KEYS)[number]>> = {};
  for (const key of PARAM_CHECK_KEYS) {
    const value = (s as Partial<Record<string, unknown>>)[key];
    // A value of another shape is kept for the IR's validation to say (MLG1011).
    if (value !== undefined) {
      (checks as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
    }
  }
  return {
    kind: "param",
    type,
    default: d as Param["default"],
    description: s.description ?? null,
    ...checks,
  };
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
 * A copy of a list option. Anything else (a string where a list belongs: `tags: "ml"`) is kept
 * as it is, for the IR's validation to report (MLG1011): spreading a string would split it
 * into characters.
 */
function list<T>(value: readonly T[]): T[] {
  return Array.isArray(value) ? [...value] : (value as unknown as T[]);
}

/**
 * Defines a pipeline. `body` declares its tasks through the builder; passing one task's
 * `out.x` into another's inputs makes the second depend on the first.
 */
export function pipeline<
  const P extends Readonly<Record<string, ParamSpec>> = Record<never, never>,
  R = void,
>(
  id: string,
  options: PipelineOptions<P>,
  body: (p: PipelineBuilder<P>) => NotAsync<R>,
): PipelineDefinition<P> {
  const sourceMap: Record<string, SourceLocation> = {};
  const problems: Diagnostic[] = [];
  const token: PipelineToken = { id };
  const pipelineSite = callSite();
  recordSite(sourceMap, "pipeline", pipelineSite);
  const tasks: Task[] = [];
  problems.push(
    ...unknownScopeOptions(options, "pipeline", `pipeline '${id}'`, {
      pipeline: id,
      site: pipelineSite,
    }),
  );
  problems.push(
    ...unknownOptions(
      options.kubeflow,
      "kubeflow (pipeline)",
      `the kubeflow options of pipeline '${id}'`,
      { pipeline: id, site: pipelineSite },
    ),
    ...secretEnvTypos(options.kubeflow?.secretEnv, `pipeline '${id}'`, {
      pipeline: id,
      site: pipelineSite,
    }),
  );
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
    if (withoutDefault(spec as ParamSpec)) {
      const written = (spec as { type: string }).type;
      const type = PYTHON_TYPES[written] ?? written;
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `param '${name}'`,
            reason: `it has a type and no default, so { type: "${written}" } would be read as an object param whose default is that object (kfp's required inputs have no mlgen form: a scheduled run, and a start given no conf, take the default)`,
            hint: `give it a default, ${name}: { default: ${EMPTY_DEFAULT[type] ?? '""'}, type: "${type}" }, and check for it in the task if no run may go without one; for a param a run may leave unset, ${name}: { default: null, type: "${type}" } (a Python task reads it as None); for an object param whose value holds a 'type' key, write { default: { type: "${written}" } }`,
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
      continue;
    }
    const schemaKeys = paramSchemaKeys(spec as ParamSpec);
    for (const key of schemaKeys) {
      problems.push(
        diagnostic(
          "MLG1022",
          {
            what: `param '${name}'`,
            key,
            hint: `mlgen carries a param's default, type, description, enum, minimum, maximum, minLength and maxLength, not Airflow's ${key}: remove it (and check the value in the task), or, for an object param whose value holds these keys, write { default: { default: ..., ${key}: ... } }`,
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
    }
    const options = (
      schemaKeys.length > 0
        ? Object.fromEntries(
            Object.entries(spec as object).filter(([k]) => PARAM_OPTION_KEYS.has(k)),
          )
        : spec
    ) as ParamSpec;
    const p = param(options);
    if (p.default === null && !(isParamOptions(options) && "type" in (options as object))) {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `param '${name}'`,
            reason:
              "its default is null and it has no type, and an optional param's type is what Airflow's trigger form and a Kubeflow run check a given value against",
            hint: `give its type: ${name}: { default: null, type: "string" } (or "integer", "number", "boolean", "array", "object")`,
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
      continue;
    }
    const notData = notJson(p.default, "");
    if (notData !== null) {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `the default of param '${name}'`,
            reason: `${notData}, and a param's value is JSON (Airflow's trigger form and Kubeflow's run inputs)`,
            hint: "give strings, numbers, booleans, null, lists and plain objects; a value known only when the run starts is a task's output or env()/variable()",
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
      continue;
    }
    paramsIr[name] = { ...p, position: Object.keys(paramsIr).length };
    // An optional param's handle is no text: a path joined onto None is no path.
    paramHandles[name] = paramValue(name, p.type === "string" && p.default !== null, token);
  }

  // The handles this pipeline made: a task of another pipeline, whose id may also be one of
  // this pipeline's, must not be wired in by its id.
  const own = new WeakSet<object>();
  /** The ids of `upstream`; one from another pipeline is reported (MLG1011), not wired. */
  const ownIds = (
    taskId: string,
    what: string,
    upstream: readonly TaskHandle[],
    site: () => SourceLocation | undefined,
  ): string[] =>
    upstream.flatMap((t) => {
      if (typeof t === "object" && t !== null && own.has(t)) return [t.id];
      const handleId = (t as Partial<TaskHandle> | null)?.id;
      const reason =
        typeof t === "string"
          ? `it is the string '${t}', not a task handle`
          : typeof t === "object" && t !== null && typeof handleId === "string"
            ? `'${handleId}' is not a task of pipeline '${id}' (a handle from another pipeline)`
            : `it is ${t === null || t === undefined ? String(t) : `a ${typeof t}`}, not a task handle`;
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `${what} of '${taskId}'`,
            reason,
            hint:
              typeof t === "string"
                ? `pass the handle that p.python()/p.bash()/p.group()... returned for '${t}': const ${/^[A-Za-z_$][\w$]*$/.test(t) ? t : "task"} = p.bash("${t}", ...); ... .after(${/^[A-Za-z_$][\w$]*$/.test(t) ? t : "task"})`
                : "pass the handle that this pipeline's p.python()/p.bash()/p.group()... returned",
          },
          { pipeline: id, task: taskId, location: site() },
        ),
      );
      return [];
    });

  function handle<T extends Task>(node: T): TaskHandle & { node: T } {
    const h = {
      id: node.id,
      node,
      after(...upstream: TaskHandle[]) {
        const site = callSite();
        const ids = ownIds(node.id, ".after()", upstream, site);
        (node.after as string[]).push(...ids);
        // Where each edge was made: a loop of tasks is closed by one (MLG1002 points at it).
        for (const up of ids) recordSite(sourceMap, `after:${node.id}:${up}`, site);
        return this;
      },
    };
    own.add(h);
    return h;
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
        problems.push(invalidValue(taskId, e, site));
        // A function's input that was given: kept (as None), so that the check of the function's
        // parameters does not say it is missing too.
        if (group === "inputs") out[k] = { kind: "literal", value: null };
      }
    }
    return out;
  };

  const invalidValue = (taskId: string, error: unknown, site: () => SourceLocation | undefined) =>
    diagnostic(
      "MLG1011",
      {
        what: `value for task '${taskId}'`,
        reason: (error as Error).message,
        hint:
          error instanceof ForeignValueError
            ? error.hint
            : "pass strings, numbers, booleans, null, lists and plain objects, or env()/variable()/task outputs",
      },
      { pipeline: id, task: taskId, location: site() },
    );

  /** The fields every task kind shares; records where the task was defined. */
  const taskBase = (
    taskId: string,
    groupId: string | null,
    spec: TaskOptionsInput & OutletOptions,
    site: () => SourceLocation | undefined,
    call: OptionsOf,
  ) => {
    // A second task with the id keeps the first's place and gets `task:<id>#2` (MLG1001 names both).
    let key = taskKey(taskId);
    for (let n = 2; Object.hasOwn(sourceMap, key); n++) key = `${taskKey(taskId)}#${n}`;
    recordSite(sourceMap, key, site);
    const place = { pipeline: id, task: taskId, site };
    problems.push(
      ...unknownOptions(spec, call, `task '${taskId}'`, place),
      ...badCallbacks(spec, `task '${taskId}'`, place),
    );
    const role = setupTeardown(taskId, spec, call, site);
    for (const up of role?.setups ?? []) recordSite(sourceMap, `after:${taskId}:${up}`, site);
    return {
      id: taskId,
      group: groupId,
      after: [...(role?.setups ?? [])],
      upstream: [] as string[],
      options: taskOptions(spec),
      outlets: Array.isArray(spec.outlets)
        ? spec.outlets.map((a: Asset) => a.uri)
        : list((spec.outlets ?? []) as unknown as readonly string[]),
      ...(role ? { setupTeardown: role.role } : {}),
    };
  };

  /**
   * `setup: true`, or `teardown: true` / `teardown: create` (its setups), on the calls that take
   * them (elsewhere MLG1022 said so). A teardown's setups become setups and come before it, as
   * `as_teardown(setups=create)` does.
   */
  const setupTeardown = (
    taskId: string,
    spec: object,
    call: OptionsOf,
    site: () => SourceLocation | undefined,
  ): { role: "setup" | "teardown"; setups: string[] } | undefined => {
    if (!(OPTIONS[call] as readonly string[]).includes("setup")) return undefined;
    const { setup, teardown } = spec as SetupTeardownOptions;
    const bad = (what: string, reason: string, hint: string) =>
      problems.push(
        diagnostic(
          "MLG1011",
          { what: `${what} of task '${taskId}'`, reason, hint },
          { pipeline: id, task: taskId, location: site() },
        ),
      );
    if (setup !== undefined && typeof setup !== "boolean") {
      bad(
        "setup",
        `it is ${JSON.stringify(setup) ?? typeof setup}, not true or false`,
        "write setup: true, or leave it out",
      );
      return undefined;
    }
    if (teardown === undefined || teardown === false) {
      return setup === true ? { role: "setup", setups: [] } : undefined;
    }
    if (setup === true) {
      bad(
        "setup and teardown",
        "a task is a setup or a teardown, not both (Airflow refuses the DAG: the task is already a setup)",
        "make one task that sets up and another, after the work, that tears down",
      );
      return undefined;
    }
    if (teardown === true) return { role: "teardown", setups: [] };
    const given = Array.isArray(teardown) ? (teardown as readonly TaskHandle[]) : [teardown];
    const setups = ownIds(taskId, "teardown (its setups)", given as TaskHandle[], site);
    for (const h of given) {
      if (!setups.includes((h as TaskHandle).id)) continue;
      const node = (h as { node?: { kind: string; setupTeardown?: string; map?: unknown } }).node;
      const kind =
        node?.kind === "python" && node.map != null ? "mapped python" : (node?.kind ?? "group");
      if (node === undefined || node.kind === "group") {
        bad(
          "teardown",
          `'${(h as TaskHandle).id}' is a task group, and Airflow marks tasks as setups, not groups`,
          "name the group's task that makes the resource",
        );
      } else if (node.setupTeardown === "teardown") {
        bad(
          "teardown",
          `'${(h as TaskHandle).id}' is a teardown itself, and a teardown's setups are setups`,
          "name the task that makes the resource",
        );
      } else if (!SETUP_TEARDOWN_KINDS.has(kind)) {
        bad(
          "teardown",
          `'${(h as TaskHandle).id}' is a ${kind} task, which mlgen does not make a setup`,
          "name a p.python(), p.bash(), p.container() or p.operator() task that makes the resource",
        );
      } else {
        // As as_teardown(setups=...) marks them.
        node.setupTeardown = "setup";
      }
    }
    return { role: "teardown", setups };
  };

  const add = <T extends Task>(node: T): T => {
    tasks.push(node);
    return node;
  };

  const condition = <T>(
    taskId: string,
    when: ConditionInput<T>,
    site: () => SourceLocation | undefined,
  ): Condition => {
    const [left, op, right] = when;
    let leftValue: Value = { kind: "literal", value: null };
    try {
      leftValue = toValue(left as Input, "when[0]");
    } catch (e) {
      problems.push(invalidValue(taskId, e, site));
    }
    const scalar =
      right === null ||
      typeof right === "string" ||
      typeof right === "boolean" ||
      (typeof right === "number" && Number.isFinite(right));
    if (scalar) return { left: leftValue, op, right };
    // A param, another task's output, ...: read when the task runs, as the left side is.
    let shown: string = typeof right === "number" ? String(right) : typeof right;
    try {
      const v = toValue(right as Input, "when[2]");
      if (v.kind !== "literal" && v.kind !== "list" && v.kind !== "object")
        return { left: leftValue, op, right: v };
      shown = v.kind === "literal" ? JSON.stringify(v.value) : `a ${v.kind}`;
    } catch (e) {
      // Another pipeline's value, or nothing (an output never declared): said as for any input.
      if (e instanceof ForeignValueError || right === undefined) {
        problems.push(invalidValue(taskId, e, site));
        return { left: leftValue, op, right: null };
      }
      // Not a value at all: its JavaScript type says enough.
    }
    problems.push(
      diagnostic(
        "MLG1011",
        {
          what: `condition of task '${taskId}'`,
          reason: `its right side (when[2]) is ${shown}; it must be a literal string, number, boolean or null, a param or another task's output, which the condition compares the left side with`,
          hint: "to compare with something else, compute the decision in a python task that returns a bool and branch on [check.out.ok, '==', true]",
        },
        { pipeline: id, task: taskId, location: site() },
      ),
    );
    return { left: leftValue, op, right: null };
  };

  /** Typos in a task's `kubeflow` options and the objects inside them (MLG1022). */
  const kubeflowTypos = (
    kf: KubeflowTaskOptions | undefined,
    taskId: string,
    site: () => SourceLocation | undefined,
  ): Diagnostic[] => {
    if (!kf) return [];
    const place = { pipeline: id, task: taskId, site };
    return [
      ...unknownOptions(kf, "kubeflow (task)", `the kubeflow options of task '${taskId}'`, place),
      ...unknownOptions(
        kf.resources,
        "resources",
        `the kubeflow resources of task '${taskId}'`,
        place,
        ["kubeflow", "resources"],
      ),
      ...podTypos(kf, taskId, "kubeflow.", place),
      ...secretEnvTypos(kf.secretEnv, `task '${taskId}'`, place),
    ];
  };

  /** `path/to/module.py:function` as its module and function, said when it names no function. */
  const functionOf = (
    taskId: string,
    text: string,
    site: () => SourceLocation | undefined,
  ): { module: string; function: string } => {
    // Left out, or not text (a JavaScript module, an `as` cast): said, not a TypeError.
    if (typeof text !== "string") {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `fn of task '${taskId}'`,
            reason:
              text === undefined
                ? "it is missing"
                : `it is ${text === null ? "null" : Array.isArray(text) ? "a list" : `a ${typeof text}`}, not text`,
            hint: "give the function the task runs: fn: 'path/to/module.py:function_name'",
          },
          { pipeline: id, task: taskId, location: site() },
        ),
      );
      return { module: "", function: "" };
    }
    const sep = text.lastIndexOf(":");
    const fn = sep > 0 ? text.slice(sep + 1) : "";
    if (sep <= 0 || !fn) {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `fn '${text}' of task '${taskId}'`,
            reason: "it names no function",
            hint: "write fn as 'path/to/module.py:function_name'",
          },
          { pipeline: id, task: taskId, location: site() },
        ),
      );
    }
    return { module: sep > 0 ? text.slice(0, sep) : text, function: fn };
  };

  const sensorNode = (
    base: ReturnType<typeof taskBase>,
    spec: SensorOptions,
    sensor: SensorTask["sensor"],
  ): SensorTask => ({
    kind: "sensor",
    ...base,
    sensor,
    pokeInterval: seconds(spec.pokeInterval),
    timeout: seconds(spec.timeout),
    mode: spec.mode ?? "reschedule",
    deferrable: spec.deferrable ?? false,
    softFail: spec.softFail ?? false,
  });

  const pythonNode = (
    taskId: string,
    groupId: string | null,
    spec: PythonTaskSpec<Outputs>,
    site: () => SourceLocation | undefined,
    map: PythonTask["map"],
  ): PythonTask => {
    const base = taskBase(taskId, groupId, spec, site, map ? "p.map()" : "p.python()");
    const { module, function: fn } = functionOf(taskId, spec.fn, site);
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
      problems.push(
        ...unknownOptions(spec.mlflow, "mlflow", `the mlflow options of task '${taskId}'`, {
          pipeline: id,
          task: taskId,
          site,
        }),
      );
      mlflow = mlflowTracking(spec.mlflow, taskId);
    }
    const kf = spec.kubeflow;
    problems.push(...kubeflowTypos(kf, taskId, site));
    return add({
      kind: "python",
      ...base,
      module,
      function: fn,
      inputs: lowerInputs(taskId, spec.inputs, "inputs", site),
      outputs: { ...(spec.outputs ?? {}) },
      mlflow,
      map,
      ...(kf ? { kubeflow: kubeflowTask(kf) } : {}),
    });
  };

  /** `task.out`: a ref per declared output; a proxy so undeclared names still name the task. */
  const outHandles = (taskId: string, outputs: Outputs, mapped: boolean) => {
    const out: Record<string, ValueHandle<unknown>> = {};
    // A mapped task's outputs are lists downstream, never strings to join paths onto.
    for (const [name, type] of Object.entries(outputs)) {
      out[name] = refValue(taskId, name, type === "string" && !mapped, token);
    }
    // The type checker rejects undeclared names; for plain JS (or a cast) the proxy still
    // hands back a ref, so resolveRefs can name the task and list the declared outputs.
    return new Proxy(out, {
      get(target, prop) {
        if (typeof prop !== "string" || prop in target || prop === "then" || prop === "toJSON") {
          return Reflect.get(target, prop);
        }
        return refValue(taskId, prop, false, token);
      },
    });
  };

  const groups: Record<string, Group> = {};

  // A param the pipeline does not declare is still a param here, so lowering reports it by
  // name (MLG1013) instead of the value being undefined. Symbols and promise/JSON probes pass.
  const params = new Proxy(paramHandles, {
    get(target, key, receiver) {
      if (typeof key !== "string" || key in target || key === "then" || key === "toJSON") {
        return Reflect.get(target, key, receiver);
      }
      return paramValue(key, false, token);
    },
  });

  /** A builder whose tasks go into `groupId` (null: the pipeline itself), ids prefixed with it. */
  const makeBuilder = (groupId: string | null): PipelineBuilder<P> => {
    const full = (local: string) => (groupId === null ? local : `${groupId}.${local}`);
    return {
      params: params as ParamHandles<P>,
      group<const R = void>(
        localId: string,
        spec: GroupSpec,
        groupBody: (g: PipelineBuilder<P>) => NotAsync<R>,
      ): GroupHandle<R> {
        const groupFull = full(localId);
        const site = callSite();
        let siteKey = `group:${groupFull}`;
        for (let n = 2; Object.hasOwn(sourceMap, siteKey); n++) siteKey = `group:${groupFull}#${n}`;
        recordSite(sourceMap, siteKey, site);
        problems.push(
          ...unknownScopeOptions(spec, "p.group()", `group '${groupFull}'`, {
            pipeline: id,
            site,
          }),
        );
        // A group with a task's id is the compiler's to report (check-graph.ts says a task has
        // it too, whichever came first); two groups with one id only this record sees.
        if (groups[groupFull]) {
          const first = sourceMap[`group:${groupFull}`];
          problems.push(
            diagnostic(
              "MLG1001",
              {
                what: "group",
                id: groupFull,
                first: first?.line ? ` (first at line ${first.line}, column ${first.column})` : "",
              },
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
        const before = tasks.length;
        const out = groupBody(makeBuilder(groupFull));
        // An empty group orders nothing: `.after(group)` and `group.after(...)` would be dropped.
        const inGroup = (t: Task) => t.id.startsWith(`${groupFull}.`);
        if (isThenable(out)) {
          // Tasks added after an await would come after p.group() returned (or pipeline() did).
          out.then(undefined, () => {});
          problems.push(
            diagnostic(
              "MLG1011",
              {
                what: `body of group '${groupFull}'`,
                reason:
                  "it returned a promise (an async function?): the tasks it adds after an await come after pipeline() returned, unchecked, and its out is that promise",
                hint: "build the group's tasks synchronously and return their outputs (return ev.out;); load what they need with top-level await before pipeline()",
              },
              { pipeline: id, task: groupFull, location: site() },
            ),
          );
        } else if (!tasks.slice(before).some(inGroup)) {
          const strays = tasks.slice(before).filter((t) => !inGroup(t));
          problems.push(
            diagnostic(
              "MLG1011",
              {
                what: `group '${groupFull}'`,
                reason:
                  strays.length > 0
                    ? `it has no tasks: its body added ${strays.map((t) => `'${t.id}'`).join(", ")} through the pipeline's builder, outside the group, and an empty group orders nothing (.after() on it would be dropped)`
                    : "it has no tasks, and an empty group orders nothing (.after() on it would be dropped)",
                hint:
                  strays.length > 0
                    ? `add them with the builder the group's body is given: p.group("${localId}", {}, (g) => { g.bash(...) })`
                    : "add its tasks in its body, or remove the group",
              },
              { pipeline: id, task: groupFull, location: site() },
            ),
          );
        }
        const h = {
          id: groupFull,
          // Not a promise (refused above), so what the body returned is its R.
          out: out as R,
          after(...upstream: TaskHandle[]) {
            (node.after as string[]).push(...ownIds(groupFull, ".after()", upstream, callSite()));
            return this;
          },
        };
        own.add(h);
        return h;
      },
      python<const O extends Outputs>(localId: string, spec: PythonTaskSpec<O>) {
        const site = callSite();
        const node = pythonNode(full(localId), groupId, spec, site, null);
        return Object.assign(handle(node), {
          out: outHandles(node.id, node.outputs, false) as OutputHandles<O>,
        });
      },
      map<const O extends Outputs>(localId: string, spec: MapTaskSpec<O>) {
        const site = callSite();
        const taskId = full(localId);
        let over: Value = { kind: "list", items: [] };
        try {
          checkKey(spec.as, "as");
          over = toValue(spec.over as Input, "over");
        } catch (e) {
          problems.push(invalidValue(taskId, e, site));
        }
        const node = pythonNode(taskId, groupId, spec, site, { input: spec.as, over });
        return Object.assign(handle(node), {
          out: outHandles(node.id, node.outputs, true) as unknown as MappedOutputHandles<O>,
        });
      },
      branch<T>(localId: string, spec: BranchSpec<T>) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.branch()");
        return handle(
          add({
            kind: "branch",
            ...base,
            condition: condition(base.id, spec.when, site),
            ifTrue: ownIds(base.id, "ifTrue", handles(spec.ifTrue), site),
            ifFalse: ownIds(base.id, "ifFalse", handles(spec.ifFalse), site),
          }),
        );
      },
      shortCircuit<T>(localId: string, spec: ShortCircuitSpec<T>) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.shortCircuit()");
        return handle(
          add({ kind: "short_circuit", ...base, condition: condition(base.id, spec.when, site) }),
        );
      },
      latestOnly(localId: string, spec: LatestOnlySpec = {}) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.latestOnly()");
        return handle(add({ kind: "latest_only", ...base }));
      },
      fileSensor(localId: string, spec: FileSensorSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.fileSensor()");
        const [path] = Object.values(lowerInputs(base.id, { path: spec.path }, "path", site));
        return handle(
          add(
            sensorNode(base, spec, {
              type: "file",
              path: path ?? { kind: "literal", value: "" },
              connId: spec.connId ?? null,
              recursive: spec.recursive ?? false,
            }),
          ),
        );
      },
      pythonSensor<const O extends Outputs>(localId: string, spec: PythonSensorSpec<O>) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.pythonSensor()");
        problems.push(...kubeflowTypos(spec.kubeflow, base.id, site));
        const outputs = { ...(spec.outputs ?? {}) };
        const node = add(
          sensorNode(base, spec, {
            type: "python",
            ...functionOf(base.id, spec.fn, site),
            inputs: lowerInputs(base.id, spec.inputs, "inputs", site),
            // Absent when none is declared: the IR (and its hash) of a sensor without outputs.
            ...(Object.keys(outputs).length ? { outputs } : {}),
            ...(spec.kubeflow ? { kubeflow: kubeflowTask(spec.kubeflow) } : {}),
          }),
        );
        return Object.assign(handle(node), {
          out: outHandles(node.id, outputs, false) as OutputHandles<O>,
        });
      },
      externalTaskSensor(localId: string, spec: ExternalTaskSensorSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.externalTaskSensor()");
        return handle(
          add(
            sensorNode(base, spec, {
              type: "external_task",
              dag: spec.dag,
              task: spec.task ?? null,
              executionDelta: seconds(spec.executionDelta),
              allowedStates: spec.allowedStates ? list(spec.allowedStates) : null,
              failedStates: spec.failedStates ? list(spec.failedStates) : null,
            }),
          ),
        );
      },
      timeDeltaSensor(localId: string, spec: TimeDeltaSensorSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.timeDeltaSensor()");
        return handle(
          add(sensorNode(base, spec, { type: "time_delta", delta: toSeconds(spec.delta) })),
        );
      },
      trigger<const Q extends Readonly<Record<string, ParamSpec>>>(
        localId: string,
        spec: TriggerSpec<Q>,
      ) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.trigger()");
        const place = { pipeline: id, task: base.id, location: site() };
        const target = isPipelineDefinition(spec.pipeline) ? spec.pipeline.ir : null;
        if (target === null && typeof spec.pipeline !== "string") {
          problems.push(
            diagnostic(
              "MLG1011",
              {
                what: `pipeline of trigger '${base.id}'`,
                reason: "it is neither a pipeline definition nor a DAG id",
                hint: 'pass the pipeline module\'s default export (import retrain from "./retrain.pipeline.js") or the DAG id as a string',
              },
              place,
            ),
          );
        }
        const conf = lowerInputs(
          base.id,
          spec.conf as Readonly<Record<string, Input>> | undefined,
          "conf",
          site,
        );
        if (target && spec.logicalDate !== undefined && target.schedule.kind !== "none") {
          // Its own runs hold logical dates too: a start for a date one of them holds fails.
          problems.push(
            diagnostic(
              "MLG1037",
              {
                task: base.id,
                target: target.id,
                outcome:
                  "when one of its scheduled runs holds the date, Airflow 3 fails the task (even with resetRun) and Airflow 2 fails it too, or with resetRun clears that run instead of starting one",
              },
              place,
            ),
          );
        }
        if (spec.skipWhenExists && (spec.resetRun || (!spec.runId && !spec.logicalDate))) {
          problems.push(
            diagnostic(
              "MLG1039",
              spec.resetRun
                ? {
                    task: base.id,
                    reason:
                      "and resetRun, which clears a run that is there and runs it again instead",
                    hint: "keep one: skipWhenExists to start each run once, resetRun to run it again",
                  }
                : {
                    task: base.id,
                    reason:
                      "but neither runId nor logicalDate: each start gets a run id and date of its own (manual__<time>), which no run has yet",
                    hint: 'give the run an id of this run, runId: "deploy__{{ run_id }}", or its logical date, logicalDate: "{{ logical_date }}"',
                  },
              place,
            ),
          );
        }
        if (target) {
          for (const { key, problem, hint } of confProblems(conf, target, {
            tasks,
            params: paramsIr,
          })) {
            problems.push(
              diagnostic(
                "MLG1034",
                { task: base.id, target: target.id, key, problem, hint },
                place,
              ),
            );
          }
        }
        const wait = spec.wait === true ? {} : spec.wait || null;
        if (wait) {
          problems.push(
            ...unknownOptions(wait, "wait (trigger)", `the wait of trigger '${base.id}'`, {
              pipeline: id,
              task: base.id,
              site,
            }),
            ...waitStateProblems(wait).map(({ reason, hint }) =>
              diagnostic("MLG1011", { what: `wait of trigger '${base.id}'`, reason, hint }, place),
            ),
          );
        }
        const node: TriggerTask = {
          kind: "trigger",
          ...base,
          dag: target ? target.id : String(spec.pipeline ?? ""),
          conf,
          runId: spec.runId ?? null,
          resetRun: spec.resetRun ?? false,
          skipWhenExists: spec.skipWhenExists ?? false,
          failWhenPaused: spec.failWhenPaused ?? false,
          logicalDate: spec.logicalDate ?? null,
          wait: wait && {
            pokeInterval: seconds(wait.pokeInterval),
            allowedStates: wait.allowedStates ? list(wait.allowedStates) : null,
            failedStates: wait.failedStates ? list(wait.failedStates) : null,
            deferrable: wait.deferrable ?? false,
          },
        };
        return handle(add(node));
      },
      container(localId: string, spec: ContainerTaskSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.container()");
        const r = spec.resources ?? {};
        const place = { pipeline: id, task: base.id, site };
        problems.push(
          ...unknownOptions(r, "resources", `the resources of task '${base.id}'`, place),
          ...podTypos(spec, base.id, "", place),
        );
        // Not a list at all: the IR's validation says so (MLG1011).
        const fixed = (key: "command" | "args", values: readonly unknown[]) =>
          !Array.isArray(values)
            ? (values as string[])
            : (values.filter((value, i) => {
                if (typeof value === "string") return true;
                const what = isValueHandle(value) ? describeHandle(value) : `a ${typeof value}`;
                problems.push(
                  diagnostic(
                    "MLG1011",
                    {
                      what: `${key}[${i}] of task '${base.id}'`,
                      reason: `it is ${what}, and a container's command and args are fixed strings`,
                      hint: isValueHandle(value)
                        ? `pass it as an env entry, env: { NAME: <value> }, and read it in the container: $NAME in a shell command, os.environ["NAME"] in Python`
                        : typeof value === "number" || typeof value === "boolean"
                          ? `write it as the string ${JSON.stringify(String(value))}`
                          : "write it as a string",
                    },
                    { pipeline: id, task: base.id, location: site() },
                  ),
                );
                return false;
              }) as string[]);
        const node: ContainerTask = {
          kind: "container",
          ...base,
          image: spec.image,
          command: spec.command ? fixed("command", list(spec.command)) : null,
          args: fixed("args", list(spec.args ?? [])),
          env: lowerInputs(base.id, spec.env, "env", site),
          resources: resources(r),
          namespace: spec.namespace ?? null,
          ...(spec.imagePullSecrets !== undefined
            ? { imagePullSecrets: list(spec.imagePullSecrets) }
            : {}),
          ...(spec.nodeSelector !== undefined ? { nodeSelector: { ...spec.nodeSelector } } : {}),
          ...(spec.tolerations !== undefined
            ? { tolerations: list(spec.tolerations).map(toleration) }
            : {}),
          ...volumes(spec),
          ...(spec.serviceAccountName !== undefined
            ? { serviceAccountName: spec.serviceAccountName }
            : {}),
        };
        return handle(add(node));
      },
      // Overloaded: a handle with `output` when the spec says what the operator returns.
      operator: ((localId: string, spec: OperatorTaskSpec): TaskHandle => {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.operator()");
        const node: OperatorTask = {
          kind: "operator",
          ...base,
          operator: spec.operator,
          args: lowerInputs(base.id, spec.args, "args", site),
          ...(spec.returns !== undefined ? { returns: spec.returns } : {}),
        };
        const h = handle(add(node));
        if (spec.returns === undefined) return h;
        const output = refValue(node.id, OPERATOR_OUTPUT, spec.returns === "string", token);
        return Object.assign(h, { output });
      }) as PipelineBuilder<P>["operator"],
      validate(localId: string, spec: ValidateSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.validate()");
        const [data] = Object.values(lowerInputs(base.id, { data: spec.data }, "data", site));
        const node: ValidateTask = {
          kind: "validate",
          ...base,
          data: data ?? { kind: "literal", value: "" },
          requiredColumns: list(spec.requiredColumns ?? []),
          minRows: spec.minRows ?? null,
          maxNullFraction: { ...(spec.maxNullFraction ?? {}) },
          target: spec.target ?? null,
          dtypes: { ...(spec.dtypes ?? {}) },
        };
        return handle(add(node));
      },
      bash(localId: string, spec: BashTaskSpec) {
        const site = callSite();
        const base = taskBase(full(localId), groupId, spec, site, "p.bash()");
        const node: BashTask = {
          kind: "bash",
          ...base,
          command: spec.command,
          env: lowerInputs(base.id, spec.env, "env", site),
        };
        return handle(add(node));
      },
    };
  };

  const returned: unknown = buildingPipeline(token, () => body(makeBuilder(null)));
  if (isThenable(returned)) {
    // Tasks added after an await would come after pipeline() returned: some silently lost.
    returned.then(undefined, () => {});
    problems.push(
      diagnostic(
        "MLG1011",
        {
          what: `body of pipeline '${id}'`,
          reason:
            "it returned a promise (an async function?); the tasks it adds after an await are never seen",
          hint: "build the tasks synchronously; load what they need with top-level await before pipeline()",
        },
        { pipeline: id, location: pipelineSite() },
      ),
    );
  } else if (tasks.length === 0) {
    problems.push(
      diagnostic(
        "MLG1011",
        {
          what: `pipeline '${id}'`,
          reason: "it has no tasks, so its DAG file would have nothing to run",
          hint: "add a task in the pipeline's body, or remove the pipeline",
        },
        { pipeline: id, location: pipelineSite() },
      ),
    );
  }

  if (options.dataIntervals === true) {
    const s = options.schedule;
    const cron =
      typeof s === "string"
        ? s !== "@once" && s !== "@continuous"
        : s !== null && s !== undefined && !Array.isArray(s) && "cron" in s;
    if (!cron) {
      problems.push(
        diagnostic(
          "MLG1011",
          {
            what: `dataIntervals of pipeline '${id}'`,
            reason:
              "only a cron schedule (a cron expression or a preset such as @daily, alone or with assets) has data intervals; this one is run by hand, once, continuously or by assets alone",
            hint: "remove dataIntervals, or give the pipeline a cron schedule",
          },
          { pipeline: id, location: pipelineSite() },
        ),
      );
    }
  }

  const deadlinesIr = lowerDeadlines(options.deadline, {
    pipeline: id,
    site: pipelineSite,
    problems,
  });
  const ir: Pipeline = {
    kind: "pipeline",
    irVersion: IR_VERSION,
    id,
    description: options.description ?? null,
    schedule: schedule(options.schedule),
    startDate: options.startDate ?? null,
    timezone: options.timezone ?? null,
    catchup: options.catchup ?? false,
    ...(options.dataIntervals === true ? { dataIntervals: true as const } : {}),
    tags: list(options.tags ?? []),
    owner: options.owner ?? null,
    maxActiveRuns: options.maxActiveRuns ?? null,
    maxActiveTasks: options.maxActiveTasks ?? null,
    dagrunTimeout: options.dagrunTimeout ? toSeconds(options.dagrunTimeout) : null,
    ...(deadlinesIr.length > 0 ? { deadlines: deadlinesIr } : {}),
    params: paramsIr,
    defaults: options.defaults ? taskOptions(options.defaults) : { ...EMPTY_TASK_OPTIONS },
    groups,
    tasks,
    ...(options.kubeflow ? { kubeflow: kubeflowPipeline(options.kubeflow) } : {}),
    ...(options.onSuccess !== undefined || options.onFailure !== undefined
      ? {
          alerts: {
            onSuccess: alertList(options.onSuccess) ?? [],
            onFailure: alertList(options.onFailure) ?? [],
          },
        }
      : {}),
  };
  return { [PIPELINE]: true, ir, sourceMap, problems };
}

/**
 * The pipeline's deadlines as the IR holds them; what is wrong with one is said at the
 * pipeline (MLG1011, MLG1022) and leaves it out.
 */
function lowerDeadlines(
  given: DeadlineSpec | readonly DeadlineSpec[] | undefined,
  at: { pipeline: string; site: () => SourceLocation | undefined; problems: Diagnostic[] },
): Deadline[] {
  if (given === undefined) return [];
  const list: readonly unknown[] = Array.isArray(given) ? given : [given];
  const out: Deadline[] = [];
  list.forEach((raw, i) => {
    const what = list.length === 1 ? "the deadline" : `deadline ${i + 1}`;
    const where = `${what} of pipeline '${at.pipeline}'`;
    const bad = (reason: string, hint: string) =>
      at.problems.push(
        diagnostic(
          "MLG1011",
          { what: where, reason, hint },
          { pipeline: at.pipeline, location: at.site() },
        ),
      );
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      bad(
        `it is ${raw === null ? "null" : Array.isArray(raw) ? "a list inside the list" : `a ${typeof raw}`}`,
        "write { within: hours(2), alert: slack() }",
      );
      return;
    }
    const d = raw as Partial<DeadlineSpec>;
    const place = { pipeline: at.pipeline, site: at.site };
    const path = Array.isArray(given) ? null : ["deadline"];
    at.problems.push(
      ...unknownOptions(d, "deadline", where, place, path),
      ...badCallbacks(d, where, place, ["alert"]),
    );
    const within = d.within as Duration | undefined;
    if (within?.kind !== "duration" || !Number.isInteger(within.seconds) || !(within.seconds > 0)) {
      bad(
        within === undefined
          ? "it has no 'within'"
          : `its within is ${within?.kind === "duration" ? `${within.seconds} seconds, not a whole number of seconds over 0` : "not a duration"}`,
        "set within to how long a run may take, e.g. within: hours(2)",
      );
      return;
    }
    if (
      d.from !== undefined &&
      d.from !== "queued" &&
      d.from !== "logicalDate" &&
      d.from !== "averageRuntime"
    ) {
      bad(
        `its from is ${JSON.stringify(d.from)}`,
        'write from: "queued" (when the run was queued, the default), "logicalDate" (its scheduled time) or "averageRuntime" (the time its last runs took)',
      );
      return;
    }
    const average = d.from === "averageRuntime";
    for (const key of ["averageOf", "minRuns"] as const) {
      const n = d[key];
      if (n === undefined) continue;
      if (!average) {
        bad(
          `it sets ${key} but counts from ${d.from === "logicalDate" ? "the logical date" : "when the run was queued"}`,
          `${key} is for from: "averageRuntime"; remove it or count from the average run`,
        );
        return;
      }
      if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
        bad(
          `its ${key} is ${JSON.stringify(n)}`,
          `set ${key} to a whole number of runs, 1 or more`,
        );
        return;
      }
    }
    // AVERAGE_RUNTIME(max_runs=0) is Airflow's default of 10; min_runs defaults to max_runs.
    const maxRuns = average ? (d.averageOf ?? 10) : 0;
    const minRuns = average ? (d.minRuns ?? maxRuns) : 0;
    if (minRuns > maxRuns) {
      bad(
        `it needs ${minRuns} successful runs (minRuns) but averages ${maxRuns} (averageOf): Airflow reads at most ${maxRuns}, so no run would ever get this deadline`,
        `set minRuns to ${maxRuns} or less, or averageOf to ${minRuns} or more`,
      );
      return;
    }
    const alerts = alertList(d.alert) ?? [];
    if (alerts.length === 0) {
      bad(
        "it has no alert, so nobody would hear of a late run",
        "set alert: slack(), email({ to }) or callback()",
      );
      return;
    }
    out.push({
      from: average ? "average_runtime" : d.from === "logicalDate" ? "logical_date" : "queued",
      within: toSeconds(within),
      alerts,
      ...(average ? { average: { maxRuns, minRuns } } : {}),
    });
  });
  return out;
}

/** A task's resources in the IR (Kubernetes' names: requests and limits). */
function resources(r: TaskResources): Resources {
  return {
    cpuRequest: r.cpu ?? null,
    cpuLimit: r.cpuLimit ?? null,
    memoryRequest: r.memory ?? null,
    memoryLimit: r.memoryLimit ?? null,
    gpuLimit: r.gpu ?? null,
    ...(r.accelerator !== undefined ? { accelerator: r.accelerator } : {}),
  };
}

/** A task's `kubeflow` options as the IR holds them: only what is set (its hash unchanged). */
function kubeflowTask(kf: KubeflowTaskOptions): KubeflowTaskSettings {
  return {
    ...kubeflowPipeline(kf),
    resources: kf.resources ? resources(kf.resources) : null,
    nodeSelector: { ...(kf.nodeSelector ?? {}) },
    tolerations: list(kf.tolerations ?? []).map(toleration),
    // Only what is set: a task that sets none keeps its IR (and hash). A value of
    // another shape (a string where a list belongs) is kept for the IR's validation.
    // In the order written, which Kubernetes' $(NAME) expansion depends on.
    ...(kf.env !== undefined
      ? {
          env:
            kf.env !== null && typeof kf.env === "object"
              ? Object.entries(kf.env).map(([name, value]) => ({ name, value }))
              : (kf.env as never),
        }
      : {}),
    ...volumes(kf),
  };
}

/** Typos in the objects of a pod's placement and volumes (`{ name, mountpath }`), MLG1022. */
function podTypos(
  pod: Pick<KubeflowTaskOptions, "tolerations" | "pvcs" | "emptyDirs">,
  taskId: string,
  prefix: "" | "kubeflow.",
  place: Parameters<typeof unknownOptions>[3],
): Diagnostic[] {
  const entries = <T>(value: readonly T[] | undefined): readonly T[] =>
    Array.isArray(value) ? value : [];
  return [
    ...entries(pod.tolerations).map((t, i) =>
      unknownOptions(t, "toleration", `toleration ${i + 1} of task '${taskId}'`, place),
    ),
    ...entries(pod.pvcs).map((v, i) =>
      unknownOptions(v, "pvc", `${prefix}pvcs entry ${i + 1} of task '${taskId}'`, place),
    ),
    ...entries(pod.emptyDirs).map((v, i) =>
      unknownOptions(v, "emptyDir", `${prefix}emptyDirs entry ${i + 1} of task '${taskId}'`, place),
    ),
  ].flat();
}

/** A toleration as the IR holds it (Kubernetes' defaults as null). */
function toleration(t: TaskToleration): Toleration {
  return {
    key: t.key ?? null,
    operator: t.operator ?? null,
    value: t.value ?? null,
    effect: t.effect ?? null,
    tolerationSeconds: t.tolerationSeconds ?? null,
  };
}

/**
 * A pod's volumes as the IR holds them: only what is set, so a task that sets none keeps its IR
 * (and hash). A value of another shape (a string where a list belongs) is kept for the IR's
 * validation to say.
 */
function volumes(
  v: Pick<KubeflowTaskOptions, "pvcs" | "emptyDirs" | "shm">,
): Pick<KubeflowTaskSettings, "pvcs" | "emptyDirs" | "shm"> {
  return {
    ...(v.pvcs !== undefined
      ? {
          pvcs: Array.isArray(v.pvcs)
            ? v.pvcs.map((m) => ({ name: m?.name, mountPath: m?.mountPath }))
            : (v.pvcs as never),
        }
      : {}),
    ...(v.emptyDirs !== undefined
      ? {
          emptyDirs: Array.isArray(v.emptyDirs)
            ? v.emptyDirs.map((m) => ({
                name: m?.name,
                mountPath: m?.mountPath,
                medium: m?.medium ?? null,
                sizeLimit: m?.sizeLimit ?? null,
              }))
            : (v.emptyDirs as never),
        }
      : {}),
    ...(v.shm !== undefined ? { shm: v.shm } : {}),
  };
}

/** Typos in the entries of a level's `kubeflow.secretEnv` (`{ secret, kye }`). */
function secretEnvTypos(
  secretEnv: Readonly<Record<string, SecretEnvRef>> | undefined,
  owner: string,
  place: Parameters<typeof unknownOptions>[3],
): Diagnostic[] {
  if (secretEnv === null || typeof secretEnv !== "object") return [];
  return Object.entries(secretEnv).flatMap(([name, ref]) =>
    unknownOptions(ref, "secretEnv entry", `kubeflow.secretEnv.${name} of ${owner}`, place),
  );
}

/** The image and packages of `kubeflow` options, as the IR holds them. */
function kubeflowPipeline(k: KubeflowPipelineOptions): KubeflowPipelineSettings {
  return {
    image: k.image ?? null,
    packages: list(k.packages ?? []),
    inheritPackages: k.inheritPackages ?? null,
    installKfp: k.installKfp ?? null,
    caching: k.caching ?? null,
    ...(k.imagePullSecrets !== undefined ? { imagePullSecrets: list(k.imagePullSecrets) } : {}),
    ...(k.secretEnv !== undefined
      ? {
          secretEnv: Object.fromEntries(
            Object.entries(k.secretEnv).map(([name, ref]) => [
              name,
              { secret: ref?.secret, key: ref?.key },
            ]),
          ),
        }
      : {}),
  };
}
