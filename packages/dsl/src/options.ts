// The option names of each DSL call, at run time: TypeScript rejects a misspelled option in an
// object literal, but not in JavaScript, behind a cast, or in an object spread into the call,
// and the DSL would otherwise ignore it (`executionTimout: hours(1)`: no timeout at all). Each
// table is a Record over the interface's keys, so the type checker keeps it complete and exact.

import { closestName, type Diagnostic, diagnostic, type SourceLocation } from "@mlgen/core";
import { keySite } from "./key-site.js";
import type {
  BashTaskSpec,
  BranchSpec,
  ContainerTaskSpec,
  DeadlineSpec,
  ExternalTaskSensorSpec,
  FileSensorSpec,
  GroupSpec,
  KubeflowPipelineOptions,
  KubeflowTaskOptions,
  MapTaskSpec,
  MlflowOptions,
  OperatorTaskSpec,
  OutletOptions,
  PipelineOptions,
  PythonSensorSpec,
  PythonTaskSpec,
  SecretEnvRef,
  SensorOptions,
  SetupTeardownOptions,
  ShortCircuitSpec,
  TaskEmptyDir,
  TaskOptionsInput,
  TaskPvcMount,
  TaskResources,
  TaskToleration,
  TimeDeltaSensorSpec,
  TriggerSpec,
  TriggerWait,
  ValidateSpec,
} from "./pipeline.js";

type Keys<T> = Record<keyof T, true>;
type Own<T, Base> = Record<Exclude<keyof T, keyof Base>, true>;
type Outputs = Record<never, never>;

