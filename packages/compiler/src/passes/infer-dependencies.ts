import { type Pipeline, refsIn, type Task, taskValues } from "@mlgen/core";

/** Every group a task is in, innermost first. */
function enclosing(ir: Pipeline, task: Task): string[] {
  const out: string[] = [];
  for (let g = task.group; g !== null; g = ir.groups[g]?.parent ?? null) {
    if (!ir.groups[g]) break;
    out.push(g);
  }
  return out;
}

/**
 * `upstream` = order-only `.after()` edges plus every task whose output a value reads. A group
 * used in `.after()` stands for its last tasks (no downstream inside it), and `group.after(x)`
 * puts x before the group's first tasks — what Airflow's `group >> task` and `x >> group` do.
 * A branch comes right before each of its targets (a target group: before its first tasks).
 */
export function inferDependencies(ir: Pipeline): Pipeline {
  const ids = new Set(ir.tasks.map((t) => t.id));
  const direct = new Map<string, Set<string>>();
  for (const task of ir.tasks) {
    const up = new Set(task.after.filter((a) => ids.has(a)));
    for (const [, value] of taskValues(task)) for (const ref of refsIn(value)) up.add(ref.task);
    direct.set(task.id, up);
  }
  const groupAfter = new Map<string, string[]>(
    Object.entries(ir.groups).map(([g, group]) => [g, [...group.after]]),
  );
  for (const task of ir.tasks) {
    if (task.kind !== "branch") continue;
    for (const target of [...task.ifTrue, ...task.ifFalse]) {
      if (ids.has(target)) direct.get(target)?.add(task.id);
      else groupAfter.get(target)?.push(task.id);
    }
  }
  const role = new Map(ir.tasks.map((t) => [t.id, t.setupTeardown]));
  /**
   * A group's last tasks as Airflow's TaskGroup.get_leaves finds them: a teardown at the end
   * stands for the tasks before it (not its setups), so a task after the group waits for the
   * work, not only for its cleanup, which runs when the work failed. A teardown with no work
   * before it in the group stands for itself.
   */
  const groupLeaves = (
    inside: ReadonlySet<string>,
    hasDownInside: ReadonlySet<string>,
    edges: ReadonlyMap<string, ReadonlySet<string>>,
  ): Set<string> => {
    const downInside = new Map<string, string[]>();
    for (const id of inside) {
      for (const up of edges.get(id) ?? []) {
        if (inside.has(up)) downInside.set(up, [...(downInside.get(up) ?? []), id]);
      }
    }
    const out = new Set<string>();
    // Teardowns walked through: a loop of them (MLG1002's) must not walk for ever.
    const seen = new Set<string>();
    const before = (task: string) => {
      if (seen.has(task)) return;
      seen.add(task);
      for (const up of edges.get(task) ?? []) {
        if (!inside.has(up)) continue;
        if (role.get(up) === "teardown") before(up);
        else if (role.get(task) === "teardown" && role.get(up) === "setup") continue;
        else if (
          !(downInside.get(up) ?? []).some((d) => d !== task && role.get(d) !== "teardown")
        ) {
          out.add(up);
        }
      }
    };
    for (const id of inside) {
      if (hasDownInside.has(id)) continue;
      if (role.get(id) !== "teardown") {
        out.add(id);
        continue;
      }
      const had = out.size;
      before(id);
      // No work before it in the group (only its setups): a task after the group waits for
      // the teardown, as written, where Airflow's `group >> task` would add no edge at all.
      if (out.size === had) out.add(id);
    }
    return out;
  };
  const members = new Map<string, Task[]>();
  for (const task of ir.tasks) {
    for (const g of enclosing(ir, task)) members.set(g, [...(members.get(g) ?? []), task]);
  }
  // A group's first and last tasks are judged by every edge among its tasks, those that group
  // edges make too (`inner.after(gate)`, a branch into a group beside it): Airflow's roots and
  // leaves of a TaskGroup. Those edges come from the ends of other groups, so the edges are
  // worked out again from the last round's until they no longer change.
  let current = direct;
  let tasks: Task[] = ir.tasks;
  for (let round = 0; round < 2 * Object.keys(ir.groups).length + 2; round++) {
    const edges = current;
    const ends = new Map<string, { roots: Set<string>; leaves: Set<string> }>();
    const endsOf = (g: string) => {
      let e = ends.get(g);
      if (!e) {
        const inside = new Set((members.get(g) ?? []).map((t) => t.id));
        const hasUpInside = new Set<string>();
        const hasDownInside = new Set<string>();
        for (const id of inside) {
          for (const up of edges.get(id) ?? []) {
            if (inside.has(up)) {
              hasUpInside.add(id);
              hasDownInside.add(up);
            }
          }
        }
        e = {
          roots: new Set([...inside].filter((id) => !hasUpInside.has(id))),
          leaves: groupLeaves(inside, hasDownInside, edges),
        };
        ends.set(g, e);
      }
      return e;
    };
    const expand = (item: string): string[] =>
      ids.has(item) ? [item] : ir.groups[item] ? [...endsOf(item).leaves] : [];

    tasks = ir.tasks.map((task): Task => {
      const up = new Set(direct.get(task.id));
      for (const a of task.after) if (!ids.has(a)) for (const x of expand(a)) up.add(x);
      for (const g of enclosing(ir, task)) {
        if (!endsOf(g).roots.has(task.id)) continue;
        for (const a of groupAfter.get(g) ?? []) for (const x of expand(a)) up.add(x);
      }
      up.delete(task.id);
      return { ...task, upstream: [...up].sort() };
    });
    const next = new Map(tasks.map((t) => [t.id, new Set(t.upstream)]));
    const same = tasks.every((t) => {
      const before = current.get(t.id) ?? new Set();
      return before.size === t.upstream.length && t.upstream.every((u) => before.has(u));
    });
    if (same) break;
    current = next;
  }
  return { ...ir, tasks };
}
