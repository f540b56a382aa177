import {
  type JinjaNameUse,
  jinjaCode,
  jinjaCompileProblems,
  jinjaDelimiterProblem,
  jinjaNameUses,
  mayHoldJinja,
} from "./jinja.js";

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
  expanded_ti_count: {
    template:
      "pass the count of the list the task maps over (a task output or a param) as an argument: Airflow 3's context has no expanded_ti_count, mapped or not",
    code: "pass the count of the list the task maps over as an argument: Airflow 3's context has no expanded_ti_count",
  },
  test_mode: {
    template:
      "pass what the test should change as a param ({{ params.dry_run }}), set when triggering: Airflow 3's context has no test_mode",
    code: "pass what the test should change as a param (context['params']['dry_run']): Airflow 3's context has no test_mode",
  },
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
 * The date every run has, for a template or callable in place of `ds` or `logical_date`: the
 * run's logical date, else the time it was started for (an asset-triggered run's run_after is
 * when the assets triggered it). Airflow 3 and 2 alike.
 */
export const RUN_DATE_EXPRESSION = "(dag_run.logical_date or dag_run.run_after)";

/** Airflow's date filters, each giving the context variable of its name from a date. */
export const DATE_FILTERS: ReadonlySet<string> = new Set([
  "ds",
  "ds_nodash",
  "ts",
  "ts_nodash",
  "ts_nodash_with_tz",
]);

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
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? "" : "s"}`;
  return `${s} second${s === 1 ? "" : "s"}`;
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
 * dumps them from the pinned Airflow 3 and 2 and compares), and the keys some tasks get besides
 * (AIRFLOW_OCCASIONAL_CONTEXT_OF).
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

/**
 * Context keys only some tasks get (see AIRFLOW_TEMPLATE_CONTEXT), and a failure callback's,
 * per version: a task with assets' `asset_state_store` on Airflow 3. (`expanded_ti_count`,
 * which every task has on Airflow 2, is no task's on Airflow 3, mapped or not: its task runner
 * sets none, and a template reading it fails there.)
 */
export const AIRFLOW_OCCASIONAL_CONTEXT_OF: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  3: new Set(["asset_state_store", "exception", "reason"]),
  2: new Set(["exception", "reason"]),
};

/** AIRFLOW_OCCASIONAL_CONTEXT_OF of both versions. */
export const AIRFLOW_OCCASIONAL_CONTEXT: ReadonlySet<string> = new Set([
  ...AIRFLOW_OCCASIONAL_CONTEXT_OF[3],
  ...AIRFLOW_OCCASIONAL_CONTEXT_OF[2],
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
export const JINJA_BODY_NAMES = ["loop", "caller", "varargs", "kwargs", "self", "super"];

/**
 * What a template rendered for a task of these Airflow versions may read: their context, the
 * keys some tasks get, Jinja's globals in Airflow's environment and the names of a loop or
 * macro body.
 */
export function templateNames(versions: readonly (2 | 3)[]): ReadonlySet<string> {
  return new Set([
    ...versions.flatMap((v) => [
      ...AIRFLOW_TEMPLATE_CONTEXT[v],
      ...AIRFLOW_OCCASIONAL_CONTEXT_OF[v],
    ]),
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

/**
 * What a deadline alert's template may read: Airflow 3.3 renders a notifier's fields with the
 * run's context alone (models/deadline.py handle_miss: `dag_run`, the REST API's DAG run as
 * JSON, and `deadline`, its id and time), in Airflow's sandboxed environment without the DAG's.
 */
export const DEADLINE_CONTEXT: ReadonlySet<string> = new Set([
  "dag_run",
  "deadline",
  ...AIRFLOW_JINJA.globals,
  ...JINJA_BODY_NAMES,
]);

/**
 * The fields of the run a deadline's alert reads as `dag_run`: Airflow 3.3.2's DAGRunResponse
 * dumped as JSON (its field names: the run's id is `dag_run_id`, `run_id` only an input alias).
 */
export const DEADLINE_DAG_RUN_FIELDS: ReadonlySet<string> = new Set(
  "bundle_version conf dag_display_name dag_id dag_run_id dag_versions data_interval_end data_interval_start duration end_date last_scheduling_decision logical_date note partition_date partition_key queued_at run_after run_type start_date state triggered_by triggering_user_name".split(
    " ",
  ),
);

/** What the deadline's own `deadline` holds (models/deadline.py handle_miss). */
const DEADLINE_FIELDS: ReadonlySet<string> = new Set(["id", "deadline_time"]);

/** A problem of a deadline alert's template: what it reads, why the alert suffers, the fix. */
export interface DeadlineTemplateProblem {
  /** A template Jinja cannot compile, a name read, a field, or a filter on a date. */
  readonly kind: "compile" | "name" | "field" | "filter";
  /** The name read, the field (`dag_run.run_id`), or the filter expression. */
  readonly what: string;
  readonly from: number;
  readonly to: number;
  readonly reason: string;
  readonly hint: string;
}

const DEADLINE_HINT =
  "use dag_run (dag_run.dag_id, dag_run.dag_run_id, dag_run.state, dag_run.logical_date, dag_run.conf) and deadline.deadline_time";

/** The Jinja parts of a template (`{{ ... }}`, `{% ... %}`), comments and raw blocks aside. */
function jinjaParts(text: string): { from: number; body: string }[] {
  const out: { from: number; body: string }[] = [];
  const re =
    /\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}|\{#[\s\S]*?#\}|\{\{([\s\S]*?)\}\}|\{%([\s\S]*?)%\}/g;
  for (const m of text.matchAll(re)) {
    const body = m[1] ?? m[2];
    if (body !== undefined) out.push({ from: m.index + 2, body });
  }
  return out;
}

/** How a message names a deadline template's problem in `where` (`the Slack text of ...`). */
export function deadlineProblemSubject(p: DeadlineTemplateProblem, where: string): string {
  if (p.kind === "compile") return `the template in ${where}`;
  if (p.kind === "filter") return `the template in ${where} ('${p.what}')`;
  return `${p.kind === "field" ? "field" : "template variable"} '${p.what}' in ${where}`;
}

/**
 * The problems of a deadline alert's template: one that Jinja cannot compile (its first
 * problem alone); else each name the context lacks
 * (`known`: more names the notifier adds, its own template fields) and each field `dag_run` or
 * `deadline` lacks, which render as nothing and fail the alert when read from; and Airflow's
 * date filters on the run's dates, which are text there (strftime and isoformat fail on it, and
 * the alert with it). A name the template tests first (`{% if ti %}`, `ti or ...`) is not
 * said: Jinja's plain Undefined is false there. The compiler (MLG3001) and lint
 * (deadline-alert-template) say them alike.
 */
export function deadlineTemplateProblems(
  text: string,
  known: ReadonlySet<string> = DEADLINE_CONTEXT,
): DeadlineTemplateProblem[] {
  if (!mayHoldJinja(text)) return [];
  const compile = jinjaDelimiterProblem(text) ?? jinjaCompileProblems(text, AIRFLOW_JINJA)[0];
  if (compile) {
    return [
      {
        kind: "compile",
        what: "the template",
        from: compile.at,
        to: compile.at,
        reason: `Jinja cannot compile it: ${compile.message}, so the alert is not sent`,
        hint: JINJA_COMPILE_FIX,
      },
    ];
  }
  const out: DeadlineTemplateProblem[] = [];
  const parts = jinjaParts(text);
  const tested = new Set<string>();
  for (const { body } of parts) {
    for (const m of body.matchAll(/^\s*-?\s*(?:el)?if\s+(?:not\s+)?(\w+)\s*-?$/g))
      tested.add(m[1] as string);
    for (const m of body.matchAll(/\b(\w+)\s+(?:or|and)\b/g)) tested.add(m[1] as string);
  }
  for (const use of undefinedTemplateNames(text, known)) {
    if (tested.has(use.name)) continue;
    out.push({
      kind: "name",
      what: use.name,
      from: use.from,
      to: use.to,
      reason: `Airflow renders a deadline's alert with the run's context alone (dag_run, deadline), where '${use.name}' is undefined: it renders as nothing, and a read from it ('${use.name}.x') fails the alert, which is then not sent`,
      hint: DEADLINE_HINT,
    });
  }
  const said = new Set<string>();
  for (const { from, body } of parts) {
    for (const m of body.matchAll(
      /\b(dag_run|deadline)\s*(?:\.\s*(\w+)|\[\s*["'](\w+)["']\s*\])/g,
    )) {
      const field = (m[2] ?? m[3]) as string;
      const fields = m[1] === "dag_run" ? DEADLINE_DAG_RUN_FIELDS : DEADLINE_FIELDS;
      const what = `${m[1]}.${field}`;
      if (fields.has(field) || said.has(what) || tested.has(field)) continue;
      // Not `x.dag_run.y`: only the context's own names.
      if (m.index > 0 && body[m.index - 1] === ".") continue;
      said.add(what);
      out.push({
        kind: "field",
        what,
        from: from + m.index,
        to: from + m.index + m[0].length,
        reason: `Airflow renders a deadline's alert with ${m[1] === "dag_run" ? "the run as the REST API gives it (JSON)" : "the deadline's id and deadline_time"}, which has no '${field}': it renders as nothing, and a read or call on it fails the alert, which is then not sent`,
        hint:
          m[1] === "dag_run" && field === "run_id"
            ? "read dag_run.dag_run_id, the run's id there"
            : DEADLINE_HINT,
      });
    }
  }
  for (const { from, body } of parts) {
    for (const m of body.matchAll(
      /\bdag_run\.(\w+)\s*\|\s*(ds_nodash|ds|ts_nodash_with_tz|ts_nodash|ts)\b/g,
    )) {
      const method = m[2]?.startsWith("ts") ? "isoformat" : "strftime";
      out.push({
        kind: "filter",
        what: m[0],
        from: from + m.index,
        to: from + m.index + m[0].length,
        reason: `Airflow renders a deadline's alert with the run as the REST API gives it, whose dag_run.${m[1]} is text (or None, which prints as None), and the ${m[2]} filter calls ${method} on it, so the alert fails to render and is not sent`,
        hint: `print it as it is, {{ dag_run.${m[1]} }}, or filter the deadline's own date, {{ deadline.deadline_time | ${m[2]} }}`,
      });
    }
  }
  return out;
}

