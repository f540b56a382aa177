import {
  AIRFLOW_JINJA,
  AIRFLOW_TEMPLATE_CONTEXT,
  AIRFLOW3_REMOVED_CONTEXT,
  type Alert,
  closestName,
  commandTexts,
  cronTimes,
  DATE_FILTERS,
  type Diagnostic,
  deadlineProblemSubject,
  deadlineTemplateProblems,
  diagnostic,
  effectiveOptions,
  humanDuration,
  JINJA_COMPILE_FIX,
  jinjaCompileProblems,
  jinjaDelimiterProblem,
  jinjaNameUses,
  jinjaNoneGuard,
  jinjaParamReads,
  jinjaTestedParams,
  LOGICAL_DATE_CONTEXT,
  mayHoldJinja,
  type Pipeline,
  PRESET_CRON,
  paramsInOrder,
  RUN_DATE_EXPRESSION,
  removedContextHint,
  resolveOptions,
  SENSOR_DEFAULT_TIMEOUT,
  targetTasks,
  taskKey,
  taskKubeflow,
  taskValues,
  templateCallProblems,
  templateNames,
  undefinedNameFix,
  undefinedTemplateNames,
  visitValue,
} from "@mlgen/core";
import { afterSetupProblems } from "../../passes/check-setup-teardown.js";
import type { TargetInput } from "../../target.js";
import type { Dialect } from "./dialect.js";

/** What the chosen Airflow version cannot express, reported before anything is written. */

/** What to write for a logical-date context variable that a run may lack, for that variable. */
function runDateHint(name: string): string {
  const date = RUN_DATE_EXPRESSION;
  const example = DATE_FILTERS.has(name)
    ? `{{ ${date} | ${name} }} for ${name}`
    : name === "logical_date"
      ? `{{ ${date} }} for logical_date`
      : `{{ ${date} | ds }} for ds`;
  return `read ${date} instead, which every run has on Airflow 3 and 2: ${example}`;
}

/** Context variables Airflow 3 removed, reported with their replacements, not as unknown. */
const REMOVED_NAMES = Object.keys(AIRFLOW3_REMOVED_CONTEXT);

/** Where an option was set, when not on a task: a group's (null: the pipeline's). */
interface Place {
  readonly group?: string;
}

/**
 * The shortest time between two runs of the pipeline's cron schedule, read over nine years
 * (leap days and year ends included), less an hour in a time zone whose daylight-saving change
 * can shorten a day; null for a schedule without one, or one cronTimes does not model.
 */
function shortestPeriod(ir: Pipeline): number | null {
  const timed = ir.schedule.kind === "assets" ? ir.schedule.time : ir.schedule;
  if (timed === null) return null;
  const cron =
    timed.kind === "cron"
      ? timed.expression
      : timed.kind === "preset"
        ? PRESET_CRON[timed.preset]
        : undefined;
  if (cron === undefined) return null;
  const times = cronTimes(
    cron,
    new Date(Date.UTC(2024, 0, 1)),
    new Date(Date.UTC(2033, 0, 2)),
    10_000,
  );
  if (times === null || times.length < 2) return null;
  let shortest = Number.POSITIVE_INFINITY;
  for (let k = 1; k < times.length; k++) {
    shortest = Math.min(
      shortest,
      ((times[k] as Date).getTime() - (times[k - 1] as Date).getTime()) / 1000,
    );
  }
  const zoned = ir.timezone !== null && ir.timezone !== "UTC";
  return zoned && shortest > 3600 ? shortest - 3600 : shortest;
}

