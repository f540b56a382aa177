import * as z from "zod";

/** Bumped whenever the IR changes shape; generated files record it through the hash. */
export const IR_VERSION = 3;

export const OUTPUT_TYPES = ["string", "int", "float", "bool", "list", "dict"] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];
export const outputTypeSchema = z.enum(OUTPUT_TYPES);

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof scalar>;

/** An output of another task, read when the task runs. */
export type Ref = { readonly kind: "ref"; readonly task: string; readonly output: string };
const refSchema = z.strictObject({ kind: z.literal("ref"), task: z.string(), output: z.string() });

/** A value handed to a task; resolved when the task runs, never when the DAG file is parsed. */
export type Value =
  | { readonly kind: "literal"; readonly value: Scalar }
  | { readonly kind: "list"; readonly items: readonly Value[] }
  | { readonly kind: "object"; readonly entries: Readonly<Record<string, Value>> }
  | Ref
  /**
   * The output of whichever side of a branch ran (KFP's `dsl.OneOf`): the first of `refs`, in
   * order, that holds a value. Two or more outputs of one type, on mutually exclusive sides.
   */
  | { readonly kind: "oneOf"; readonly refs: readonly Ref[] }
  | { readonly kind: "env"; readonly name: string; readonly default: string | null }
  | { readonly kind: "variable"; readonly name: string; readonly default: string | null }
  | { readonly kind: "param"; readonly name: string }
  /** An Airflow template (`{{ ds }}`), rendered when the task runs. */
  | { readonly kind: "template"; readonly text: string }
  | { readonly kind: "join"; readonly base: Value; readonly parts: readonly string[] };

export const valueSchema: z.ZodType<Value> = z.lazy(() =>
  z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("literal"), value: scalar }),
    z.strictObject({ kind: z.literal("list"), items: z.array(valueSchema) }),
    z.strictObject({ kind: z.literal("object"), entries: z.record(z.string(), valueSchema) }),
    refSchema,
    z.strictObject({
      kind: z.literal("oneOf"),
      refs: z.array(refSchema).min(2, "oneOf() needs at least two task outputs"),
    }),
    z.strictObject({
      kind: z.literal("env"),
      name: z.string().min(1, "an environment variable needs a name"),
      default: z.string().nullable(),
    }),
    z.strictObject({
      kind: z.literal("variable"),
      name: z.string().min(1, "a Variable needs a name"),
      default: z.string().nullable(),
    }),
    z.strictObject({ kind: z.literal("param"), name: z.string() }),
    z.strictObject({ kind: z.literal("template"), text: z.string() }),
    z.strictObject({ kind: z.literal("join"), base: valueSchema, parts: z.array(z.string()) }),
  ]),
);

/** Airflow 3's TriggerRule values (airflow/task/trigger_rule.py). */
export const TRIGGER_RULES = [
  "all_success",
  "all_failed",
  "all_done",
  "all_done_min_one_success",
  "all_done_setup_success",
  "one_success",
  "one_failed",
  "one_done",
  "none_failed",
  "none_skipped",
  "none_failed_min_one_success",
  "always",
  "all_skipped",
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

/** Durations are whole seconds: every engine mlgen targets stores them that way. */
const seconds = z.number().int().nonnegative();

/** `module.py:function` of the user's project, imported only when the task or callback runs. */
export const functionRefSchema = z.strictObject({ module: z.string(), function: z.string() });
export type FunctionRef = z.infer<typeof functionRefSchema>;

/**
 * A notification when a task fails, retries or succeeds. Secrets (webhook URLs, SMTP
 * passwords) stay in Airflow connections: the IR and the generated files name the connection.
 */
export const alertSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("slack"),
    /** An Airflow connection of type `slackwebhook`. */
    connId: z.string(),
    channel: z.string().nullable(),
    /** A Jinja template rendered with the task context; null: mlgen's default message. */
    text: z.string().nullable(),
  }),
  z.strictObject({
    kind: z.literal("email"),
    to: z.array(z.string()).min(1),
    /** An Airflow connection of type `smtp`; null: `smtp_default`. */
    connId: z.string().nullable(),
    subject: z.string().nullable(),
    /** The sender; null: the connection's `from_email` extra. */
    from: z.string().nullable(),
  }),
  z.strictObject({ kind: z.literal("callable"), ...functionRefSchema.shape }),
]);
export type Alert = z.infer<typeof alertSchema>;
const alerts = z.array(alertSchema).nullable();

