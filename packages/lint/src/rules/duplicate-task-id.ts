import type { DagDecl, DagTask } from "../python/model.js";
import { defineRule } from "../rule.js";
import { neverBuilt } from "./dag-never-called.js";

/**
 * Two classic operators made with one task id in one DAG, or one made in a loop that runs more
 * than once with an id that does not change: Airflow raises DuplicateTaskIdFound while it
 * builds the DAG, and the file fails to import. TaskFlow calls are left alone (Airflow gives a
 * task function called again an id of its own, `extract__1`), and so is any task the file may
 * not make every time (under an `if` or `try`, in a loop over what it does not spell out, in a
 * helper function), or whose id is computed; nor any of a @dag function the file never calls
 * (its body never runs: the file loads; dag-never-called is the finding).
 */
export const duplicateTaskId = defineRule({
  id: "duplicate-task-id",
  code: "MLG2015",
  defaultSeverity: "error",
  description:
    "two tasks of one DAG with the same task id, or one made in a loop with an id that does not change: Airflow refuses the file",
  checkPython(file, report) {
    const first = new Map<DagDecl, Map<string, DagTask>>();
    for (const task of file.tasks) {
      if (task.dynamic || task.operator.startsWith("@") || task.dagDecl === null) continue;
      if (task.creation === "maybe") continue;
      if (neverBuilt(file, task.dagDecl)) continue;
      const dag = task.dagDecl;
      const ids = first.get(dag) ?? new Map<string, DagTask>();
      first.set(dag, ids);
      const before = ids.get(task.id);
      if (before) {
        report(
          {
            id: task.id,
            how: `is given again (first on line ${before.span.line})`,
            dag: dag.id ?? "?",
            hint: "give each task a task_id of its own",
          },
          task.span,
          { refused: true, alsoAirflow2: true },
        );
        continue;
      }
      ids.set(task.id, task);
      if (task.creation === "repeated") {
        report(
          {
            id: task.id,
            how: "is the same on every pass of its loop",
            dag: dag.id ?? "?",
            hint: 'build the id from the loop variable (task_id=f"load_{table}")',
          },
          task.span,
          { refused: true, alsoAirflow2: true },
        );
      }
    }
  },
});
