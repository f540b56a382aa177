import { effectiveOptions } from "@mlgen/core/light";
import type { DagDecl, DagFile } from "../python/model.js";
import type { PyNode } from "../python/node.js";
import { isNone } from "../python/queries.js";
import { textOf } from "../python/text.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";
import { alertsOnFailure } from "./no-failure-alert.js";

const REASON =
  "Airflow's scheduler fails such a run, skips its unfinished tasks and calls only the DAG's on_failure_callback, never a task's callback or email";

/**
 * The DAG's `dagrun_timeout=` argument, unless it is None (written, or through a module-level
 * name bound to None): null when the DAG has no run timeout.
 */
export function dagrunTimeoutArg(file: DagFile, dag: DagDecl): PyNode | null {
  const timeout = dag.kwargs.get("dagrun_timeout");
  if (!timeout || isNone(file.source, timeout)) return null;
  // `dagrun_timeout=TIMEOUT` with `TIMEOUT = None` at module level: no timeout either.
  const named = file.constants.get(textOf(file.source, timeout));
  return named && isNone(file.source, named) ? null : timeout;
}

/**
 * A DAG with a dagrun_timeout whose alerts are all the tasks': a run that times out is failed
 * by the scheduler, which calls only the DAG's own on_failure_callback (reason "timed_out"),
 * so nobody hears of it. A DAG that alerts on nothing at all is no-failure-alert's finding.
 */
export const runTimeoutUnalerted = defineRule({
  id: "run-timeout-unalerted",
  code: "MLG2038",
  defaultSeverity: "warning",
  description:
    "A DAG with a dagrun_timeout whose failure alerts are all on its tasks: a run that times out alerts no one.",
  checkPipeline({ ir }, report) {
    if (ir.dagrunTimeout === null || (ir.defaults.onFailure ?? []).length > 0) return;
    // mlgen sends the pipeline's default failure alerts when a run times out; task alerts only
    // reach tasks. None at all is no-failure-alert's finding.
    if (!ir.tasks.some((t) => (effectiveOptions(ir, t).onFailure ?? []).length > 0)) return;
    report(
      {
        what: "pipeline",
        id: ir.id,
        reason: REASON,
        hint: "give the alerts in the pipeline's defaults: { onFailure: ... }, which mlgen also sends when a run times out (and only then, besides the tasks' failures)",
      },
      "pipeline",
    );
  },
  checkPython(file, report) {
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const timeout = dagrunTimeoutArg(file, dag);
      if (!timeout) continue;
      // Airflow 3.1's deadline alerts (DeadlineAlert, with a callback of their own) say it.
      const deadline = dag.kwargs.get("deadline");
      if (deadline && !isNone(file.source, deadline)) continue;
      const own = dag.kwargs.get("on_failure_callback");
      if (own && !isNone(file.source, own)) continue;
      // `DAG(**common)`: on_failure_callback may be in the dict.
      if (!own && dag.kwargsOpen) continue;
      const tasks = file.tasks.filter((t) => t.dag === dag.id);
      if (!tasks.some((t) => alertsOnFailure(file, t))) continue;
      report(
        {
          what: "DAG",
          id: dag.id ?? "?",
          reason: REASON,
          hint: "pass on_failure_callback= to the DAG too, with the same notifier: Airflow gives it the reason, 'timed_out' for a run that timed out and 'task_failure' when a task failed, so a callback that checks context['reason'] alerts once",
        },
        file.lines.span(timeout.from, timeout.to),
      );
    }
  },
});