export function validateDialect(input: TargetInput, dialect: Dialect): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { ir, sourceMap } = input;
  /**
   * MLG3001 (cannot be expressed: an error) or MLG3002 (approximated: a warning); `plural`
   * when `what` is ("the kubeflow volumes of ..." are approximated).
   */
  const emit =
    (code: "MLG3001" | "MLG3002") =>
    (what: string, reason: string, hint: string, at?: string | Place, plural = false) => {
      // A task's id, or a group's option (said where the group is written).
      const task = typeof at === "string" ? at : undefined;
      const location =
        typeof at === "string"
          ? sourceMap[taskKey(at)]
          : at?.group !== undefined
            ? (sourceMap[`group:${at.group}`] ?? sourceMap.pipeline)
            : sourceMap.pipeline;
      out.push(
        diagnostic(
          code,
          { what, target: dialect.label, reason, hint, is: plural ? "are" : "is" },
          { pipeline: ir.id, task, location },
        ),
      );
    };
  const report = emit("MLG3001");
  const warn = emit("MLG3002");
  for (const p of afterSetupProblems(ir)) report(p.what, p.reason, p.hint, p.task);
  if (dialect.version === 2 && ir.startDate === null && ir.schedule.kind !== "none") {
    report(
      "a schedule without a start date",
      "Airflow 2 refuses to load a scheduled DAG without start_date ('DAG is missing the start_date parameter')",
      "set startDate on the pipeline, e.g. startDate: '2025-01-01', or emit for Airflow 3",
    );
  }
  // The helper task written next to a task (the list of a map over a param, the empty task
  // before a join) sits in the task's group, so its id starts with the group's: a group id too
  // long for one more word leaves it no id Airflow takes.
  for (const t of ir.tasks) {
    if (t.group === null) continue;
    const suffix =
      t.kind === "python" && t.map?.over.kind === "param"
        ? "items"
        : t.joined !== undefined
          ? "join"
          : null;
    if (suffix === null || t.group.length + 1 + suffix.length <= 250) continue;
    report(
      `the ${suffix === "items" ? "list task before this mapped task" : "empty task before this join"}`,
      `it goes in group '${t.group}', whose id is ${t.group.length} characters, and Airflow refuses a task id over 250 characters ('${t.group}.${suffix}' would be ${t.group.length + 1 + suffix.length})`,
      `shorten the group id to at most ${249 - suffix.length} characters`,
      t.id,
    );
  }
  // Airflow facts, not the pipeline's: the Kubeflow target has no catchup, and maps over any
  // number of a task's outputs.
  const timed = ir.schedule.kind === "assets" ? ir.schedule.time : ir.schedule;
  if (ir.catchup && ir.startDate === null && timed !== null && timed.kind !== "none") {
    out.push(
      diagnostic(
        "MLG1011",
        {
          what: "catchup without a start date",
          reason:
            "Airflow 3 refuses the DAG file ('start_date is required when catchup=True'), and Airflow 2 has no date to catch up from",
          hint: "set startDate on the pipeline, e.g. startDate: '2025-01-01', or leave catchup off",
        },
        { pipeline: ir.id, location: sourceMap.pipeline },
      ),
    );
  }
  // A python task's Kubeflow image, packages, resources and placement only say how its pod is
  // made, and are left out here quietly (the task runs in its worker). Its pod's variables and
  // volumes are what the function reads: on a worker they are not there.
  for (const task of ir.tasks) {
    const kf = taskKubeflow(task);
    if (!kf) continue;
    const env = (kf.env ?? []).map((e) => e.name);
    if (env.length > 0) {
      warn(
        `kubeflow.env of task '${task.id}' (${env.join(", ")})`,
        "a python task runs in an Airflow worker, whose environment mlgen does not set per task, so the function reads the worker's variables (or none)",
        "set the variables on the workers, or pass the values as the task's inputs (a param, variable()) to have them on both targets",
        task.id,
      );
    }
    const mounts = [
      ...(kf.shm !== undefined ? ["/dev/shm"] : []),
      ...(kf.pvcs ?? []).map((v) => v.mountPath),
      ...(kf.emptyDirs ?? []).map((v) => v.mountPath),
    ];
    if (mounts.length > 0) {
      warn(
        `the kubeflow volume${mounts.length > 1 ? "s" : ""} of task '${task.id}' at ${mounts.join(", ")}`,
        "a python task runs in an Airflow worker, which mounts no volumes per task, so the function finds there only what the worker has at those paths",
        "mount the storage on the workers at the same paths, or read the data from shared storage (s3://, gs://) on both targets",
        task.id,
        mounts.length > 1,
      );
    }
  }
  const mappedOver = new Map<string, string>();
  for (const task of ir.tasks) {
    const over = task.kind === "python" ? task.map?.over : undefined;
    if (over?.kind !== "ref") continue;
    const first = mappedOver.get(over.task);
    if (first !== undefined && first !== over.output) {
      out.push(
        diagnostic(
          "MLG1020",
          { task: over.task, first, second: over.output },
          { pipeline: ir.id, task: task.id, location: sourceMap[taskKey(task.id)] },
        ),
      );
    }
    mappedOver.set(over.task, over.output);
  }
  const layers = [
    { where: "the pipeline defaults", options: ir.defaults, task: undefined },
    ...Object.values(ir.groups).map((g) => ({
      where: `group '${g.id}'`,
      options: resolveOptions(ir, g.id, g.options),
      task: { group: g.id } as Place,
    })),
    ...ir.tasks.map((t) => ({
      where: `task '${t.id}'`,
      options: effectiveOptions(ir, t),
      task: t.id,
    })),
  ];
  const unknownRules = new Set<string>();
  for (const { where, options, task } of layers) {
    const rule = options.triggerRule;
    if (rule === null || dialect.triggerRules.includes(rule) || unknownRules.has(rule)) continue;
    unknownRules.add(rule);
    report(
      `triggerRule '${rule}' (${where})`,
      `it is not a trigger rule of Airflow ${dialect.version}, which refuses to load the whole DAG file`,
      rule === "all_done_min_one_success"
        ? "use 'all_done' and check in the task that one upstream task succeeded, or emit for Airflow 3 (--airflow-version 3)"
        : "use another trigger rule, or emit for Airflow 3 (--airflow-version 3)",
      task,
    );
  }
  // Names Airflow 3 removed are reported below with what replaces them.
  const context = new Set(templateNames([dialect.version]));
  if (dialect.version === 3) for (const name of REMOVED_NAMES) context.add(name);
  const contextNames = [...AIRFLOW_TEMPLATE_CONTEXT[dialect.version]];
  // A DAG callback's context has the run's end reason too.
  const runContext = new Set([...context, ...RUN_CALLBACK_CONTEXT]);
  /** The template from `at`: to the end of the tag there (up to 60 characters), else 24. */
  const shownAt = (text: string, at: number) => {
    const close = /\}\}|%\}/g;
    close.lastIndex = at;
    const tag = close.exec(text);
    let end = tag && tag.index + 2 - at <= 60 ? tag.index + 2 : at + 24;
    if (text.length - end <= 3) end = text.length;
    return `'${text.slice(at, end).replace(/\s+/g, " ")}${text.length > end ? "..." : ""}'`;
  };
  for (const { where, task, text, runAlert } of renderedTexts(ir)) {
    if (!mayHoldJinja(text)) continue;
    const problem = jinjaDelimiterProblem(text);
    if (!problem) {
      // Jinja compiles the template first: a statement, filter or test it does not know fails
      // the task whatever the context holds.
      const compile = jinjaCompileProblems(text, AIRFLOW_JINJA)[0];
      if (compile) {
        report(
          `the template in ${where} (${shownAt(text, compile.at)})`,
          `Airflow renders it with Jinja when the task runs, and Jinja cannot compile it: ${compile.message}, so the task fails every run`,
          JINJA_COMPILE_FIX,
          task,
        );
        continue;
      }
      // `var.value.get('k', default_var='d')`: the accessor's TypeError, whatever it reads.
      for (const call of templateCallProblems(text)) {
        report(
          `the template in ${where} (${shownAt(text, call.from)})`,
          `Airflow renders it with Jinja when the task runs, and ${call.message} (a TypeError), so the task fails every run`,
          call.fix,
          task,
        );
      }
      // Airflow renders with StrictUndefined: a name the context lacks fails the render.
      for (const use of undefinedTemplateNames(text, runAlert ? runContext : context)) {
        const name = use.name;
        const near = closestName(name, contextNames);
        report(
          `template variable '${name}' in ${where} (${shownAt(text, Math.max(0, text.lastIndexOf("{{", use.from), text.lastIndexOf("{%", use.from)))})`,
          `Airflow renders it with Jinja when the task runs, and the task's context has no '${name}' (Airflow ${dialect.version} renders an undefined name as an error), so the task fails every run`,
          undefinedNameFix(name, near),
          task,
        );
      }
      // A run's alert renders in a DAG callback's context: no exception ever, and on Airflow 3
      // only dag, run_id and reason when no task instance is at hand.
      if (runAlert) {
        for (const use of undefinedTemplateNames(text, RUN_CALLBACK_CONTEXT)) {
          if (!context.has(use.name)) continue;
          const at = shownAt(
            text,
            Math.max(0, text.lastIndexOf("{{", use.from), text.lastIndexOf("{%", use.from)),
          );
          if (use.name === "exception") {
            report(
              `template variable 'exception' in ${where} (${at})`,
              "a DAG callback's context has no exception (a task's failure callback has), so the alert fails to render and is not sent",
              "say the run's reason instead: {{ reason }} (task_failure, timed_out)",
            );
          } else if (dialect.version === 3) {
            warn(
              `template variable '${use.name}' in ${where} (${at})`,
              "Airflow 3 renders a run's alert with a task instance's context when one is at hand, and with only dag, run_id and reason when none is (every task skipped), so the alert fails to render then",
              `guard the read: {% if ${use.name} is defined %}...{% endif %}, or use dag, run_id and reason`,
            );
          }
        }
      }
      // A param the pipeline does not declare is in `params` only when a run's conf gives it.
      // An optional param printed where the text does not test it first ({% if params.x %}),
      // said once per text.
      const tested = jinjaTestedParams(text);
      /** MLG1049 or MLG1050 of task `owner` for a read of an optional param, from `at` on. */
      const optionalRead = (
        code: "MLG1049" | "MLG1050",
        owner: string,
        name: string,
        at: number,
        hint: string,
      ) =>
        diagnostic(
          code,
          {
            where: where.replace(/ of task '[^']*'$/, ""),
            task: owner,
            param: name,
            at: shownAt(text, Math.max(0, at)),
            hint,
          },
          { pipeline: ir.id, task: owner, location: sourceMap[taskKey(owner)] },
        );
      // An optional param computed with (`params.n + 1`, `params.n > 3`) where nothing guards the
      // read against None: said once per text.
      const noneGuarded = jinjaNoneGuard(text);
      const computed = new Set<string>();
      for (const read of jinjaParamReads(text)) {
        const optional = task !== undefined && ir.params[read.name]?.default === null;
        if (optional && read.operand && !computed.has(read.name) && !noneGuarded(read)) {
          computed.add(read.name);
          const tag = Math.max(
            text.lastIndexOf("{{", read.from),
            text.lastIndexOf("{%", read.from),
          );
          out.push(
            optionalRead(
              "MLG1050",
              task,
              read.name,
              tag,
              `test it first, {% if params.${read.name} is not none %}...{% endif %}, or compute with a stand-in, (params.${read.name} or 0); or read it in a Python task's input, which gets None`,
            ),
          );
        }
        if (optional && read.printed && !tested.has(read.name)) {
          tested.add(read.name);
          out.push(
            optionalRead(
              "MLG1049",
              task,
              read.name,
              text.lastIndexOf("{{", read.from),
              `test for it, {% if params.${read.name} %}...{% endif %}, or print something in its place, {{ params.${read.name} or '' }}; or read it in a Python task's input, which gets None`,
            ),
          );
        }
        if (read.guarded || Object.hasOwn(ir.params, read.name)) continue;
        const declared = paramsInOrder(ir.params).map(([name]) => name);
        const near = closestName(read.name, declared);
        // Every run of a pipeline without a schedule is triggered, and may give it.
        const scheduled = ir.schedule.kind !== "none";
        (scheduled ? report : warn)(
          `param '${read.name}' in ${where} (${shownAt(text, Math.max(0, text.lastIndexOf("{", read.from) - 1))})`,
          `the pipeline declares no param '${read.name}'${declared.length ? ` (it has ${declared.map((d) => `'${d}'`).join(", ")})` : ""}, so a run whose conf does not give it${scheduled ? ", every scheduled run among them," : ""} fails to render the template, and the task fails`,
          near
            ? `did you mean params.${near}? Otherwise declare it in the pipeline's params with a default`
            : `declare it in the pipeline's params with a default (params: { ${/^[A-Za-z_]\w*$/.test(read.name) ? read.name : JSON.stringify(read.name)}: ... }), or give the read a default: {{ params.${read.name} | default('...') }}`,
          task,
        );
      }
      continue;
    }
    report(
      `the template in ${where} (${shownAt(text, problem.at)})`,
      `Airflow renders it with Jinja when the task runs, and Jinja cannot parse it: ${problem.message}, so the task fails every run`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's ${#ARR[@]}, shown as text
      "close it, or keep braces Jinja should not read as text: {% raw %}...{% endraw %} around them, or {{ '{#' }} for a literal {# (as in bash's ${#ARR[@]})",
      task,
    );
  }
  if (dialect.version === 3) {
    // Airflow 3 removed these context variables, and leaves the logical-date ones out of the
    // context of a run without a logical date, which every asset-triggered run is: a template
    // that reads one fails to render (StrictUndefined) and the task fails.
    const assetRuns = ir.schedule.kind === "assets";
    // A pipeline without a schedule runs only when triggered, and a trigger without a logical
    // date (`airflow dags trigger` without -l, the API with logical_date null) is as bare.
    const manualRuns = ir.schedule.kind === "none";
    const seen = new Set<string>();
    for (const { where, task, text } of renderedTexts(ir)) {
      for (const name of jinjaNames(text)) {
        const removed = Object.hasOwn(AIRFLOW3_REMOVED_CONTEXT, name);
        const key = `${task ?? ""}\0${name}`;
        if (seen.has(key)) continue;
        if (removed) {
          seen.add(key);
          report(
            `template variable '${name}' in ${where}`,
            "Airflow 3 removed it from the task context, so the template fails to render",
            /^(next|prev)_(ds|ds_nodash|execution_date)$/.test(name)
              ? "mlgen's cron schedules run at the cron time with no data interval: compute the date from ds, e.g. {{ macros.ds_add(ds, 1) }} for the next day, or pass it as a param"
              : removedContextHint(name, true),
            task,
          );
        } else if (assetRuns && LOGICAL_DATE_CONTEXT.has(name)) {
          seen.add(key);
          report(
            `template variable '${name}' in ${where} of an asset-scheduled pipeline`,
            "Airflow 3 starts an asset-triggered run without a logical date, and leaves logical_date, ds, ts and the data interval out of its context, so the template fails to render",
            runDateHint(name),
            task,
          );
        } else if (manualRuns && LOGICAL_DATE_CONTEXT.has(name)) {
          seen.add(key);
          warn(
            `template variable '${name}' in ${where} of a pipeline without a schedule`,
            "Airflow 3 leaves logical_date, ds, ts and the data interval out of the context of a run triggered without a logical date (`airflow dags trigger` without -l, the API with logical_date null), so the template fails to render there",
            runDateHint(name),
            task,
          );
        }
      }
    }
  }
  // Deadline alerts with a SyncCallback take Airflow 3.2 (3.1's took AsyncCallbacks only, and
  // its airflow.sdk exported none of them); Airflow 2's SLAs measured a task's end against its
  // data interval's end, for scheduled runs only, and are gone in Airflow 3.
  const deadlines = ir.deadlines ?? [];
  if (dialect.version === 2 && deadlines.length > 0) {
    report(
      `the deadline${deadlines.length > 1 ? "s" : ""} of pipeline '${ir.id}'`,
      "Airflow 2 has no deadline alerts (mlgen's, a DeadlineAlert with a SyncCallback, take Airflow 3.2), and its SLAs measure something else: a task's end against the end of its data interval, for scheduled runs only",
      "compile for Airflow 3 (3.2 or later), or use dagrunTimeout with the defaults' onFailure alerts, which fail a run that takes too long",
    );
  }
  /** How a message names a deadline: "the deadline" when it is the only one. */
  const deadlineName = (i: number) => (deadlines.length > 1 ? `deadline ${i + 1}` : "the deadline");
  // A deadline's alert renders with the run's context alone, in Airflow's Jinja environment
  // without the DAG's (undefined names are not strict there).
  for (const [i, d] of (dialect.version === 3 ? deadlines : []).entries()) {
    const which = deadlineName(i);
    for (const a of d.alerts) {
      const text = a.kind === "slack" ? a.text : a.kind === "email" ? a.subject : null;
      if (text === null) continue;
      const where = `the ${a.kind === "slack" ? "Slack text" : "email subject"} of ${which}`;
      // Jinja that does not compile; a name or field the run's context lacks; a date filter on
      // the run's dates, which are text there.
      for (const p of deadlineTemplateProblems(text)) {
        report(deadlineProblemSubject(p, where), p.reason, p.hint);
      }
    }
  }
  // A logical-date deadline of a run without a logical date is never set (the reference
  // evaluates to None): manual runs may have none on Airflow 3, and the runs assets trigger
  // have none (also beside a cron schedule, whose own runs have one).
  if (dialect.version === 3 && (ir.schedule.kind === "assets" || ir.schedule.kind === "none")) {
    for (const [i, d] of deadlines.entries()) {
      if (d.from !== "logical_date") continue;
      out.push(
        diagnostic(
          "MLG1051",
          {
            what: deadlineName(i),
            pipeline: ir.id,
            runs:
              ir.schedule.kind === "assets"
                ? "the runs its assets trigger have none"
                : "a run triggered without one (logical_date: null through the REST API, `airflow dags trigger` without -l) has none",
            hint:
              ir.schedule.kind === "assets"
                ? 'count from when the run was queued (from: "queued", the default), which every run has'
                : 'count from when the run was queued (from: "queued", the default), or give the pipeline a time schedule',
          },
          { pipeline: ir.id, location: sourceMap.pipeline },
        ),
      );
    }
  }
  // With data intervals a run's logical date is its interval's start, one period before the
  // run is made: a logical-date deadline no longer than the shortest period has passed then.
  const period = ir.dataIntervals && dialect.version === 3 ? shortestPeriod(ir) : null;
  for (const [i, d] of deadlines.entries()) {
    if (period === null || d.from !== "logical_date" || d.within > period) continue;
    out.push(
      diagnostic(
        "MLG1052",
        {
          what: deadlineName(i),
          pipeline: ir.id,
          within: humanDuration(d.within),
          period: humanDuration(period),
        },
        { pipeline: ir.id, location: sourceMap.pipeline },
      ),
    );
  }
  if (dialect.version === 3 && ir.dagrunTimeout === null) {
    // Airflow 3's task runner waits for the run after the operator's execute, outside the
    // execution timeout (deferred, no timeout is set either): only the run's end, or the end of
    // this pipeline's run, ends it. A run of a paused pipeline stays queued.
    for (const task of ir.tasks) {
      if (task.kind !== "trigger" || task.wait === null) continue;
      warn(
        `the wait of trigger '${task.id}'`,
        `Airflow 3 waits for the run of '${task.dag}' outside the task's executionTimeout, so nothing ends the wait but that run's end, and a run of a paused pipeline (new DAGs start paused) stays queued: the task waits for ever`,
        `set the pipeline's dagrunTimeout, which ends its run and the wait with it, and keep pipeline '${task.dag}' unpaused where it is deployed${task.failWhenPaused ? "" : " (failWhenPaused: true fails the task when it is paused, on Airflow 3.2 or later)"}`,
        task.id,
      );
    }
  }
  if (dialect.version === 3 && ir.schedule.kind === "assets") {
    const past = layers.find((l) => l.options.dependsOnPast === true);
    if (past) {
      warn(
        `dependsOnPast (${past.where}) in an asset-scheduled pipeline`,
        "an asset-triggered run has no logical date, so Airflow 3 finds no previous run and runs the task as if it were the first",
        "order the runs another way (maxActiveRuns: 1), or schedule on time",
        past.task,
      );
    }
  }
  if (ir.schedule.kind === "assets") {
    // ExternalTaskSensor waits for the other DAG's run at this run's logical date; a run the
    // assets trigger has none of its own (Airflow 3 falls back to run_after, the time it was
    // queued; Airflow 2 gives it the time the run was created): no run of the other DAG has it.
    for (const task of ir.tasks) {
      if (task.kind !== "sensor" || task.sensor.type !== "external_task") continue;
      warn(
        `external task sensor '${task.id}' in an asset-scheduled pipeline`,
        `a run the assets trigger has no logical date of a schedule (Airflow ${dialect.version === 3 ? "3 uses the time it was queued" : "2 the time the run was created"}), so the sensor waits for a run of '${task.sensor.dag}' at that instant, which none has: it waits out its timeout and fails (or is skipped, with softFail)`,
        `wait for the data, not the run: give the task of '${task.sensor.dag}' it waits for an outlet asset and add it to this pipeline's schedule, then drop the sensor`,
        task.id,
      );
    }
  }
  if (dialect.version === 2) {
    // Airflow 2's BaseOperator checks a pool's name as a key (utils/helpers.py validate_key).
    const seen = new Set<string>();
    for (const { where, options, task } of layers) {
      const pool = options.pool;
      if (pool === null || pool === "default_pool" || seen.has(pool)) continue;
      if (pool.length <= 250 && /^[\p{L}\p{N}_.-]+$/u.test(pool)) continue;
      seen.add(pool);
      report(
        `pool '${pool}' (${where})`,
        "Airflow 2 refuses to load the DAG file: a pool's name must be letters, digits, underscores, dots and dashes, at most 250 characters",
        "rename the pool (in Airflow too), e.g. 'gpu_pool', or emit for Airflow 3 (--airflow-version 3)",
        task,
      );
    }
  }
  // With dataIntervals the DAG keeps a cron string's Airflow 2 meaning: nothing to say.
  if (dialect.version === 2 && timedSchedule(ir) && !ir.dataIntervals) {
    // A hand-written Airflow 2 DAG on a cron string runs on CronDataIntervalTimetable; mlgen's
    // on CronTriggerTimetable (the same runs on both versions): the templates that read the
    // interval or the neighbouring runs read other dates than the user may be porting from.
    const seen = new Set<string>();
    for (const { where, task, text } of renderedTexts(ir)) {
      for (const name of jinjaNames(text)) {
        const key = `${task ?? ""}\0${name}`;
        if (!INTERVAL_CONTEXT.has(name) || seen.has(key)) continue;
        seen.add(key);
        warn(
          `template variable '${name}' in ${where}`,
          "mlgen's cron DAGs run on CronTriggerTimetable on Airflow 2 too: a run's data interval is its own cron time (data_interval_start equals data_interval_end) and prev_ds/next_ds are not the neighbouring cron times, where a hand-written Airflow 2 DAG on a cron string has the interval from the previous cron time to this one, and ds one interval earlier",
          "compute the window from the run's date, e.g. {{ macros.ds_add(ds, -1) }} to {{ ds }} for a daily run, or pass it as a param",
          task,
        );
      }
    }
  }
  if (dialect.version === 2) {
    // An ExternalTaskSensor finds the other DAG's run by logical date. mlgen's cron DAGs take
    // the cron time as theirs (CronTriggerTimetable); a hand-written Airflow 2 DAG on a cron
    // string takes the start of its data interval, one interval earlier.
    const ours = new Set(input.settings?.pipelines ?? []);
    for (const t of ir.tasks) {
      if (t.kind !== "sensor" || t.sensor.type !== "external_task") continue;
      // A DAG compiled with this one is mlgen's: its logical date is its cron time too. With
      // dataIntervals this DAG's runs are dated as a hand-written Airflow 2 DAG's are.
      if (ours.has(t.sensor.dag) || ir.dataIntervals) continue;
      warn(
        `external task sensor '${t.id}' on DAG '${t.sensor.dag}'`,
        "on Airflow 2 a DAG scheduled by a cron string has the start of its data interval as logical date, one interval before the run, where mlgen's DAGs (CronTriggerTimetable) have the run's own time: the sensor waits for the run of that date",
        `if '${t.sensor.dag}' is not an mlgen DAG and runs on a cron string, count executionDelta from its interval start (one interval more), or give it schedule=CronTriggerTimetable(...)`,
        t.id,
      );
    }
    // A branch does not skip a map over a literal list on Airflow 2: SkipMixin looks the target
    // up with the branch's own map index (-1), which such a map (expanded when the run is made)
    // lacks, and NotPreviouslySkippedDep reads the branch's decision with the instance's index,
    // gets none, and lets it run (models/skipmixin.py, ti_deps/deps/not_previously_skipped_dep.py).
    for (const b of ir.tasks) {
      if (b.kind !== "branch") continue;
      for (const [side, list] of [
        ["ifTrue", b.ifTrue],
        ["ifFalse", b.ifFalse],
      ] as const) {
        for (const target of list) {
          for (const t of targetTasks(ir, target)) {
            if (!("map" in t) || t.map === null || t.map.over.kind !== "list") continue;
            if (!t.upstream.includes(b.id)) continue;
            report(
              `map '${t.id}' over a literal list, in ${side} of branch '${b.id}'`,
              "Airflow 2 does not skip the instances of a map over a literal list when the branch takes the other side (it looks the task up with the branch's own map index, which such a map lacks): they run against the branch's decision",
              `on Airflow 2, list a task that runs before '${t.id}' in the branch instead (the map .after() it, or reading its output), map over a task's output, or emit for Airflow 3`,
              t.id,
            );
          }
        }
      }
    }
    // A latest-only gate skips through the same SkipMixin: a map over a literal list right
    // after it runs in a run of a past interval.
    for (const g of ir.tasks) {
      if (g.kind !== "latest_only") continue;
      for (const t of ir.tasks) {
        if (!t.upstream.includes(g.id)) continue;
        if (!("map" in t) || t.map === null || t.map.over.kind !== "list") continue;
        report(
          `map '${t.id}' over a literal list, right after latest-only gate '${g.id}'`,
          "Airflow 2 does not skip the instances of a map over a literal list in a run that is not the latest (it looks the task up with the gate's own map index, which such a map lacks): they run",
          `on Airflow 2, put a task between '${g.id}' and '${t.id}' (the map .after() it), map over a task's output, or emit for Airflow 3`,
          t.id,
        );
      }
    }
    // Airflow 2 ends a deferred wait at the task's execution timeout (trigger_timeout is the
    // earlier of the two); Airflow 3 does not count deferred time against it.
    for (const t of ir.tasks) {
      if (t.kind !== "sensor" || !t.deferrable) continue;
      const limit = effectiveOptions(ir, t).executionTimeout;
      const timeout = t.timeout ?? SENSOR_DEFAULT_TIMEOUT;
      if (limit === null || limit >= timeout) continue;
      warn(
        `the timeout of deferrable sensor '${t.id}' (${timeout} s, beyond its executionTimeout of ${limit} s)`,
        "Airflow 2 ends a deferred wait at the execution timeout, Airflow 3 at the sensor's timeout",
        `set executionTimeout on '${t.id}' to at least its timeout`,
        t.id,
      );
    }
  }
  if (!dialect.backoffIsMultiplier) {
    // Airflow 2 reads retry_exponential_backoff as a flag: the delay always doubles.
    const seen = new Set<number>();
    for (const { where, options, task } of layers) {
      const m = options.retryExponentialBackoff;
      if (m === null || m === 0 || m === 1 || m === 2 || seen.has(m)) continue;
      seen.add(m);
      report(
        `retryExponentialBackoff: ${m} (${where})`,
        "Airflow 2 only doubles the delay between retries",
        "use retryExponentialBackoff: true (×2) or 1 (a constant delay), or emit for Airflow 3 (--airflow-version 3)",
        task,
      );
    }
  }
  return out;
}