/**
 * What a deadline counts from: when the run was queued, its logical date, or when it was made
 * plus the average time of the DAG's latest successful runs.
 */
export const DEADLINE_REFERENCES = ["queued", "logical_date", "average_runtime"] as const;

/**
 * A run that has not succeeded `within` seconds after `from` is alerted (Airflow 3.1's
 * DeadlineAlert): the run goes on; `dagrunTimeout` is what stops one.
 */
export const deadlineSchema = z
  .strictObject({
    from: z.enum(DEADLINE_REFERENCES),
    within: z.number().int().positive(),
    alerts: z.array(alertSchema).min(1),
    /**
     * `average_runtime` only: the average is of up to `maxRuns` of the latest successful runs,
     * and with fewer than `minRuns` of them a run gets no deadline (AVERAGE_RUNTIME's max_runs
     * and min_runs).
     */
    average: z
      .strictObject({ maxRuns: z.number().int().positive(), minRuns: z.number().int().positive() })
      .refine((a) => a.minRuns <= a.maxRuns, {
        message: "minRuns over maxRuns: Airflow reads at most maxRuns runs, so never enough",
      })
      .optional(),
  })
  .refine((d) => d.average === undefined || d.from === "average_runtime", {
    message: "average is for a deadline from average_runtime",
    path: ["average"],
  });
export type Deadline = z.infer<typeof deadlineSchema>;

export const COMPARE_OPS = ["==", "!=", ">", ">=", "<", "<="] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
/**
 * `left op right`, evaluated when the task runs: `left` is read then; `right` is a literal, or
 * a value read then too (a param, another task's output).
 */
export const conditionSchema = z.strictObject({
  left: valueSchema,
  op: z.enum(COMPARE_OPS),
  right: z.union([scalar, valueSchema]),
});
export type Condition = z.infer<typeof conditionSchema>;

export const taskOptionsSchema = z.strictObject({
  retries: z.number().int().nonnegative().nullable(),
  retryDelay: seconds.nullable(),
  /** Backoff multiplier between retries (Airflow 3 semantics); 0 is a constant delay. */
  retryExponentialBackoff: z.number().nonnegative().nullable(),
  maxRetryDelay: seconds.nullable(),
  executionTimeout: seconds.nullable(),
  /** When the task runs given its upstream states (Airflow's TriggerRule values). */
  triggerRule: z.enum(TRIGGER_RULES).nullable(),
  // An empty name is no pool Airflow has (its tasks are never scheduled), nor a queue.
  pool: z.string().min(1, "it is empty: leave it out for Airflow's default_pool").nullable(),
  poolSlots: z.number().int().positive().nullable(),
  queue: z.string().min(1, "it is empty: leave it out for the executor's default queue").nullable(),
  priorityWeight: z.number().int().nullable(),
  /** Wait for this task's previous run to have succeeded. */
  dependsOnPast: z.boolean().nullable(),
  /** At most this many instances of the task at once, across all runs. */
  maxActiveTisPerDag: z.number().int().positive().nullable(),
  /** At most this many instances of the task at once in one run (a fan-out's width). */
  maxActiveTisPerDagrun: z.number().int().positive().nullable(),
  onFailure: alerts,
  onRetry: alerts,
  onSuccess: alerts,
});
export type TaskOptions = z.infer<typeof taskOptionsSchema>;

export const mlflowSchema = z.strictObject({
  kind: z.literal("mlflow"),
  experiment: z.string(),
  trackingUri: valueSchema.nullable(),
});
export type MlflowTracking = z.infer<typeof mlflowSchema>;

const taskBase = {
  /** Full id: a task in group `features` has id `features.scale`, as Airflow names it. */
  id: z.string(),
  /** Full id of the innermost task group holding the task, or null. */
  group: z.string().nullable(),
  /** Order-only upstream edges from `.after()` (task or group ids); data edges come from refs. */
  after: z.array(z.string()),
  /** Filled by the inferDependencies pass: every upstream task id, sorted. */
  upstream: z.array(z.string()),
  options: taskOptionsSchema,
  /** Asset URIs the task updates when it succeeds (Airflow outlets). */
  outlets: z.array(z.string()),
  /**
   * Filled by the branchJoins pass, on a join that also has upstream tasks outside the sides it
   * joins: the upstream tasks on those sides. One of them is always skipped, and the others'
   * skip must still skip the join, so Airflow waits for these through an empty join task
   * (`none_failed_min_one_success`) and for the others as usual. Absent otherwise (the IR hash
   * of a pipeline without such a join is unchanged).
   */
  joined: z.array(z.string()).optional(),
  /**
   * Airflow's setup and teardown tasks (`as_setup()`, `as_teardown()`): a teardown runs once its
   * upstream tasks are done when a setup before it succeeded, whatever the work did, and is left
   * out of the run's state. Absent for every other task (the IR hash is unchanged).
   */
  setupTeardown: z.enum(["setup", "teardown"]).optional(),
};

