import { cronMatcher, cronTimes, zoneClock, zonedCronTimes } from "@mlgen/core/light";
import type { Span } from "../finding.js";
import {
  cadence,
  DAY_MS,
  dagIdArgument,
  literalDagIds,
  resolved,
  scheduleOf,
  shown,
} from "../python/dag-args.js";
import type { DagDecl, DagFile, DagTask } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { durationSeconds, taskSetting } from "../python/queries.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { sensorGivesUp } from "./external-task-missing.js";

/**
 * An ExternalTaskSensor whose DAG's runs look for logical dates the DAG it waits for never has
 * (`@daily` waiting for a DAG scheduled `0 2 * * *`, with no `execution_delta`): it pokes until
 * its timeout (its own, else Airflow's default, 7 days: sensorGivesUp says which) and fails, on
 * every run or on most of them. Airflow looks for the run of the other DAG whose logical date is
 * the sensor's own run's, minus `execution_delta`; on Airflow 3 and 2 alike, a DAG with a cron
 * schedule has the expression's times as logical dates (the trigger time, or the start of the
 * data interval).
 *
 * Judged only when both schedules are cron expressions or presets the file spells out, each in
 * a time zone the file shows, and the DAG waited for is defined once with a literal id: in the
 * same file here, in another file linted with it by findingsAcrossFiles (lint.ts). Logical dates
 * are instants (UTC in the metadata database) and execution_delta is subtracted as one: two DAGs
 * in zones whose offset changes with daylight saving time apart, or a delta of whole days in a
 * zone where a day is 23 or 25 hours long twice a year, line up on some dates only.
 */

/** A DAG's cron schedule and time zone, as another file's sensor needs it. */
export interface DagSchedule {
  readonly id: string;
  readonly cron: string;
  /** The schedule as the file writes it (`@daily`), for the finding. */
  readonly written: string;
  /** The time zone its cron times are read in: "" for Airflow's default (UTC). */
  readonly zone: string;
}

/** An ExternalTaskSensor with what judging it needs: its DAG's schedule, whom it waits for. */
export interface ExternalWait extends Span {
  readonly task: string;
  readonly cron: string;
  readonly written: string;
  readonly zone: string;
  readonly target: string;
  readonly deltaMs: number;
  /** How long it pokes before Airflow fails it (sensorGivesUp): `until its timeout (6 hours)`. */
  readonly waits: string;
}

const SENSORS: ReadonlySet<string> = new Set(["ExternalTaskSensor"]);
const UTC = /^(?:utc|etc\/utc|z|gmt|etc\/gmt|utc\+0|utc0)$/i;

/**
 * The zone a DAG's cron times are read in: a timetable's `timezone=`, else its start date's
 * zone (`pendulum.datetime(..., tz="Europe/Paris")`); "" for UTC or none (Airflow's default,
 * UTC unless configured), null when the file does not show it (a start date held by a name).
 */
function dagZone(file: DagFile, dag: DagDecl, schedule: PyNode): string | null {
  if (schedule.name === "CallExpression") {
    const text = textOf(file.source, schedule);
    const tz = /\btimezone\s*=\s*([^,)]+(?:\([^)]*\))?)/.exec(text)?.[1];
    if (tz !== undefined) return zoneIn(tz);
  }
  const start = dag.kwargs.get("start_date") ?? dag.defaultArgs?.entries.get("start_date");
  if (!start) return dag.kwargsOpen || dag.defaultArgs?.open ? null : "";
  // `start_date=START`: the value the module-level name holds.
  const value = resolved(file, start);
  if (value.name !== "CallExpression") return null;
  const text = textOf(file.source, value);
  return /\b(?:tz|tzinfo|timezone)\b/.test(text) ? zoneIn(text) : "";
}

