import { canonicalize, type Pipeline, topologicalOrder } from "@mlgen/core";

/** Topological task order with an id tie-break, then canonical key order. Needs an acyclic graph. */
export function orderTasks(ir: Pipeline): Pipeline {
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  const { order } = topologicalOrder([...byId.keys()], (id) => byId.get(id)?.upstream ?? []);
  if (!order) throw new Error("orderTasks needs an acyclic graph; run checkGraph first");
  const tasks = order.map((id) => byId.get(id)).filter((t) => t !== undefined);
  return canonicalize({ ...ir, tasks, tags: [...new Set(ir.tags)].sort() });
}