/** Dynamic fan-out: one task instance per item of `over`, passed as input `input`. */
export const mapSchema = z.strictObject({ input: z.string(), over: valueSchema });
export type TaskMap = z.infer<typeof mapSchema>;

export const resourcesSchema = z.strictObject({
  cpuRequest: z.string().nullable(),
  cpuLimit: z.string().nullable(),
  memoryRequest: z.string().nullable(),
  memoryLimit: z.string().nullable(),
  /** The accelerators' limit: `nvidia.com/gpu` unless `accelerator` names another. */
  gpuLimit: z
    .number()
    .int("expected a whole number of accelerators")
    .positive("expected 1 or more (leave gpu out for none)")
    .nullable(),
  /**
   * The accelerator's extended resource name (`amd.com/gpu`, `google.com/tpu`), kfp's
   * set_accelerator_type; absent: `nvidia.com/gpu`. Set without `gpuLimit`, one of them.
   */
  accelerator: z.string().min(1).optional(),
});
export type Resources = z.infer<typeof resourcesSchema>;

/**
 * The Kubeflow image and pip packages of a pipeline's tasks (set on the pipeline) or of one
 * python task: the Airflow target ignores them (a python task runs in its Airflow worker).
 */
export const kubeflowPipelineSchema = z.strictObject({
  /** The image the tasks run in; null: the project's `kubeflow.image`. */
  image: z.string().min(1).nullable(),
  /** pip requirements added to the project's (one naming the same package replaces it). */
  packages: z.array(z.string().min(1)),
  /** false: `packages` alone, not added to the farther levels' (an image with them built in). */
  inheritPackages: z.boolean().nullable(),
  /** false: kfp's executor is not pip-installed (kfp's install_kfp_package): the image has kfp. */
  installKfp: z.boolean().nullable(),
  /** KFP's cache for the tasks; null: the farther level's (the project's, then kfp's default). */
  caching: z.boolean().nullable(),
  /**
   * Kubernetes secrets the pods pull their images with (kfp-kubernetes set_image_pull_secrets),
   * added to the farther levels'. Absent when none is set, so the IR of a pipeline that sets
   * none is what it was before there was such an option.
   */
  imagePullSecrets: z.array(z.string()).optional(),
  /**
   * Environment variables the pods that run the project's code take from Kubernetes secrets
   * (kfp-kubernetes use_secret_as_env), added to the farther levels' (a name set nearer
   * replaces the farther one's). Absent when none is set.
   */
  secretEnv: z
    .record(z.string(), z.strictObject({ secret: z.string(), key: z.string() }))
    .optional(),
});
export type KubeflowPipelineSettings = z.infer<typeof kubeflowPipelineSchema>;

/** A taint a pod tolerates (Kubernetes' Toleration; kfp-kubernetes add_toleration). */
export const tolerationSchema = z.strictObject({
  /** null: every taint key (operator Exists). */
  key: z.string().min(1).nullable(),
  operator: z.enum(["Equal", "Exists"]).nullable(),
  value: z.string().nullable(),
  /** null: every effect. */
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).nullable(),
  /** NoExecute only: how long the pod stays on a node once tainted. */
  tolerationSeconds: z.number().int().nonnegative().nullable(),
});
export type Toleration = z.infer<typeof tolerationSchema>;

/** An existing PersistentVolumeClaim mounted into a pod (kfp-kubernetes mount_pvc). */
export const pvcMountSchema = z.strictObject({
  name: z.string(),
  mountPath: z.string(),
});
export type PvcMount = z.infer<typeof pvcMountSchema>;