/** The zone a text names (`tz="Europe/Paris"`, `timezone.utc`): "" for UTC, null for none. */
function zoneIn(text: string): string | null {
  const m = /["']([\w/+-]+)["']/.exec(text);
  if (m?.[1]) return UTC.test(m[1]) ? "" : m[1];
  return /\b(?:timezone|pytz|pendulum)\.(?:utc|UTC)\b|\bUTC\b/.test(text) ? "" : null;
}

/** A DAG's cron schedule and zone, or null when the file does not spell them out. */
function cronOf(
  file: DagFile,
  dag: DagDecl,
): { cron: string; written: string; zone: string } | null {
  const schedule = scheduleOf(file.source, dag);
  if (schedule === null || schedule === "default") return null;
  const c = cadence(file, schedule.node);
  if (c === null || c === "unknown" || !("cron" in c)) return null;
  const zone = dagZone(file, dag, schedule.node);
  const written = stringValue(file.source, schedule.node)?.trim() ?? c.cron;
  return zone === null ? null : { cron: c.cron, written, zone };
}

/**
 * The file's DAGs defined once with a literal id (`ids`, literalDagIds' when the caller has
 * them) and a cron schedule it spells out.
 */
export function dagSchedules(
  file: DagFile,
  ids: readonly { id: string }[] = literalDagIds(file),
): DagSchedule[] {
  const out: DagSchedule[] = [];
  const once = new Set(ids.map((d) => d.id));
  for (const dag of file.dags) {
    if (dag.id === null || !once.has(dag.id)) continue;
    const c = cronOf(file, dag);
    if (c) out.push({ id: dag.id, ...c });
  }
  return out;
}

/** The file's ExternalTaskSensors whose waits can be judged (see the rule's comment). */
export function externalWaits(file: DagFile): ExternalWait[] {
  const out: ExternalWait[] = [];
  for (const task of file.tasks) {
    if (!SENSORS.has(task.operator) || !task.dagDecl || task.dynamic) continue;
    const id = dagIdArgument(file, task.kwargs.get("external_dag_id"));
    if (id === null) continue;
    const delta = deltaOf(file, task);
    if (delta === null) continue;
    const own = cronOf(file, task.dagDecl);
    if (!own) continue;
    const waits = sensorGivesUp(file, task);
    out.push({ task: task.id, target: id, deltaMs: delta, waits, ...own, ...task.span });
  }
  return out;
}

/** The task's `execution_delta` in ms (0 without one); null with `execution_date_fn` or unknown. */
function deltaOf(file: DagFile, task: DagTask): number | null {
  const fn = taskSetting(file, task, "execution_date_fn");
  if (fn === "unknown" || (fn !== null && textOf(file.source, fn) !== "None")) return null;
  const delta = taskSetting(file, task, "execution_delta");
  if (delta === "unknown") return null;
  if (delta === null || textOf(file.source, delta) === "None") return 0;
  const s = durationSeconds(file.source, delta);
  return s === null ? null : Math.round(s * 1000);
}

/** The window the runs are judged over: two years, a leap day among them. */
const FROM = new Date(Date.UTC(2027, 0, 1));
const TO = new Date(Date.UTC(2029, 0, 1));
const MAX_RUNS = 5000;

/**
 * Whether a DAG with this cron schedule in `zone` ("" for UTC) has a run at an instant: null
 * where that cannot be told (a time the zone repeats when its clocks go back), or for a zone
 * Intl does not know.
 */
function firesIn(cron: string, zone: string): ((at: Date) => boolean | null) | null {
  const fires = cronMatcher(cron);
  if (!fires) return null;
  if (zone === "") return fires;
  const clock = zoneClock(zone);
  if (!clock) return null;
  return (at) => {
    const wall = clock.wall(at.getTime());
    if (!fires(new Date(wall))) return false;
    const back = clock.instant(wall);
    return back === null ? null : back === at.getTime();
  };
}

/** The finding's arguments for a wait on `target`, or null when every run finds its date. */
export function judgeWait(
  wait: ExternalWait,
  target: DagSchedule,
): { task: string; target: string; looksFor: string; outcome: string; fix: string } | null {
  const all =
    wait.zone === ""
      ? cronTimes(wait.cron, FROM, TO, MAX_RUNS)
      : zonedCronTimes(wait.cron, wait.zone, FROM, TO, MAX_RUNS);
  if (!all || all.length === 0) return null;
  // Cut at the day of the last run: a share of whole days (`1 in 24`, not about it).
  const cut = Math.floor((all.at(-1) as Date).getTime() / DAY_MS) * DAY_MS;
  const whole = all.length === MAX_RUNS ? all.filter((r) => r.getTime() < cut) : all;
  const runs = whole.length > 0 ? whole : all;
  const fires = firesIn(target.cron, target.zone);
  if (!fires) return null;
  let found = 0;
  let judged = 0;
  for (const run of runs) {
    const has = fires(new Date(run.getTime() - wait.deltaMs));
    if (has === null) continue;
    judged++;
    if (has) found++;
  }
  if (found === judged) return null;
  const zones = wait.zone !== target.zone;
  const own = `${wait.written}${zoneText(wait.zone, zones)}`;
  const looksFor =
    wait.deltaMs === 0
      ? `its own run's logical date (${own})`
      : `its own run's logical date (${own}) minus execution_delta=${deltaText(wait.deltaMs)}`;
  const them = `'${shown(target.id)}'`;
  const at = `${target.written}${zones || target.zone !== "" ? ` in ${target.zone || "UTC"} time` : ""}`;
  // Why only some dates line up, when it is the zones' doing.
  const why = zones
    ? `, as the offset between ${target.zone || "UTC"} and ${wait.zone || "UTC"} changes with daylight saving time`
    : wait.zone !== ""
      ? `, as a day in ${wait.zone} is 23 or 25 hours long when daylight saving time starts or ends, and execution_delta subtracts hours`
      : "";
  const years = ((runs.at(-1) as Date).getTime() - (runs[0] as Date).getTime()) / (365.25 * DAY_MS);
  const outcome =
    found === 0
      ? `${them} runs at ${at}, so no run of it ever has that logical date: the sensor pokes ${wait.waits} and fails, on every run`
      : `${them} runs at ${at}, so ${found / judged > 0.99 ? "" : "only "}${share(found, judged, years)} of this DAG's runs find one${why}: in the others the sensor pokes ${wait.waits} and fails`;
  const delta = wait.zone === "" && !zones ? alignedDelta(runs, target.cron, fires) : null;
  const days = wait.deltaMs > 0 && wait.deltaMs % DAY_MS === 0 ? wait.deltaMs / DAY_MS : null;
  const fix =
    delta !== null
      ? `pass execution_delta=${deltaText(delta)}: each run then waits for the run of ${them} ${deltaWords(delta)} before its own logical date; or give both DAGs the same schedule`
      : zones
        ? `schedule this DAG in ${target.zone || "UTC"} time too (timezone= of its CronTriggerTimetable, or its start_date's tz=), at the local time of the run of ${them} it waits for, so both move with daylight saving time; or pass execution_date_fn returning the logical date of the run of ${them} each run should wait for`
        : !zones && wait.zone !== "" && days !== null
          ? `subtract the days on the calendar of ${wait.zone}: execution_date_fn=lambda dt, **_: pendulum.instance(dt).in_timezone("${wait.zone}").subtract(days=${days}) in place of execution_delta`
          : `give both DAGs schedules whose times line up, or pass execution_date_fn returning the logical date of the run of ${them} each run should wait for`;
  return { task: wait.task, target: target.id, looksFor, outcome, fix };
}

/**
 * The smallest execution_delta that gives every run a logical date of the target's, trying the
 * target's last 50 times up to the first run (within a year and a day), or null.
 */
function alignedDelta(
  runs: readonly Date[],
  cron: string,
  fires: (at: Date) => boolean | null,
): number | null {
  const first = runs[0] as Date;
  const before = cronTimes(
    cron,
    new Date(first.getTime() - 367 * DAY_MS),
    new Date(first.getTime() + 1),
    50,
    true,
  );
  for (const t of before ?? []) {
    const delta = first.getTime() - t.getTime();
    if (runs.every((r) => fires(new Date(r.getTime() - delta)))) return delta;
  }
  return null;
}

/** `, Europe/Paris` after a schedule; `, UTC` for UTC beside another zone. */
const zoneText = (zone: string, named = false) =>
  zone === "" ? (named ? ", UTC" : "") : `, ${zone}`;

/**
 * `1 in 24`, `about 1 in 7`, `40 %`: the share of runs that find a date; `all but about 2 a
 * year` when nearly all do (the days daylight saving time starts or ends).
 */
function share(found: number, total: number, years: number): string {
  const missed = total - found;
  if (missed / total < 0.01) {
    const perYear = years >= 1 ? Math.round(missed / years) : null;
    return perYear !== null && perYear > 0
      ? `all but about ${perYear} a year`
      : `all but ${missed} of ${total}`;
  }
  const r = total / found;
  const k = Math.round(r);
  if (k >= 2 && Math.abs(r - k) <= 0.05 * k) return `${r === k ? "" : "about "}1 in ${k}`;
  const pct = Math.round((100 * found) / total);
  return pct < 1 ? "fewer than 1 in 100" : `${pct} %`;
}

/** A duration in whole days, hours, minutes and seconds (those not 0), largest first. */
function deltaParts(ms: number): [unit: string, n: number][] {
  let s = Math.round(ms / 1000);
  const parts: [string, number][] = [];
  for (const [unit, size] of [
    ["days", 86400],
    ["hours", 3600],
    ["minutes", 60],
    ["seconds", 1],
  ] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push([unit, n]);
    s -= n * size;
  }
  return parts;
}

/** `timedelta(hours=22)`, `timedelta(days=1, hours=2)`: as Python would be written. */
export function deltaText(ms: number): string {
  return `timedelta(${deltaParts(ms)
    .map(([unit, n]) => `${unit}=${n}`)
    .join(", ")})`;
}

/** `22 hours`, `1 day and 2 hours`. */
function deltaWords(ms: number): string {
  const words = deltaParts(ms).map(([unit, n]) => `${n} ${n === 1 ? unit.slice(0, -1) : unit}`);
  return words.length < 2
    ? (words[0] ?? "0 seconds")
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

export const externalScheduleMismatch = defineRule({
  id: "external-schedule-mismatch",
  code: "MLG2028",
  defaultSeverity: "error",
  description:
    "An ExternalTaskSensor that looks for a logical date the DAG it waits for never runs at (schedules that do not line up, no execution_delta): it pokes until its timeout and fails.",
  checkPython(file, report) {
    const waits = externalWaits(file);
    if (waits.length === 0) return;
    const schedules = dagSchedules(file);
    for (const wait of waits) {
      const same = schedules.filter((s) => s.id === wait.target);
      if (same.length !== 1) continue;
      const args = judgeWait(wait, same[0] as DagSchedule);
      if (args) report(args, wait);
    }
  },
});
