import { effectiveOptions } from "@mlgen/core/light";
import { decidesOnly } from "../dsl.js";
import type { DagFile, DagTask } from "../python/model.js";
import { isNone, isNoOp, taskSetting } from "../python/queries.js";
import { stringValue, textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/**
 * A sensor in poke mode (Airflow's default), not deferrable, with an execution timeout: each try
 * ends at that timeout, as the sensor's own timeout would end it ("equivalent" in poke mode,
 * BaseSensorOperator says). Unknown settings count as yes: no finding on a guess.
 */
function pokeWithExecutionTimeout(file: DagFile, task: DagTask): boolean {
  const setting = (name: string) => taskSetting(file, task, name);
  const deferrable = setting("deferrable");
  if (deferrable === "unknown") return true;
  if (deferrable !== null && textOf(file.source, deferrable) !== "False") return false;
  const mode = setting("mode");
  if (mode === "unknown") return true;
  if (mode !== null && stringValue(file.source, mode) !== "poke") return false;
  const timeout = setting("execution_timeout");
  return timeout === "unknown" || (timeout !== null && !isNone(file.source, timeout));
}

/**
 * A sensor in reschedule mode, not deferrable, with an execution timeout: that ends one poke
 * only (Airflow leaves the waits between pokes out of it), not the sensor's wait.
 */
function rescheduleWithExecutionTimeout(file: DagFile, task: DagTask): boolean {
  const setting = (name: string) => taskSetting(file, task, name);
  const deferrable = setting("deferrable");
  if (deferrable === "unknown") return false;
  if (deferrable !== null && textOf(file.source, deferrable) !== "False") return false;
  const mode = setting("mode");
  if (mode === null || mode === "unknown" || stringValue(file.source, mode) !== "reschedule") {
    return false;
  }
  const timeout = setting("execution_timeout");
  return timeout !== null && timeout !== "unknown" && !isNone(file.source, timeout);
}

/**
 * What a sensor with no timeout does: BaseSensorOperator fails it when it has waited
 * [sensors] default_timeout, 7 days from the first poke.
 */
const SENSOR_WAIT = "it waits for its condition up to Airflow's default of 7 days before it fails";

/** A number literal, as lezer names it (a negative one is a UnaryExpression: rare enough). */
const NUMBER = /^Number$/;

export const missingTimeout = defineRule({
  id: "missing-timeout",
  code: "MLG2003",
  defaultSeverity: "warning",
  description:
    "a task with no execution timeout from itself, its groups or the defaults; a sensor with no timeout",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      if (task.kind === "sensor") {
        // A poke-mode sensor's execution timeout ends its wait as its timeout would.
        const poke = task.mode === "poke" && !task.deferrable;
        const executionTimeout = effectiveOptions(ir, task).executionTimeout;
        if (task.timeout === null && !(poke && executionTimeout !== null)) {
          const reschedule = task.mode === "reschedule" && !task.deferrable;
          report(
            {
              task: task.id,
              setting: "timeout",
              consequence:
                reschedule && executionTimeout !== null
                  ? `${SENSOR_WAIT} (its executionTimeout ends one poke, not the wait)`
                  : SENSOR_WAIT,
              hint: "give the sensor a timeout: timeout: hours(6)",
            },
            `task:${task.id}`,
          );
        }
        continue;
      }
      // A branch or short-circuit compares two values it reads: it cannot hang (on Kubeflow it
      // is a condition, no task); a latest-only gate compares the run's dates.
      if (decidesOnly(task)) continue;
      if (effectiveOptions(ir, task).executionTimeout === null) {
        report(
          {
            task: task.id,
            setting: "executionTimeout",
            consequence: "a hung try runs until someone stops it",
            hint: "set executionTimeout on the task, its group's defaults or the pipeline's defaults",
          },
          `task:${task.id}`,
        );
      }
    }
  },
  checkPython(file, report) {
    const numbers = new Set<number>();
    for (const task of file.tasks) {
      if (isNoOp(task)) continue;
      const name = task.isSensor ? "timeout" : "execution_timeout";
      // A task of a @dag function never called never runs, nor is it made when Airflow parses
      // the file (so a timeout written as a number does not fail the file either):
      // dag-never-called is the finding.
      if (neverBuilt(file, task.dagDecl)) continue;
      const value = taskSetting(file, task, name);
      if (value === "unknown") continue;
      // execution_timeout=3600: Airflow wants a timedelta and refuses the whole DAG file, a
      // sensor's too (its timeout is in seconds, which is where the number comes from). Once
      // per value.
      const timeout = task.isSensor ? taskSetting(file, task, "execution_timeout") : value;
      if (timeout !== null && timeout !== "unknown" && NUMBER.test(timeout.name)) {
        if (!numbers.has(timeout.from)) {
          numbers.add(timeout.from);
          const seconds = textOf(file.source, timeout);
          report(
            {
              task: task.id,
              setting: "valid execution_timeout",
              consequence: `a hung try runs until someone stops it, and Airflow refuses the DAG file: execution_timeout=${seconds} is a number, where it wants a timedelta`,
              hint: `pass execution_timeout=timedelta(seconds=${seconds})`,
            },
            file.lines.span(timeout.from, timeout.to),
            // "ValueError: execution_timeout must be timedelta object", on Airflow 2 and 3.
            { refused: true, alsoAirflow2: true },
          );
        }
        continue;
      }
      if (value !== null && !isNone(file.source, value)) continue;
      // `@asset(execution_timeout=...)`: written, on the decorator that refuses it
      // (invalid-argument).
      if (task.dagDecl?.asset && task.dagDecl.kwargs.has(name)) continue;
      if (task.isSensor && pokeWithExecutionTimeout(file, task)) continue;
      report(
        task.isSensor
          ? {
              task: task.id,
              setting: "timeout",
              consequence: rescheduleWithExecutionTimeout(file, task)
                ? `${SENSOR_WAIT} (its execution_timeout ends one poke, not the wait)`
                : SENSOR_WAIT,
              hint: "pass timeout=timedelta(hours=6) (or put it in default_args)",
            }
          : {
              task: task.id,
              setting: "execution_timeout",
              consequence: "a hung try runs until someone stops it",
              hint:
                task.operator === "@asset"
                  ? "an @asset takes no task arguments: put @task(execution_timeout=timedelta(hours=1)) beneath @asset, its function taking **context (Airflow calls a @task beneath @asset with no arguments, so a context or upstream-asset parameter is left unfilled and the DAG file fails)"
                  : 'pass execution_timeout=timedelta(hours=1), or set "execution_timeout" in the DAG\'s default_args',
            },
        task.span,
      );
    }
  },
});
