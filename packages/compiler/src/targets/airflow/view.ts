import {
  type Alert,
  assertNever,
  type BashTask,
  type Condition,
  type ContainerTask,
  type Deadline,
  EMPTY_TASK_OPTIONS,
  effectiveOptions,
  type FunctionRef,
  humanDuration,
  literalOnly,
  type MlflowTracking,
  type OperatorTask,
  PARAM_CHECK_KEYS,
  type Pipeline,
  type PythonTask,
  paramsInOrder,
  resolveOptions,
  rightValue,
  type Scalar,
  SENSOR_DEFAULT_TIMEOUT,
  type Sensor,
  type SensorTask,
  type Task,
  type TaskOptions,
  type TriggerTask,
  taskOutputs,
  type ValidateTask,
  type Value,
} from "@mlgen/core";
import { jinjaString } from "../../escape/jinja.js";
import type { JsonValue } from "../../escape/python.js";
import {
  isPyIdentifier,
  joinCode,
  PY_BUILTINS,
  PyCode,
  py,
  pyComment,
  pyDocstring,
  pyIdent,
  pyLiteral,
  pyString,
} from "../../escape/python.js";
import { asWritten } from "../../passes/branch-joins.js";
import { moduleName } from "../../passes/check-modules.js";
import { posixJoin } from "../../posix.js";
import { AIRFLOW3, type AirflowName, type Dialect } from "./dialect.js";

/** Names the generated module defines or reads; task variables must not shadow them. */
const RESERVED = new Set([
  ...PY_BUILTINS,
  "literal",
  "annotations",
  "contextlib",
  "datetime",
  "os",
  "posixpath",
  "sys",
  "_HERE",
  "copy",
  "pendulum",
  "DAG",
  "Param",
  "TaskGroup",
  "Variable",
  "PythonOperator",
  "BashOperator",
  "BranchPythonOperator",
  "ShortCircuitOperator",
  "FileSensor",
  "ExternalTaskSensor",
  "TimeDeltaSensor",
  "PythonSensor",
  "KubernetesPodOperator",
  "k8s",
  "SlackWebhookNotifier",
  "SmtpNotifier",
  "Asset",
  "Dataset",
  "AssetOrTimeSchedule",
  "DatasetOrTimeSchedule",
  "CronTriggerTimetable",
  "dag",
  "tasks",
  "default_args",
  "json",
  "operator",
  "CronDataIntervalTimetable",
  "EmptyOperator",
  "TriggerDagRunOperator",
  "LatestOnlyOperator",
]);

/** What names a mapped instance (its item, at most about 100 characters), on Airflow 2.9+ and 3. */
const MAP_INDEX_TEMPLATE = "{{ task.op_kwargs['item'] | string | truncate(100) }}";

export interface Kwarg {
  readonly key: PyCode;
  readonly value: PyCode;
}

export interface CallableView {
  readonly name: PyCode;
  /** `ti, params, **_`: the context entries the callable reads. */
  readonly signature: PyCode;
  readonly doc: PyCode;
  /** Airflow templates the body reads from `templates_dict`, in key order. */
  readonly templates: readonly string[];
  /** Set for callables with a custom body (branches, validation, callbacks): its lines. */
  readonly lines: readonly PyCode[] | null;
  readonly importLine: PyCode | null;
  readonly inputs: readonly Kwarg[];
  readonly call: PyCode;
  readonly mlflow: PyCode | null;
  readonly push: PyCode | null;
}

export interface TaskView {
  /** The id Airflow gives it (its groups' ids before it). */
  readonly taskId: string;
  /** `train_model` or `tasks["train-model"]`. */
  readonly ref: PyCode;
  readonly operator: PyCode;
  readonly kwargs: readonly Kwarg[];
  /** Mapped tasks: `Operator.partial(kwargs).expand(...)`, this being the expand arguments. */
  readonly expand: PyCode | null;
  readonly callable: CallableView | null;
}

export interface GroupView {
  /**
   * What the `with` enters: `TaskGroup("features", tooltip="...")`, `as features` added when
   * the group is entered again later (`with features:`). A block holding only a nested group's
   * block enters both (`with TaskGroup("a") as a, TaskGroup("b"):`, as ruff's SIM117 asks).
   */
  readonly head: PyCode;
  readonly body: readonly NodeView[];
}

export interface NodeView {
  readonly task: TaskView | null;
  readonly group: GroupView | null;
}

/**
 * A task of the DAG as Airflow holds it once it imports the file: what the Airflow fake
 * (`@mlgen/mocks`) needs to run it, and what a test compares with the real DagBag.
 */
export interface AirflowTaskShape {
  /** The id Airflow gives it, its groups' ids before it (`train.fit`). */
  readonly taskId: string;
  /** What it was made from: a pipeline task, or a task the target adds before one (`of`). */
  readonly source:
    | { readonly kind: "task" }
    | { readonly kind: "items" | "join"; readonly of: string };
  /** The class Airflow reports as its `operator`. */
  readonly operator: string;
  /** Its upstream task ids, sorted. */
  readonly upstream: readonly string[];
  readonly triggerRule: string;
  readonly retries: number;
  readonly retryDelaySeconds: number;
  readonly pool: string;
  readonly poolSlots: number;
  readonly maxActiveTisPerDag: number | null;
  readonly maxActiveTisPerDagrun: number | null;
  /** Mapped: a literal list's length, or the task whose return value it maps over. */
  readonly expand: number | { readonly task: string } | null;
  /**
   * A task that skips others (SkipMixin): a branch, a short-circuit skipping everything after
   * it, or one skipping only the tasks right after it (`ignore_downstream_trigger_rules=False`).
   */
  readonly skips: "branch" | "short_circuit" | "short_circuit_direct" | null;
  /** What a task that skips returns when its condition holds, and when not. */
  readonly returns: { readonly whenTrue: JsonValue; readonly whenFalse: JsonValue } | null;
  /**
   * A sensor: its mode, poke interval, timeout (Airflow's `[sensors] default_timeout`, 7 days,
   * when the pipeline sets none) and soft_fail.
   */
  readonly sensor: {
    readonly mode: "poke" | "reschedule";
    readonly pokeIntervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly softFail: boolean;
  } | null;
  /** XComs it pushes by key when it succeeds (its declared outputs), with their types. */
  readonly outputs: Readonly<Record<string, string>>;
  /**
   * Each mapped instance also pushes `mlgen_map_index`, its map index (what a task reading the
   * mapped outputs lines them up by).
   */
  readonly pushesMapIndex: boolean;
  /** The output it also returns (`return_value`): what a mapped task maps over. */
  readonly returnsOutput: string | null;
  /** The param whose list it returns (a param's `_items` task). */
  readonly returnsParam: string | null;
  readonly setupTeardown: "setup" | "teardown" | null;
}

export interface DagView {
  /** The DAG's tasks as Airflow holds them, in the order the file defines them. */
  readonly shape: readonly AirflowTaskShape[];
  readonly headerSource: PyCode;
  readonly headerHash: PyCode;
  readonly directives: readonly PyCode[];
  readonly docstring: PyCode;
  readonly imports: readonly PyCode[];
  readonly helpers: {
    /** Tasks import project modules: the file puts its own folder on sys.path. */
    readonly projectPath: boolean;
    /** The DAG's on_failure_callback alerts for a run that timed out only. */
    readonly ifTimedOut: boolean;
    /** _per_run: the pipeline's own alerts, a fresh copy called for each run's end. */
    readonly perRun: boolean;
    readonly pull: boolean;
    readonly pullMapped: boolean;
    readonly pullOneOf: boolean;
    /** _outputs: the check of a value against an output's declared type (_push, _returns). */
    readonly outputs: boolean;
    readonly push: boolean;
    readonly pushWhenDone: boolean;
    /** _returns: an operator's post_execute check of what it returned (its `returns`). */
    readonly returns: boolean;
    readonly env: boolean;
    readonly variable: boolean;
    readonly mlflow: boolean;
    readonly item: boolean;
    readonly floatItem: boolean;
    readonly paramList: boolean;
    readonly validate: boolean;
    /** _json_conf: a trigger's conf rendered as JSON, read back before the operator runs. */
    readonly jsonConf: boolean;
    /** _rendered: a computed argument of an operator given by its path is one it templates. */
    readonly rendered: boolean;
  };
  /** Module-level callables for `callback()` alerts. */
  readonly callbacks: readonly CallableView[];
  readonly defaultArgs: readonly Kwarg[];
  readonly dagKwargs: readonly Kwarg[];
  readonly usesTaskDict: boolean;
  readonly tasks: readonly TaskView[];
  /** The tasks again, nested into TaskGroup blocks, in topological order. */
  readonly body: readonly NodeView[];
  readonly edges: readonly PyCode[];
}

const kw = (key: string, value: PyCode): Kwarg => ({ key: pyIdent(key), value });