/** Context variables that hold a data interval or the neighbouring runs' dates. */
const INTERVAL_CONTEXT = new Set([
  "data_interval_start",
  "data_interval_end",
  "prev_data_interval_start_success",
  "prev_data_interval_end_success",
  "prev_ds",
  "prev_ds_nodash",
  "next_ds",
  "next_ds_nodash",
  "prev_execution_date",
  "next_execution_date",
]);

/** Whether the pipeline runs on a cron (or a preset that is one), alone or with assets. */
function timedSchedule(ir: Pipeline): boolean {
  const s = ir.schedule.kind === "assets" ? ir.schedule.time : ir.schedule;
  if (s === null) return false;
  return (
    s.kind === "cron" || (s.kind === "preset" && s.preset !== "@once" && s.preset !== "@continuous")
  );
}

/** Jinja's own words: statements, operators and constants, never context variables. */
/**
 * The names a Jinja text needs in the context (core's `jinjaNameUses`), but none from a block
 * that guards its reads (`| default(...)`, `is defined`), which renders without them.
 */
export function jinjaNames(text: string): Set<string> {
  return new Set(
    jinjaNameUses(text)
      .filter((u) => !u.guarded)
      .map((u) => u.name),
  );
}

interface RenderedText {
  readonly where: string;
  readonly task?: string | undefined;
  readonly text: string;
  /** A text of the pipeline's own alerts, rendered in a DAG callback's context. */
  readonly runAlert?: boolean;
}

