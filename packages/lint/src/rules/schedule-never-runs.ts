import { cronNeverComes, cronSyntaxProblem } from "@mlgen/core";
import { cronSchedules, dagName } from "../python/dag-args.js";
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
    for (const { dag, cron, shown, node } of cronSchedules(file)) {
      const why = cronNeverComes(cron);
      if (why === null || cronSyntaxProblem(cron) !== null) continue;
      report(
        { dag: dagName(dag), schedule: shown, reason: why },
        file.lines.span(node.from, node.to),
      );
    }
  },
});