/** `datetime.timedelta(minutes=5)`: the largest unit that divides the span. */
export function timedelta(totalSeconds: number): PyCode {
  for (const [unit, size] of [
    ["days", 86400],
    ["hours", 3600],
    ["minutes", 60],
  ] as const) {
    if (totalSeconds > 0 && totalSeconds % size === 0) {
      return new PyCode(`datetime.timedelta(${unit}=${totalSeconds / size})`);
    }
  }
  return new PyCode(`datetime.timedelta(seconds=${totalSeconds})`);
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The start date as a pendulum date-time in the pipeline's time zone (the DAG's time zone is
 * its start date's): a date is midnight there, a date-time without an offset is read there,
 * and one with an offset is the same instant, shown there.
 */
export function startDate(text: string, timezone: string | null = null): PyCode {
  const zone = timezone ?? "UTC";
  const m = DATE_ONLY.exec(text);
  if (m)
    return py`pendulum.datetime(${new PyCode(`${Number(m[1])}, ${Number(m[2])}, ${Number(m[3])}`)}, tz=${zone})`;
  if (timezone === null) return py`pendulum.parse(${text})`;
  return /(?:Z|[+-]\d{2}:\d{2})$/.test(text)
    ? py`pendulum.parse(${text}).in_timezone(${zone})`
    : py`pendulum.parse(${text}, tz=${zone})`;
}

/**
 * Default Slack texts: Jinja templates the notifier renders with the task context. The run is
 * named by `run_id` and `dag_run.logical_date`, which every run has: Airflow 3 leaves
 * `logical_date`, `ds` and `ts` out of the context of a run without a logical date (asset-triggered
 * runs, API triggers with `logical_date: null`), where `{{ logical_date }}` fails to render and the
 * alert is never sent.
 */
const RUN = "Run: {{ run_id }}\nLogical date: {{ dag_run.logical_date }}";
/**
 * The exception, when there is one: Airflow 3 runs the callbacks of a task that was killed,
 * timed out on its heartbeat or lost its worker in the DAG processor, whose context has no
 * `exception` (Airflow 2 puts the reason there), and `{{ exception }}` alone would fail to render.
 */
const EXCEPTION =
  "Exception: {{ exception | default('none: the task was killed or lost its worker') }}";
const SLACK_TEXT = {
  failure: `:red_circle: Task {{ ti.task_id }} in DAG {{ dag.dag_id }} failed\n${RUN}\nTry: {{ ti.try_number }}\n${EXCEPTION}\nLog: {{ ti.log_url }}`,
  retry: `:large_orange_circle: Task {{ ti.task_id }} in DAG {{ dag.dag_id }} failed and will be retried\n${RUN}\nTry: {{ ti.try_number }}\n${EXCEPTION}\nLog: {{ ti.log_url }}`,
  success: `:large_green_circle: Task {{ ti.task_id }} in DAG {{ dag.dag_id }} succeeded\n${RUN}\nLog: {{ ti.log_url }}`,
  // A DAG callback's context: `dag_run` and `ti` are there only when a task was unfinished.
  timeout: `:red_circle: DAG {{ dag.dag_id }} timed out: the run took longer than its dagrun_timeout ({{ dag.dagrun_timeout }}), Airflow failed it and skipped the tasks left\nRun: {{ run_id }}\nLogical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}`,
  // A run's end (the pipeline's own onSuccess and onFailure): the DAG callback's context.
  runSuccess: `:large_green_circle: DAG {{ dag.dag_id }} succeeded\nRun: {{ run_id }}\nLogical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}`,
  runFailure: `:red_circle: DAG {{ dag.dag_id }} failed{{ ': ' ~ reason if reason is defined and reason else '' }}\nRun: {{ run_id }}\nLogical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}`,
} as const;

/** The mails of a run's end: the smtp provider's default one is about a task. */
const RUN_MAIL = {
  runSuccess: {
    subject: "DAG {{ dag.dag_id }}: run {{ run_id }} succeeded",
    html: "<p>The run <b>{{ run_id }}</b> of DAG <b>{{ dag.dag_id }}</b> succeeded.</p><p>Logical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}</p>",
  },
  runFailure: {
    subject: "DAG {{ dag.dag_id }}: run {{ run_id }} failed",
    html: "<p>The run <b>{{ run_id }}</b> of DAG <b>{{ dag.dag_id }}</b> failed{{ ': ' ~ reason if reason is defined and reason else '' }}.</p><p>Logical date: {{ dag_run.logical_date if dag_run is defined else 'none' }}</p>",
  },
} as const;

/** The mail of a run that timed out: the smtp provider's default one is about a task. */
const TIMEOUT_MAIL = {
  subject: "DAG {{ dag.dag_id }}: run {{ run_id }} timed out",
  html: "<p>The run <b>{{ run_id }}</b> of DAG <b>{{ dag.dag_id }}</b> took longer than its dagrun_timeout ({{ dag.dagrun_timeout }}): Airflow failed it and skipped the tasks left.</p>",
} as const;

/**
 * What a deadline's alerts say. Airflow 3.3 calls them in a worker with a context of the run
 * alone (`dag_run`: the REST API's DAG run, `deadline`: its time), never a task's; the run's
 * state is the one it had when the scheduler saw the deadline pass.
 */
function deadlineTexts(d: Deadline): { slack: string; subject: string; html: string } {
  const after =
    d.from === "average_runtime"
      ? `${humanDuration(d.within)} past the DAG's average run time (of up to ${d.average?.maxRuns ?? 10} of its latest successful runs)`
      : `${humanDuration(d.within)} after ${d.from === "queued" ? "it was queued" : "its logical date"}`;
  return {
    slack: `:warning: DAG {{ dag_run.dag_id }} missed a deadline: run {{ dag_run.dag_run_id }} had not succeeded ${after} ({{ deadline.deadline_time }})\nState: {{ dag_run.state }}\nLogical date: {{ dag_run.logical_date }}`,
    subject: "DAG {{ dag_run.dag_id }}: run {{ dag_run.dag_run_id }} missed its deadline",
    html: `<p>The run <b>{{ dag_run.dag_run_id }}</b> of DAG <b>{{ dag_run.dag_id }}</b> had not succeeded ${after} ({{ deadline.deadline_time }}).</p><p>State: {{ dag_run.state }}</p><p>Logical date: {{ dag_run.logical_date }}</p>`,
  };
}

/** The DeadlineReference a deadline counts from. */
function deadlineReference(d: Deadline): string {
  if (d.from === "queued") return "DAGRUN_QUEUED_AT";
  if (d.from === "logical_date") return "DAGRUN_LOGICAL_DATE";
  const { maxRuns, minRuns } = d.average ?? { maxRuns: 10, minRuns: 10 };
  return `AVERAGE_RUNTIME(max_runs=${maxRuns}, min_runs=${minRuns})`;
}

/** A param's key in FileContext.structured (no task id holds a NUL). */
const paramKey = (name: string) => `\0param\0${name}`;

/** What every view in one file shares: the names it imports and the callbacks it defines. */
class FileContext {
  readonly names = new Set<AirflowName>();
  readonly callbacks = new Map<string, CallableView>();
  constructor(
    readonly dialect: Dialect,
    readonly namer: Namer,
    /** Ids of mapped tasks. */
    readonly mapped: ReadonlySet<string>,
    /**
     * `task\0output` of the outputs declared bool, list or dict, and paramKey() of the boolean
     * params: rendered as JSON in a template.
     */
    readonly structured: ReadonlySet<string> = new Set(),
    /** `task\0output` of the outputs declared float: rendered as floats in a template. */
    readonly floats: ReadonlySet<string> = new Set(),
  ) {}

  /** Operator classes a p.operator() task names, by import path: the name each is imported as. */
  readonly externals = new Map<string, { module: string; name: string; alias: string }>();

  /** The Python name of an operator class given by its import path, recording its import. */
  external(path: string): PyCode {
    let e = this.externals.get(path);
    if (!e) {
      const dot = path.lastIndexOf(".");
      const name = path.slice(dot + 1);
      // Another class of that name (an mlgen one, one from another provider) keeps its own; a
      // name like the generated helpers' (`_push`) is aliased too.
      const alias = this.namer.fresh(name.startsWith("_") ? `operator${name}` : name);
      e = { module: path.slice(0, dot), name, alias };
      this.externals.set(path, e);
    }
    return new PyCode(e.alias);
  }

  /** The Python name of an Airflow class or module, recording its import. */
  use(name: AirflowName): PyCode {
    this.names.add(name);
    return new PyCode(name === "k8s" ? "k8s" : (this.dialect.symbols[name].name ?? name));
  }

  /** A module-level function that imports and calls the user's callback when it fires. */
  callback(ref: FunctionRef): PyCode {
    const key = `${ref.module}:${ref.function}`;
    const existing = this.callbacks.get(key);
    if (existing) return existing.name;
    const name = this.namer.fresh(`_on_${moduleName(ref.module)}_${ref.function}`);
    const fn =
      isPyIdentifier(ref.function) && ref.function !== "context" ? ref.function : "user_function";
    const alias = fn === ref.function ? "" : ` as ${fn}`;
    const view = bodyCallable({
      name: new PyCode(name),
      signature: new PyCode("context"),
      templates: [],
      doc: `Calls ${key} with the callback's context.`,
      importLine: new PyCode(`from ${moduleName(ref.module)} import ${ref.function}${alias}`),
      lines: [new PyCode(`${fn}(context)`)],
    });
    this.callbacks.set(key, view);
    return view.name;
  }

  alert(alert: Alert, event: keyof typeof SLACK_TEXT): PyCode {
    switch (alert.kind) {
      case "slack": {
        const args = [
          py`slack_webhook_conn_id=${alert.connId}`,
          // A run's timeout: mlgen's text, rendered with the DAG run's context (no exception,
          // no task sometimes), where one written for a task's failure may fail to render.
          py`text=${event === "timeout" ? SLACK_TEXT.timeout : (alert.text ?? SLACK_TEXT[event])}`,
        ];
        return new PyCode(`${this.use("SlackWebhookNotifier").text}(${joinCode(args, ", ").text})`);
      }
      case "email": {
        const args = [py`to=${alert.to}`];
        if (alert.from !== null) args.push(py`from_email=${alert.from}`);
        // A run's end: the subject written for it, mlgen's otherwise, and mlgen's body.
        const run = event === "runSuccess" || event === "runFailure" ? RUN_MAIL[event] : null;
        const subject =
          event === "timeout" ? TIMEOUT_MAIL.subject : (alert.subject ?? run?.subject ?? null);
        if (subject !== null) args.push(py`subject=${subject}`);
        if (event === "timeout") args.push(py`html_content=${TIMEOUT_MAIL.html}`);
        if (run !== null) args.push(py`html_content=${run.html}`);
        if (alert.connId !== null) args.push(py`smtp_conn_id=${alert.connId}`);
        return new PyCode(`${this.use("SmtpNotifier").text}(${joinCode(args, ", ").text})`);
      }
      case "callable":
        return this.callback(alert);
      default:
        return assertNever(alert);
    }
  }

  /**
   * A deadline's alert as Airflow 3.3 calls it: a SyncCallback, run by the executor, which
   * makes the notifier from `kwargs` and calls it with the run's context, or calls the
   * callback function with `context` (defined in this file, which the worker imports again).
   */
  deadlineCallback(alert: Alert, d: Deadline): PyCode {
    const sync = this.use("SyncCallback").text;
    const texts = deadlineTexts(d);
    switch (alert.kind) {
      case "slack": {
        const kwargs = { slack_webhook_conn_id: alert.connId, text: alert.text ?? texts.slack };
        const cls = this.use("SlackWebhookNotifier").text;
        return new PyCode(`${sync}(${cls}, kwargs=${pyLiteral(kwargs)})`);
      }
      case "email": {
        const kwargs: Record<string, JsonValue> = { to: alert.to };
        if (alert.from !== null) kwargs.from_email = alert.from;
        kwargs.subject = alert.subject ?? texts.subject;
        kwargs.html_content = texts.html;
        if (alert.connId !== null) kwargs.smtp_conn_id = alert.connId;
        const cls = this.use("SmtpNotifier").text;
        return new PyCode(`${sync}(${cls}, kwargs=${pyLiteral(kwargs)})`);
      }
      case "callable":
        return new PyCode(`${sync}(${this.callback(alert).text})`);
      default:
        return assertNever(alert);
    }
  }
}

function optionKwargs(options: TaskOptions, file: FileContext): Kwarg[] {
  const out: Kwarg[] = [];
  const o = options;
  if (o.retries !== null) out.push(kw("retries", py`${o.retries}`));
  if (o.retryDelay !== null) out.push(kw("retry_delay", timedelta(o.retryDelay)));
  if (o.retryExponentialBackoff !== null) {
    const m = o.retryExponentialBackoff;
    out.push(
      kw(
        "retry_exponential_backoff",
        file.dialect.backoffIsMultiplier
          ? // Airflow 3 reads this as the multiplier (0 = constant delay), not as a flag.
            new PyCode(Number.isInteger(m) ? `${m}.0` : String(m))
          : // Airflow 2: a flag that doubles the delay (1 is a constant delay on Airflow 3 as
            // 0 is); the target's validate() reports other multipliers.
            py`${m > 0 && m !== 1}`,
      ),
    );
  }
  if (o.maxRetryDelay !== null) out.push(kw("max_retry_delay", timedelta(o.maxRetryDelay)));
  if (o.executionTimeout !== null) out.push(kw("execution_timeout", timedelta(o.executionTimeout)));
  if (o.triggerRule !== null) out.push(kw("trigger_rule", py`${o.triggerRule}`));
  if (o.pool !== null) out.push(kw("pool", py`${o.pool}`));
  if (o.poolSlots !== null) out.push(kw("pool_slots", py`${o.poolSlots}`));
  if (o.queue !== null) out.push(kw("queue", py`${o.queue}`));
  if (o.priorityWeight !== null) out.push(kw("priority_weight", py`${o.priorityWeight}`));
  if (o.dependsOnPast !== null) out.push(kw("depends_on_past", py`${o.dependsOnPast}`));
  if (o.maxActiveTisPerDag !== null)
    out.push(kw("max_active_tis_per_dag", py`${o.maxActiveTisPerDag}`));
  if (o.maxActiveTisPerDagrun !== null)
    out.push(kw("max_active_tis_per_dagrun", py`${o.maxActiveTisPerDagrun}`));
  for (const [key, list, event] of [
    ["on_failure_callback", o.onFailure, "failure"],
    ["on_retry_callback", o.onRetry, "retry"],
    ["on_success_callback", o.onSuccess, "success"],
  ] as const) {
    if (list === null) continue;
    out.push(kw(key, new PyCode(`[${list.map((a) => file.alert(a, event).text).join(", ")}]`)));
  }
  return out;
}

/**
 * A dict display: on one line when it fits, else one entry per line, indented for a value
 * that starts at `indent` spaces.
 */
export function dictCode(entries: readonly string[], indent: number): PyCode {
  const oneLine = `{${entries.join(", ")}}`;
  if (entries.length <= 1 || indent + oneLine.length <= 72) return new PyCode(oneLine);
  const pad = " ".repeat(indent + 4);
  return new PyCode(`{\n${entries.map((e) => `${pad}${e},\n`).join("")}${" ".repeat(indent)}}`);
}

/** A list of items: on one line when it fits, else one item per line. */
function listCode(items: readonly string[], indent: number): PyCode {
  const oneLine = `[${items.join(", ")}]`;
  if (items.length <= 1 || indent + oneLine.length <= 72) return new PyCode(oneLine);
  const pad = " ".repeat(indent + 4);
  return new PyCode(`[\n${items.map((e) => `${pad}${e},\n`).join("")}${" ".repeat(indent)}]`);
}

/** Allocates Python names: task ids where they are usable identifiers, unique otherwise. */
class Namer {
  private readonly used = new Set(RESERVED);
  claim(wanted: string): string | null {
    if (!isPyIdentifier(wanted) || this.used.has(wanted) || wanted.startsWith("_")) return null;
    this.used.add(wanted);
    return wanted;
  }
  fresh(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_]/g, "_");
    if (!/^[A-Za-z_]/.test(name)) name = `_${name}`;
    let candidate = name;
    for (let i = 2; this.used.has(candidate) || !isPyIdentifier(candidate); i++) {
      candidate = `${name}_${i}`;
    }
    this.used.add(candidate);
    return candidate;
  }
}

interface Uses {
  /** Mapped tasks (reading their outputs gives a list, one item per instance): what each maps over. */
  mapped: ReadonlyMap<string, Value>;
  /**
   * Ids of tasks whose trigger rule lets them run when an upstream task was skipped or failed
   * (a join after a branch: `none_failed_min_one_success`; `all_done`, ...): what they read
   * from upstream may be missing, and is then None, as `xcom_pull` gives it.
   */
  tolerant: ReadonlySet<string>;
  /**
   * Outputs declared "float" (`task\0output`): read back as floats. Airflow 3 may hand a whole
   * float (1.0) back as an int, and a float output may return an int (both pass its check).
   * Number params too (floatParamKey): a conf's whole number is read as a float.
   */
  floats: ReadonlySet<string>;
  /** The callable being built is a tolerant task's: its reads give None when absent. */
  optionalRefs: boolean;
  pullMapped: boolean;
  /** A oneOf input: `_pull_one_of`. */
  pullOneOf: boolean;
  /** Templates the task renders: `templates_dict` entries, keyed `template_1`, ... */
  templates?: string[];
  params: boolean;
  pull: boolean;
  env: boolean;
  variable: boolean;
  /** A variable read without a default: `_var`, which fails on a missing one. */
  requiredVariable: boolean;
  posixpath: boolean;
  /** A condition compares with True, False or None through operator.eq / operator.ne. */
  operator: boolean;
}

/** The key of a number param in Uses.floats (task outputs are `task\0output`). */
const floatParamKey = (name: string) => `\0param\0${name}`;
/** An optional number param: a float when the run gives it, None when it does not. */
const optionalFloatParamKey = (name: string) => `\0param?\0${name}`;

function newUses(
  mapped: ReadonlyMap<string, Value>,
  tolerant: ReadonlySet<string> = new Set(),
  floats: ReadonlySet<string> = new Set(),
): Uses {
  return {
    mapped,
    tolerant,
    floats,
    optionalRefs: false,
    pullMapped: false,
    pullOneOf: false,
    pull: false,
    env: false,
    variable: false,
    requiredVariable: false,
    posixpath: false,
    operator: false,
    params: false,
  };
}