/** An emptyDir volume mounted into a pod (kfp-kubernetes empty_dir_mount). */
export const emptyDirSchema = z.strictObject({
  name: z.string(),
  mountPath: z.string(),
  /** null: the node's disk. */
  medium: z.enum(["Memory", "HugePages"]).nullable(),
  /** A Kubernetes quantity (`2Gi`); null: no limit. */
  sizeLimit: z.string().nullable(),
});
export type EmptyDir = z.infer<typeof emptyDirSchema>;

/**
 * A python task's own Kubeflow settings: its image, extra packages, its pod's resources, and
 * where the pod may run (node labels, tolerated taints: a GPU pool's).
 */
export const kubeflowTaskSchema = z.strictObject({
  ...kubeflowPipelineSchema.shape,
  resources: resourcesSchema.nullable(),
  nodeSelector: z.record(z.string().min(1), z.string()),
  tolerations: z.array(tolerationSchema),
  // The pod's environment and volumes: absent when unset (the IR hash of a task that sets none
  // is unchanged).
  /**
   * Literal environment variables of the pod's container (kfp's set_env_variable), in the order
   * written: Kubernetes expands `$(NAME)` in a value only for a variable listed before it.
   */
  env: z.array(z.strictObject({ name: z.string(), value: z.string() })).optional(),
  pvcs: z.array(pvcMountSchema).optional(),
  emptyDirs: z.array(emptyDirSchema).optional(),
  /** `/dev/shm` as a memory-backed emptyDir named `shm`: true (no limit) or its size limit. */
  shm: z
    .union([z.literal(true), z.string()], {
      error: 'must be true (no size limit) or a size limit such as "2Gi"',
    })
    .optional(),
});
export type KubeflowTaskSettings = z.infer<typeof kubeflowTaskSchema>;

export const pythonTaskSchema = z.strictObject({
  kind: z.literal("python"),
  ...taskBase,
  /** Path of the user's module relative to the project root, e.g. `tasks/train.py`. */
  module: z.string(),
  function: z.string(),
  inputs: z.record(z.string(), valueSchema),
  outputs: z.record(z.string(), outputTypeSchema),
  /** `null`: no tracking; otherwise the effective tracking settings for this task. */
  mlflow: mlflowSchema.nullable(),
  /** Set for a mapped task: its outputs, read downstream, are lists with one item per instance. */
  map: mapSchema.nullable(),
  /** Kubeflow only; absent when the task sets none (the pipeline's and the project's apply). */
  kubeflow: kubeflowTaskSchema.optional(),
});
export type PythonTask = z.infer<typeof pythonTaskSchema>;

export const bashTaskSchema = z.strictObject({
  kind: z.literal("bash"),
  ...taskBase,
  command: z.string(),
  env: z.record(z.string(), valueSchema),
});
export type BashTask = z.infer<typeof bashTaskSchema>;

/** Follows `ifTrue` when the condition holds, else `ifFalse`; the other side is skipped. */
export const branchTaskSchema = z.strictObject({
  kind: z.literal("branch"),
  ...taskBase,
  condition: conditionSchema,
  /** Task or group ids. */
  ifTrue: z.array(z.string()),
  ifFalse: z.array(z.string()),
});
export type BranchTask = z.infer<typeof branchTaskSchema>;

/** Skips everything downstream when the condition does not hold. */
export const shortCircuitTaskSchema = z.strictObject({
  kind: z.literal("short_circuit"),
  ...taskBase,
  condition: conditionSchema,
});
export type ShortCircuitTask = z.infer<typeof shortCircuitTaskSchema>;

/**
 * Airflow's LatestOnlyOperator: in a run that is not the latest of the pipeline's schedule (a
 * backfill's, a catch-up's) the tasks right after it are skipped; a manual run, and a
 * pipeline without a time schedule, runs them.
 */
export const latestOnlyTaskSchema = z.strictObject({
  kind: z.literal("latest_only"),
  ...taskBase,
});
export type LatestOnlyTask = z.infer<typeof latestOnlyTaskSchema>;

