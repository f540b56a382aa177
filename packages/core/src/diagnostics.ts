/**
 * The one table of diagnostics. Codes are stable: MLG1xxx are DSL and graph errors,
 * MLG2xxx lint rules, MLG3xxx target limits. docs/diagnostics.md is generated from it.
 */
export const DIAGNOSTICS = {
  MLG1001: {
    severity: "error",
    message: "{what} id '{id}' is used more than once{first}",
    fix: "give each task and group a unique id within the pipeline (a task in a group is <group>.<id>)",
  },
  MLG1002: {
    severity: "error",
    message: "tasks form a cycle: {cycle}",
    fix: "remove one of the dependencies (an input or an .after()) so the graph has no loop",
  },
  MLG1003: {
    severity: "error",
    message: "{where} reads output '{output}' of task '{task}', which declares no such output",
    fix: "{suggestion}declare '{output}' in the outputs of '{task}' (declared: {declared})",
  },
  MLG1004: {
    severity: "error",
    message: "{where} depends on task '{task}', which does not exist in pipeline '{pipeline}'",
    fix: "define task '{task}' in this pipeline or remove the reference",
  },
  MLG1005: {
    severity: "error",
    message: "invalid schedule '{schedule}': {reason}",
    fix: "use a 5-field cron expression such as '0 3 * * *', a preset ({presets}) or null",
  },
  MLG1006: {
    severity: "error",
    message: "{what} '{id}' is not a valid Airflow id: {reason}",
    fix: "use only {allowed}, at most {max} characters",
  },
  MLG1007: {
    severity: "error",
    message: "Python module '{module}' used by {user} was not found",
    fix: "create {module} relative to the project root, or fix the path in {field}",
  },
  MLG1008: {
    severity: "error",
    message: "function '{function}' used by {user} is not defined at top level of {module}",
    fix: "{suggestion}define `def {function}(...)` in {module}, or fix the name in {field}",
  },
  MLG1009: {
    severity: "error",
    message: "config file {file} could not be loaded: {reason}",
    fix: "{hint}",
  },
  MLG1010: {
    severity: "error",
    message: "{file} does not export a pipeline",
    fix: "export the pipeline as the default export: `export default pipeline('id', options, (p) => ...)`",
  },
  MLG1011: {
    severity: "error",
    message: "invalid {what}: {reason}",
    fix: "{hint}",
  },
  MLG1012: {
    severity: "error",
    message: "pipeline id '{id}' is defined twice: here and at {first}",
    fix: "give each pipeline a unique id; each becomes one DAG file",
  },
  MLG1013: {
    severity: "error",
    message: "{where} reads param '{param}', which pipeline '{pipeline}' does not declare",
    fix: "{suggestion}add '{param}' to the pipeline's params with a default",
  },
  MLG1014: {
    severity: "error",
    message: "pipeline module {file} failed while loading: {reason}",
    fix: "fix the error in the pipeline module at the place shown; set MLGEN_DEBUG=1 for the whole stack trace",
  },
  MLG1015: {
    severity: "error",
    message:
      "{where} uses env('{name}'), which an Airflow template (a bash or container env, a sensor's path, a trigger's conf, an operator's argument) cannot read at run time",
    fix:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax in the message, not a JS template
      "use variable() or a param instead; in a bash command, refer to ${name} itself (the task inherits the worker's environment)",
  },
  MLG1016: {
    severity: "error",
    message: "branch '{branch}' lists '{target}' in {side}, but '{target}' {reason}",
    fix: "a branch chooses among tasks that come after it: remove '{target}' from {side}, or remove what makes it run before '{branch}'",
  },
  MLG1017: {
    severity: "error",
    message:
      "task '{task}' runs right after branch '{branch}' but is not one of its targets, so Airflow would always skip it",
    fix: "add '{task}' to the branch's ifTrue or ifFalse, or make it run after one of the targets",
  },
  MLG1018: {
    severity: "error",
    message: "mapped task '{task}' maps over {what}, which is not a list",
    fix: 'map over an output declared "list" of an upstream task, a list param, or a literal array',
  },
  MLG1019: {
    severity: "warning",
    message:
      "sensor '{task}' waits up to {timeout} in poke mode, holding a worker slot the whole time",
    fix: 'use mode: "reschedule" (the default) or deferrable: true, or a timeout of at most an hour',
  },
  MLG1020: {
    severity: "error",
    message:
      "outputs '{first}' and '{second}' of task '{task}' are both mapped over; Airflow maps over one output per task (its return value)",
    fix: "map over one list output of '{task}', or split '{task}' into two tasks",
  },
  MLG1021: {
    severity: "error",
    message: "{file} threw after it was loaded ({how}): {reason}",
    fix: "await the promise (pipeline and config modules may use top-level await) or catch the error, so that mlgen sees it while it loads the module and can report it with the other problems",
  },
  MLG1022: {
    severity: "error",
    message: "there is no option '{key}' in {what}, so it would be ignored",
    fix: "{hint}",
  },
  MLG1023: {
    severity: "error",
    message:
      "{file} is not valid Python: {detail}; every task that imports it would fail when it runs",
    fix: "fix it where shown; `python -m py_compile {file}` prints Python's own message",
  },
  MLG1024: {
    severity: "warning",
    message:
      "param '{param}' is an integer param (its default {value} is a whole number) and feeds '{parameter}: float' of {function}(), so a run given a fraction (0.5) is refused by Airflow's param check and by Kubeflow's input type",
    fix: "{hint}",
  },
  MLG1025: {
    severity: "warning",
    message:
      "task '{task}' joins both sides of branch '{branch}', and its trigger rule all_success, set on it, skips it on every run: one side is always skipped",
    fix: "drop triggerRule from '{task}' (mlgen gives a join none_failed_min_one_success), or set the rule the join needs",
  },
  MLG1026: {
    severity: "warning",
    message:
      "{what} is {kind} and feeds '{parameter}: {annotation}' of {function}(): the function is called with {kind} value, on Airflow and on Kubeflow alike, which its annotation does not allow",
    fix: "{hint}",
  },
  MLG1027: {
    severity: "warning",
    message:
      "task '{task}' has trigger rule {rule} and reads output '{output}' of task '{source}': reading it makes '{source}' upstream, and {rule} runs '{task}' only when '{source}' {ends}, which leaves no output to read",
    fix: "drop the input (read the value another way, or from a task that runs), or use a trigger rule the producer can satisfy (all_done, one_failed)",
  },
  MLG1028: {
    severity: "warning",
    message:
      "input '{input}' of task '{task}' holds an Airflow template ('{text}') as a plain string, which a Python task gets as written, never rendered",
    fix: "write template('{text}') to have Airflow render it; keep the plain string only if the function renders it itself",
  },
  MLG1029: {
    severity: "warning",
    message:
      "sensor '{task}' has a timeout of {timeout} in poke mode, but its executionTimeout of {executionTimeout} ends each try first: it fails with a task timeout (and is retried) before its own timeout is reached",
    fix: "give the sensor an executionTimeout longer than its timeout, or a timeout within its executionTimeout; in reschedule mode (the default) the timeout counts across the tries",
  },
  MLG1030: {
    severity: "warning",
    message:
      "task '{task}' maps over the output of '{producer}', itself mapped, and runs after a failure ({rule}): an instance of '{producer}' that fails leaves no item, so the items of '{task}' need not line up with the instances of '{producer}'",
    fix: "pair values inside one task (have '{producer}' return what '{task}' needs), or let '{task}' run only when all of '{producer}' succeeded (the default trigger rule)",
  },
  MLG1031: {
    severity: "warning",
    message:
      "function '{function}' of task '{task}' reads Airflow's context from **{param} ({reads}), which it never gets: the task calls it with its inputs only, so the read fails (KeyError) or gives None when the task runs",
    fix: "pass what it reads as inputs ({example}) and take them as parameters; the same call then works on Kubeflow too",
  },
  MLG1032: {
    severity: "error",
    message: "input '{input}' of task '{task}' is oneOf({refs}), {reason}",
    fix: "{hint}",
  },
  MLG1033: {
    severity: "warning",
    message:
      "task '{task}' reads output '{output}' of '{source}', which runs only on its side of branch '{branch}'; when the branch follows {other}, '{task}' still runs ({rule}) and {function}() gets None for '{parameter}' on Airflow (Kubeflow refuses the read, MLG3001)",
    fix: "{hint}",
  },
  MLG1034: {
    severity: "error",
    message: "task '{task}' starts pipeline '{target}' with conf key '{key}', {problem}",
    fix: "{hint}",
  },
  MLG1035: {
    severity: "warning",
    message:
      "task '{task}' sends output '{output}' of '{source}' as conf key '{key}', and '{source}' runs only on its side of branch '{branch}'; when the branch follows {other}, '{task}' still runs ({rule}) and sends null, which Airflow's check of a typed param refuses: the task fails and no run is started",
    fix: "{hint}",
  },
  MLG1036: {
    severity: "warning",
    message:
      "task '{task}' {does} DAG '{target}', which none of the pipelines compiled with it is, and '{near}' is a letter or two off it: {outcome}",
    fix: "did you mean '{near}'? {fix}; if '{target}' is a DAG written elsewhere, accept this with `// mlgen-disable-next-line MLG1036` above the call",
  },
  MLG1037: {
    severity: "warning",
    message:
      "trigger '{task}' starts pipeline '{target}' for a logicalDate, and '{target}' has a schedule of its own, whose runs hold logical dates too (Airflow keeps one run per pipeline and date): {outcome}",
    fix: "start a pipeline without a schedule this way (schedule: null), or leave logicalDate out (the run is then started for the time the task runs)",
  },
  MLG1038: {
    severity: "warning",
    message:
      "the condition of '{task}' reads output '{output}' of '{source}', which runs only on its side of branch '{branch}'; when the branch follows {other}, '{task}' still runs ({rule}) and reads None there on Airflow, which {outcome} (Kubeflow refuses the read, MLG3001)",
    fix: "{hint}",
  },
  MLG1039: {
    severity: "warning",
    message: "trigger '{task}' sets skipWhenExists, {reason}, so it never skips",
    fix: "{hint}",
  },
  MLG1040: {
    severity: "warning",
    message:
      "param '{param}' is an integer param (its default {value} is a whole number) and the {what} compares it with {other}, so a run given a fraction ({example}) is refused by Airflow's param check and by Kubeflow's input type",
    fix: "{hint}",
  },
  MLG1041: {
    severity: "warning",
    message:
      "branch '{branch}' {side} lists '{target}', a task of task group '{group}' that runs after {before} of the group, which {verb} whichever way the branch goes: Airflow skips only the tasks after the branch",
    fix: "{hint}",
  },
  MLG1042: {
    severity: "warning",
    message:
      "{function}() returns {returned}, and task '{task}' declares outputs {outputs}: the task fails once the function has run, when its outputs are pushed",
    fix: "{hint}",
  },
  MLG1043: {
    severity: "warning",
    message: "schedule '{schedule}': its {reason}",
    fix: "{fix}",
  },
  MLG1044: {
    severity: "warning",
    message:
      "{function}() starts an MLflow run of its own, and task '{task}' runs it inside one (mlflow: true): MLflow refuses a second active run ('Run ... is already active'), so the task fails",
    fix: "log into the task's run (mlflow.log_metric(...), mlflow.sklearn.log_model(...)), start a child of it with mlflow.start_run(nested=True), or drop mlflow: true and manage the run yourself",
  },
  MLG1045: {
    severity: "warning",
    message:
      "task '{task}' has trigger rule '{rule}', and comes after short-circuit '{gate}': when its condition does not hold, everything after '{gate}' is skipped whatever its rule (Airflow's ShortCircuitOperator, Kubeflow's dsl.If), so '{rule}' never runs '{task}' then",
    fix: "to run '{task}' either way, put it after what comes before '{gate}' (not after '{gate}'){alternative}",
  },
  MLG1046: {
    severity: "warning",
    message:
      "pipeline '{pipeline}' has a dagrunTimeout of {timeout} and {teardowns}: Airflow fails a run that reaches it and skips every task not done yet, teardowns too, so what their setups made is left behind",
    fix: "bound the work with an executionTimeout on its tasks instead (a task that times out fails, and the teardowns after it still run), or leave dagrunTimeout out",
  },
  MLG1047: {
    severity: "error",
    message:
      "{where} of task '{task}' reads optional param '{param}', whose value is null when a run leaves it unset: {reason}",
    fix: "{hint}",
  },
  MLG1048: {
    severity: "warning",
    message:
      "task '{task}' passes optional param '{param}' to parameter '{parameter}' of {function}(), annotated '{annotation}', which does not take None: a run that leaves the param unset calls {function}() with None there",
    fix: "annotate the parameter as optional ({parameter}: {annotation} | None) and handle None, or give param '{param}' a default of its type",
  },
  MLG1049: {
    severity: "warning",
    message:
      "{where} of task '{task}' prints optional param '{param}' ({at}), which Airflow renders as the text 'None' when a run leaves it unset (a default filter replaces an undefined value, not None)",
    fix: "{hint}",
  },
  MLG1050: {
    severity: "error",
    message:
      "{where} of task '{task}' computes with optional param '{param}' ({at}), and Python raises a TypeError on None there, so the task fails when a run leaves it unset",
    fix: "{hint}",
  },
  MLG1051: {
    severity: "warning",
    message:
      "{what} of pipeline '{pipeline}' counts from the logical date, and {runs} on Airflow 3: such a run gets no deadline (Airflow's log says so, nothing else), and is never alerted however late it is",
    fix: "{hint}",
  },
  MLG1052: {
    severity: "warning",
    message:
      "{what} of pipeline '{pipeline}' counts {within} from the logical date, which with dataIntervals is the start of a run's interval, at least {period} before the run is made: the deadline has passed when the run starts, and every run of the schedule is alerted",
    fix: "count from when the run was queued (from: \"queued\"), or give within more than the interval's length; without dataIntervals a run's logical date is its own scheduled time",
  },
  MLG1053: {
    severity: "warning",
    message: "latest-only gate '{task}' {outcome}: pipeline '{pipeline}' {reason}",
    fix: "{hint}",
  },
  MLG1055: {
    severity: "warning",
    message:
      "task '{task}' has trigger rule '{rule}', and comes right after latest-only gate '{gate}': in a run of a past interval the gate skips it whatever its rule (Airflow's LatestOnlyOperator skips the tasks right after it), so '{rule}' does not run it then",
    fix: "to run '{task}' in every run, put it after what comes before '{gate}' instead; after a task the gate skips, its rule decides again",
  },
  MLG1054: {
    severity: "warning",
    message:
      "latest-only gate '{task}' runs after {before}: Airflow's LatestOnlyOperator judges a run by the clock when the gate runs, and once the schedule's next run is due the run is no longer the latest, so when the tasks before '{task}' take longer than the schedule's interval it skips {after} in the latest run too",
    fix: "put '{task}' first, with nothing before it, and each task it gates after it and after what that task needs ({example}), as Airflow's own examples do",
  },
  MLG2001: {
    severity: "error",
    message: "task '{task}' reads XCom '{key}' of task '{source}', {reason}",
    fix: "{hint}",
  },
  MLG2002: {
    severity: "warning",
    message: "{where} of task '{task}' holds the local path '{path}', {risk}",
    fix: "{hint}",
  },
  MLG2003: {
    severity: "warning",
    message: "task '{task}' has no {setting}, so {consequence}",
    fix: "{hint}",
  },
  MLG2004: {
    severity: "warning",
    message:
      "task '{task}' sets no retries, so one transient failure (a network blip, a lost worker) fails the run",
    fix: "{hint}",
  },
  MLG2005: {
    severity: "warning",
    message: "{what} '{id}' alerts no one when a task fails",
    fix: "{hint}",
  },
  MLG2006: {
    severity: "warning",
    message:
      "sensor '{task}' waits up to {timeout} in poke mode, holding a worker slot the whole time",
    fix: "{hint}",
  },
  MLG2007: {
    severity: "info",
    message: "{what} '{key}' of task '{task}' is never read by another task",
    fix: "{hint}",
  },
  MLG2008: {
    severity: "warning",
    message:
      "training task '{task}' has no data validation upstream, so it trains on whatever arrives",
    fix: "{hint}",
  },
  MLG2009: {
    severity: "warning",
    message: "{what} runs at module level, every time the scheduler parses the file",
    fix: "{hint}",
  },
  MLG2010: {
    severity: "warning",
    message: "{what} was removed in Airflow 3",
    fix: "{hint}",
  },
  MLG2011: {
    severity: "warning",
    message:
      "start_date of DAG '{dag}' is computed when the file is parsed ({call}), so it moves on every parse",
    fix: 'use a fixed date, e.g. pendulum.datetime(2025, 1, 1, tz="UTC")',
  },
  MLG2012: {
    severity: "warning",
    message:
      "task '{task}' has an execution timeout ({timeout}) that the Kubeflow target drops: kubeflow.timeouts is off",
    fix: "set kubeflow.timeouts to true in mlgen.config.ts (the timeout becomes activeDeadlineSeconds in the Kubernetes platform spec), or compile for Airflow only",
  },
  MLG2013: {
    severity: "error",
    message:
      "invalid Python syntax: {detail}; Airflow cannot import the file, so none of its DAGs load",
    fix: "fix it where shown; `python -m py_compile <file>` prints Python's own message",
  },
  MLG2014: {
    severity: "error",
    message:
      "{what} in {where} of task '{task}': Airflow renders it with Jinja when the task runs, and {reason}, so the task fails every run",
    fix: "{hint}",
  },
  MLG2015: {
    severity: "error",
    message:
      "task id '{id}' {how} in DAG '{dag}': Airflow refuses the whole file when it parses it (DuplicateTaskIdFound), so none of its DAGs load",
    fix: "{hint}",
  },
  MLG2016: {
    severity: "error",
    message:
      "the dependencies of DAG '{dag}' form a cycle, {cycle}: Airflow refuses the whole file when it parses it (AirflowDagCycleException), so none of its DAGs load",
    fix: "remove the dependency that closes the loop (set here); work that must run again after a later task belongs in the next run, or in a DAG of its own",
  },
  MLG2017: {
    severity: "error",
    message:
      "{what}: Airflow refuses it when it builds the DAG ({reason}), so the whole file fails to import and none of its DAGs load",
    fix: "{hint}",
  },
  MLG2018: {
    severity: "error",
    message:
      "the @dag function '{name}' is never called when the file is parsed, so Airflow builds no DAG from it: the pipeline does not exist in Airflow",
    fix: "call it at module level, below its definition ({name}()); if another file calls it, say so here with # mlgen: disable=dag-never-called",
  },
  MLG2019: {
    severity: "error",
    message:
      "a dependency between task '{up}' of DAG '{upDag}' and task '{down}' of DAG '{downDag}': Airflow refuses the whole file when it parses it (tasks of two DAGs cannot depend on each other), so none of its DAGs load",
    fix: "keep dependencies inside one DAG; to make '{downDag}' wait for '{upDag}', schedule it on an asset '{upDag}' updates (outlets=[Asset(...)], schedule=[Asset(...)]), or use ExternalTaskSensor or TriggerDagRunOperator",
  },
  MLG2020: {
    severity: "error",
    message:
      "task '{id}' is made outside any DAG (not in a with DAG block or a @dag function, no dag=) and no dependency ties it to one, so Airflow puts it in no DAG: it never runs, and nothing says so",
    fix: "make it inside the with DAG(...) block, or pass dag={dag}",
  },
  MLG2021: {
    severity: "warning",
    message:
      "default_args key '{key}'{where} is no argument Airflow's operators take, so Airflow ignores it: its tasks run without it",
    fix: "{hint}",
  },
  MLG2022: {
    severity: "warning",
    message:
      "{dag} does not set catchup, and Airflow 2 catches up by default: when it is unpaused it starts a run at once for each interval of {schedule} since its start date{runs}, and again for each interval it missed while paused",
    fix: "set catchup=False on the DAG (Airflow 3's default), or catchup=True if the backfill is wanted: either way it then runs alike on Airflow 2 and 3",
  },
  MLG2023: {
    severity: "error",
    message:
      "{what} is written into {where}: anyone who can read the repository can read it (and the Airflow UI shows each DAG file's code), and the history keeps it after it is removed",
    fix: "{hint}",
  },
  MLG2024: {
    severity: "error",
    message: "{fn}() of task '{task}' returns {why}, {consequence}",
    fix: "{fix}",
  },
  MLG2025: {
    severity: "error",
    message:
      "{where} holds the template {jinja}, which Airflow never renders there ({reason}): the task gets the text itself, not its value",
    fix: "{hint}",
  },
  MLG2026: {
    severity: "error",
    message:
      "{dag} never runs: its {schedule} names a day that never comes ({reason}). Airflow loads and lists the DAG, finds no next run for it (its scheduler logs 'Failed to fetch run info'), and never runs it",
    fix: "name days every month has (1-28), the month's last day with 'L' (0 0 L 2 *), or the months that have the day (0 0 31 1,3,5,7,8,10,12 *)",
  },
  MLG2027: {
    severity: "error",
    message: "DAG id '{id}' is also defined {other}: {consequence}",
    fix: "give each DAG an id of its own (dag_id=...), or delete the copy (an old version, or a file copied to start a new DAG)",
  },
  MLG2028: {
    severity: "error",
    message: "sensor '{task}' waits for the run of DAG '{target}' at {looksFor}, but {outcome}",
    fix: "{fix}",
  },
  MLG2029: {
    severity: "error",
    message:
      "sensor '{task}' waits for the {missing} of DAG '{target}', which has none by that id: {outcome}",
    fix: "{fix}",
  },
  MLG2030: {
    severity: "error",
    message:
      "{made}, so Airflow finds {them} only among the module's names once the file has run: {holds}, and says nothing",
    fix: "{fix}",
  },
  MLG2031: {
    severity: "error",
    message: "branch '{task}' {returns} '{target}', {problem}",
    fix: "{fix}",
  },
  MLG2032: {
    severity: "error",
    message:
      "task '{task}' waits for {sides} of branch '{branch}' with trigger rule all_success, and the branch follows one side at most, so {consequence}",
    fix: "{fix}",
  },
  MLG2033: {
    severity: "error",
    message: "{task} calls {fn}() {problem}",
    fix: "{fix}",
  },
  MLG2034: {
    severity: "error",
    message:
      "task '{task}' pushes one XCom per key of what {fn}() returns ({why}), and it returns {what}: the task fails on every run, after its work ({error})",
    fix: "{fix}",
  },
  MLG2035: {
    severity: "error",
    message: "task '{task}' triggers DAG '{target}' with conf key '{key}', {problem}",
    fix: "{fix}",
  },
  MLG2036: {
    severity: "warning",
    message: "task '{task}' {does} DAG '{target}', which no linted file defines: {outcome}",
    fix: "{fix}",
  },
  MLG2037: {
    severity: "warning",
    message: "{dag}'s {schedule} does not run as often as it reads: its {reason}",
    fix: "{fix}",
  },
  MLG2038: {
    severity: "warning",
    message: "{what} '{id}' has a dagrun_timeout, and a run that times out alerts no one: {reason}",
    fix: "{hint}",
  },
  MLG2039: {
    severity: "warning",
    message: "{dag}'s failed runs can end success: {reason}",
    fix: "{hint}",
  },
  MLG2040: {
    severity: "warning",
    message: "{dag} has a dagrun_timeout and {teardowns}: {reason}",
    fix: "{hint}",
  },
  MLG2041: {
    severity: "warning",
    message: "{where} of task '{task}' prints param '{param}', whose default is None: {reason}",
    fix: "{hint}",
  },
  MLG2042: {
    severity: "error",
    message:
      "{where} of task '{task}' computes with param '{param}', whose default is None: {reason}",
    fix: "{hint}",
  },
  MLG2043: {
    severity: "warning",
    message:
      "a deadline alert of {dag} {reason} (Airflow's log says so, nothing else), and is never alerted however late it is",
    fix: "{hint}",
  },
  MLG2044: {
    severity: "warning",
    message: "{what} of a deadline alert of {dag}: {reason}",
    fix: "{hint}",
  },
  MLG3001: {
    severity: "error",
    message: "{what} cannot be expressed for {target}: {reason}",
    fix: "{hint}",
  },
  MLG3002: {
    severity: "warning",
    message: "{what} {is} approximated for {target}: {reason}",
    fix: "{hint} (`--strict` makes this an error; `// mlgen-disable-next-line MLG3002` above the call accepts it)",
  },
} as const satisfies Record<string, DiagnosticSpec>;

