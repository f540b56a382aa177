import type { DagFile, DagTask } from "../python/model.js";
import { graphNode } from "../python/queries.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";
import { dagrunTimeoutArg } from "./run-timeout-unalerted.js";

const REASON =
  "Airflow fails a run that reaches it and skips every task not done yet, teardowns too (Airflow 2 leaves one not yet scheduled without a state, in a run that is over), so what their setups made is left behind";

/** Made a teardown by `.as_teardown(...)` or `@teardown`. */
function isTeardown(file: DagFile, task: DagTask): boolean {
  return (
    task.operator === "@teardown" || file.teardowns.has(graphNode(file, task.id, task.dagDecl))
  );
}

/**
 * A DAG with a dagrun_timeout and teardown tasks: the scheduler fails a run over the timeout
 * and skips its unfinished tasks (SchedulerJobRunner._schedule_dag_run), so a teardown after
 * work that was still running never runs. DSL pipelines: the compiler's MLG1046.
 */
export const timeoutSkipsTeardown = defineRule({
  id: "timeout-skips-teardown",
  code: "MLG2040",
  defaultSeverity: "warning",
  description:
    "A DAG with a dagrun_timeout and teardown tasks: a run that reaches the timeout is failed with its teardowns not run.",
  checkPython(file, report) {
    for (const dag of file.dags) {
      if (neverBuilt(file, dag)) continue;
      const timeout = dagrunTimeoutArg(file, dag);
      if (!timeout) continue;
      const teardowns = [
        ...new Set(
          file.tasks
            .filter((t) => t.dagDecl === dag && isTeardown(file, t))
            .map((t) => `'${t.id}'`),
        ),
      ];
      if (teardowns.length === 0) continue;
      report(
        {
          dag: `DAG '${dag.id ?? "?"}'`,
          teardowns: `${teardowns.length === 1 ? "teardown" : "teardowns"} ${teardowns.join(", ")}`,
          reason: REASON,
          hint: "bound the work with execution_timeout on its tasks instead (a task that times out fails, and the teardowns after it run), or leave dagrun_timeout out",
        },
        file.lines.span(timeout.from, timeout.to),
      );
    }
  },
});
