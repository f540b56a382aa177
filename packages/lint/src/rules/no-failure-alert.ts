import { effectiveOptions } from "@mlgen/core/light";
import type { DagFile, DagTask } from "../python/model.js";
import { isNone, taskSetting } from "../python/queries.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/**
 * Whether a task alerts anyone when it fails: an on_failure_callback or an email with
 * email_on_failure left on, its own or from its groups' or DAG's default_args (unreadable
 * default_args count as one).
 */
export function alertsOnFailure(file: DagFile, task: DagTask): boolean {
  const cb = taskSetting(file, task, "on_failure_callback");
  if (cb === "unknown" || (cb !== null && !isNone(file.source, cb))) return true;
  const email = taskSetting(file, task, "email_on_failure");
  const to = taskSetting(file, task, "email");
  return (
    to !== null &&
    !isNone(file.source, to) &&
    (email === null || email === "unknown" || textOf(file.source, email) !== "False")
  );
}

export const noFailureAlert = defineRule({
  id: "no-failure-alert",
  code: "MLG2005",
  defaultSeverity: "warning",
  description: "a pipeline or DAG in which no task alerts anyone when it fails",
  checkPipeline({ ir }, report) {
    if (ir.tasks.length === 0) return;
    if (ir.tasks.some((t) => (effectiveOptions(ir, t).onFailure ?? []).length > 0)) return;
    report(
      {
        what: "pipeline",
        id: ir.id,
        hint: "add defaults: { onFailure: slack({ connId: 'slack_alerts' }) } (or email(), callback())",
      },
      "pipeline",
    );
  },
  checkPython(file, report) {
    for (const dag of file.dags) {
      // A DAG of a @dag function never called never runs: dag-never-called says so.
      if (neverBuilt(file, dag)) continue;
      const own = dag.kwargs.get("on_failure_callback");
      if (own && !isNone(file.source, own)) continue;
      // `DAG(**common)`: on_failure_callback may be in the dict.
      if (!own && dag.kwargsOpen) continue;
      const tasks = file.tasks.filter((t) => t.dag === dag.id);
      if (tasks.length === 0) continue;
      if (tasks.some((t) => alertsOnFailure(file, t))) continue;
      report(
        {
          what: "DAG",
          id: dag.id ?? "?",
          hint: tasks.every((t) => t.operator === "@asset")
            ? "pass on_failure_callback= to @asset (e.g. a Slack or email notifier)"
            : 'set "on_failure_callback" in default_args (e.g. a Slack or email notifier), or on_failure_callback= on the DAG',
        },
        dag.span,
      );
    }
  },
});