const TASK: Keys<TaskOptionsInput> = {
  retries: true,
  retryDelay: true,
  retryExponentialBackoff: true,
  maxRetryDelay: true,
  executionTimeout: true,
  triggerRule: true,
  pool: true,
  poolSlots: true,
  queue: true,
  priorityWeight: true,
  dependsOnPast: true,
  maxActiveTisPerDag: true,
  maxActiveTisPerDagrun: true,
  onFailure: true,
  onRetry: true,
  onSuccess: true,
};
const OUTLETS: Keys<OutletOptions> = { outlets: true };
const SETUP_TEARDOWN: Keys<SetupTeardownOptions> = { setup: true, teardown: true };
type Doing = TaskOptionsInput & OutletOptions & SetupTeardownOptions;
const SENSOR: Own<SensorOptions, TaskOptionsInput> = {
  pokeInterval: true,
  timeout: true,
  mode: true,
  deferrable: true,
  softFail: true,
};
const PYTHON: Own<PythonTaskSpec<Outputs>, Doing> = {
  fn: true,
  inputs: true,
  outputs: true,
  mlflow: true,
  kubeflow: true,
};
const MAP: Own<MapTaskSpec<Outputs>, PythonTaskSpec<Outputs>> = { over: true, as: true };
const BASH: Own<BashTaskSpec, Doing> = { command: true, env: true };
const BRANCH: Own<BranchSpec<unknown>, TaskOptionsInput> = {
  when: true,
  ifTrue: true,
  ifFalse: true,
};
const SHORT_CIRCUIT: Own<ShortCircuitSpec<unknown>, TaskOptionsInput> = { when: true };
const FILE_SENSOR: Own<FileSensorSpec, SensorOptions> = {
  path: true,
  connId: true,
  recursive: true,
};
const EXTERNAL_TASK_SENSOR: Own<ExternalTaskSensorSpec, SensorOptions> = {
  dag: true,
  task: true,
  executionDelta: true,
  allowedStates: true,
  failedStates: true,
};
const TIME_DELTA_SENSOR: Own<TimeDeltaSensorSpec, SensorOptions> = { delta: true };
const TRIGGER: Own<TriggerSpec<Outputs>, TaskOptionsInput> = {
  pipeline: true,
  conf: true,
  runId: true,
  resetRun: true,
  skipWhenExists: true,
  failWhenPaused: true,
  logicalDate: true,
  wait: true,
};
const TRIGGER_WAIT: Keys<TriggerWait> = {
  pokeInterval: true,
  allowedStates: true,
  failedStates: true,
  deferrable: true,
};
const PYTHON_SENSOR: Own<PythonSensorSpec, SensorOptions> = {
  fn: true,
  inputs: true,
  outputs: true,
  kubeflow: true,
};
const CONTAINER: Own<ContainerTaskSpec, Doing> = {
  image: true,
  command: true,
  args: true,
  env: true,
  resources: true,
  namespace: true,
  imagePullSecrets: true,
  nodeSelector: true,
  tolerations: true,
  pvcs: true,
  emptyDirs: true,
  shm: true,
  serviceAccountName: true,
};
const OPERATOR: Own<OperatorTaskSpec, Doing> = {
  operator: true,
  args: true,
  returns: true,
};
const RESOURCES: Keys<TaskResources> = {
  cpu: true,
  memory: true,
  cpuLimit: true,
  memoryLimit: true,
  gpu: true,
  accelerator: true,
};
const VALIDATE: Own<ValidateSpec, TaskOptionsInput> = {
  data: true,
  requiredColumns: true,
  minRows: true,
  maxNullFraction: true,
  target: true,
  dtypes: true,
};
const PIPELINE: Keys<PipelineOptions<Record<never, never>>> = {
  schedule: true,
  startDate: true,
  timezone: true,
  catchup: true,
  dataIntervals: true,
  tags: true,
  description: true,
  owner: true,
  maxActiveRuns: true,
  maxActiveTasks: true,
  dagrunTimeout: true,
  deadline: true,
  onSuccess: true,
  onFailure: true,
  params: true,
  defaults: true,
  mlflow: true,
  kubeflow: true,
};
const KUBEFLOW_PIPELINE: Keys<KubeflowPipelineOptions> = {
  image: true,
  packages: true,
  inheritPackages: true,
  installKfp: true,
  caching: true,
  imagePullSecrets: true,
  secretEnv: true,
};
const SECRET_ENV: Keys<SecretEnvRef> = { secret: true, key: true };
const KUBEFLOW_TASK: Keys<KubeflowTaskOptions> = {
  ...KUBEFLOW_PIPELINE,
  resources: true,
  nodeSelector: true,
  tolerations: true,
  env: true,
  pvcs: true,
  emptyDirs: true,
  shm: true,
};
const PVC: Keys<TaskPvcMount> = { name: true, mountPath: true };
const EMPTY_DIR: Keys<TaskEmptyDir> = {
  name: true,
  mountPath: true,
  medium: true,
  sizeLimit: true,
};
const TOLERATION: Keys<TaskToleration> = {
  key: true,
  operator: true,
  value: true,
  effect: true,
  tolerationSeconds: true,
};
const GROUP: Keys<GroupSpec> = { tooltip: true, defaults: true };
const DEADLINE: Keys<DeadlineSpec> = {
  within: true,
  from: true,
  averageOf: true,
  minRuns: true,
  alert: true,
};
const MLFLOW: Keys<MlflowOptions> = { experiment: true, trackingUri: true };

const names = (...tables: object[]): readonly string[] => tables.flatMap((t) => Object.keys(t));