export type DiagnosticCode = keyof typeof DIAGNOSTICS;
export type Severity = "error" | "warning" | "info";

export interface DiagnosticSpec {
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
}

export interface SourceLocation {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** Where the text the diagnostic is about ends on its line (exclusive), when known. */
  readonly endColumn?: number;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly fix: string;
  /** Pipeline and task the finding is about, when it is about one. */
  readonly pipeline?: string;
  readonly task?: string;
  readonly location?: SourceLocation;
}

type Placeholders<S extends string> = S extends `${string}{${infer K}}${infer Rest}`
  ? K | Placeholders<Rest>
  : never;

export type DiagnosticArgs<C extends DiagnosticCode> = {
  readonly [K in
    | Placeholders<(typeof DIAGNOSTICS)[C]["message"]>
    | Placeholders<(typeof DIAGNOSTICS)[C]["fix"]>]: string | number;
};

/**
 * Control characters but tab: C0 (newline too: a forged line), DEL and C1; and the line
 * separators and bidirectional controls, which break a line or reorder what a terminal shows.
 */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * `text` with its control characters written as `\xNN` (`\uNNNN` beyond Latin-1): names and
 * values from the user's files reach terminals and CI logs through messages, where an escape
 * sequence, a carriage return, a newline or a right-to-left override would recolor, hide,
 * reorder or overwrite what is printed, or forge a line of its own.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

