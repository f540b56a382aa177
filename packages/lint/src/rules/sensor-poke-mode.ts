import { effectiveOptions, pokeSensorWait, pokeSensorWaitText } from "@mlgen/core/light";
import type { PyNode } from "../python/node.js";
import { durationSeconds, isNone, taskSetting } from "../python/queries.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

const HOUR = 3600;

export const sensorPokeMode = defineRule({
  id: "sensor-poke-mode",
  code: "MLG2006",
  defaultSeverity: "warning",
  description: "a sensor in poke mode that may wait over an hour, holding a worker slot",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      if (task.kind !== "sensor" || task.mode !== "poke" || task.deferrable) continue;
      // In poke mode the execution timeout ends a try too (Airflow: "equivalent" there): it
      // bounds the wait when the sensor has no timeout of its own.
      // A try the execution timeout ends is retried, and waits it again.
      const o = effectiveOptions(ir, task);
      const timeout = pokeSensorWait(task.timeout, o.executionTimeout, o.retries ?? 0);
      if (timeout <= HOUR) continue;
      report(
        {
          task: task.id,
          timeout: pokeSensorWaitText(task.timeout, o.executionTimeout, o.retries ?? 0),
          hint: 'use mode: "reschedule" (the default) or deferrable: true, or a timeout of at most an hour',
        },
        `task:${task.id}`,
      );
    }
  },
  checkPython(file, report) {
    for (const task of file.tasks) {
      // A *SensorAsync class always defers: it holds no worker slot while it waits.
      if (!task.isSensor || task.operator.endsWith("Async")) continue;
      // A task of a @dag function never called never runs: dag-never-called says so.
      if (neverBuilt(file, task.dagDecl)) continue;
      const deferrable = taskSetting(file, task, "deferrable");
      if (deferrable === "unknown" || (deferrable && textOf(file.source, deferrable) !== "False")) {
        continue;
      }
      // A TimeDeltaSensor waits its delta past the data interval's end, not up to its timeout:
      // a short delta holds the slot as briefly.
      const delta = task.operator === "TimeDeltaSensor" ? task.kwargs.get("delta") : undefined;
      const waits = delta ? durationSeconds(file.source, delta) : null;
      if (waits !== null && waits <= HOUR) continue;
      const mode = taskSetting(file, task, "mode");
      if (mode === "unknown") continue;
      if (mode !== null && stringValue(file.source, mode) !== "poke") continue;
      const t = taskSetting(file, task, "timeout");
      const e = taskSetting(file, task, "execution_timeout");
      if (t === "unknown" || e === "unknown") continue;
      const absent = (v: typeof t) => v === null || isNone(file.source, v);
      const own = absent(t) ? null : durationSeconds(file.source, t as PyNode);
      const limit = absent(e) ? null : durationSeconds(file.source, e as PyNode);
      // A duration we cannot read (a name, a computation) may be anything: no finding.
      if ((!absent(t) && own === null) || (!absent(e) && limit === null)) continue;
      const r = taskSetting(file, task, "retries");
      const retries = r === null || r === "unknown" ? 0 : Number(textOf(file.source, r));
      const tries = Number.isInteger(retries) ? retries : 0;
      const timeout = pokeSensorWait(own, limit, tries);
      if (timeout <= HOUR) continue;
      report(
        {
          task: task.id,
          timeout: pokeSensorWaitText(own, limit, tries, "execution_timeout"),
          hint: 'pass mode="reschedule" or deferrable=True, or a timeout of at most an hour',
        },
        task.span,
      );
    }
  },
});