/** The options each call (or nested object) takes. */
// `outlets` for every task kind: the DSL carries them for all (Airflow takes them on any
// operator), though only the producing kinds declare them in their types.
export const OPTIONS = {
  "p.python()": names(TASK, OUTLETS, PYTHON, SETUP_TEARDOWN),
  "p.map()": names(TASK, OUTLETS, PYTHON, MAP),
  "p.bash()": names(TASK, OUTLETS, BASH, SETUP_TEARDOWN),
  "p.branch()": names(TASK, OUTLETS, BRANCH),
  "p.shortCircuit()": names(TASK, OUTLETS, SHORT_CIRCUIT),
  "p.latestOnly()": names(TASK, OUTLETS),
  "p.fileSensor()": names(TASK, OUTLETS, SENSOR, FILE_SENSOR),
  "p.externalTaskSensor()": names(TASK, OUTLETS, SENSOR, EXTERNAL_TASK_SENSOR),
  "p.timeDeltaSensor()": names(TASK, OUTLETS, SENSOR, TIME_DELTA_SENSOR),
  "p.pythonSensor()": names(TASK, OUTLETS, SENSOR, PYTHON_SENSOR),
  "p.container()": names(TASK, OUTLETS, CONTAINER, SETUP_TEARDOWN),
  "p.operator()": names(TASK, OUTLETS, OPERATOR, SETUP_TEARDOWN),
  "p.validate()": names(TASK, OUTLETS, VALIDATE),
  "p.trigger()": names(TASK, OUTLETS, TRIGGER),
  "wait (trigger)": names(TRIGGER_WAIT),
  "p.group()": names(GROUP),
  pipeline: names(PIPELINE),
  deadline: names(DEADLINE),
  defaults: names(TASK),
  resources: names(RESOURCES),
  mlflow: names(MLFLOW),
  "kubeflow (task)": names(KUBEFLOW_TASK),
  "kubeflow (pipeline)": names(KUBEFLOW_PIPELINE),
  toleration: names(TOLERATION),
  pvc: names(PVC),
  "secretEnv entry": names(SECRET_ENV),
  emptyDir: names(EMPTY_DIR),
} as const;

export type OptionsOf = keyof typeof OPTIONS;

/**
 * Where the options were passed. `site` resolves the user's call site only when a diagnostic
 * names it: formatting a stack through source maps costs far more than checking the keys.
 */
export interface OptionsPlace {
  readonly pipeline: string;
  readonly task?: string | undefined;
  readonly site: () => SourceLocation | undefined;
}

/**
 * Airflow settings (as the DSL would spell them) that mlgen has no option for, and what to do
 * instead where something does the job.
 */
const NOT_CARRIED: Readonly<
  Record<string, { readonly airflow: string; readonly instead?: string }>
> = {
  weightRule: { airflow: "weight_rule" },
  waitForDownstream: { airflow: "wait_for_downstream" },
  endDate: { airflow: "end_date" },
  docMd: { airflow: "doc_md", instead: "description is the DAG's description" },
  setup: {
    airflow: "setup tasks (as_setup) on this kind of task",
    instead: "p.python(), p.bash(), p.container() and p.operator() take setup: true",
  },
  teardown: {
    airflow: "teardown tasks (as_teardown) on this kind of task",
    instead: "p.python(), p.bash(), p.container() and p.operator() take teardown: true",
  },
  onFailureFailDagrun: {
    airflow: "on_failure_fail_dagrun (a teardown's)",
    instead:
      "Airflow then judges the run by that teardown: a run whose work failed ends success when the teardown succeeds (Airflow 3.3.2 and 2.11.2); a teardown without it leaves the run's state to the work",
  },
  sla: {
    airflow: "SLAs (sla, gone in Airflow 3)",
    instead:
      "the pipeline's deadline alerts a run that is late (Airflow 3's DeadlineAlert), and its dagrunTimeout fails one",
  },
  deadline: {
    airflow: "deadline alerts on a task or group",
    instead:
      "deadline is the pipeline's: pipeline(id, { deadline: { within: hours(2), alert: slack() } }) alerts a run that has not succeeded in time",
  },
  // KubernetesPodOperator's, which p.container() takes (its own kind of task).
  nodeSelector: {
    airflow: "node_selector on this kind of task (KubernetesPodOperator's)",
    instead:
      "p.container() takes nodeSelector on every target; on Kubeflow, kubeflow: { nodeSelector } places a python task's pod",
  },
  tolerations: {
    airflow: "tolerations on this kind of task (KubernetesPodOperator's)",
    instead:
      "p.container() takes tolerations on every target; on Kubeflow, kubeflow: { tolerations } places a python task's pod",
  },
  affinity: {
    airflow: "affinity (KubernetesPodOperator)",
    instead: "nodeSelector and tolerations place a container task's pod",
  },
  serviceAccountName: {
    airflow: "service_account_name on this kind of task (KubernetesPodOperator's)",
    instead: "p.container() takes serviceAccountName",
  },
  volumes: {
    airflow: "volumes on this kind of task (KubernetesPodOperator's)",
    instead:
      "p.container() takes pvcs, emptyDirs and shm on every target; on Kubeflow, kubeflow: { pvcs, emptyDirs, shm } mounts them in a python task's pod",
  },
};