function fill(template: string, args: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in args ? printable(String(args[key])) : whole,
  );
}

export interface DiagnosticPlace {
  readonly pipeline?: string | undefined;
  readonly task?: string | undefined;
  readonly location?: SourceLocation | undefined;
}

/** Builds a diagnostic from the table; the placeholders are checked by the type system. */
export function diagnostic<C extends DiagnosticCode>(
  code: C,
  args: DiagnosticArgs<C>,
  place: DiagnosticPlace = {},
): Diagnostic {
  const spec: DiagnosticSpec = DIAGNOSTICS[code];
  return {
    code,
    severity: spec.severity,
    message: fill(spec.message, args),
    fix: fill(spec.fix, args),
    ...(place.pipeline !== undefined ? { pipeline: place.pipeline } : {}),
    ...(place.task !== undefined ? { task: place.task } : {}),
    ...(place.location !== undefined ? { location: place.location } : {}),
  };
}

export function formatLocation(loc: SourceLocation): string {
  const file = printable(loc.file);
  if (loc.line === undefined) return file;
  return loc.column === undefined ? `${file}:${loc.line}` : `${file}:${loc.line}:${loc.column}`;
}

/** `file:line:col: error MLG1001: message\n  fix: ...` — what compilers print. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${formatLocation(d.location)}: ` : "";
  return `${where}${d.severity} ${d.code}: ${d.message}\n  fix: ${d.fix}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
