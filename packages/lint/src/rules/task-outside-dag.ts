import { defineRule } from "../rule.js";

/**
 * A classic operator made at module level outside any DAG (no `with DAG` block, no @dag body,
 * no `dag=` or `task_group=`) that no dependency ties to a task of one: Airflow attaches a task
 * to a DAG through its context, its `dag=`, or a dependency on a task that has one; this one
 * gets none, so it is in no DAG and never runs. Files that attach tasks otherwise
 * (`dag.add_task(...)`, `task.dag = dag`, `dag.__enter__()`) are left alone.
 */
export const taskOutsideDag = defineRule({
  id: "task-outside-dag",
  code: "MLG2020",
  defaultSeverity: "error",
  description:
    "a task made outside any DAG that no dependency ties to one: it is in no DAG and never runs",
  checkPython(file, report) {
    if (file.dags.length === 0) return;
    // ... or enter a DAG's context by hand (`dag.__enter__()`, DagContext.push(dag)).
    if (
      /\.add_tasks?\s*\(|\.dag\s*=[^=]|\.__enter__\s*\(|\bDagContext\s*\.\s*push/.test(file.source)
    )
      return;
    const tied = new Set<string>();
    for (const [up, down] of file.edges) {
      tied.add(up.split("\0")[0] ?? up);
      tied.add(down.split("\0")[0] ?? down);
    }
    const dagName = /^(\w+)\s*=\s*(?:[\w.]*\.)?DAG\s*\(/m.exec(file.source)?.[1] ?? "dag";
    for (const task of file.tasks) {
      if (task.attached || task.operator.startsWith("@") || tied.has(task.id)) continue;
      report({ id: task.id, dag: dagName }, task.span);
    }
  },
});