export const SENSOR_MODES = ["poke", "reschedule"] as const;
export const sensorSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("file"),
    /** A path template (`{{ ds }}` works) or a computed path. */
    path: valueSchema,
    /** An Airflow `fs` connection whose path prefixes `path`; null: `fs_default`. */
    connId: z.string().nullable(),
    recursive: z.boolean(),
  }),
  z.strictObject({
    type: z.literal("external_task"),
    dag: z.string(),
    /** null: wait for the whole DAG run. */
    task: z.string().nullable(),
    /** The other DAG's run is this much earlier than ours (different schedules). */
    executionDelta: seconds.nullable(),
    allowedStates: z.array(z.string()).nullable(),
    failedStates: z.array(z.string()).nullable(),
  }),
  z.strictObject({ type: z.literal("time_delta"), delta: seconds }),
  /**
   * The user's function, called with `inputs` at every check until it returns something true
   * (Airflow's PythonSensor; an Airflow `PokeReturnValue` is taken as it is).
   */
  z.strictObject({
    type: z.literal("python"),
    /** Path of the user's module relative to the project root, e.g. `tasks/checks.py`. */
    module: z.string(),
    function: z.string(),
    inputs: z.record(z.string(), valueSchema),
    /**
     * What the function found, handed on when it is done (as a python task's outputs: its dict,
     * or the value itself for one output; a `PokeReturnValue`'s `xcom_value`); absent when the
     * sensor declares none.
     */
    outputs: z.record(z.string(), outputTypeSchema).optional(),
    /** Kubeflow only, as a python task's; absent when the sensor sets none. */
    kubeflow: kubeflowTaskSchema.optional(),
  }),
]);
export type Sensor = z.infer<typeof sensorSchema>;

export const sensorTaskSchema = z.strictObject({
  kind: z.literal("sensor"),
  ...taskBase,
  sensor: sensorSchema,
  pokeInterval: seconds.nullable(),
  /** How long to wait before failing; null is Airflow's default of 7 days. */
  timeout: seconds.nullable(),
  mode: z.enum(SENSOR_MODES),
  deferrable: z.boolean(),
  /** Skip instead of failing on timeout. */
  softFail: z.boolean(),
});
export type SensorTask = z.infer<typeof sensorTaskSchema>;

/** A container image run as a Kubernetes pod. */
export const containerTaskSchema = z.strictObject({
  kind: z.literal("container"),
  ...taskBase,
  image: z.string(),
  /** Entrypoint override; null: the image's. */
  command: z.array(z.string()).nullable(),
  args: z.array(z.string()),
  env: z.record(z.string(), valueSchema),
  resources: resourcesSchema,
  namespace: z.string().nullable(),
  /**
   * Kubernetes secrets its image is pulled with (KubernetesPodOperator's image_pull_secrets,
   * kfp-kubernetes set_image_pull_secrets); absent when none is set.
   */
  imagePullSecrets: z.array(z.string()).optional(),
  // Where the pod runs and what it mounts, on every target (KubernetesPodOperator, a KFP
  // container executor's platform settings): absent when unset, so a task that sets none keeps
  // its hash.
  nodeSelector: z.record(z.string().min(1), z.string()).optional(),
  tolerations: z.array(tolerationSchema).optional(),
  pvcs: z.array(pvcMountSchema).optional(),
  emptyDirs: z.array(emptyDirSchema).optional(),
  shm: kubeflowTaskSchema.shape.shm,
  /** The Kubernetes service account the pod runs as (Airflow; a KFP run has one for all). */
  serviceAccountName: z.string().min(1, "it is empty: name the service account").optional(),
});
export type ContainerTask = z.infer<typeof containerTaskSchema>;

/** Built-in data checks on a table file (CSV or Parquet); every violated check is reported. */
export const validateTaskSchema = z.strictObject({
  kind: z.literal("validate"),
  ...taskBase,
  data: valueSchema,
  requiredColumns: z.array(z.string()),
  minRows: z.number().int().nonnegative().nullable(),
  /** Column → largest allowed fraction of nulls (0..1). */
  maxNullFraction: z.record(z.string(), z.number().min(0).max(1)),
  /** The label column: present and without nulls. */
  target: z.string().nullable(),
  /** Column → expected pandas dtype kind (`int`, `float`, `bool`, `string`, `datetime`). */
  dtypes: z.record(z.string(), z.enum(["int", "float", "bool", "string", "datetime"])),
});
export type ValidateTask = z.infer<typeof validateTaskSchema>;

/** Airflow's DagRunState values: what a triggered run can end in. */
export const DAG_RUN_STATES = ["queued", "running", "success", "failed"] as const;
export type DagRunState = (typeof DAG_RUN_STATES)[number];

/**
 * Starts a run of another pipeline (Airflow's TriggerDagRunOperator), handing it `conf`; with
 * `wait`, the task waits for that run to end, failing when it fails.
 */