/**
 * What a DAG callback's context always holds. Airflow 3's DAG processor adds a task instance's
 * context when one is at hand, and gives only these when none is (every task skipped); never
 * an exception.
 */
const RUN_CALLBACK_CONTEXT = new Set(["dag", "run_id", "reason"]);

/** Every text Airflow renders as a Jinja template, with where it was written. */
function renderedTexts(ir: Pipeline): RenderedText[] {
  const out: RenderedText[] = [];
  const alerts = (where: string, list: readonly Alert[] | null, task?: string) => {
    for (const a of list ?? []) {
      if (a.kind === "slack" && a.text !== null)
        out.push({ where: `the Slack text of ${where}`, task, text: a.text });
      if (a.kind === "email" && a.subject !== null)
        out.push({ where: `the email subject of ${where}`, task, text: a.subject });
    }
  };
  const options = (where: string, o: Pipeline["defaults"], task?: string) => {
    alerts(where, o.onFailure, task);
    alerts(where, o.onRetry, task);
    alerts(where, o.onSuccess, task);
  };
  options("the pipeline defaults", ir.defaults);
  for (const [event, list] of [
    ["onSuccess", ir.alerts?.onSuccess ?? []],
    ["onFailure", ir.alerts?.onFailure ?? []],
  ] as const) {
    const before = out.length;
    alerts(`the pipeline's ${event} alert`, list);
    for (let i = before; i < out.length; i++)
      out[i] = { ...(out[i] as RenderedText), runAlert: true };
  }
  for (const g of Object.values(ir.groups)) options(`group '${g.id}'`, g.options);
  for (const task of ir.tasks) {
    const id = task.id;
    options(`task '${id}'`, task.options, id);
    for (const [path, value] of taskValues(task)) {
      // In a templated field (a bash or container env, a file sensor's path) the literal text
      // is rendered too, the parts joined onto a path included.
      const templated = (path.startsWith("env.") && task.kind !== "python") || path === "path";
      const where = `${path} of task '${id}'`;
      visitValue(value, (v) => {
        if (v.kind === "template") out.push({ where, task: id, text: v.text });
        else if (
          templated &&
          v.kind === "literal" &&
          typeof v.value === "string" &&
          // Written as literal(...) (a `.sh` text would be read as a template file): not rendered.
          !/\.(sh|bash)$/.test(v.value)
        ) {
          out.push({ where, task: id, text: v.value });
        } else if (v.kind === "join") {
          // A Python task renders the parts that hold a template (templates_dict).
          for (const part of v.parts) {
            if (templated || /\{[{%#]/.test(part)) out.push({ where, task: id, text: part });
          }
        }
      });
    }
    for (const [where, text] of commandTexts(task)) {
      out.push({ where: `the ${where} of task '${id}'`, task: id, text });
    }
  }
  return out;
}
