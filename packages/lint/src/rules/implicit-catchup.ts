import { cronFireCount } from "@mlgen/core";
import {
  argsShown,
  type Cadence,
  cadence,
  DAY_MS,
  dagName,
  hasStartDate,
  resolved,
  scheduleOf,
} from "../python/dag-args.js";
import type { DagDecl, DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { callParts, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * A date the file writes out, read in UTC: `datetime(2024, 1, 1)`, `pendulum.datetime(2024, 1,
 * 1, tz="UTC")`, `pendulum.parse("2024-01-01")`, `datetime.fromisoformat(...)`, directly or
 * through a module-level name. Null for anything computed.
 */
function literalDate(file: DagFile, node: PyNode): Date | null {
  const c = callParts(file.source, resolved(file, node));
  if (!c) return null;
  if (/(?:^|\.)(?:datetime|DateTime)$/.test(c.callee)) {
    const m =
      /^\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})(?:\s*,\s*(\d{1,2}))?(?:\s*,\s*(\d{1,2}))?\s*[,)]/.exec(
        c.args,
      );
    if (!m) return null;
    const [year, month, day, hour, minute] = m.slice(1).map((v) => Number(v ?? 0));
    const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute));
    return date.getUTCDate() === day ? date : null;
  }
  if (/(?:^|\.)(?:parse|fromisoformat)$/.test(c.callee)) {
    const m = /^\(\s*(['"])(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)\1\s*\)$/.exec(c.args);
    if (!m?.[2]) return null;
    const date = new Date(`${m[2].replace(" ", "T")}${m[2].length > 10 ? "" : "T00:00"}Z`);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  return null;
}

/**
 * The runs Airflow 2 schedules at once when the DAG is unpaused, counted up to `now`: one per
 * interval that has ended, from the first time at or after the start date (a trigger timetable:
 * one per time that has come), none that starts after the end date; null when the file does not
 * spell it out.
 */
function backlog(file: DagFile, dag: DagDecl, how: Cadence, now: Date): number | null {
  if (how === "unknown") return null;
  const startNode = dag.kwargs.get("start_date") ?? dag.defaultArgs?.entries.get("start_date");
  const start = startNode ? literalDate(file, startNode) : null;
  if (!start) return null;
  const endNode = dag.kwargs.get("end_date") ?? dag.defaultArgs?.entries.get("end_date");
  const end =
    endNode && textOf(file.source, endNode).trim() !== "None"
      ? literalDate(file, endNode)
      : undefined;
  if (end === null) return null;
  // Each run's interval starts at one of these times and ends at the next.
  const times = (until: Date): number | null => {
    if (until < start) return 0;
    if ("cron" in how) return cronFireCount(how.cron, start, new Date(until.getTime() + 1));
    return Math.floor((until.getTime() - start.getTime()) / how.everyMs) + 1;
  };
  const ended = times(now);
  if (ended === null) return null;
  const runs = "trigger" in how ? ended : Math.max(0, ended - 1);
  if (end === undefined) return runs;
  const started = times(end);
  return started === null ? null : Math.min(runs, started);
}

/**
 * A DAG scheduled in time that does not say whether to catch up, linted for Airflow 2: its
 * `catchup` is then `[scheduler] catchup_by_default`, True unless the deployment changed it, so
 * unpausing the DAG schedules a run for every interval since its start date at once (and again
 * for every interval it was paused). Airflow 3's default is False, so the same file catches up
 * on one version and not the other.
 */
export const implicitCatchup = defineRule({
  id: "implicit-catchup",
  code: "MLG2022",
  defaultSeverity: "warning",
  description:
    "Airflow 2: a scheduled DAG that does not set catchup, so it backfills every interval since its start date when unpaused",
  checkPython(file, report) {
    const assets = new Set(file.tasks.filter((t) => t.operator === "@asset").map((t) => t.dagDecl));
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    for (const dag of file.dags) {
      if (assets.has(dag) || dag.kwargs.has("catchup") || !argsShown(dag)) continue;
      if (hasStartDate(file.source, dag) !== true) continue;
      const schedule = scheduleOf(file.source, dag);
      if (schedule === null) continue;
      const how: Cadence | null =
        schedule === "default" ? { everyMs: DAY_MS } : cadence(file, schedule.node);
      if (how === null) continue;
      const runs = backlog(file, dag, how, now);
      report(
        {
          dag: dagName(dag),
          schedule:
            schedule === "default"
              ? "Airflow 2's default schedule (daily)"
              : `${schedule.arg}=${textOf(file.source, schedule.node).replace(/\s+/g, " ").slice(0, 60)}`,
          runs:
            runs === null
              ? ""
              : ` (${runs.toLocaleString("en-US")} run${runs === 1 ? "" : "s"} as of ${today})`,
        },
        dag.span,
        { onlyAirflow2: true },
      );
    }
  },
});
