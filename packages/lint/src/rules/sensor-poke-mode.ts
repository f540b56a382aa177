import { durationSeconds, isNone, taskSetting } from "../python/queries.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";

const HOUR = 3600;
const WEEK = 7 * 24 * HOUR;

function human(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  return `${Math.round(seconds / 60)} minutes`;
}

export const sensorPokeMode = defineRule({
  id: "sensor-poke-mode",
  code: "MLG2006",
  defaultSeverity: "warning",
  description: "a sensor in poke mode that may wait over an hour, holding a worker slot",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      if (task.kind !== "sensor" || task.mode !== "poke" || task.deferrable) continue;
      const timeout = task.timeout ?? WEEK;
      if (timeout <= HOUR) continue;
      report(
        {
          task: task.id,
          timeout: human(timeout),
          hint: 'use mode: "reschedule" (the default) or deferrable: true, or a timeout of at most an hour',
        },
        `task:${task.id}`,
      );
    }
  },
  checkPython(file, report) {
    for (const task of file.tasks) {
      if (!task.isSensor) continue;
      const deferrable = taskSetting(file, task, "deferrable");
      if (deferrable === "unknown" || (deferrable && textOf(file.source, deferrable) !== "False")) {
        continue;
      }
      const mode = taskSetting(file, task, "mode");
      if (mode === "unknown") continue;
      if (mode !== null && stringValue(file.source, mode) !== "poke") continue;
      const t = taskSetting(file, task, "timeout");
      if (t === "unknown") continue;
      const timeout = t === null || isNone(file.source, t) ? WEEK : durationSeconds(file.source, t);
      if (timeout === null || timeout <= HOUR) continue;
      report(
        {
          task: task.id,
          timeout: human(timeout),
          hint: 'pass mode="reschedule" or deferrable=True, or a timeout of at most an hour',
        },
        task.span,
      );
    }
  },
});
