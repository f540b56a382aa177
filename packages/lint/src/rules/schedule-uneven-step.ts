import { cronUnevenStep } from "@mlgen/core";
import { cronSchedules, dagName } from "../python/dag-args.js";
import { defineRule } from "../rule.js";

/**
 * A DAG whose cron step does not run as often as it reads: croniter counts a step within the
 * field's span and starts it again each span, so `*\/90 * * * *` runs hourly (minute 0 only),
 * `*\/45 * * * *` at :00 and :45 (45 then 15 minutes apart) and `0 *\/5 * * *` at 20:00 and
 * then at 0:00. Airflow runs it without a word; the runs come at times nobody planned.
 */
export const scheduleUnevenStep = defineRule({
  id: "schedule-uneven-step",
  code: "MLG2037",
  defaultSeverity: "warning",
  description:
    "A DAG whose cron step does not divide its field's span (*/90 or */45 minutes, */5 hours): its runs come unevenly or less often than it reads.",
  checkPython(file, report) {
    for (const { dag, cron, shown, node } of cronSchedules(file)) {
      const uneven = cronUnevenStep(cron);
      if (uneven === null) continue;
      report(
        { dag: dagName(dag), schedule: shown, ...uneven },
        file.lines.span(node.from, node.to),
      );
    }
  },
});