/** The fix of a template Jinja cannot compile. */
export const JINJA_COMPILE_FIX =
  "write it as Jinja accepts it, or keep text Jinja should not read in {% raw %}...{% endraw %}";

/** The fix of a template reading `name`, which the context lacks (`near`: a close name). */
export function undefinedNameFix(name: string, near: string | undefined): string {
  return `${near ? `did you mean '${near}'? ` : ""}read a context variable (ds, params.<name>, var.value.<name>, ti.xcom_pull(...)), give a fallback ({{ ${name} | default('') }}), or keep text Jinja should not read in {% raw %}...{% endraw %}`;
}

/**
 * The `get` methods of the accessors a template reads variables and connections through, with
 * their parameters as the pinned Airflow 3 and 2 define them (test/engines/jinja-context.test.ts
 * renders calls of them with the real classes): the same but for conn.get's first one, `conn_id`
 * on Airflow 3 and `key` on 2 (`aliases`: either is taken, as the file may be for either).
 * Older releases' `var.value.get` took `default_var=`, as `airflow.models.Variable.get` still
 * does; the pinned 2.11 and 3.3 take `default=`, so templates written for it fail with a TypeError.
 */
const ACCESSOR_GETS: readonly {
  readonly call: RegExp;
  readonly params: readonly string[];
  readonly aliases?: readonly string[];
}[] = [
  {
    call: /(?<![.\w])var\s*\.\s*(value|json)\s*\.\s*get\s*\(/g,
    params: ["key", "default"],
  },
  {
    call: /(?<![.\w])conn\s*\.\s*get\s*\(/g,
    params: ["conn_id", "default_conn"],
    aliases: ["key"],
  },
];

/** A call in a template that Airflow's accessor refuses with a TypeError when it renders it. */
export interface TemplateCallProblem {
  /** Offsets into the text of the argument at fault (or of the call). */
  readonly from: number;
  readonly to: number;
  /** As Python says it, e.g. "var.value.get() got an unexpected keyword argument 'default_var'". */
  readonly message: string;
  readonly fix: string;
}

/**
 * Calls of `var.value.get`, `var.json.get` and `conn.get` in a template's code whose arguments
 * the accessor does not take: a keyword it has no parameter for (`default_var=`, a conn's
 * `default=`) or more positional arguments than it has parameters. Python raises a TypeError
 * binding them, before any lookup: the task fails every run, whatever the variable holds.
 */
export function templateCallProblems(text: string): TemplateCallProblem[] {
  const out: TemplateCallProblem[] = [];
  if (!text.includes("get")) return out;
  for (const { base, inner } of jinjaCode(text)) {
    if (!inner.includes("get")) continue;
    // String literals blanked to spaces: their text is no code, and offsets still hold.
    const code = inner.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, (m) => " ".repeat(m.length));
    for (const accessor of ACCESSOR_GETS) {
      for (const m of code.matchAll(accessor.call)) {
        const name = m[0].replace(/\s+/g, "").slice(0, -1);
        const open = (m.index ?? 0) + m[0].length - 1;
        const args = topLevelArguments(code, open);
        if (args === null) continue;
        let positional = 0;
        let unknown = false; // *args or **kwargs: what they hold is not in the text
        let named = false; // the first parameter given by name
        const problem = (
          arg: { text: string; from: number },
          message: string,
          keyword: string | null,
        ) => {
          const text = inner.slice(arg.from, arg.from + arg.text.length);
          out.push({
            from: base + arg.from + (text.length - text.trimStart().length),
            to: base + arg.from + text.trimEnd().length,
            message,
            fix: accessorFix(name, accessor.params, keyword),
          });
        };
        for (const arg of args) {
          const keyword = /^\s*([A-Za-z_]\w*)\s*=(?!=)/.exec(arg.text)?.[1];
          if (keyword !== undefined) {
            const first = keyword === accessor.params[0] || accessor.aliases?.includes(keyword);
            if (first) named = true;
            else if (!accessor.params.includes(keyword))
              problem(arg, `${name}() got an unexpected keyword argument '${keyword}'`, keyword);
          } else if (/^\s*\*/.test(arg.text)) unknown = true;
          else if (inner.slice(arg.from, arg.from + arg.text.length).trim() === "") {
            // `get('x',)`: a trailing comma.
          } else if (++positional === accessor.params.length + 1) {
            problem(
              arg,
              `${name}() takes ${accessor.params.length} arguments (${accessor.params.join(", ")}) but more were given`,
              null,
            );
          }
        }
        if (positional === 0 && !named && !unknown) {
          problem(
            { text: code.slice(m.index ?? 0, open + 1), from: m.index ?? 0 },
            `${name}() is missing its ${accessor.params[0]} argument`,
            null,
          );
        }
      }
    }
  }
  return out.sort((a, b) => a.from - b.from);
}

function accessorFix(name: string, params: readonly string[], keyword: string | null): string {
  const [key, fallback] = params;
  const example =
    name === "conn.get"
      ? "{{ conn.get('my_conn', default_conn=None) }}"
      : `{{ ${name}('my_key', 'fallback') }}`;
  return keyword !== null && /^default/.test(keyword)
    ? `pass the fallback as ${fallback}=... or as the second argument: ${example}`
    : `${name}() takes ${key} and ${fallback} only: ${example}`;
}

/**
 * The arguments of the call whose `(` is at `open` in code with its strings blanked, each with
 * its offset: split on commas outside brackets; null when the call is never closed.
 */
function topLevelArguments(code: string, open: number): { text: string; from: number }[] | null {
  const out: { text: string; from: number }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (--depth === 0) {
        out.push({ text: code.slice(start, i), from: start });
        return out;
      }
    } else if (c === "," && depth === 1) {
      out.push({ text: code.slice(start, i), from: start });
      start = i + 1;
    }
  }
  return null;
}

