import { effectiveOptions, type Pipeline, type Task } from "@mlgen/core";

/**
 * After a branch, the side not taken is skipped, and Airflow's default `all_success` would skip
 * every task that joins the two sides too. A task downstream of a branch with more than one
 * upstream task, one of them skippable, gets `none_failed_min_one_success` unless its trigger
 * rule is set (on it, its groups or the pipeline defaults). A task with a single upstream task
 * keeps the default, so skipping still flows down one side.
 */
export function branchJoins(ir: Pipeline): Pipeline {
  const downstream = new Map<string, string[]>();
  for (const t of ir.tasks)
    for (const up of t.upstream) downstream.set(up, [...(downstream.get(up) ?? []), t.id]);
  const skippable = new Set<string>();
  const stack = ir.tasks
    .filter((t) => t.kind === "branch")
    .flatMap((t) => downstream.get(t.id) ?? []);
  while (stack.length) {
    const id = stack.pop() as string;
    if (skippable.has(id)) continue;
    skippable.add(id);
    stack.push(...(downstream.get(id) ?? []));
  }
  if (skippable.size === 0) return ir;
  const tasks = ir.tasks.map((task): Task => {
    if (task.upstream.length < 2 || !task.upstream.some((u) => skippable.has(u))) return task;
    if (task.upstream.some((u) => ir.tasks.find((t) => t.id === u)?.kind === "branch")) return task;
    if (effectiveOptions(ir, task).triggerRule !== null) return task;
    return { ...task, options: { ...task.options, triggerRule: "none_failed_min_one_success" } };
  });
  return { ...ir, tasks };
}
