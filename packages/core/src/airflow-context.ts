import { type JinjaNameUse, jinjaNameUses } from "./jinja.js";

/**
 * Facts about the Airflow 3 task context that the compiler (checking generated templates) and
 * the linter (checking hand-written DAGs) share.
 */

/** What to read instead of a removed context variable, when no context variable replaces it. */
interface Advice {
  /** In a template. */
  readonly template: string;
  /** In a task's Python code. */
  readonly code: string;
}

/** Advice for the previous scheduled run's date, which no context variable of Airflow 3 holds. */
function previousRun(filter: string): Advice {
  return {
    template: `the previous scheduled run's date is one schedule interval before this run's: for @daily, {{ macros.ds_add(ds, -1) }}; or the last successful run's, {{ prev_data_interval_start_success${filter} }} (not data_interval_start: that is this run's own date)`,
    code: "compute it from the schedule (for @daily, logical_date - timedelta(days=1)), or read prev_data_interval_start_success for the last successful run's; data_interval_start is this run's own date",
  };
}

/**
 * Context variables Airflow 3 removed (the task runner's context, sdk/execution_time/
 * task_runner.py, has none of them), and what replaces each: a context variable that still
 * exists, a day offset from `ds` (through `macros.ds_add`), or advice.
 */
export const AIRFLOW3_REMOVED_CONTEXT: Readonly<Record<string, string | number | Advice>> = {
  conf: {
    template:
      "pass the setting in as a param or a Variable ({{ var.value.name }}); templates cannot read Airflow's configuration on Airflow 3",
    code: "import it where the task needs it: from airflow.sdk.configuration import conf",
  },
  triggering_dataset_events: "triggering_asset_events",
  execution_date: "logical_date",
  next_execution_date: "data_interval_end",
  // The previous scheduled run's logical date: one interval before data_interval_start, which
  // is the run's own date (Airflow 2 lists no replacement for these, Context._DEPRECATION_REPLACEMENTS).
  prev_execution_date: previousRun(""),
  prev_execution_date_success: "prev_data_interval_start_success",
  next_ds: "data_interval_end",
  next_ds_nodash: "data_interval_end",
  prev_ds: previousRun(" | ds"),
  prev_ds_nodash: previousRun(" | ds_nodash"),
  tomorrow_ds: 1,
  tomorrow_ds_nodash: 1,
  yesterday_ds: -1,
  yesterday_ds_nodash: -1,
};

/** What to write instead of a removed context variable, in a template or in Python code. */
export function removedContextHint(name: string, inTemplate: boolean): string {
  const r = AIRFLOW3_REMOVED_CONTEXT[name];
  if (typeof r === "object") return inTemplate ? r.template : r.code;
  if (typeof r === "number") {
    return inTemplate
      ? `use {{ macros.ds_add(ds, ${r}) }}`
      : `compute it from ds: macros.ds_add(ds, ${r}), with macros from the context`;
  }
  const current = r ?? "logical_date";
  if (inTemplate) {
    const filter = name.endsWith("_nodash") ? " | ds_nodash" : name.endsWith("_ds") ? " | ds" : "";
    return `use {{ ${current}${filter} }}`;
  }
  return `read ${current} instead (a parameter of that name, or context["${current}"])`;
}

/**
 * What Airflow 3 puts in a task's context only when its run has a logical date
 * (sdk/execution_time/task_runner.py): not in an asset-triggered run, nor in one triggered
 * with `logical_date: null`.
 */
export const LOGICAL_DATE_CONTEXT: ReadonlySet<string> = new Set([
  "logical_date",
  "ds",
  "ds_nodash",
  "ts",
  "ts_nodash",
  "ts_nodash_with_tz",
  "data_interval_start",
  "data_interval_end",
  "prev_data_interval_start_success",
  "prev_data_interval_end_success",
]);

/** A sensor's timeout when none is given: BaseSensorOperator's default, 7 days (in seconds). */
export const SENSOR_DEFAULT_TIMEOUT = 7 * 24 * 3600;

/**
 * How long a poke-mode sensor may wait in all, in seconds. Its `timeout` (seven days when
 * unset) counts from the start of each try; an execution timeout shorter than it ends the try
 * first, which is retried (AirflowTaskTimeout is, AirflowSensorTimeout is not) and waits again:
 * each try then waits the execution timeout.
 */
export function pokeSensorWait(
  timeout: number | null,
  executionTimeout: number | null,
  retries: number,
): number {
  const own = timeout ?? SENSOR_DEFAULT_TIMEOUT;
  if (executionTimeout === null || executionTimeout >= own) return own;
  return executionTimeout * (Math.max(0, retries) + 1);
}

/** Seconds in words: `2 days`, `1 hour`, `90 minutes`, `45 seconds`. */
export function humanDuration(s: number): string {
  if (s % 86400 === 0) return `${s / 86400} day${s === 86400 ? "" : "s"}`;
  if (s % 3600 === 0) return `${s / 3600} hour${s === 3600 ? "" : "s"}`;
  if (s % 60 === 0) return `${s / 60} minutes`;
  return `${s} seconds`;
}

/**
 * pokeSensorWait in words, saying where it comes from when it is not the sensor's own timeout:
 * `3 hours (3 tries of its executionTimeout of 1 hour, which ends each try before its timeout
 * of 12 hours)`, `7 days (Airflow's default timeout)`.
 */