/** What the callable of task `id` reads, collected apart and merged into `shared` after. */
function taskUses(shared: Uses, id: string): Uses {
  const uses = newUses(shared.mapped, shared.tolerant, shared.floats);
  uses.optionalRefs = shared.tolerant.has(id);
  return uses;
}

/** What one callable read, added to what the whole file needs. */
function mergeUses(shared: Uses, uses: Uses): void {
  shared.pull ||= uses.pull;
  shared.pullMapped ||= uses.pullMapped;
  shared.pullOneOf ||= uses.pullOneOf;
  shared.env ||= uses.env;
  shared.variable ||= uses.variable;
  shared.requiredVariable ||= uses.requiredVariable;
  shared.posixpath ||= uses.posixpath;
  shared.operator ||= uses.operator;
  shared.params ||= uses.params;
}

/** A text Airflow renders before the callable runs: templates_dict is a templated field. */
function renderedText(text: string, uses: Uses): PyCode {
  uses.templates ??= [];
  let index = uses.templates.indexOf(text);
  if (index < 0) index = uses.templates.push(text) - 1;
  return py`templates_dict[${`template_${index + 1}`}]`;
}

/** A task callable's parameters: `ti` and the context entries its body reads. */
function signature(uses: Uses, extra: readonly string[] = []): PyCode {
  const args = [
    "ti",
    ...extra,
    uses.templates?.length ? "templates_dict" : "",
    uses.params ? "params" : "",
    uses.variable ? "var" : "",
    "**_",
  ];
  return new PyCode(args.filter(Boolean).join(", "));
}