/** KubernetesPodOperator's names for a pod's volumes. */
const VOLUME_KEYS = new Set(["volumes", "volume_mounts", "volumeMounts"]);

/**
 * Airflow's own names (what an Airflow user types first), by the DSL option that carries them,
 * where no spelling distance leads from one to the other: `schedule_interval` is `schedule`.
 */
const AIRFLOW_NAMES: Readonly<Record<string, string>> = {
  schedule_interval: "schedule",
  default_args: "defaults",
  python_callable: "fn",
  op_kwargs: "inputs",
  bash_command: "command",
  on_failure_callback: "onFailure",
  on_retry_callback: "onRetry",
  on_success_callback: "onSuccess",
  // A sensor's `timeout` is how long it waits; a task's limit on one try is executionTimeout.
  timeout: "executionTimeout",
};

/** Resource settings as kfp's task methods name them (set_cpu_limit: cpuLimit), by mlgen's. */
const RESOURCE_NAMES: Readonly<Record<string, string>> = {
  cpuLimit: "cpuLimit",
  cpu_limit: "cpuLimit",
  memoryLimit: "memoryLimit",
  memory_limit: "memoryLimit",
  cpuRequest: "cpu",
  cpu_request: "cpu",
  memoryRequest: "memory",
  memory_request: "memory",
  acceleratorType: "accelerator",
  accelerator_type: "accelerator",
  acceleratorLimit: "gpu",
  accelerator_limit: "gpu",
  gpu: "gpu",
  cpu: "cpu",
  memory: "memory",
  accelerator: "accelerator",
};

/** kfp's names of the settings `kubeflow: { ... }` holds, by mlgen's. */
const KFP_KUBEFLOW_NAMES: Readonly<Record<string, string>> = {
  base_image: "image",
  baseImage: "image",
  packages_to_install: "packages",
  packagesToInstall: "packages",
  enable_caching: "caching",
  enableCaching: "caching",
  cachingOptions: "caching",
  caching_options: "caching",
};

/**
 * The hint for a name a kfp user writes (`parallelism`, `caching`, `cpuLimit`, `base_image`),
 * where mlgen has the setting under another name or in `kubeflow: { ... }`; null for others.
 */
function kfpMeant(key: string, call: OptionsOf, known: readonly string[]): string | null {
  const inKubeflow = call === "kubeflow (task)" || call === "kubeflow (pipeline)";
  const kubeflowName = KFP_KUBEFLOW_NAMES[key];
  if (kubeflowName) {
    return inKubeflow
      ? `did you mean '${kubeflowName}'? (kfp's ${key})`
      : `set it in kubeflow: { ${kubeflowName}: ... } (kfp's ${key})`;
  }
  const resource = RESOURCE_NAMES[key];
  if (resource && call !== "resources") {
    if (call === "kubeflow (task)")
      return `set it in resources: { ${resource}: ... } (kfp's ${key})`;
    if (known.includes("resources")) return `set it in resources: { ${resource}: ... }`;
    if (known.includes("kubeflow")) {
      return `set it in kubeflow: { resources: { ${resource}: ... } } (kfp's ${key}; Airflow runs the task on its worker)`;
    }
  }
  if (key === "resources" && !known.includes("resources") && known.includes("kubeflow")) {
    return "set them in kubeflow: { resources: { cpuLimit, memoryLimit, ... } } (Airflow runs the task on its worker)";
  }
  if (
    (key === "image" || key === "packages") &&
    !known.includes(key) &&
    known.includes("kubeflow")
  ) {
    return `set it in kubeflow: { ${key}: ... } (the Kubeflow component's; Airflow runs the task on its worker)`;
  }
  if (key === "caching" && known.includes("kubeflow")) {
    return "set it in kubeflow: { caching: false } (kfp's set_caching_options; Airflow caches nothing)";
  }
  if (
    (key === "parallelism" || key === "parallelismLimit" || key === "parallelism_limit") &&
    call === "p.map()"
  ) {
    return "did you mean 'maxActiveTisPerDagrun'? (how many instances of one run at once: kfp's ParallelFor parallelism)";
  }
  return null;
}