/**
 * The task context keys of the pinned Airflow 3.3 and 2.11 (KNOWN_CONTEXT_KEYS, read from both
 * by test/engines/operator-params.test.ts). When the @task decorator binds a call to its
 * function, it gives each parameter named for one of them a default of None: the task fills it
 * from the context when it runs, so the call need not pass it. A default other than None for
 * such a parameter it refuses ("Context key parameter ds can't have a default other than None").
 */
export const AIRFLOW_CONTEXT_KEYS_OF: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  3: new Set(
    "asset_state_store conn dag dag_run data_interval_end data_interval_start ds ds_nodash exception expanded_ti_count inlet_events inlets logical_date macros map_index_template outlet_events outlets params partition_date partition_key prev_data_interval_end_success prev_data_interval_start_success prev_end_date_success prev_start_date_success reason run_id task task_instance task_instance_key_str task_reschedule_count task_state_store templates_dict test_mode ti triggering_asset_events try_number ts ts_nodash ts_nodash_with_tz var".split(
      " ",
    ),
  ),
  2: new Set(
    "conf conn dag dag_run data_interval_end data_interval_start ds ds_nodash exception execution_date expanded_ti_count inlet_events inlets logical_date macros map_index_template next_ds next_ds_nodash next_execution_date outlet_events outlets params prev_data_interval_end_success prev_data_interval_start_success prev_ds prev_ds_nodash prev_end_date_success prev_execution_date prev_execution_date_success prev_start_date_success reason run_id task task_instance task_instance_key_str templates_dict test_mode ti tomorrow_ds tomorrow_ds_nodash triggering_dataset_events try_number ts ts_nodash ts_nodash_with_tz var yesterday_ds yesterday_ds_nodash".split(
      " ",
    ),
  ),
};

/** The task context keys of Airflow 3 and 2 together (AIRFLOW_CONTEXT_KEYS_OF). */
export const AIRFLOW_CONTEXT_KEYS: ReadonlySet<string> = new Set([
  ...AIRFLOW_CONTEXT_KEYS_OF[3],
  ...AIRFLOW_CONTEXT_KEYS_OF[2],
]);
