import {
  closestName,
  humanDuration,
  pokeSensorWaitText,
  SENSOR_DEFAULT_TIMEOUT,
} from "@mlgen/core/light";
import type { Span } from "../finding.js";
import { helperFor, helperScope } from "../python/analyze.js";
import { dagIdArgument, literalDagIds, PUNCTUATION, shown } from "../python/dag-args.js";
import type { DagFile, DagTask, TopLevelCall } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { durationSeconds, isNone, taskSetting } from "../python/queries.js";
import { childrenOf, stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * An ExternalTaskSensor naming a task, or a task group, that the DAG it
 * waits for does not have: most often a task inside a TaskGroup named without its group's prefix
 * (`load` for `warehouse.load`), or a task renamed since. Airflow counts the other DAG's task
 * instances by that id, finds none ever, and the sensor pokes until its timeout (its own, from
 * the task, its groups' or the DAG's default_args, else Airflow's [sensors] default_timeout,
 * 7 days: sensorGivesUp) and fails, on every run (Airflow 3 fails one naming a missing task
 * group at its first poke; its `check_existence=True` checks nothing, Airflow 2's fails the
 * sensor at once).
 *
 * Judged when the DAG waited for is defined once with a literal id, in the same file or in
 * another file linted with it (findingsAcrossFiles, lint.ts), and the file shows every task id
 * it has (taskIdsKnown).
 */

/** A DAG whose every task id and group id its file shows. */
export interface DagTaskIds {
  readonly id: string;
  readonly tasks: readonly string[];
  readonly groups: readonly string[];
}

/** What a sensor names in another DAG, with where its finding would point. */
export interface ExternalTaskRef extends Span {
  readonly task: string;
  /** The DAG the sensor is in, when its id is known (the finding's `dag`). */
  readonly dag?: string;
  /** How long it pokes before Airflow fails it (sensorGivesUp): `until its timeout (6 hours)`. */
  readonly waits: string;
  readonly target: string;
  /** `external_task_id`, `external_task_ids` or `external_task_group_id`. */
  readonly arg: string;
  readonly names: readonly string[];
}

const SENSORS: ReadonlySet<string> = new Set(["ExternalTaskSensor"]);

/**
 * Modules whose functions make no tasks: a call of one in a DAG's body leaves the file's tasks
 * those it shows. A call of anything else imported (a project's `make_tasks(dag)`, a helper
 * returning default_args, which may do anything) might add tasks the file does not show.
 */
export const TASKLESS_MODULES: ReadonlySet<string> = new Set([
  "__future__",
  "airflow",
  "base64",
  "collections",
  "copy",
  "csv",
  "dataclasses",
  "datetime",
  "dateutil",
  "decimal",
  "enum",
  "functools",
  "glob",
  "hashlib",
  "io",
  "itertools",
  "json",
  "kubernetes",
  "logging",
  "math",
  "os",
  "pathlib",
  "pendulum",
  "pytz",
  "random",
  "re",
  "shlex",
  "string",
  "sys",
  "tempfile",
  "textwrap",
  "time",
  "typing",
  "urllib",
  "uuid",
  "warnings",
  "yaml",
  "zoneinfo",
]);

/**
 * The file shows every task its DAGs have: no id is computed, no task is made in a function
 * (called who knows where, under which group), no @task_group is called twice, no dependency
 * holds what a helper returns, and nothing imported from outside Airflow and the standard
 * library is called when the file is parsed (but the operators it makes tasks of).
 */
export function taskIdsKnown(file: DagFile): boolean {
  if (file.dynamicIds || file.edgesIncomplete || file.groupCopies.size > 0) return false;
  if (file.tasks.some((t) => t.dagDecl === null && t.attached)) return false;
  return callsOnlyTaskless(file, new Set(file.tasks.map((t) => t.operator)));
}

/**
 * Nothing the file imports from outside Airflow and the standard library (TASKLESS_MODULES) is
 * called when it is parsed (parseTimeCalls), but the names in `allowed` (the operators it makes
 * tasks of); nothing is imported with `*` from outside them. A call in a function that only runs
 * when a task does (a PythonOperator's callable calling `boto3.client(...)`) makes no task.
 */
export function callsOnlyTaskless(file: DagFile, allowed: ReadonlySet<string>): boolean {
  const imported = new Map<string, string>();
  for (const i of file.imports) {
    const top = i.module.split(".")[0] ?? "";
    if (i.name === "*" && !TASKLESS_MODULES.has(top)) return false;
    imported.set(i.as ?? i.name ?? top, top);
  }
  return parseTimeCalls(file).every((call) => {
    const root = /^[\w]+/.exec(call.callee)?.[0] ?? "";
    const top = imported.get(root);
    return top === undefined || TASKLESS_MODULES.has(top) || allowed.has(root);
  });
}

/**
 * The calls made when the file is parsed: at module level (and in @dag and @task_group bodies),
 * and in the file's functions called there, and in those they call (a name resolves to the
 * function of the same @dag body, else to the module's, as top-level-code resolves it). Not the
 * calls in a function nothing calls then (a task's callable, a callback): they run in a task.
 */
export function parseTimeCalls(file: DagFile): TopLevelCall[] {
  const out = [...file.topLevelCalls];
  const queue = out.map((c) => ({ from: c.within, callee: c.callee }));
  const entered = new Set<string>();
  for (let call = queue.shift(); call; call = queue.shift()) {
    const root = /^\w+/.exec(call.callee)?.[0] ?? "";
    const key = helperFor(file.helperCalls, call.from, root);
    if (key === null || entered.has(key)) continue;
    entered.add(key);
    const body = file.helperCalls.get(key) ?? [];
    out.push(...body);
    const from = helperScope(key);
    queue.push(...body.map((c) => ({ from, callee: c.callee })));
  }
  return out;
}

/** The file's DAGs defined once with a literal id, with their task and group ids, when known. */
export function dagTaskIds(
  file: DagFile,
  ids: readonly { id: string }[] = literalDagIds(file),
): DagTaskIds[] {
  if (ids.length === 0 || !taskIdsKnown(file)) return [];
  const count = new Map<string, number>();
  for (const { id } of ids) count.set(id, (count.get(id) ?? 0) + 1);
  const out: DagTaskIds[] = [];
  for (const [id, n] of count) {
    if (n !== 1) continue;
    const own = file.tasks.filter((t) => t.dagDecl?.id === id);
    const groups = new Set(own.flatMap((t) => t.groups));
    // A group with no task (yet) is a group Airflow has too; the file's groups are not by DAG.
    if (count.size === 1) for (const g of file.groups.keys()) groups.add(g);
    out.push({ id, tasks: own.map((t) => t.id), groups: [...groups] });
  }
  return out;
}

/**
 * How long a sensor pokes for what never comes before Airflow fails it, as a finding says it:
 * `until its timeout (6 hours)`, `until its timeout (Airflow's default, 7 days)`, or, in poke
 * mode with an execution_timeout shorter than the timeout (which ends each try first, a try
 * that is retried), `for 2 hours (2 tries of its execution_timeout of 1 hour, ...)`. The
 * settings are read as Airflow resolves them: the task's, then its groups' and its DAG's
 * default_args. One the file does not show (a name, a computed value, default_args built
 * elsewhere), or a deferrable sensor (whose wait Airflow 2's ExternalTaskSensor bounds by its
 * execution_timeout alone), leaves the number out: `until its timeout`.
 */
export function sensorGivesUp(file: DagFile, task: DagTask): string {
  const vague = "until its timeout";
  const setting = (name: string) => taskSetting(file, task, name);
  const deferrable = setting("deferrable");
  if (deferrable === "unknown") return vague;
  if (deferrable !== null && textOf(file.source, deferrable) !== "False") return vague;
  const seconds = (v: PyNode | "unknown" | null): number | null | "unknown" =>
    v === "unknown"
      ? v
      : v === null || isNone(file.source, v)
        ? null
        : (durationSeconds(file.source, v) ?? "unknown");
  const own = seconds(setting("timeout"));
  if (own === "unknown") return vague;
  const words = (n: number) => (n === 0 ? "0 seconds" : humanDuration(n));
  const mode = setting("mode");
  if (mode === "unknown") return vague;
  const modeName = mode === null ? "poke" : stringValue(file.source, mode);
  if (modeName === null) return vague;
  const limit = modeName === "poke" ? seconds(setting("execution_timeout")) : null;
  if (limit === "unknown") return vague;
  if (limit === null || limit >= (own ?? SENSOR_DEFAULT_TIMEOUT)) {
    return own === null
      ? `until its timeout (Airflow's default, ${words(SENSOR_DEFAULT_TIMEOUT)})`
      : `until its timeout (${words(own)})`;
  }
  // In poke mode an execution_timeout shorter than the timeout ends each try first, and a try
  // it ends is retried (AirflowTaskTimeout is, AirflowSensorTimeout is not).
  const r = setting("retries");
  const retries = r === null ? 0 : r === "unknown" ? Number.NaN : Number(textOf(file.source, r));
  if (!Number.isInteger(retries) || retries < 0) {
    const before =
      own === null
        ? `its default timeout of ${words(SENSOR_DEFAULT_TIMEOUT)}`
        : `its timeout of ${words(own)}`;
    return `for its execution_timeout of ${words(limit)} on each try (which ends the try before ${before})`;
  }
  return `for ${pokeSensorWaitText(own, limit, retries, "execution_timeout")}`;
}

/** The literal strings of a `str` or a list or tuple of them, or null. */
function namesOf(file: DagFile, node: PyNode): string[] | null {
  const list = node.name === "ArrayExpression" || node.name === "TupleExpression";
  const values = (list ? childrenOf(node).filter((c) => !PUNCTUATION.has(c.name)) : [node]).map(
    (n) => stringValue(file.source, n),
  );
  if (values.length === 0 || values.some((v) => v === null || v.includes("{{"))) return null;
  return values as string[];
}

/** The file's ExternalTaskSensors naming tasks or groups of a DAG with a literal id. */
export function externalTaskRefs(file: DagFile): ExternalTaskRef[] {
  const out: ExternalTaskRef[] = [];
  for (const task of file.tasks) {
    if (!SENSORS.has(task.operator) || task.dynamic || task.kwargsOpen) continue;
    const target = dagIdArgument(file, task.kwargs.get("external_dag_id"));
    if (target === null) continue;
    for (const arg of ["external_task_id", "external_task_ids", "external_task_group_id"]) {
      const node = task.kwargs.get(arg);
      if (!node || textOf(file.source, node) === "None") continue;
      const names = namesOf(file, node);
      if (names) {
        const at = file.lines.span(node.from, node.to);
        const dag = task.dagDecl?.id;
        const waits = sensorGivesUp(file, task);
        out.push({ task: task.id, ...(dag ? { dag } : {}), waits, target, arg, names, ...at });
      }
    }
  }
  return out;
}

/** The finding's arguments when `ref` names what `dag` lacks, or null. */
export function judgeTaskRef(
  ref: ExternalTaskRef,
  dag: DagTaskIds,
): {
  args: { task: string; target: string; missing: string; outcome: string; fix: string };
  /** Airflow 2 waits for a task whose id the group id is: only Airflow 3 fails the sensor. */
  onlyAirflow3?: true;
} | null {
  const group = ref.arg === "external_task_group_id";
  const have = group ? dag.groups : dag.tasks;
  const missing = ref.names.find((n) => !have.includes(n));
  if (missing === undefined) return null;
  const them = `'${shown(dag.id)}'`;
  const kind = group ? "task group" : "task";
  const fixOf = (name: string) =>
    ref.arg === "external_task_ids"
      ? `name '${shown(name)}' in external_task_ids instead of '${shown(missing)}'`
      : `pass ${ref.arg}='${shown(name)}'`;
  // The id Airflow gives a task (or group) inside a group is the group's id, a dot, its own.
  const prefixed = have.filter((id) => id.endsWith(`.${missing}`));
  const other = group ? dag.tasks : dag.groups;
  const near = closestName(missing, [...have]);
  const fix =
    prefixed.length === 1
      ? `${fixOf(prefixed[0] as string)}: inside a task group, a ${kind}'s id starts with the group's ('${shown((prefixed[0] as string).slice(0, -missing.length - 1))}.')`
      : other.includes(missing) && ref.arg !== "external_task_ids"
        ? group
          ? `'${shown(missing)}' is a task of ${them}, not a group: pass external_task_id='${shown(missing)}' instead`
          : `'${shown(missing)}' is a task group of ${them}: pass external_task_group_id='${shown(missing)}' instead, to wait for all its tasks`
        : near
          ? `${fixOf(near)} (the closest ${kind} id ${them} has)`
          : `name one of the ${kind}s ${them} has: ${listed(have)}`;
  // Airflow 2 takes a group id it does not find for a task id (and waits for that task).
  const groupIsTask = group && dag.tasks.includes(missing);
  return {
    args: {
      task: ref.task,
      target: dag.id,
      missing: `${kind} '${shown(missing)}'`,
      outcome: groupIsTask
        ? GROUP_IS_TASK_OUTCOME
        : group
          ? `the sensor fails on every run: Airflow 3 fails it at its first poke ('Task group ... not found in DAG'), Airflow 2 pokes ${ref.waits} and fails`
          : `Airflow finds no instance of it in any run, so the sensor pokes ${ref.waits} and fails, on every run`,
      fix,
    },
    ...(groupIsTask ? { onlyAirflow3: true as const } : {}),
  };
}

const GROUP_IS_TASK_OUTCOME =
  "Airflow 3 fails the sensor at its first poke, on every run ('Task group ... not found in DAG'); Airflow 2 waited for the task of that id instead";

const listed = (ids: readonly string[]) =>
  ids.length === 0
    ? "none"
    : ids.length <= 8
      ? ids.map((id) => `'${shown(id)}'`).join(", ")
      : `${ids
          .slice(0, 8)
          .map((id) => `'${shown(id)}'`)
          .join(", ")} and ${ids.length - 8} more`;

export const externalTaskMissing = defineRule({
  id: "external-task-missing",
  code: "MLG2029",
  defaultSeverity: "error",
  description:
    "An ExternalTaskSensor naming a task or task group the DAG it waits for does not have (a grouped task without its group's prefix, a renamed task): it never finds it and fails at its timeout.",
  checkPython(file, report) {
    const refs = externalTaskRefs(file);
    if (refs.length === 0) return;
    const dags = dagTaskIds(file);
    for (const ref of refs) {
      const dag = dags.find((d) => d.id === ref.target);
      const judged = dag && judgeTaskRef(ref, dag);
      if (judged) report(judged.args, ref, judged.onlyAirflow3 ? { onlyAirflow3: true } : {});
    }
  },
});