/** The hint for an option `call` does not take that an Airflow user means as another one. */
function meantOption(key: string, call: OptionsOf, known: readonly string[]): string | null {
  const scope = call === "pipeline" ? "pipeline" : call === "p.group()" ? "group" : null;
  // A task option on a pipeline or a group (an alert for every task, retries): its defaults.
  if (scope && (OPTIONS.defaults as readonly string[]).includes(key)) {
    return `${key} is a task option: set it in the ${scope}'s defaults (defaults: { ${key}: ... }), which every task of the ${scope} takes`;
  }
  // A python task's or sensor's environment: Airflow runs it in the worker's.
  if (
    key === "env" &&
    (call === "p.python()" || call === "p.map()" || call === "p.pythonSensor()")
  ) {
    return "the task runs with its worker's environment on Airflow: read a variable with env('NAME') in inputs, or pass the value as an input; on Kubeflow, kubeflow: { env } sets its pod's";
  }
  // Only a python function's outputs are handed on (a container's do_xcom_push is not carried).
  if (key === "outputs" && (call === "p.container()" || call === "p.bash()")) {
    return `only python tasks hand outputs on (mlgen does not carry ${call === "p.bash()" ? "a bash task's last line" : "KubernetesPodOperator's do_xcom_push"}): write the result where a task after it reads it (a path given to both), or run the step as p.python()`;
  }
  // An operator hands on one value, what it returns.
  if ((key === "outputs" || key === "output") && call === "p.operator()") {
    return 'say what the operator returns with returns: "<type>" (string, int, float, bool, list or dict), and read it as task.output';
  }
  // KubernetesPodOperator's volumes and volume_mounts are one setting per kind of volume here.
  if (call === "p.container()" && VOLUME_KEYS.has(key)) {
    return 'mount them with pvcs: [{ name: "<claim>", mountPath: "/data" }], emptyDirs: [{ name, mountPath }] or shm: true (KubernetesPodOperator\'s volumes and volume_mounts in one)';
  }
  // Fan-out maps a python function over a list; containers, bash tasks and groups are not mapped.
  if (
    (key === "over" || key === "as") &&
    (call === "p.container()" || call === "p.bash()" || call === "p.group()")
  ) {
    return "only a python function fans out (p.map(id, { fn, over, as })): mlgen does not map containers, bash tasks or groups (Airflow's expand on them); map a python task that does the step for each item";
  }
  // What a sensor found is handed on by a python sensor only: the others find nothing to pass.
  if (
    key === "outputs" &&
    (call === "p.fileSensor()" ||
      call === "p.externalTaskSensor()" ||
      call === "p.timeDeltaSensor()")
  ) {
    return "only a python sensor hands on what it found: use p.pythonSensor() with a function that returns the outputs when ready, or read what this sensor waited for in a task after it";
  }
  const kfp = kfpMeant(key, call, known);
  if (kfp) return kfp;
  const meant = AIRFLOW_NAMES[key];
  if (meant && known.includes(meant)) {
    return key === "timeout"
      ? "did you mean 'executionTimeout'? (only a sensor has a timeout, how long it waits)"
      : `did you mean '${meant}'? (Airflow's ${key})`;
  }
  return null;
}

/**
 * Where each call's object sits in the options of the call that took it (`defaults: { ... }`),
 * for keySite; null: in a list (a toleration), placed at the call.
 */
