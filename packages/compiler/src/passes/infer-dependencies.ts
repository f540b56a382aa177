import { type Pipeline, refsIn, type Task, taskValues } from "@mlgen/core";

/** `upstream` = order-only `.after()` edges plus every task whose output a value reads. */
export function inferDependencies(ir: Pipeline): Pipeline {
  const tasks = ir.tasks.map((task): Task => {
    const up = new Set(task.after);
    for (const [, value] of taskValues(task)) for (const ref of refsIn(value)) up.add(ref.task);
    up.delete(task.id);
    return { ...task, upstream: [...up].sort() };
  });
  return { ...ir, tasks };
}
