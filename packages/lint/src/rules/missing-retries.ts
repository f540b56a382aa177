import { effectiveOptions } from "@mlgen/core/light";
import { isNoOp, taskSetting } from "../python/queries.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

export const missingRetries = defineRule({
  id: "missing-retries",
  code: "MLG2004",
  defaultSeverity: "warning",
  description: "a task with no retries from itself, its groups or the defaults",
  checkPipeline({ ir }, report) {
    for (const task of ir.tasks) {
      // A latest-only gate runs nothing of the user's (as a LatestOnlyOperator in a DAG file).
      if (task.kind === "latest_only") continue;
      if (effectiveOptions(ir, task).retries !== null) continue;
      report(
        {
          task: task.id,
          hint: "set retries (0 if the task must not be retried) on the task or in the pipeline's defaults: { retries: 2, retryDelay: minutes(5) }",
        },
        `task:${task.id}`,
      );
    }
  },
  checkPython(file, report) {
    for (const task of file.tasks) {
      if (isNoOp(task) || taskSetting(file, task, "retries") !== null) continue;
      // A task of a @dag function never called never runs: dag-never-called says so.
      if (neverBuilt(file, task.dagDecl)) continue;
      // `@asset(retries=2)`: written, on the decorator that refuses it (invalid-argument).
      if (task.dagDecl?.asset && task.dagDecl.kwargs.has("retries")) continue;
      report(
        {
          task: task.id,
          hint:
            task.operator === "@asset"
              ? "an @asset takes no task arguments: put @task(retries=2) beneath @asset, its function taking **context (Airflow calls a @task beneath @asset with no arguments, so a context or upstream-asset parameter is left unfilled and the DAG file fails)"
              : 'pass retries= (0 if the task must not be retried), or set "retries" in the DAG\'s default_args',
        },
        task.span,
      );
    }
  },
});