const PATHS: Readonly<Partial<Record<OptionsOf, readonly string[] | null>>> = {
  defaults: ["defaults"],
  mlflow: ["mlflow"],
  resources: ["resources"],
  "wait (trigger)": ["wait"],
  "kubeflow (task)": ["kubeflow"],
  "kubeflow (pipeline)": ["kubeflow"],
  toleration: null,
  pvc: null,
  "secretEnv entry": null,
  emptyDir: null,
};

/**
 * MLG1022 for each key of `spec` that `call` does not take, with the option most likely meant.
 * `what` names the place: `task 'train'`, `pipeline 'demo'`, `the defaults of group 'g'`;
 * `path` where `spec` is written in the call's options, when PATHS does not say.
 */
export function unknownOptions(
  spec: unknown,
  call: OptionsOf,
  what: string,
  place: OptionsPlace,
  path: readonly string[] | null = PATHS[call] === undefined ? [] : (PATHS[call] ?? null),
): Diagnostic[] {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) return [];
  const known = OPTIONS[call];
  const out: Diagnostic[] = [];
  for (const key of Object.keys(spec)) {
    if (known.includes(key)) continue;
    // An Airflow setting mlgen does not carry is no typo of a near name that means otherwise.
    const missing = call === "p.container()" && VOLUME_KEYS.has(key) ? null : NOT_CARRIED[key];
    const meant = missing ? null : meantOption(key, call, known);
    const guess = missing || meant ? null : closestName(key, known);
    out.push(
      diagnostic(
        "MLG1022",
        {
          what,
          key,
          hint: missing
            ? `mlgen does not carry Airflow's ${missing.airflow}: remove it${missing.instead ? ` (${missing.instead})` : ""}`
            : meant
              ? meant
              : guess
                ? `did you mean '${guess}'?`
                : `remove it (the options are ${known.join(", ")})`,
        },
        {
          pipeline: place.pipeline,
          task: place.task,
          location: path ? keySite(place.site(), key, path) : place.site(),
        },
      ),
    );
  }
  return out;
}

/** unknownOptions of a pipeline's or a group's options and of their `defaults` (and `mlflow`). */
export function unknownScopeOptions(
  spec: { readonly defaults?: unknown; readonly mlflow?: unknown },
  call: "pipeline" | "p.group()",
  what: string,
  place: OptionsPlace,
): Diagnostic[] {
  return [
    ...unknownOptions(spec, call, what, place),
    ...unknownOptions(spec.defaults, "defaults", `the defaults of ${what}`, place),
    ...badCallbacks(spec.defaults, `the defaults of ${what}`, place),
    ...unknownOptions(spec.mlflow, "mlflow", `the mlflow options of ${what}`, place),
  ];
}

/**
 * MLG1011 for each `callback()` among the alerts of `spec` that does not name a module and a
 * function (`callback("tasks/alerts.py")`): the DAG would import nothing from it.
 */
export function badCallbacks(
  spec: unknown,
  what: string,
  place: OptionsPlace,
  options: readonly string[] = ["onFailure", "onRetry", "onSuccess"],
): Diagnostic[] {
  if (typeof spec !== "object" || spec === null) return [];
  const out: Diagnostic[] = [];
  for (const option of options) {
    const given = (spec as Record<string, unknown>)[option];
    for (const alert of Array.isArray(given) ? given : [given]) {
      const a = alert as { kind?: unknown; module?: unknown; function?: unknown } | null;
      if (a?.kind !== "callable") continue;
      const module = String(a.module);
      const fn = String(a.function);
      if (module.endsWith(".py") && /^[A-Za-z_][A-Za-z0-9_]*$/.test(fn)) continue;
      out.push(
        diagnostic(
          "MLG1011",
          {
            what: `callback '${module}${fn ? `:${fn}` : ""}' in ${option} of ${what}`,
            reason: module.endsWith(".py")
              ? "it names no function"
              : "it names no .py module and function",
            hint: "write callback('path/to/module.py:function_name')",
          },
          { pipeline: place.pipeline, task: place.task, location: place.site() },
        ),
      );
    }
  }
  return out;
}