export const triggerTaskSchema = z.strictObject({
  kind: z.literal("trigger"),
  ...taskBase,
  /** The DAG id of the pipeline started. */
  dag: z.string().min(1, "it is empty: name the pipeline to start"),
  /** The run's conf, by param name: what the run's params are set to. */
  conf: z.record(z.string(), valueSchema),
  /** The run's id (an Airflow template); null: Airflow's `manual__<time>`. */
  runId: z.string().nullable(),
  /** A run with that id already there is cleared and run again (Airflow's reset_dag_run). */
  resetRun: z.boolean(),
  /** A run with that id or logical date already there skips the task (skip_when_already_exists). */
  skipWhenExists: z.boolean(),
  /** The task fails when the pipeline started is paused (fail_when_dag_is_paused, Airflow 3.2+). */
  failWhenPaused: z.boolean(),
  /**
   * The run's logical date (an Airflow template, `{{ logical_date }}`); null: Airflow's, the
   * time the task starts it.
   */
  logicalDate: z.string().nullable(),
  /** null: the task ends once the run is started. */
  wait: z
    .strictObject({
      pokeInterval: seconds.nullable(),
      allowedStates: z.array(z.enum(DAG_RUN_STATES)).nullable(),
      failedStates: z.array(z.enum(DAG_RUN_STATES)).nullable(),
      deferrable: z.boolean(),
    })
    .nullable(),
});
export type TriggerTask = z.infer<typeof triggerTaskSchema>;

/**
 * An Airflow operator mlgen has no construct for (a provider's: SQLExecuteQueryOperator,
 * BigQueryInsertJobOperator, SparkSubmitOperator, ...), by its import path, with its arguments
 * by Airflow's names. Airflow only: Kubeflow cannot run an Airflow operator (MLG3001).
 */
export const operatorTaskSchema = z.strictObject({
  kind: z.literal("operator"),
  ...taskBase,
  /** The class by its import path: `airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator`. */
  operator: z.string(),
  /**
   * Its arguments, in the order written: literals as written (Airflow renders Jinja in those it
   * templates), computed values as templates, which need an argument the operator templates.
   */
  args: z.record(z.string(), valueSchema),
  /**
   * The type of the value the operator's execute() returns, which Airflow pushes as the task's
   * `return_value` XCom: later tasks read it as the task's output `return_value`, checked
   * against this type when the task ends. Absent: nothing reads it.
   */
  returns: outputTypeSchema.optional(),
});
export type OperatorTask = z.infer<typeof operatorTaskSchema>;

export const taskSchema = z.discriminatedUnion("kind", [
  pythonTaskSchema,
  bashTaskSchema,
  branchTaskSchema,
  shortCircuitTaskSchema,
  latestOnlyTaskSchema,
  sensorTaskSchema,
  containerTaskSchema,
  validateTaskSchema,
  triggerTaskSchema,
  operatorTaskSchema,
]);
export type Task = z.infer<typeof taskSchema>;
export type TaskKind = Task["kind"];

export const scheduleSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("none") }),
  z.strictObject({ kind: z.literal("preset"), preset: z.string() }),
  z.strictObject({ kind: z.literal("cron"), expression: z.string() }),
  /** Runs when every asset has been updated, or also on `time` when it is set. */
  z.strictObject({
    kind: z.literal("assets"),
    uris: z.array(z.string()).min(1),
    time: z
      .discriminatedUnion("kind", [
        z.strictObject({ kind: z.literal("preset"), preset: z.string() }),
        z.strictObject({ kind: z.literal("cron"), expression: z.string() }),
      ])
      .nullable(),
  }),
]);
export type Schedule = z.infer<typeof scheduleSchema>;

/** A TaskGroup: its tasks' ids carry its id as a prefix; its options are defaults for them. */
export const groupSchema = z.strictObject({
  kind: z.literal("group"),
  /** Full id, e.g. `features` or `features.scaling`. */
  id: z.string(),
  parent: z.string().nullable(),
  tooltip: z.string().nullable(),
  /** `.after()` on the group: these run before the group's first tasks. */
  after: z.array(z.string()),
  options: taskOptionsSchema,
});
export type Group = z.infer<typeof groupSchema>;

