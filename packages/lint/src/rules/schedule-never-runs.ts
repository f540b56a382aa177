import { cronNeverComes, cronSyntaxProblem } from "@mlgen/core";
import { cadence, dagName, scheduleOf } from "../python/dag-args.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

/**
 * A DAG whose cron schedule names a day that never comes (`0 0 30 2 *`, `0 0 31 4 *`). Airflow
 * imports the file and lists the DAG, but croniter finds no next time, so the scheduler has no
 * next run for it (it logs "Failed to fetch run info") and the DAG never runs, without an error
 * anyone sees. A cron expression croniter refuses is invalid-argument's.
 */
export const scheduleNeverRuns = defineRule({
  id: "schedule-never-runs",
  code: "MLG2026",
  defaultSeverity: "error",
  description:
    "A DAG whose cron schedule names a day that never comes (0 0 30 2 *): Airflow loads it and never runs it.",
  checkPython(file, report) {
    for (const dag of file.dags) {
      const schedule = scheduleOf(file.source, dag);
      if (schedule === null || schedule === "default") continue;
      const how = cadence(file, schedule.node);
      if (how === null || how === "unknown" || !("cron" in how)) continue;
      const why = cronNeverComes(how.cron);
      if (why === null || cronSyntaxProblem(how.cron) !== null) continue;
      report(
        {
          dag: dagName(dag),
          schedule: `${schedule.arg}=${textOf(file.source, schedule.node).replace(/\s+/g, " ").slice(0, 60)}`,
          reason: why,
        },
        file.lines.span(schedule.node.from, schedule.node.to),
      );
    }
  },
});