/** A Python expression evaluated inside the task callable, at run time. */
function pyValue(value: Value, uses: Uses): PyCode {
  switch (value.kind) {
    case "literal":
      return py`${value.value}`;
    case "list":
      return new PyCode(
        `[${
          joinCode(
            value.items.map((v) => pyValue(v, uses)),
            ", ",
          ).text
        }]`,
      );
    case "object": {
      const parts = Object.entries(value.entries).map(
        ([k, v]) => new PyCode(`${pyString(k)}: ${pyValue(v, uses).text}`),
      );
      return new PyCode(`{${joinCode(parts, ", ").text}}`);
    }
    case "ref": {
      // An output declared float is read back as one (see Uses.floats).
      const asFloat = new PyCode(
        uses.floats.has(`${value.task}\0${value.output}`) ? ", as_float=True" : "",
      );
      if (uses.mapped.has(value.task)) {
        uses.pullMapped = true;
        // The list the task mapped over, when it can be read here: its length places a
        // trailing instance that failed too.
        const over = uses.mapped.get(value.task);
        let list: PyCode | null = null;
        if (over?.kind === "list") list = py`${over.items.length}`;
        else if (over?.kind === "literal" && Array.isArray(over.value)) {
          list = py`${over.value.length}`;
        } else if (over?.kind === "param") {
          uses.params = true;
          list = py`params[${over.name}]`;
        } else if (over?.kind === "ref" && !uses.mapped.has(over.task)) {
          uses.pull = true;
          list = py`_pull(ti, ${over.task}, ${over.output}, required=False)`;
        }
        return list
          ? py`_pull_mapped(ti, ${value.task}, ${value.output}, over=${list}${asFloat})`
          : py`_pull_mapped(ti, ${value.task}, ${value.output}${asFloat})`;
      }
      uses.pull = true;
      return uses.optionalRefs
        ? py`_pull(ti, ${value.task}, ${value.output}, required=False${asFloat})`
        : py`_pull(ti, ${value.task}, ${value.output}${asFloat})`;
    }
    case "oneOf": {
      // The first of the outputs that was pushed: the side of the branch that ran.
      uses.pull = true;
      uses.pullOneOf = true;
      const pairs = value.refs.map((r) => `(${pyString(r.task)}, ${pyString(r.output)})`);
      const first = value.refs[0];
      const asFloat =
        first && uses.floats.has(`${first.task}\0${first.output}`) ? ", as_float=True" : "";
      return new PyCode(`_pull_one_of(ti, [${pairs.join(", ")}]${asFloat})`);
    }
    case "env":
      uses.env = true;
      return value.default === null
        ? py`_env(${value.name})`
        : py`_env(${value.name}, ${value.default})`;
    case "variable":
      // The task context's accessor: read at run time, and Airflow 2 and 3 spell it alike. Its
      // get() without a default gives Airflow 3's NOTSET for a missing variable (and raises on
      // Airflow 2): _var fails the task on both, saying which variable is missing.
      uses.variable = true;
      if (value.default !== null) return py`var["value"].get(${value.name}, ${value.default})`;
      uses.requiredVariable = true;
      return py`_var(var, ${value.name})`;
    case "param":
      uses.params = true;
      // A number param is a float, as Kubeflow passes it, even when the conf gave a whole one.
      if (uses.floats.has(optionalFloatParamKey(value.name))) {
        const read = py`params[${value.name}]`.text;
        return new PyCode(`(None if ${read} is None else float(${read}))`);
      }
      return uses.floats.has(floatParamKey(value.name))
        ? py`float(params[${value.name}])`
        : py`params[${value.name}]`;
    case "template":
      return renderedText(value.text, uses);
    case "join": {
      uses.posixpath = true;
      // A part holding a template is rendered, as it is in a bash env or a sensor's path, where
      // Airflow renders the whole joined text.
      const parts = value.parts.map((p) => (/\{[{%#]/.test(p) ? renderedText(p, uses) : py`${p}`));
      return new PyCode(
        `posixpath.join(${joinCode([pyValue(value.base, uses), ...parts], ", ").text})`,
      );
    }
    default:
      return assertNever(value);
  }
}

/** The plain JSON of a value made only of literals (null for anything computed at run time). */
export function literalJson(value: Value): JsonValue {
  switch (value.kind) {
    case "literal":
      return value.value;
    case "list":
      return value.items.map(literalJson);
    case "object":
      return Object.fromEntries(Object.entries(value.entries).map(([k, v]) => [k, literalJson(v)]));
    default:
      return null;
  }
}

/** A Jinja expression: the variable `name` as a float when it holds a whole number, else as it is. */
const jinjaFloat = (name: string) => `${name} | float if ${name} is integer else ${name}`;

/** Jinja statements setting `name` to the items of the list `list`, each as jinjaFloat. */
const jinjaFloatList = (name: string, list: string) =>
  `{% set ${name} = [] %}{% for value in ${list} %}{% do ${name}.append(${jinjaFloat("value")}) %}{% endfor %}`;

/** A Jinja template string for BashOperator `env`, rendered by Airflow at run time. */
function jinjaValue(value: Value, file: FileContext): string {
  const mapped = file.mapped;
  switch (value.kind) {
    case "literal":
      return typeof value.value === "string" ? value.value : JSON.stringify(value.value);
    case "ref": {
      const key = `${value.task}\0${value.output}`;
      const pull = `ti.xcom_pull(task_ids=${jinjaString(value.task)}, key=${jinjaString(value.output)})`;
      // A list of task ids always pulls a list: every instance of a mapped task, as JSON.
      if (mapped.has(value.task)) {
        const all = `ti.xcom_pull(task_ids=[${jinjaString(value.task)}], key=${jinjaString(value.output)})`;
        // Each whole float as a float (1.0), as Airflow 2 gives it; None stays None (null).
        if (file.floats.has(key)) {
          return `${jinjaFloatList("values", all)}{{ values | tojson }}`;
        }
        return `{{ ${all} | list | tojson }}`;
      }
      // A float as a float (3.0), which Airflow 3 may hand back as the int 3; None stays None.
      if (file.floats.has(key)) {
        return `{% set value = ${pull} %}{{ ${jinjaFloat("value")} }}`;
      }
      // A bool, list or dict as JSON, as the same literal is written (not Python's repr).
      return `{{ ${pull}${file.structured.has(key) ? " | tojson" : ""} }}`;
    }
    case "variable":
      return value.default === null
        ? `{{ var.value[${jinjaString(value.name)}] }}`
        : `{{ var.value.get(${jinjaString(value.name)}, ${jinjaString(value.default)}) }}`;
    case "param":
      // A number param as a float (2.0 when the conf gives 2), as a python task reads it.
      if (file.floats.has(floatParamKey(value.name))) {
        return `{% set value = params[${jinjaString(value.name)}] %}{{ ${jinjaFloat("value")} }}`;
      }
      // A boolean as JSON (true), as a bool output or literal is written, not Python's True.
      return `{{ params[${jinjaString(value.name)}]${file.structured.has(paramKey(value.name)) ? " | tojson" : ""} }}`;
    case "template":
      return value.text;
    case "join": {
      // posixpath.join, as a Python task reads the same value: an absolute part starts the path
      // over, and a slash goes between two parts only when the left one does not end in one.
      const restart = value.parts.findLastIndex((part) => part.startsWith("/"));
      if (restart >= 0) return posixJoin(value.parts.slice(restart));
      if (value.base.kind === "literal" && typeof value.base.value === "string") {
        return posixJoin([value.base.value, ...value.parts]);
      }
      // posixpath.join(base) is the base as it is.
      if (value.parts.length === 0) return jinjaValue(value.base, file);
      // The base is known at run time only: rendered once, then the slash decided on it.
      return `{% set mlgen_base %}${jinjaValue(value.base, file)}{% endset %}{{ mlgen_base }}{{ '' if not mlgen_base or mlgen_base.endswith('/') else '/' }}${posixJoin(value.parts)}`;
    }
    case "list":
    case "object":
      // resolveRefs reports lists and objects that hold anything but literals.
      return JSON.stringify(literalJson(value));
    case "env":
      // resolveRefs reports env() in bash tasks: the worker's environment is inherited.
      return "";
    case "oneOf":
      // checkOneOf reports a oneOf anywhere but a python task's input.
      return "";
    default:
      return assertNever(value);
  }
}

function mlflowRun(m: MlflowTracking, uses: Uses): PyCode {
  const uri = m.trackingUri ? pyValue(m.trackingUri, uses) : new PyCode("None");
  return py`_mlflow_run(ti, experiment=${m.experiment}, tracking_uri=${uri})`;
}

/** Names a task callable reads; the imported user function is aliased when it would shadow one. */
const CALLABLE_NAMES = new Set([
  "ti",
  "item",
  "templates_dict",
  "params",
  "var",
  "inputs",
  "result",
  "posixpath",
  "_pull",
  "_push",
  "_env",
  "_mlflow_run",
]);

/**
 * `returned`: the output a downstream task maps over. Airflow expands only over a task's return
 * value, so the callable also returns that output (it is pushed under its own key as well).
 */
function pythonCallable(
  task: PythonTask,
  name: string,
  shared: Uses,
  returned: string | null,
): CallableView {
  const uses = taskUses(shared, task.id);
  const { fnName, importLine, inputs } = userFunction(task, uses);
  // A mapped instance gets its item through op_kwargs (see `_item` in the template).
  if (task.map)
    inputs.unshift({ key: new PyCode(pyString(task.map.input)), value: new PyCode("item") });
  const outputs = Object.entries(task.outputs);
  const outputSpec = dictCode(
    outputs.map(([k, t]) => `${pyString(k)}: ${pyString(t)}`),
    4,
  );
  const mlflow = task.mlflow ? mlflowRun(task.mlflow, uses) : null;
  mergeUses(shared, uses);

  return {
    name: pyIdent(name),
    signature: signature(uses, task.map ? ["item"] : []),
    templates: uses.templates ?? [],
    doc: new PyCode(
      pyDocstring(
        `Runs ${task.module}:${task.function}${task.map ? ` for one item of the mapped list` : ""}${task.mlflow ? " inside an MLflow run" : ""}.`,
      ),
    ),
    importLine,
    lines: null,
    inputs,
    call: new PyCode(`${fnName}(${inputs.length ? "**inputs" : ""})`),
    mlflow,
    push: !outputs.length
      ? null
      : returned === null
        ? py`_push(ti, ${task.id}, result, ${outputSpec})`
        : py`return _push(ti, ${task.id}, result, ${outputSpec})[${returned}]`,
  };
}

/**
 * A python sensor's check: PythonSensor calls it at every poke and reads what it returns as
 * true or false (a `PokeReturnValue` as it is), so it returns what the user's function does.
 * With outputs, the check pushes them (typed, as a python task's) on the poke that is done and
 * returns True then (`_push_when_done`), False before.
 */
function sensorCallable(
  task: SensorTask,
  fn: Extract<Sensor, { type: "python" }>,
  name: string,
  shared: Uses,
): CallableView {
  const uses = taskUses(shared, task.id);
  const { fnName, importLine, inputs } = userFunction(fn, uses);
  mergeUses(shared, uses);
  const outputs = Object.entries(fn.outputs ?? {});
  const outputSpec = dictCode(
    outputs.map(([k, t]) => `${pyString(k)}: ${pyString(t)}`),
    4,
  );
  const call = `${fnName}(${inputs.length ? "**inputs" : ""})`;
  return {
    name: pyIdent(name),
    signature: signature(uses),
    templates: uses.templates ?? [],
    doc: new PyCode(
      pyDocstring(
        outputs.length
          ? `Checks ${fn.module}:${fn.function}: the sensor is done when it returns true, its outputs pushed then.`
          : `Checks ${fn.module}:${fn.function}: the sensor is done when it returns true.`,
      ),
    ),
    importLine,
    lines: null,
    inputs,
    call: new PyCode(outputs.length ? call : `return ${call}`),
    mlflow: null,
    push: outputs.length ? py`return _push_when_done(ti, ${task.id}, result, ${outputSpec})` : null,
  };
}

/** The import of a task's user function (renamed if it clashes) and its inputs as Python. */
function userFunction(
  fn: { module: string; function: string; inputs: Readonly<Record<string, Value>> },
  uses: Uses,
): { fnName: string; importLine: PyCode; inputs: Kwarg[] } {
  const fnName =
    isPyIdentifier(fn.function) && !CALLABLE_NAMES.has(fn.function) ? fn.function : "user_function";
  const alias = fnName === fn.function ? "" : ` as ${fnName}`;
  return {
    fnName,
    importLine: new PyCode(`from ${moduleName(fn.module)} import ${fn.function}${alias}`),
    inputs: Object.entries(fn.inputs).map(([k, v]) => ({
      key: new PyCode(pyString(k)),
      value: pyValue(v, uses),
    })),
  };
}

const TEMPLATE_EXT = /\.(sh|bash)$/;

/** A templated string Airflow renders as-is, even when it ends in `.sh` (a template path). */
function templatedText(text: string, file: FileContext): PyCode {
  if (!TEMPLATE_EXT.test(text)) return py`${text}`;
  // Airflow would read a templated string ending in .sh/.bash as a template file path.
  if (file.dialect.hasLiteral) return new PyCode(`${file.use("literal").text}(${pyString(text)})`);
  return py`${`{{ ${jinjaString(text)} }}`}`;
}

/**
 * A literal in a field Airflow renders (a mapped task's op_kwargs): a string that holds Jinja
 * is kept verbatim, as a literal input of a task that is not mapped is.
 */
function unrenderedLiteral(v: JsonValue, file: FileContext): string {
  if (typeof v === "string") {
    if (!/\{[{%#]/.test(v)) return pyString(v);
    if (file.dialect.hasLiteral) return `${file.use("literal").text}(${pyString(v)})`;
    return pyString(`{{ ${jinjaString(v)} }}`);
  }
  if (Array.isArray(v)) return `[${v.map((x) => unrenderedLiteral(x, file)).join(", ")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, JsonValue>);
    return `{${entries.map(([k, x]) => `${pyString(k)}: ${unrenderedLiteral(x, file)}`).join(", ")}}`;
  }
  return pyLiteral(v);
}

/** A templated `env` dict: literals as text, computed values as Jinja rendered at run time. */
function envDict(env: Readonly<Record<string, Value>>, file: FileContext): PyCode {
  const entries = Object.entries(env).map(([k, v]) => {
    const text = jinjaValue(v, file);
    // Airflow reads a templated value ending in .sh/.bash as the path of a template file
    // (TemplateNotFound). A literal is written as literal(...); a computed value (a template,
    // a path joined onto a variable) gets an empty Jinja expression after it, which keeps it
    // a value to render, on Airflow 2 and 3.
    const value =
      v.kind === "literal"
        ? templatedText(text, file)
        : TEMPLATE_EXT.test(text)
          ? py`${`${text}{{ '' }}`}`
          : py`${text}`;
    return `${pyString(k)}: ${value.text}`;
  });
  // Relative to the task block: the template indents the whole block.
  return dictCode(entries, 4);
}

function bashKwargs(task: BashTask, file: FileContext): Kwarg[] {
  // BashOperator treats a command ending in .sh/.bash as a template file path; a trailing
  // space is Airflow's documented way to run it as a command instead.
  const command = TEMPLATE_EXT.test(task.command) ? `${task.command} ` : task.command;
  const out = [kw("bash_command", py`${command}`)];
  if (Object.keys(task.env).length) {
    out.push(kw("env", envDict(task.env, file)));
    out.push(kw("append_env", new PyCode("True")));
  }
  return out;
}

const PY_OPS: Readonly<Record<Condition["op"], string>> = {
  "==": "==",
  "!=": "!=",
  ">": ">",
  ">=": ">=",
  "<": "<",
  "<=": "<=",
};

/**
 * The DAG file's docstring: the description's first line when it reads as a plain docstring,
 * else a generic one. The whole description is the DAG's `description=`, exactly; a docstring
 * with escapes in it (a quote, a backslash, a line break written `\n`) is what pydocstyle's
 * D301 (in ruff's preview defaults) flags, and reads badly.
 */
function moduleDocstring(ir: Pipeline): string {
  const first = (ir.description ?? "").split(/\r\n|\r|\n/)[0]?.trim() ?? "";
  const doc = first === "" ? "" : pyDocstring(first);
  return doc.startsWith('"""') ? doc : pyDocstring(`The ${ir.id} pipeline.`);
}

/**
 * A value as a docstring names it: a read by what it reads, a literal as Python writes it (text
 * in single quotes, so the docstring needs no escape for it), a template by its text.
 */
function describeValue(v: Value): string {
  switch (v.kind) {
    case "ref":
      return `${v.task}.${v.output}`;
    case "param":
      return `param ${v.name}`;
    case "variable":
      return `Variable ${v.name}`;
    case "env":
      return `$${v.name}`;
    case "template":
      return `the template ${describeScalar(v.text)}`;
    case "join":
      return [describeValue(v.base), ...v.parts.map(describeScalar)].join(" / ");
    case "oneOf":
      return `oneOf(${v.refs.map((r) => `${r.task}.${r.output}`).join(", ")})`;
    case "literal":
      return describeScalar(v.value);
    default:
      return "the value";
  }
}

/** A scalar as Python's repr() writes it, near enough for a docstring. */
function describeScalar(s: Scalar): string {
  if (typeof s === "string") return s.includes("'") ? JSON.stringify(s) : `'${s}'`;
  if (typeof s === "boolean") return s ? "True" : "False";
  return s === null ? "None" : String(s);
}

/** A callable whose body is given as lines (branches, validation, callbacks). */
function bodyCallable(c: {
  name: PyCode;
  signature: PyCode;
  templates: readonly string[];
  doc: string;
  importLine: PyCode | null;
  lines: readonly PyCode[];
}): CallableView {
  return {
    ...c,
    doc: new PyCode(pyDocstring(c.doc)),
    inputs: [],
    call: new PyCode(""),
    mlflow: null,
    push: null,
  };
}

/**
 * How a branch or short-circuit decides: `branch` returns the ids to follow; `gate` returns
 * whether the tasks right after it run (a branch with one side: `only` names them, `negated`
 * when they are the side taken when the condition is false); `short_circuit` whether anything
 * after it runs.
 */
type Decision =
  | {
      readonly kind: "branch";
      readonly thenIds: readonly string[];
      readonly elseIds: readonly string[];
    }
  | { readonly kind: "gate"; readonly only: readonly string[]; readonly negated: boolean }
  | { readonly kind: "short_circuit" };

/** The callable of a branch or short-circuit: reads the value, compares, decides. */
function conditionCallable(
  task: Extract<Task, { kind: "branch" | "short_circuit" }>,
  name: string,
  decision: Decision,
  shared: Uses,
): CallableView {
  const uses = taskUses(shared, task.id);
  const c = task.condition;
  const left = pyValue(c.left, uses);
  // A right side read when the task runs (a param, another output): `other`, read after `value`.
  const read = rightValue(c);
  const right = read ? pyValue(read, uses) : null;
  const literal = read ? null : (c.right as Scalar);
  // Equality with True, False or None as == has it (1 and numpy's True equal True; `is` would
  // not), written operator.eq: `value == True` is what pycodestyle's E711/E712 flag, and a
  // `# noqa` for them is what ruff's RUF100 flags where those rules are off (its defaults).
  const singleton =
    !read &&
    (literal === true || literal === false || literal === null) &&
    (c.op === "==" || c.op === "!=");
  uses.operator = singleton;
  mergeUses(shared, uses);
  const other = right ? "other" : py`${literal}`.text;
  const test = singleton
    ? new PyCode(`operator.${c.op === "==" ? "eq" : "ne"}(value, ${other})`)
    : new PyCode(`value ${PY_OPS[c.op]} ${other}`);
  const shown = `${describeValue(c.left)} ${c.op} ${read ? describeValue(read) : describeScalar(literal ?? null)}`;
  const value = [
    new PyCode(`value = ${left.text}`),
    ...(right ? [new PyCode(`other = ${right.text}`)] : []),
  ];
  let lines: PyCode[];
  let doc: string;
  switch (decision.kind) {
    case "branch":
      lines = [
        ...value,
        new PyCode(`if ${test.text}:`),
        new PyCode(`    return ${py`${[...decision.thenIds]}`.text}`),
        new PyCode(`return ${py`${[...decision.elseIds]}`.text}`),
      ];
      doc = `Follows ${decision.thenIds.join(", ") || "nothing"} when ${shown}, else ${decision.elseIds.join(", ") || "nothing"}.`;
      break;
    case "gate":
      lines = [
        ...value,
        new PyCode(`return ${decision.negated ? `not (${test.text})` : test.text}`),
      ];
      doc = `Goes on to ${decision.only.join(", ")} when ${decision.negated ? "not " : ""}${shown}; otherwise skips them (the tasks after them follow their trigger rules).`;
      break;
    case "short_circuit":
      lines = [...value, new PyCode(`return ${test.text}`)];
      doc = `Goes on only when ${shown}; otherwise skips everything downstream.`;
      break;
  }
  return bodyCallable({
    name: pyIdent(name),
    signature: signature(uses),
    templates: uses.templates ?? [],
    doc,
    importLine: null,
    lines,
  });
}

/** The callable of a validate task: reads the path and runs the checks in `_validate_table`. */
function validateCallable(task: ValidateTask, name: string, shared: Uses): CallableView {
  const uses = taskUses(shared, task.id);
  const data = pyValue(task.data, uses);
  mergeUses(shared, uses);
  const args: string[] = [data.text];
  if (task.requiredColumns.length)
    args.push(`required_columns=${py`${task.requiredColumns}`.text}`);
  if (task.minRows !== null) args.push(`min_rows=${task.minRows}`);
  if (Object.keys(task.maxNullFraction).length) {
    args.push(`max_null_fraction=${pyLiteralDict(task.maxNullFraction)}`);
  }
  if (task.target !== null) args.push(`target=${pyString(task.target)}`);
  if (Object.keys(task.dtypes).length) args.push(`dtypes=${pyLiteralDict(task.dtypes)}`);
  // A template's text is long and says little more than "the table".
  const what = task.data.kind === "template" ? "the table" : describeValue(task.data);
  return bodyCallable({
    name: pyIdent(name),
    signature: signature(uses),
    templates: uses.templates ?? [],
    doc: `Checks ${what === "the value" ? "the table" : what}; fails listing every violated check.`,
    importLine: null,
    lines: [
      new PyCode("_validate_table("),
      ...args.map((a) => new PyCode(`    ${a},`)),
      new PyCode(")"),
    ],
  });
}

function pyLiteralDict(entries: Readonly<Record<string, string | number>>): string {
  return `{${Object.entries(entries)
    .map(([k, v]) => `${pyString(k)}: ${py`${v}`.text}`)
    .join(", ")}}`;
}

/** The operator class of each kind of sensor. */
const SENSOR_CLASSES = {
  file: "FileSensor",
  external_task: "ExternalTaskSensor",
  time_delta: "TimeDeltaSensor",
  python: "PythonSensor",
} as const satisfies Record<Sensor["type"], AirflowName>;

function sensorKwargs(task: SensorTask, file: FileContext): { operator: PyCode; kwargs: Kwarg[] } {
  const out: Kwarg[] = [];
  const s = task.sensor;
  const operator = file.use(SENSOR_CLASSES[s.type]);
  switch (s.type) {
    case "file":
      out.push(
        kw(
          "filepath",
          s.path.kind === "literal"
            ? templatedText(jinjaValue(s.path, file), file)
            : py`${jinjaValue(s.path, file)}`,
        ),
      );
      if (s.connId !== null) out.push(kw("fs_conn_id", py`${s.connId}`));
      if (s.recursive) out.push(kw("recursive", new PyCode("True")));
      break;
    case "external_task":
      out.push(kw("external_dag_id", py`${s.dag}`));
      out.push(kw("external_task_id", s.task === null ? new PyCode("None") : py`${s.task}`));
      if (s.executionDelta !== null) out.push(kw("execution_delta", timedelta(s.executionDelta)));
      if (s.allowedStates !== null) out.push(kw("allowed_states", py`${s.allowedStates}`));
      if (s.failedStates !== null) out.push(kw("failed_states", py`${s.failedStates}`));
      break;
    case "time_delta":
      out.push(kw("delta", timedelta(s.delta)));
      break;
    case "python":
      // python_callable is the task's callable (sensorCallable), passed before these.
      break;
    default:
      return assertNever(s);
  }
  out.push(kw("mode", py`${task.mode}`));
  if (task.pokeInterval !== null) out.push(kw("poke_interval", timedelta(task.pokeInterval)));
  if (task.timeout !== null) out.push(kw("timeout", timedelta(task.timeout)));
  if (task.deferrable) out.push(kw("deferrable", new PyCode("True")));
  if (task.softFail) out.push(kw("soft_fail", new PyCode("True")));
  return { operator, kwargs: out };
}

/**
 * A trigger task's conf as one template that Airflow renders to JSON and the operator reads back
 * (it json.loads a conf given as text): every value keeps its type. A dict of templates would
 * render each value to text, and Airflow 3 refuses text for a number param when it starts the
 * run. Computed text (a template, a path) is rendered first, into a variable of its own.
 */
function confTemplate(conf: Readonly<Record<string, Value>>, file: FileContext): string[] {
  const sets: string[] = [];
  // A float as a float (3.0), which Airflow 3 may hand back as the int 3; None stays None.
  const asFloat = (read: string): string => {
    const name = `mlgen_value_${sets.length + 1}`;
    sets.push(`{% set ${name} = ${read} %}`);
    return `(${jinjaFloat(name)})`;
  };
  const expr = (v: Value): string => {
    switch (v.kind) {
      case "literal":
        if (typeof v.value === "string") return jinjaString(v.value);
        // A number, true or false, as Jinja writes them too.
        return v.value === null ? "none" : String(v.value);
      case "list":
        return `[${v.items.map(expr).join(", ")}]`;
      case "object":
        // A space before each closing brace: `}}` would end the expression.
        return `{ ${Object.entries(v.entries)
          .map(([k, x]) => `${jinjaString(k)}: ${expr(x)}`)
          .join(", ")} }`;
      case "ref": {
        const float = file.floats.has(`${v.task}\0${v.output}`);
        if (file.mapped.has(v.task)) {
          // A mapped task's output: the list of every instance's (Airflow 3 gives [None] when
          // none pushed one: a task skipped, or mapped over an empty list).
          const all = `(ti.xcom_pull(task_ids=[${jinjaString(v.task)}], key=${jinjaString(v.output)}) | reject('none') | list)`;
          if (!float) return all;
          const name = `mlgen_values_${sets.length + 1}`;
          sets.push(jinjaFloatList(name, all));
          return name;
        }
        const pull = `ti.xcom_pull(task_ids=${jinjaString(v.task)}, key=${jinjaString(v.output)})`;
        return float ? asFloat(pull) : pull;
      }
      case "param": {
        const read = `params[${jinjaString(v.name)}]`;
        return file.floats.has(floatParamKey(v.name)) ? asFloat(read) : read;
      }
      case "variable":
        return v.default === null
          ? `var.value[${jinjaString(v.name)}]`
          : `var.value.get(${jinjaString(v.name)}, ${jinjaString(v.default)})`;
      case "template":
      case "join": {
        const name = `mlgen_text_${sets.length + 1}`;
        sets.push(`{% set ${name} %}${jinjaValue(v, file)}{% endset %}`);
        return name;
      }
      case "env":
      case "oneOf":
        // resolveRefs reports env() in a trigger's conf; checkOneOf a oneOf anywhere but a
        // python task's input.
        return "none";
      default:
        return assertNever(v);
    }
  };
  const entries = Object.entries(conf).map(([k, v]) => `${jinjaString(k)}: ${expr(v)}`);
  // Pieces of one string: written one per line when the whole does not fit on one.
  return [
    ...sets,
    "{{ {",
    ...entries.map((e, i) => ` ${e}${i < entries.length - 1 ? "," : ""}`),
    " } | tojson }}",
  ];
}

/** One string written as the pieces it is made of, one per line, when it does not fit on one. */
function piecesCode(pieces: readonly string[], indent: number): PyCode {
  const whole = pyString(pieces.join(""));
  if (indent + whole.length <= 88) return new PyCode(whole);
  const pad = " ".repeat(indent + 4);
  return new PyCode(
    `(\n${pieces.map((p) => `${pad}${pyString(p)}\n`).join("")}${" ".repeat(indent)})`,
  );
}

function triggerKwargs(task: TriggerTask, file: FileContext): Kwarg[] {
  const out = [kw("trigger_dag_id", py`${task.dag}`)];
  const conf = Object.values(task.conf);
  if (conf.length) {
    // Literals only: the dict as written (a string holding Jinja kept verbatim, as a literal
    // input is); anything computed: the whole conf rendered as JSON.
    if (conf.every((v) => literalOnly(v))) {
      const dict = literalJson({ kind: "object", entries: task.conf });
      out.push(kw("conf", new PyCode(unrenderedLiteral(dict, file))));
    } else {
      out.push(kw("conf", piecesCode(confTemplate(task.conf, file), 4)));
      // The operator reads a conf given as text back itself only since
      // apache-airflow-providers-standard 1.9.2: _json_conf does it for any version.
      out.push(kw("pre_execute", new PyCode("_json_conf")));
    }
  }
  if (task.runId !== null) out.push(kw("trigger_run_id", templatedText(task.runId, file)));
  if (task.resetRun) out.push(kw("reset_dag_run", new PyCode("True")));
  if (task.skipWhenExists) out.push(kw("skip_when_already_exists", new PyCode("True")));
  if (task.failWhenPaused) out.push(kw("fail_when_dag_is_paused", new PyCode("True")));
  if (task.logicalDate !== null) {
    out.push(kw("logical_date", templatedText(task.logicalDate, file)));
  }
  const wait = task.wait;
  if (wait !== null) {
    out.push(kw("wait_for_completion", new PyCode("True")));
    // Seconds, as a number: the operator sleeps for it (a timedelta fails there).
    if (wait.pokeInterval !== null) out.push(kw("poke_interval", py`${wait.pokeInterval}`));
    if (wait.allowedStates !== null) out.push(kw("allowed_states", py`${wait.allowedStates}`));
    if (wait.failedStates !== null) out.push(kw("failed_states", py`${wait.failedStates}`));
    if (wait.deferrable) out.push(kw("deferrable", new PyCode("True")));
  }
  return out;
}

function containerKwargs(task: ContainerTask, file: FileContext): Kwarg[] {
  const out: Kwarg[] = [kw("image", py`${task.image}`)];
  if (task.namespace !== null) out.push(kw("namespace", py`${task.namespace}`));
  if (task.command !== null) out.push(kw("cmds", py`${task.command}`));
  if (task.args.length) out.push(kw("arguments", py`${task.args}`));
  if (Object.keys(task.env).length) out.push(kw("env_vars", envDict(task.env, file)));
  const r = task.resources;
  const requests: string[] = [];
  const limits: string[] = [];
  if (r.cpuRequest !== null) requests.push(`"cpu": ${pyString(r.cpuRequest)}`);
  if (r.memoryRequest !== null) requests.push(`"memory": ${pyString(r.memoryRequest)}`);
  if (r.cpuLimit !== null) limits.push(`"cpu": ${pyString(r.cpuLimit)}`);
  if (r.memoryLimit !== null) limits.push(`"memory": ${pyString(r.memoryLimit)}`);
  if (r.gpuLimit !== null || r.accelerator !== undefined) {
    // An accelerator named alone is one, as on Kubeflow (kfp's set_accelerator_type).
    const accelerator = r.accelerator ?? "nvidia.com/gpu";
    limits.push(`${pyString(accelerator)}: ${pyString(String(r.gpuLimit ?? 1))}`);
  }
  if (requests.length || limits.length) {
    const parts: string[] = [];
    if (requests.length) parts.push(`requests={${requests.join(", ")}}`);
    if (limits.length) parts.push(`limits={${limits.join(", ")}}`);
    out.push(
      kw(
        "container_resources",
        new PyCode(`${file.use("k8s").text}.V1ResourceRequirements(${parts.join(", ")})`),
      ),
    );
  }
  if (task.imagePullSecrets?.length) {
    const ref = `${file.use("k8s").text}.V1LocalObjectReference`;
    out.push(
      kw(
        "image_pull_secrets",
        new PyCode(
          `[${task.imagePullSecrets.map((n) => `${ref}(name=${pyString(n)})`).join(", ")}]`,
        ),
      ),
    );
  }
  out.push(...podPlacementKwargs(task, file));
  // The pod's logs become the task's; the pod is deleted when the task ends.
  out.push(kw("get_logs", new PyCode("True")));
  out.push(kw("on_finish_action", py`${"delete_pod"}`));
  return out;
}

/**
 * The arguments of an operator named by its import path, as written: a literal as its Python
 * literal (Airflow renders Jinja in it where the operator templates that argument), a template
 * as its text, and a computed value (a param, an output, a variable) as a template, checked
 * when the file is parsed to be one the operator renders (`_rendered`): else it would get the
 * template's text.
 */
function operatorKwargs(
  task: OperatorTask,
  operator: PyCode,
  file: FileContext,
): { kwargs: Kwarg[]; rendered: boolean } {
  let rendered = false;
  // A keyword argument may be a soft keyword (`type=`, `match=`), which no variable may be.
  const arg = (name: string, value: PyCode): Kwarg => ({ key: new PyCode(name), value });
  const kwargs = Object.entries(task.args).map(([name, v]) => {
    const text = writtenArg(v);
    if (text !== null) return arg(name, new PyCode(text));
    rendered = true;
    return arg(name, py`_rendered(${operator}, ${name}, ${jinjaValue(v, file)})`);
  });
  return { kwargs, rendered };
}

/** An argument as written, a template as its text (in lists and dicts too); null if computed. */
function writtenArg(v: Value): string | null {
  switch (v.kind) {
    case "literal":
      return pyLiteral(v.value);
    case "template":
      return pyString(v.text);
    case "list": {
      const items = v.items.map(writtenArg);
      return items.includes(null) ? null : `[${items.join(", ")}]`;
    }
    case "object": {
      const entries = Object.entries(v.entries).map(([k, x]) => [k, writtenArg(x)] as const);
      return entries.some(([, x]) => x === null)
        ? null
        : `{${entries.map(([k, x]) => `${pyString(k)}: ${x}`).join(", ")}}`;
    }
    default:
      return null;
  }
}

/**
 * Where a container task's pod runs and what it mounts, as KubernetesPodOperator takes them:
 * a claim's volume is named after the claim (as KFP names it), shared memory is a memory-backed
 * emptyDir named `shm`, and the volumes come in the order the Kubeflow target writes them.
 */
function podPlacementKwargs(task: ContainerTask, file: FileContext): Kwarg[] {
  const out: Kwarg[] = [];
  const k8s = () => file.use("k8s").text;
  const call = (name: string, args: readonly (string | null)[]) =>
    `${k8s()}.${name}(${args.filter((a) => a !== null).join(", ")})`;
  if (task.nodeSelector && Object.keys(task.nodeSelector).length > 0) {
    out.push(kw("node_selector", new PyCode(pyLiteral({ ...task.nodeSelector }))));
  }
  if (task.tolerations?.length) {
    const items = task.tolerations.map((t) =>
      call("V1Toleration", [
        t.key !== null ? `key=${pyString(t.key)}` : null,
        t.operator !== null ? `operator=${pyString(t.operator)}` : null,
        t.value !== null ? `value=${pyString(t.value)}` : null,
        t.effect !== null ? `effect=${pyString(t.effect)}` : null,
        t.tolerationSeconds !== null ? `toleration_seconds=${t.tolerationSeconds}` : null,
      ]),
    );
    out.push(kw("tolerations", listCode(items, 4)));
  }
  const volumes: string[] = [];
  const mounts: string[] = [];
  const emptyDir = (name: string, path: string, medium: string | null, size: string | null) => {
    volumes.push(
      call("V1Volume", [
        `name=${pyString(name)}`,
        `empty_dir=${call("V1EmptyDirVolumeSource", [
          medium !== null ? `medium=${pyString(medium)}` : null,
          size !== null ? `size_limit=${pyString(size)}` : null,
        ])}`,
      ]),
    );
    mounts.push(call("V1VolumeMount", [`name=${pyString(name)}`, `mount_path=${pyString(path)}`]));
  };
  if (task.shm !== undefined)
    emptyDir("shm", "/dev/shm", "Memory", task.shm === true ? null : task.shm);
  for (const v of task.pvcs ?? []) {
    volumes.push(
      call("V1Volume", [
        `name=${pyString(v.name)}`,
        `persistent_volume_claim=${call("V1PersistentVolumeClaimVolumeSource", [`claim_name=${pyString(v.name)}`])}`,
      ]),
    );
    mounts.push(
      call("V1VolumeMount", [`name=${pyString(v.name)}`, `mount_path=${pyString(v.mountPath)}`]),
    );
  }
  for (const v of task.emptyDirs ?? []) emptyDir(v.name, v.mountPath, v.medium, v.sizeLimit);
  if (volumes.length > 0) {
    // Relative to the task block: the template indents the whole block.
    out.push(kw("volumes", listCode(volumes, 4)));
    out.push(kw("volume_mounts", listCode(mounts, 4)));
  }
  if (task.serviceAccountName !== undefined) {
    out.push(kw("service_account_name", py`${task.serviceAccountName}`));
  }
  return out;
}

/**
 * A cron schedule as the timetable it means on every Airflow version: a run at each cron time,
 * whose logical date is that time. A plain cron string means that on Airflow 3, but a data
 * interval ending at the cron time (its logical date one interval earlier) on Airflow 2, and on
 * either when `[scheduler] create_cron_data_intervals` says so. The cron is read in the
 * pipeline's time zone, or else the start date's, as Airflow reads a plain string in the DAG's:
 * UTC unless it has an offset.
 */
function cronTimetable(cron: string, ir: Pipeline, file: FileContext): PyCode {
  const offset = ir.startDate === null ? null : /[+-]\d{2}:\d{2}$/.exec(ir.startDate.slice(10));
  const zone =
    ir.timezone !== null
      ? py`${ir.timezone}`
      : offset === null || /^[+-]00:00$/.test(offset[0])
        ? new PyCode('"UTC"')
        : new PyCode(`${startDate(ir.startDate as string).text}.tzinfo`);
  const timetable = ir.dataIntervals ? "CronDataIntervalTimetable" : "CronTriggerTimetable";
  return new PyCode(`${file.use(timetable).text}(${pyString(cron)}, timezone=${zone.text})`);
}

function scheduleCode(ir: Pipeline, file: FileContext): PyCode {
  const s = ir.schedule;
  switch (s.kind) {
    case "none":
      return new PyCode("None");
    case "preset":
      // @once and @continuous are timetables of their own; the others are cron expressions.
      if (s.preset === "@once" || s.preset === "@continuous") return py`${s.preset}`;
      return cronTimetable(s.preset, ir, file);
    case "cron":
      return cronTimetable(s.expression, ir, file);
    case "assets": {
      const asset = file.use("Asset").text;
      const assets = `[${s.uris.map((u) => `${asset}(${pyString(u)})`).join(", ")}]`;
      if (s.time === null) return new PyCode(assets);
      const cron = s.time.kind === "cron" ? s.time.expression : s.time.preset;
      return new PyCode(
        `${file.use("AssetOrTimeSchedule").text}(\n        timetable=${cronTimetable(cron, ir, file).text},\n        ${file.dialect.assetsKeyword}=${assets},\n    )`,
      );
    }
    default:
      return assertNever(s);
  }
}

/**
 * Import lines for the Airflow (and Kubernetes) names a file uses, as ruff's import sorting
 * (isort's defaults, in ruff's default rules) writes them: one statement per module, modules in
 * order, names constants first (`DAG`), then classes, then the rest, and a statement longer
 * than 88 characters one name per line in parentheses.
 */
function airflowImports(file: FileContext): PyCode[] {
  const byModule = new Map<string, string[]>();
  for (const name of file.names) {
    const sym = file.dialect.symbols[name];
    const text = name === "k8s" ? `${sym.name ?? name} as k8s` : (sym.name ?? name);
    byModule.set(sym.module, [...(byModule.get(sym.module) ?? []), text]);
  }
  // An aliased class has a statement of its own, after its module's others (isort's
  // combine-as-imports is off).
  const aliased: { module: string; text: string }[] = [];
  for (const e of file.externals.values()) {
    if (e.alias !== e.name) {
      aliased.push({ module: e.module, text: `${e.name} as ${e.alias}` });
    } else if (!(byModule.get(e.module) ?? []).includes(e.name)) {
      byModule.set(e.module, [...(byModule.get(e.module) ?? []), e.name]);
    }
  }
  const modules = [...new Set([...byModule.keys(), ...aliased.map((a) => a.module)])];
  return modules.sort(byIsort).flatMap((m) => {
    const names = (byModule.get(m) ?? []).sort(byNameType);
    const lines = names.length ? [`from ${m} import ${names.join(", ")}`] : [];
    for (const a of aliased.filter((x) => x.module === m).sort((x, y) => byIsort(x.text, y.text))) {
      lines.push(`from ${m} import ${a.text}`);
    }
    return lines.map(
      (line) =>
        new PyCode(
          line.length <= 88
            ? line
            : `from ${m} import (\n${line
                .slice(`from ${m} import `.length)
                .split(", ")
                .map((n) => `    ${n},\n`)
                .join("")})`,
        ),
    );
  });
}

/** isort's module order: case-insensitive, then as written. */
function byIsort(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** isort's `order-by-type`: CONSTANTS, then Classes, then the rest, each in isort's order. */
function byNameType(a: string, b: string): number {
  const kind = (n: string) => {
    const name = n.split(" as ")[0] ?? n;
    if (name.length > 1 && name === name.toUpperCase()) return 0;
    return /^[A-Z]/.test(name) ? 1 : 2;
  };
  return kind(a) - kind(b) || byIsort(a, b);
}

/** A task, or a TaskGroup with what it holds, in the order the pipeline lists them. */
type Placed =
  | { readonly kind: "task"; readonly id: string; readonly views: readonly TaskView[] }
  | { readonly kind: "group"; readonly id: string; readonly items: Placed[] };

/**
 * The tasks nested into their TaskGroup blocks. A block is written where its first task is
 * listed, unless one of its tasks reads a task that comes later outside it when it is defined (a
 * mapped task's `producer.output`; every other link is an edge, written after all tasks): the
 * block then comes after that task, as one would write it by hand. Where no order of whole
 * blocks works (the group's first task feeds a task outside it that feeds the group's mapped
 * task), the group is entered again later with `with <group>:`, which both Airflows allow.
 */
function nestTasks(
  ir: Pipeline,
  tasks: readonly TaskView[],
  /** Helper tasks written right before a task: a join's empty task, a param's list task. */
  leading: ReadonlyMap<string, readonly TaskView[]>,
  file: FileContext,
  namer: Namer,
): { body: NodeView[]; groupArgs: PyCode[] } {
  const root: Placed[] = [];
  const groupItems = new Map<string, Placed[]>();
  const itemsOf = (gid: string | null): Placed[] => {
    if (gid === null) return root;
    const existing = groupItems.get(gid);
    if (existing) return existing;
    const items: Placed[] = [];
    groupItems.set(gid, items);
    itemsOf(ir.groups[gid]?.parent ?? null).push({ kind: "group", id: gid, items });
    return items;
  };
  /** The task a mapped task reads when it is defined. */
  const reads = new Map<string, string>();
  ir.tasks.forEach((task, i) => {
    const view = tasks[i] as TaskView;
    itemsOf(task.group).push({
      kind: "task",
      id: task.id,
      views: [...(leading.get(task.id) ?? []), view],
    });
    if (task.kind === "python" && task.map?.over.kind === "ref")
      reads.set(task.id, task.map.over.task);
  });

  const defined = new Set<string>();
  /** Every task the item reads from outside it is defined. */
  const ready = (item: Placed, within = item.kind === "group" ? `${item.id}.` : null): boolean =>
    item.kind === "task"
      ? !reads.has(item.id) ||
        defined.has(reads.get(item.id) as string) ||
        (within !== null && (reads.get(item.id) as string).startsWith(within))
      : item.items.every((inner) => ready(inner, within));
  const someReady = (item: Placed): boolean =>
    item.kind === "task" ? ready(item) : item.items.some(someReady);

  /** A TaskGroup block: the group's first, or one entering it again. */
  interface Block {
    readonly gid: string;
    readonly again: boolean;
    readonly body: (TaskView | Block)[];
  }
  const blocks: (TaskView | Block)[] = [];
  const opened = new Set<string>();
  const reopened = new Set<string>();
  const open = (gid: string, into: (TaskView | Block)[]): (TaskView | Block)[] => {
    const again = opened.has(gid);
    if (again) reopened.add(gid);
    opened.add(gid);
    const block: Block = { gid, again, body: [] };
    into.push(block);
    return block.body;
  };
  /** The item's first task, in the pipeline's order, can be written (its groups opened). */
  const canStart = (item: Placed): boolean =>
    item.kind === "task" ? ready(item) : item.items.length > 0 && canStart(item.items[0] as Placed);
  /**
   * Writes items, each once what it reads is defined: "all" of them; the leading ones that can
   * be, in order ("prefix", the first part of a group entered again later); or "any" that can be.
   * An item that is not ready is started (its leading part written) before any is taken apart.
   */
  const drain = (
    items: Placed[],
    into: (TaskView | Block)[],
    mode: "all" | "prefix" | "any",
  ): void => {
    while (items.length > 0) {
      const find = (test: (item: Placed) => boolean) =>
        mode === "prefix" ? (test(items[0] as Placed) ? 0 : -1) : items.findIndex(test);
      let inner: "all" | "prefix" | "any" = "all";
      let i = find((item) => ready(item));
      if (i < 0) [inner, i] = ["prefix", find(canStart)];
      if (i < 0 && mode !== "prefix") [inner, i] = ["any", items.findIndex(someReady)];
      if (i < 0) {
        if (mode === "all") throw new Error("internal: no order defines the pipeline's tasks");
        return;
      }
      const item = items[i] as Placed;
      if (item.kind === "task") {
        into.push(...item.views);
        defined.add(item.id);
      } else {
        drain(item.items, open(item.id, into), inner);
      }
      if (item.kind === "task" || item.items.length === 0) items.splice(i, 1);
      // What follows a group left unfinished comes after the rest of it.
      else if (mode === "prefix") return;
    }
  };
  drain(root, blocks, "all");
  /** Group variables: only for groups entered again. */
  const names = new Map([...reopened].map((gid) => [gid, namer.fresh(localGroupId(ir, gid))]));
  const args = new Map([...opened].map((gid) => [gid, groupArgs(ir, gid, file)]));
  const taskGroup = opened.size ? file.use("TaskGroup").text : "";
  const view = (entries: readonly (TaskView | Block)[]): NodeView[] =>
    entries.map((entry) => {
      if (!("gid" in entry)) return { task: entry, group: null };
      const heads: string[] = [];
      let block = entry;
      for (;;) {
        const name = names.get(block.gid);
        heads.push(
          block.again
            ? (name as string)
            : `${taskGroup}(${(args.get(block.gid) as PyCode).text})${name ? ` as ${name}` : ""}`,
        );
        const only = block.body.length === 1 ? block.body[0] : undefined;
        if (only === undefined || !("gid" in only)) break;
        block = only;
      }
      return { task: null, group: { head: new PyCode(heads.join(", ")), body: view(block.body) } };
    });
  return { body: view(blocks), groupArgs: [...args.values()] };
}

/** A group's id inside its parent group. */
function localGroupId(ir: Pipeline, gid: string): string {
  const parent = ir.groups[gid]?.parent;
  return parent ? gid.slice(parent.length + 1) : gid;
}

/** `"features", tooltip="...", default_args={...}`: a TaskGroup's arguments. */
function groupArgs(ir: Pipeline, gid: string, file: FileContext): PyCode {
  const g = ir.groups[gid];
  const args: PyCode[] = [py`${localGroupId(ir, gid)}`];
  if (g?.tooltip) args.push(py`tooltip=${g.tooltip}`);
  const own = optionKwargs(g?.options ?? EMPTY_TASK_OPTIONS, file);
  if (own.length) {
    args.push(
      new PyCode(
        `default_args=${
          dictCode(
            own.map((k) => `${pyString(k.key.text)}: ${k.value.text}`),
            0,
          ).text
        }`,
      ),
    );
  }
  return joinCode(args, ", ");
}

/** Airflow's longest task id (its full id, group prefix included). */
const MAX_TASK_ID = 250;

/**
 * Ids for the helper tasks written next to a task (`<task>_items`, `<task>_join`, in its
 * group): none taken by a task or a group (Airflow refuses a DAG where one id names both),
 * and none over Airflow's length limit (the task's own part is shortened to fit).
 */
function helperIds(ir: Pipeline): (task: Task, suffix: string) => string {
  const taken = new Set([...ir.tasks.map((t) => t.id), ...Object.keys(ir.groups)]);
  return (task, suffix) => {
    const prefix = task.group === null ? "" : `${task.group}.`;
    const local = task.id.slice(prefix.length);
    for (let i = 1; ; i++) {
      const tail = i === 1 ? suffix : `${suffix}_${i}`;
      const base = local.slice(0, Math.max(MAX_TASK_ID - prefix.length - tail.length - 1, 0));
      const id = `${prefix}${base === "" ? "" : `${base}_`}${tail}`;
      if (!taken.has(id)) {
        taken.add(id);
        return id;
      }
    }
  };
}

/**
 * The DAG's tasks as Airflow holds them, in the order the file defines them (`body`): each
 * pipeline task, with the tasks the target adds before one (a join's empty task, the task
 * returning a param's list), their upstream tasks as the file's edges draw them.
 */
function dagShape(
  ir: Pipeline,
  body: readonly NodeView[],
  added: {
    readonly skipping: ReadonlyMap<string, Pick<AirflowTaskShape, "skips" | "returns">>;
    readonly joinIds: ReadonlyMap<string, string>;
    readonly listIds: ReadonlyMap<string, string>;
    /** The output a task returns, as what a mapped task maps over (pythonCallable). */
    readonly mappedOver: ReadonlyMap<string, string>;
    /** The file reads mapped outputs (_pull_mapped): _push then pushes the map index too. */
    readonly pullMapped: boolean;
  },
): AirflowTaskShape[] {
  const byId = new Map<string, AirflowTaskShape>();
  for (const task of ir.tasks) {
    const o = effectiveOptions(ir, task);
    const inherited = resolveOptions(ir, task.group, EMPTY_TASK_OPTIONS);
    let upstream = [...task.upstream];
    const base = (options: TaskOptions) => ({
      retries: options.retries ?? 0,
      // Airflow's default retry_delay: 300 s.
      retryDelaySeconds: options.retryDelay ?? 300,
      pool: options.pool ?? "default_pool",
      poolSlots: options.poolSlots ?? 1,
      maxActiveTisPerDag: options.maxActiveTisPerDag,
      maxActiveTisPerDagrun: options.maxActiveTisPerDagrun,
    });
    const helper = {
      ...base(inherited),
      expand: null,
      skips: null,
      returns: null,
      sensor: null,
      outputs: {},
      pushesMapIndex: false,
      returnsOutput: null,
      returnsParam: null,
      setupTeardown: null,
    };
    const joinId = added.joinIds.get(task.id);
    if (joinId !== undefined && task.joined !== undefined) {
      const joined = task.joined;
      byId.set(joinId, {
        ...helper,
        taskId: joinId,
        source: { kind: "join", of: task.id },
        operator: "EmptyOperator",
        upstream: [...joined].sort(),
        triggerRule: "none_failed_min_one_success",
      });
      upstream = [...upstream.filter((u) => !joined.includes(u)), joinId];
    }
    const listId = added.listIds.get(task.id);
    const over = task.kind === "python" ? (task.map?.over ?? null) : null;
    if (listId !== undefined && over?.kind === "param") {
      byId.set(listId, {
        ...helper,
        taskId: listId,
        source: { kind: "items", of: task.id },
        operator: "PythonOperator",
        upstream: [...upstream].sort(),
        triggerRule: o.triggerRule ?? "all_success",
        returnsParam: over.name,
      });
      upstream = [...upstream, listId];
    }

    byId.set(task.id, {
      taskId: task.id,
      source: { kind: "task" },
      operator: operatorClass(task, added.skipping.get(task.id)?.skips ?? null),
      upstream: [...upstream].sort(),
      triggerRule:
        task.setupTeardown === "teardown"
          ? "all_done_setup_success"
          : (o.triggerRule ?? "all_success"),
      ...base(o),
      expand:
        over === null
          ? null
          : over.kind === "ref"
            ? { task: over.task }
            : over.kind === "param"
              ? { task: listId as string }
              : over.kind === "list"
                ? over.items.length
                : 0,
      skips: added.skipping.get(task.id)?.skips ?? null,
      returns: added.skipping.get(task.id)?.returns ?? null,
      sensor:
        task.kind === "sensor"
          ? {
              mode: task.mode,
              pokeIntervalSeconds: task.pokeInterval ?? 60,
              timeoutSeconds: task.timeout ?? SENSOR_DEFAULT_TIMEOUT,
              softFail: task.softFail,
            }
          : null,
      outputs: taskOutputs(task),
      pushesMapIndex:
        added.pullMapped &&
        task.kind === "python" &&
        task.map !== null &&
        Object.keys(task.outputs).length > 0,
      returnsOutput: added.mappedOver.get(task.id) ?? null,
      returnsParam: null,
      setupTeardown: task.setupTeardown ?? null,
    });
  }
  const out: AirflowTaskShape[] = [];
  const walk = (nodes: readonly NodeView[]) => {
    for (const n of nodes) {
      if (n.task) out.push(byId.get(n.task.taskId) as AirflowTaskShape);
      if (n.group) walk(n.group.body);
    }
  };
  walk(body);
  return out;
}

/** The class Airflow reports as a task's `operator` (the dialects name them alike). */
function operatorClass(task: Task, skips: AirflowTaskShape["skips"]): string {
  switch (task.kind) {
    case "python":
    case "validate":
      return "PythonOperator";
    case "bash":
      return "BashOperator";
    case "branch":
    case "short_circuit":
      // A branch with one side is written as a short-circuit.
      return skips === "branch" ? "BranchPythonOperator" : "ShortCircuitOperator";
    case "sensor":
      return SENSOR_CLASSES[task.sensor.type];
    case "container":
      return "KubernetesPodOperator";
    case "trigger":
      return "TriggerDagRunOperator";
    case "latest_only":
      return "LatestOnlyOperator";
    case "operator":
      return task.operator.slice(task.operator.lastIndexOf(".") + 1);
    default:
      return assertNever(task);
  }
}

export function dagView(
  lowered: Pipeline,
  hash: string,
  sourceFile: string,
  dialect: Dialect = AIRFLOW3,
): DagView {
  // A join that also waits for tasks off the sides it joins keeps its own trigger rule (the
  // one it would have had): its join rule goes to an empty task before it (`joinViews`).
  const ir: Pipeline = { ...lowered, tasks: lowered.tasks.map(asWritten) };
  const mapped = new Map<string, Value>();
  for (const t of ir.tasks) if (t.kind === "python" && t.map !== null) mapped.set(t.id, t.map.over);
  // By the rules as lowered: a join whose join rule went to an empty task still reads the
  // sides it joins, one of which was skipped.
  const tolerant = new Set(
    lowered.tasks
      .filter((t) => {
        // A teardown runs after its upstream tasks failed or were skipped, too.
        if (t.setupTeardown === "teardown") return true;
        const rule = effectiveOptions(lowered, t).triggerRule;
        return rule !== null && rule !== "all_success";
      })
      .map((t) => t.id),
  );
  const floats = new Set([
    ...ir.tasks.flatMap((t) =>
      Object.entries(taskOutputs(t))
        .filter(([, type]) => type === "float")
        .map(([output]) => `${t.id}\0${output}`),
    ),
    // A number param holds what the run's conf gave: 2 stays an int, where Kubeflow (and the
    // declared type) give 2.0.
    ...Object.entries(ir.params)
      .filter(([, p]) => p.type === "number")
      .map(([name, p]) => (p.default === null ? optionalFloatParamKey : floatParamKey)(name)),
  ]);
  const uses = newUses(mapped, tolerant, floats);
  const namer = new Namer();
  const structured = new Set([
    ...ir.tasks.flatMap((t) =>
      Object.entries(taskOutputs(t))
        .filter(([, type]) => type === "bool" || type === "list" || type === "dict")
        .map(([output]) => `${t.id}\0${output}`),
    ),
    ...Object.entries(ir.params)
      .filter(
        ([, param]) =>
          param.type === "boolean" || param.type === "array" || param.type === "object",
      )
      .map(([name]) => paramKey(name)),
  ]);
  const file = new FileContext(dialect, namer, new Set(mapped.keys()), structured, floats);
  // Operator classes are named before the tasks: a task whose id is a class's name is tasks[id].
  for (const task of ir.tasks) if (task.kind === "operator") file.external(task.operator);
  const refs = new Map<string, PyCode>();
  let usesTaskDict = false;
  const localId = (task: Task) =>
    task.group === null ? task.id : task.id.slice(task.group.length + 1);
  for (const task of ir.tasks) {
    const name = namer.claim(localId(task));
    if (name) refs.set(task.id, new PyCode(name));
    else {
      usesTaskDict = true;
      refs.set(task.id, py`tasks[${task.id}]`);
    }
  }
  let usesMlflow = false;
  let usesPush = false;
  let usesReturns = false;
  let usesPushWhenDone = false;
  let usesItem = false;
  let usesFloatItem = false;
  let usesValidate = false;
  let usesRendered = false;
  /**
   * Airflow expands only over a literal list or an upstream task's output, not over a run's
   * params: a task mapped over a param gets a task before it that returns the run's list (what
   * one would write by hand), keyed by the mapped task's id.
   */
  const paramLists = new Map<string, TaskView>();
  const listIds = new Map<string, string>();
  /** The empty task before a join that also waits for other tasks, by the join's id. */
  const joinIds = new Map<string, string>();
  const helperId = helperIds(ir);
  for (const t of ir.tasks) {
    if (t.kind === "python" && t.map?.over.kind === "param")
      listIds.set(t.id, helperId(t, "items"));
    if (t.joined !== undefined) joinIds.set(t.id, helperId(t, "join"));
  }
  const taskById = new Map(ir.tasks.map((t) => [t.id, t]));
  /**
   * The ids a branch returns to follow `ids`, the tasks right after it in the file: a join's
   * empty task when the branch is among those the join waits for through it (the edge goes
   * there, and Airflow skips a task right after the branch that it does not name), else the
   * task, with the list task before it when it is mapped over a param.
   */
  const followed = (branch: string, ids: readonly string[]) =>
    ids.flatMap((id) => {
      const join = joinIds.get(id);
      if (join !== undefined && taskById.get(id)?.joined?.includes(branch)) return [join];
      const list = listIds.get(id);
      return list ? [list, id] : [id];
    });
  const mappedOver = new Map<string, string>();
  for (const t of ir.tasks) {
    if (t.kind === "python" && t.map?.over.kind === "ref") {
      mappedOver.set(t.map.over.task, t.map.over.output);
    }
  }
  const downstreamOf = (id: string) => ir.tasks.filter((t) => t.upstream.includes(id));
  const paramListTask = (task: Task, param: string): TaskView => {
    const id = listIds.get(task.id) as string;
    const local = task.group === null ? id : id.slice(task.group.length + 1);
    const name = namer.claim(local);
    if (!name) usesTaskDict = true;
    const kwargs = [
      kw("task_id", py`${local}`),
      kw("python_callable", new PyCode("_param_list")),
      kw("op_kwargs", py`{"name": ${param}}`),
    ];
    // It runs when the mapped task would: after the same tasks, by the same trigger rule.
    const rule = effectiveOptions(ir, task).triggerRule;
    const inherited = resolveOptions(ir, task.group, EMPTY_TASK_OPTIONS).triggerRule;
    if (rule !== inherited && rule !== null) kwargs.push(kw("trigger_rule", py`${rule}`));
    const view: TaskView = {
      taskId: id,
      ref: name ? new PyCode(name) : py`tasks[${id}]`,
      operator: file.use("PythonOperator"),
      kwargs,
      expand: null,
      callable: null,
    };
    paramLists.set(task.id, view);
    return view;
  };
  /**
   * The empty task a join waits for in place of the sides it joins, by the join rule: one of
   * those is always skipped, while a skip of any other task it waits for still skips it.
   */
  const joinViews = new Map<string, TaskView>();
  for (const task of ir.tasks) {
    const id = joinIds.get(task.id);
    if (id === undefined) continue;
    const local = task.group === null ? id : id.slice(task.group.length + 1);
    const name = namer.claim(local);
    if (!name) usesTaskDict = true;
    const kwargs = [kw("task_id", py`${local}`)];
    const rule = "none_failed_min_one_success";
    if (resolveOptions(ir, task.group, EMPTY_TASK_OPTIONS).triggerRule !== rule) {
      kwargs.push(kw("trigger_rule", py`${rule}`));
    }
    joinViews.set(task.id, {
      taskId: id,
      ref: name ? new PyCode(name) : py`tasks[${id}]`,
      operator: file.use("EmptyOperator"),
      kwargs,
      expand: null,
      callable: null,
    });
  }
  /** By task id: what a task that skips others returns when its condition holds and not. */
  const skipping = new Map<string, Pick<AirflowTaskShape, "skips" | "returns">>();
  const tasks = ir.tasks.map((task: Task): TaskView => {
    const ref = refs.get(task.id) ?? py`tasks[${task.id}]`;
    // Inside a TaskGroup, Airflow prefixes the group id itself.
    const kwargs: Kwarg[] = [kw("task_id", py`${localId(task)}`)];
    let callable: CallableView | null = null;
    let operator: PyCode;
    let expand: PyCode | null = null;
    switch (task.kind) {
      case "python": {
        callable = pythonCallable(
          task,
          namer.fresh(`run_${task.id}`),
          uses,
          mappedOver.get(task.id) ?? null,
        );
        usesMlflow ||= callable.mlflow !== null;
        usesPush ||= callable.push !== null;
        kwargs.push(kw("python_callable", callable.name));
        operator = file.use("PythonOperator");
        if (task.map) {
          // Each instance is named by its item in the grid and the REST API (rendered_map_index):
          // `s3://bucket/b.csv` or `{'lr': 0.1}`, not `[1]`. Cut short, as Airflow stores at most
          // 250 characters (Postgres refuses more).
          kwargs.push(kw("map_index_template", py`${MAP_INDEX_TEMPLATE}`));
          const over = task.map.over;
          if (over.kind === "ref") {
            const producer = refs.get(over.task) ?? py`tasks[${over.task}]`;
            // A mapped task's float output: its values, read back, may be whole floats that
            // Airflow 3 returns as ints (what _pull's as_float does for the other inputs).
            const floatItems = mapped.has(over.task) && floats.has(`${over.task}\0${over.output}`);
            usesFloatItem ||= floatItems;
            usesItem ||= !floatItems;
            // The producer returns this output (see pythonCallable): its return value is mapped.
            expand = new PyCode(
              `op_kwargs=${producer.text}.output.map(${floatItems ? "_float_item" : "_item"})`,
            );
          } else if (over.kind === "param") {
            usesItem = true;
            const list = paramListTask(task, over.name);
            expand = new PyCode(`op_kwargs=${list.ref.text}.output.map(_item)`);
          } else {
            usesItem = true;
            const items = over.kind === "list" ? over.items.map(literalJson) : [];
            expand = new PyCode(
              `op_kwargs=[${items.map((v) => `{"item": ${unrenderedLiteral(v, file)}}`).join(", ")}]`,
            );
          }
        }
        break;
      }
      case "bash":
        kwargs.push(...bashKwargs(task, file));
        operator = file.use("BashOperator");
        break;
      case "branch":
      case "short_circuit": {
        // The branch returns the full ids of the tasks right after it on each side.
        const below = downstreamOf(task.id).map((t) => t.id);
        const side = (targets: readonly string[]) =>
          below.filter((id) => targets.some((t) => id === t || id.startsWith(`${t}.`)));
        const thenIds = task.kind === "branch" ? side(task.ifTrue) : [];
        const elseIds = task.kind === "branch" ? side(task.ifFalse) : [];
        // A branch with one side, whose tasks are all that follow it, is a short-circuit that
        // skips only them (ruff's AIR004 asks for that): the same runs, said more simply.
        const only = thenIds.length > 0 ? thenIds : elseIds;
        const oneSided =
          task.kind === "branch" &&
          (thenIds.length === 0) !== (elseIds.length === 0) &&
          below.every((id) => only.includes(id));
        const decision: Decision =
          task.kind === "short_circuit"
            ? { kind: "short_circuit" }
            : oneSided
              ? { kind: "gate", only, negated: thenIds.length === 0 }
              : {
                  kind: "branch",
                  thenIds: followed(task.id, thenIds),
                  elseIds: followed(task.id, elseIds),
                };
        callable = conditionCallable(task, namer.fresh(`choose_${task.id}`), decision, uses);
        kwargs.push(kw("python_callable", callable.name));
        if (decision.kind === "gate") {
          kwargs.push(kw("ignore_downstream_trigger_rules", new PyCode("False")));
        }
        operator = file.use(
          decision.kind === "branch" ? "BranchPythonOperator" : "ShortCircuitOperator",
        );
        skipping.set(
          task.id,
          decision.kind === "branch"
            ? {
                skips: "branch",
                returns: { whenTrue: decision.thenIds, whenFalse: decision.elseIds },
              }
            : decision.kind === "gate"
              ? {
                  skips: "short_circuit_direct",
                  returns: { whenTrue: !decision.negated, whenFalse: decision.negated },
                }
              : { skips: "short_circuit", returns: { whenTrue: true, whenFalse: false } },
        );
        break;
      }
      case "latest_only": {
        // LatestOnlyOperator returns the tasks right after it (get_direct_relative_ids, a set:
        // sorted here) when the run is the latest, and none when it is not.
        operator = file.use("LatestOnlyOperator");
        const below = followed(
          task.id,
          downstreamOf(task.id).map((t) => t.id),
        ).sort();
        skipping.set(task.id, { skips: "branch", returns: { whenTrue: below, whenFalse: [] } });
        break;
      }
      case "sensor": {
        const s = task.sensor;
        if (s.type === "python") {
          callable = sensorCallable(task, s, namer.fresh(`check_${task.id}`), uses);
          usesPush ||= callable.push !== null;
          usesPushWhenDone ||= callable.push !== null;
          kwargs.push(kw("python_callable", callable.name));
        }
        const sensor = sensorKwargs(task, file);
        kwargs.push(...sensor.kwargs);
        operator = sensor.operator;
        break;
      }
      case "container":
        kwargs.push(...containerKwargs(task, file));
        operator = file.use("KubernetesPodOperator");
        break;
      case "trigger":
        kwargs.push(...triggerKwargs(task, file));
        operator = file.use("TriggerDagRunOperator");
        break;
      case "operator": {
        operator = file.external(task.operator);
        const view = operatorKwargs(task, operator, file);
        usesRendered ||= view.rendered;
        kwargs.push(...view.kwargs);
        if (task.returns !== undefined) {
          usesReturns = true;
          kwargs.push(kw("post_execute", py`_returns(${task.returns})`));
        }
        break;
      }
      case "validate":
        usesValidate = true;
        callable = validateCallable(task, namer.fresh(`run_${task.id}`), uses);
        kwargs.push(kw("python_callable", callable.name));
        operator = file.use("PythonOperator");
        break;
      default:
        return assertNever(task);
    }
    if (callable?.templates.length) {
      const entries = callable.templates.map(
        (t, i) => `${pyString(`template_${i + 1}`)}: ${pyString(t)}`,
      );
      kwargs.push(kw("templates_dict", dictCode(entries, 4)));
    }
    if (task.outlets.length) {
      const asset = file.use("Asset").text;
      kwargs.push(
        kw(
          "outlets",
          new PyCode(`[${task.outlets.map((u) => `${asset}(${pyString(u)})`).join(", ")}]`),
        ),
      );
    }
    // Only what differs from default_args is repeated on the task.
    const own = effectiveOptions(ir, task);
    const inherited = resolveOptions(ir, task.group, EMPTY_TASK_OPTIONS);
    const differing = { ...own } as Record<keyof TaskOptions, unknown>;
    for (const key of Object.keys(own) as (keyof TaskOptions)[]) {
      if (own[key] === inherited[key]) differing[key] = null;
    }
    // as_teardown() gives a teardown its trigger rule (all_done_setup_success).
    if (task.setupTeardown === "teardown") differing.triggerRule = null;
    kwargs.push(...optionKwargs(differing as TaskOptions, file));
    return { taskId: task.id, ref, operator, kwargs, expand, callable };
  });

  const leading = new Map<string, TaskView[]>();
  for (const t of ir.tasks) {
    const views = [joinViews.get(t.id), paramLists.get(t.id)].filter((v) => v !== undefined);
    if (views.length) leading.set(t.id, views);
  }
  const { body, groupArgs: groupCalls } = nestTasks(ir, tasks, leading, file, namer);
  if (groupCalls.length) file.use("TaskGroup");

  // A param's list task comes after the mapped task's upstream tasks; `.output` in the
  // mapped task's expand() puts it upstream of that task. A join's empty task comes after the
  // sides it joins, and the join after it and its other upstream tasks.
  const refOf = (id: string) => refs.get(id) ?? py`tasks[${id}]`;
  const edge = (from: readonly PyCode[], to: PyCode) =>
    new PyCode(
      `${from.length === 1 ? (from[0] as PyCode).text : `[${joinCode(from, ", ").text}]`} >> ${to.text}`,
    );
  const edges = ir.tasks
    .filter((t) => t.upstream.length > 0)
    .flatMap((t) => {
      const out: PyCode[] = [];
      let ups = t.upstream.map(refOf);
      const join = joinViews.get(t.id);
      if (join && t.joined) {
        const joined = t.joined;
        out.push(edge(joined.map(refOf), join.ref));
        ups = [...t.upstream.filter((u) => !joined.includes(u)).map(refOf), join.ref];
      }
      const list = paramLists.get(t.id);
      if (list) out.push(edge(ups, list.ref));
      out.push(edge(ups, refOf(t.id)));
      return out;
    });
  // Setups and teardowns, once every edge is drawn: a teardown names the setups right before it
  // (`delete.as_teardown(setups=create)`), a setup no teardown names is marked on its own.
  const setups = new Set(ir.tasks.filter((t) => t.setupTeardown === "setup").map((t) => t.id));
  const named = new Set<string>();
  const roles: PyCode[] = [];
  for (const t of ir.tasks) {
    if (t.setupTeardown !== "teardown") continue;
    const own = t.upstream.filter((u) => setups.has(u));
    for (const u of own) named.add(u);
    const args =
      own.length === 0
        ? ""
        : `setups=${own.length === 1 ? refOf(own[0] as string).text : `[${joinCode(own.map(refOf), ", ").text}]`}`;
    roles.push(new PyCode(`${refOf(t.id).text}.as_teardown(${args})`));
  }
  for (const t of ir.tasks) {
    if (setups.has(t.id) && !named.has(t.id))
      roles.push(new PyCode(`${refOf(t.id).text}.as_setup()`));
  }

  const defaultArgs: Kwarg[] = [];
  if (ir.owner !== null) defaultArgs.push(kw("owner", py`${ir.owner}`));
  defaultArgs.push(...optionKwargs(ir.defaults, file));

  const dagKwargs: Kwarg[] = [kw("dag_id", py`${ir.id}`)];
  if (ir.description !== null) dagKwargs.push(kw("description", py`${ir.description}`));
  dagKwargs.push(kw("schedule", scheduleCode(ir, file)));
  if (ir.startDate !== null) dagKwargs.push(kw("start_date", startDate(ir.startDate, ir.timezone)));
  dagKwargs.push(kw("catchup", py`${ir.catchup}`));
  // Airflow's ContinuousTimetable refuses a DAG whose max_active_runs is over 1 (default 16).
  const continuous = ir.schedule.kind === "preset" && ir.schedule.preset === "@continuous";
  const maxActiveRuns = ir.maxActiveRuns ?? (continuous ? 1 : null);
  if (maxActiveRuns !== null) dagKwargs.push(kw("max_active_runs", py`${maxActiveRuns}`));
  if (ir.maxActiveTasks !== null) dagKwargs.push(kw("max_active_tasks", py`${ir.maxActiveTasks}`));
  if (ir.dagrunTimeout !== null) dagKwargs.push(kw("dagrun_timeout", timedelta(ir.dagrunTimeout)));
  // One DeadlineAlert per alert: Airflow's takes one callback.
  const deadlines = (ir.deadlines ?? []).flatMap((d) =>
    d.alerts.map((a) => {
      const alertClass = file.use("DeadlineAlert").text;
      const reference = `${file.use("DeadlineReference").text}.${deadlineReference(d)}`;
      const callback = file.deadlineCallback(a, d).text;
      const pad = " ".repeat(12);
      return `${alertClass}(\n${pad}reference=${reference},\n${pad}interval=${timedelta(d.within).text},\n${pad}callback=${callback},\n        )`;
    }),
  );
  if (deadlines.length) {
    const items = deadlines.map((d) => `        ${d},\n`).join("");
    dagKwargs.push(kw("deadline", new PyCode(`[\n${items}    ]`)));
  }
  if (ir.tags.length) dagKwargs.push(kw("tags", py`${ir.tags}`));
  // In the order declared: Airflow's trigger form lists them as the DAG gives them.
  const params = paramsInOrder(ir.params);
  if (params.length) {
    const param = file.use("Param").text;
    const entries = params.map(([name, p]) => {
      const desc = p.description === null ? new PyCode("") : py`, description=${p.description}`;
      // A number param's whole default stays a float in Python (1.0, as the user wrote it).
      const value =
        p.type === "number" && Number.isSafeInteger(p.default)
          ? new PyCode(`${p.default}.0`)
          : new PyCode(pyLiteral(p.default));
      // An optional param: JSON Schema's null besides its type, which a run may leave unset.
      const type = p.default === null ? py`["null", ${p.type}]` : py`${p.type}`;
      // What a run's value must be, as JSON Schema keywords, which Param checks.
      const checks = PARAM_CHECK_KEYS.filter((key) => p[key] !== undefined)
        .map((key) => `, ${key}=${pyLiteral(p[key] as JsonValue)}`)
        .join("");
      return `${pyString(name)}: ${param}${py`(${value}, type=${type}${desc}`.text}${checks})`;
    });
    dagKwargs.push(
      kw("params", new PyCode(`{\n${entries.map((e) => `        ${e},\n`).join("")}    }`)),
    );
  }
  if (defaultArgs.length) dagKwargs.push(kw("default_args", new PyCode("default_args")));
  // A run over its dagrun_timeout is failed by the scheduler, which skips the tasks left and
  // calls the DAG's on_failure_callback alone (reason "timed_out"), never a task's: the
  // pipeline's failure alerts go there too, for that reason only (a failed task has alerted).
  // The pipeline's own alerts, once a run has ended, each called as a fresh copy per run.
  const runAlerts = ir.alerts ?? { onSuccess: [], onFailure: [] };
  // A timeout is a run's failure: a defaults' alert also among the pipeline's own is sent once.
  const timeoutAlerts = (ir.dagrunTimeout !== null ? (ir.defaults.onFailure ?? []) : []).filter(
    (a) => !runAlerts.onFailure.some((b) => JSON.stringify(b) === JSON.stringify(a)),
  );
  const perRun = (a: Alert, event: "runSuccess" | "runFailure") =>
    a.kind === "callable" ? file.alert(a, event).text : `_per_run(${file.alert(a, event).text})`;
  const usesPerRun = [...runAlerts.onSuccess, ...runAlerts.onFailure].some(
    (a) => a.kind !== "callable",
  );
  if (runAlerts.onSuccess.length) {
    const calls = runAlerts.onSuccess.map((a) => perRun(a, "runSuccess"));
    dagKwargs.push(kw("on_success_callback", listCode(calls, 4)));
  }
  if (timeoutAlerts.length || runAlerts.onFailure.length) {
    const calls = [
      ...runAlerts.onFailure.map((a) => perRun(a, "runFailure")),
      ...timeoutAlerts.map((a) => `_if_timed_out(${file.alert(a, "timeout").text})`),
    ];
    dagKwargs.push(kw("on_failure_callback", listCode(calls, 4)));
  }
  file.use("DAG");

  const imports: PyCode[] = [new PyCode("from __future__ import annotations"), new PyCode("")];
  const stdlib = [];
  if (usesMlflow) stdlib.push("import contextlib");
  if (timeoutAlerts.length || usesPerRun) stdlib.push("import copy");
  const code = [
    ...[...defaultArgs, ...dagKwargs, ...tasks.flatMap((t) => t.kwargs)].map((a) => a.value.text),
    ...[...leading.values()].flat().flatMap((t) => t.kwargs.map((a) => a.value.text)),
    ...groupCalls.map((g) => g.text),
  ];
  if (code.some((text) => text.includes("datetime.timedelta("))) {
    stdlib.push("import datetime");
  }
  const jsonConf = tasks.some((t) => t.kwargs.some((k) => k.value.text === "_json_conf"));
  if (jsonConf) stdlib.push("import json");
  if (uses.operator) stdlib.push("import operator");
  // A DAG whose tasks import project modules (tasks/...) puts its own folder on sys.path:
  // Airflow puts only the root of its DAG folder there, and a DAG deployed in a subfolder
  // would otherwise parse but fail every task with "No module named 'tasks'".
  const projectPath = tasks.some((t) => t.callable?.importLine != null) || file.callbacks.size > 0;
  if (uses.env || projectPath) stdlib.push("import os");
  if (uses.posixpath) stdlib.push("import posixpath");
  if (projectPath) stdlib.push("import sys");
  for (const line of stdlib) imports.push(new PyCode(line));
  if (stdlib.length) imports.push(new PyCode(""));
  if (ir.startDate !== null) imports.push(new PyCode("import pendulum"));
  imports.push(...airflowImports(file));

  return {
    shape: dagShape(ir, body, {
      skipping,
      joinIds,
      listIds,
      mappedOver,
      pullMapped: uses.pullMapped,
    }),
    headerSource: new PyCode(pyComment(sourceFile)),
    headerHash: new PyCode(hash),
    directives: dialect.fileDirectives.map((line) => new PyCode(line)),
    docstring: new PyCode(moduleDocstring(ir)),
    imports,
    helpers: {
      projectPath,
      ifTimedOut: timeoutAlerts.length > 0,
      perRun: usesPerRun,
      pull: uses.pull,
      pullMapped: uses.pullMapped,
      pullOneOf: uses.pullOneOf,
      outputs: usesPush || usesReturns,
      push: usesPush,
      pushWhenDone: usesPushWhenDone,
      returns: usesReturns,
      env: uses.env,
      variable: uses.requiredVariable,
      mlflow: usesMlflow,
      item: usesItem,
      floatItem: usesFloatItem,
      paramList: paramLists.size > 0,
      validate: usesValidate,
      rendered: usesRendered,
      jsonConf,
    },
    callbacks: [...file.callbacks.values()],
    defaultArgs,
    dagKwargs,
    usesTaskDict,
    tasks,
    body,
    edges: [...edges, ...roles],
  };
}