/** Airflow's Param types (JSON Schema's): `array` and `object` hold JSON lists and objects. */
export const PARAM_TYPES = ["string", "integer", "number", "boolean", "array", "object"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

/** The kind of value each param type holds, as task outputs name them. */
export const PARAM_OUTPUT_TYPES: Readonly<Record<ParamType, OutputType>> = {
  string: "string",
  integer: "int",
  number: "float",
  boolean: "bool",
  array: "list",
  object: "dict",
};

/** JSON data: what a list or object param holds. */
export type Json = Scalar | readonly Json[] | { readonly [key: string]: Json };
export const jsonSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([scalar, z.array(jsonSchema), z.record(z.string(), jsonSchema)]),
);

/** A param's checks of a run's value (Airflow Param's JSON Schema keywords of these names). */
export const PARAM_CHECK_KEYS = ["enum", "minimum", "maximum", "minLength", "maxLength"] as const;

export const paramSchema = z.strictObject({
  kind: z.literal("param"),
  type: z.enum(PARAM_TYPES),
  /**
   * null: the param is optional, a run may leave it unset (Airflow's `Param(None, type=["null",
   * ...])`, kfp's `Optional[str] = None`): only a Python task's input reads it, as None.
   */
  default: z.union([
    z.null(),
    z.string(),
    z.number(),
    z.boolean(),
    z.array(jsonSchema),
    z.record(z.string(), jsonSchema),
  ]),
  description: z.string().nullable(),
  // What a run's value must be, as Airflow's Param checks it (JSON Schema keywords): absent when
  // unset, so a param without any keeps its hash.
  /** The values a run may give (a choice in Airflow's trigger form). */
  enum: z.array(z.union([z.string(), z.number()])).optional(),
  /** A number or integer param's bounds, inclusive. */
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  /** A string param's length bounds, in characters. */
  minLength: z.number().int().nonnegative().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  /**
   * Where the param was declared among the pipeline's (0: first). The IR's keys are sorted;
   * Airflow's trigger form lists params in the order the DAG gives them, as declared.
   */
  position: z.number().int().nonnegative(),
});
export type Param = z.infer<typeof paramSchema>;

export const pipelineSchema = z.strictObject({
  kind: z.literal("pipeline"),
  irVersion: z.literal(IR_VERSION),
  id: z.string(),
  description: z.string().nullable(),
  schedule: scheduleSchema,
  /** ISO date (`2025-01-01`) or date-time with offset; read as UTC when it has none. */
  startDate: z.string().nullable(),
  /** IANA time zone name the schedule and an offset-less start date are read in; null: UTC. */
  timezone: z.string().nullable(),
  catchup: z.boolean(),
  /**
   * A cron schedule's runs each cover the interval from the cron time before to theirs, whose
   * start is the logical date (Airflow's CronDataIntervalTimetable, a cron string's meaning on
   * Airflow 2); absent: each run's logical date is its own cron time (CronTriggerTimetable).
   */
  dataIntervals: z.literal(true).optional(),
  tags: z.array(z.string()),
  owner: z.string().nullable(),
  maxActiveRuns: z.number().int().positive().nullable(),
  /** Most task instances of this pipeline running at once, across runs. */
  maxActiveTasks: z.number().int().positive().nullable(),
  /** A run still going after this long is failed. */
  dagrunTimeout: seconds.nullable(),
  /** Alerts for a run that has not succeeded in time; absent when none is set. */
  deadlines: z.array(deadlineSchema).optional(),
  params: z.record(z.string(), paramSchema),
  defaults: taskOptionsSchema,
  groups: z.record(
    z.string(),
    z.lazy(() => groupSchema),
  ),
  tasks: z.array(taskSchema),
  /** Kubeflow only; absent when the pipeline sets none (the project's apply). */
  kubeflow: kubeflowPipelineSchema.optional(),
  /**
   * Alerts when a run ends: succeeded, or failed (a task failed, the run timed out). The DAG's
   * on_success_callback and on_failure_callback; Kubeflow's exit handler, as the defaults'.
   * Absent when none is set.
   */
  alerts: z
    .strictObject({ onSuccess: z.array(alertSchema), onFailure: z.array(alertSchema) })
    .optional(),
});
export type Pipeline = z.infer<typeof pipelineSchema>;

// The helpers over IR values need no zod: they live in ir-utils.ts, which @mlgen/core/light
// exports without loading the schemas above.
export * from "./ir-utils.js";