export function pokeSensorWaitText(
  timeout: number | null,
  executionTimeout: number | null,
  retries: number,
  /** The setting's name as the reader writes it: `execution_timeout` in a Python DAG file. */
  setting = "executionTimeout",
): string {
  const wait = humanDuration(pokeSensorWait(timeout, executionTimeout, retries));
  const own = timeout ?? SENSOR_DEFAULT_TIMEOUT;
  if (executionTimeout !== null && executionTimeout < own) {
    const tries = Math.max(0, retries) + 1;
    return `${wait} (${tries === 1 ? "one try" : `${tries} tries`} of its ${setting} of ${humanDuration(executionTimeout)}, which ends each try before its ${timeout === null ? "default " : ""}timeout of ${humanDuration(own)})`;
  }
  return timeout === null ? `${wait} (Airflow's default timeout)` : wait;
}

/**
 * What a task's context holds when Airflow renders its templates, per version: the keys of the
 * context a plain task of a run with a logical date gets (test/engines/jinja-context.test.ts
 * dumps them from the pinned Airflow 3 and 2 and compares), and the keys some tasks get besides:
 * a mapped task's `expanded_ti_count`, a task with assets' `asset_state_store` (Airflow 3).
 */
export const AIRFLOW_TEMPLATE_CONTEXT: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  3: new Set(
    "conn dag dag_run data_interval_end data_interval_start ds ds_nodash inlet_events inlets logical_date macros map_index_template outlet_events outlets params partition_date partition_key prev_data_interval_end_success prev_data_interval_start_success prev_end_date_success prev_start_date_success run_id task task_instance task_instance_key_str task_reschedule_count task_state_store templates_dict ti triggering_asset_events ts ts_nodash ts_nodash_with_tz var".split(
      " ",
    ),
  ),
  2: new Set(
    "conf conn dag dag_run data_interval_end data_interval_start ds ds_nodash execution_date expanded_ti_count inlet_events inlets logical_date macros map_index_template next_ds next_ds_nodash next_execution_date outlet_events outlets params prev_data_interval_end_success prev_data_interval_start_success prev_ds prev_ds_nodash prev_end_date_success prev_execution_date prev_execution_date_success prev_start_date_success run_id task task_instance task_instance_key_str templates_dict test_mode ti tomorrow_ds tomorrow_ds_nodash triggering_dataset_events ts ts_nodash ts_nodash_with_tz var yesterday_ds yesterday_ds_nodash".split(
      " ",
    ),
  ),
};

/** Context keys only some tasks get (see AIRFLOW_TEMPLATE_CONTEXT), and a failure callback's. */
export const AIRFLOW_OCCASIONAL_CONTEXT: ReadonlySet<string> = new Set([
  "expanded_ti_count",
  "asset_state_store",
  "exception",
  "reason",
]);

/**
 * Airflow's Jinja environment (a SandboxedEnvironment with StrictUndefined and the `do`
 * extension, the same on Airflow 3 and 2): its globals, filters and tests, as the pinned
 * versions list them (test/engines/jinja-context.test.ts).
 */
export const AIRFLOW_JINJA = {
  globals: new Set(["cycler", "dict", "joiner", "lipsum", "namespace", "range"]),
  filters: new Set(
    "abs attr batch capitalize center count d default dictsort ds ds_nodash e escape filesizeformat first float forceescape format groupby indent int items join last length list lower map max min pprint random reject rejectattr replace reverse round safe select selectattr slice sort string striptags sum title tojson trim truncate ts ts_nodash ts_nodash_with_tz unique upper urlencode urlize wordcount wordwrap xmlattr".split(
      " ",
    ),
  ),
  tests: new Set(
    "!= < <= == > >= boolean callable defined divisibleby eq equalto escaped even false filter float ge greaterthan gt in integer iterable le lessthan lower lt mapping ne none number odd sameas sequence string test true undefined upper".split(
      " ",
    ),
  ),
} as const;

/** Names Jinja itself gives a template inside a loop or a macro. */
const JINJA_BODY_NAMES = ["loop", "caller", "varargs", "kwargs", "self", "super"];

/**
 * What a template rendered for a task of these Airflow versions may read: their context, the
 * keys some tasks get, Jinja's globals in Airflow's environment and the names of a loop or
 * macro body.
 */
export function templateNames(versions: readonly (2 | 3)[]): ReadonlySet<string> {
  return new Set([
    ...versions.flatMap((v) => [...AIRFLOW_TEMPLATE_CONTEXT[v]]),
    ...AIRFLOW_OCCASIONAL_CONTEXT,
    ...AIRFLOW_JINJA.globals,
    ...JINJA_BODY_NAMES,
  ]);
}

/**
 * The names a template reads that `known` lacks, once each, unguarded (`| default`, `is
 * defined` render without them); none for a template that imports macros from files.
 */
export function undefinedTemplateNames(text: string, known: ReadonlySet<string>): JinjaNameUse[] {
  if (/\{%-?\s*(?:import|from)\b/.test(text)) return [];
  const seen = new Set<string>();
  return jinjaNameUses(text).filter((u) => {
    if (u.guarded || known.has(u.name) || seen.has(u.name)) return false;
    seen.add(u.name);
    return true;
  });
}

/** The fix of a template Jinja cannot compile. */
export const JINJA_COMPILE_FIX =
  "write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}";

/** The fix of a template reading `name`, which the context lacks (`near`: a close name). */
export function undefinedNameFix(name: string, near: string | undefined): string {
  return `${near ? `did you mean '${near}'? ` : ""}read a context variable (ds, params.<name>, var.value.<name>, ti.xcom_pull(...)), give a fallback ({{ ${name} | default('') }}), or keep text Jinja should not read in {% raw %}...{% endraw %}`;
}
