import { diagnostic, downstreamMap, effectiveOptions, type Pipeline, type Task } from "@mlgen/core";
import { type PassContext, taskPlace } from "./context.js";

/**
 * Per task, the branch sides whose skip skips it (`branch id` → the one side), and each join
 * with the branch whose sides it joins. A task downstream of both sides of a branch is a join:
 * past it, that branch no longer decides whether a task runs.
 */
export function branchSides(ir: Pipeline): {
  sides: ReadonlyMap<string, ReadonlyMap<string, boolean>>;
  joins: ReadonlyMap<string, string>;
  /** Per join, every branch whose sides it joins (a task may join more than one). */
  joinedBranches: ReadonlyMap<string, ReadonlySet<string>>;
} {
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  const downstream = downstreamMap(ir);
  const waiting = new Map(ir.tasks.map((t) => [t.id, t.upstream.length] as const));
  /** The task, and the groups it sits in, innermost first: a branch may name either. */
  const names = (t: Task): string[] => {
    const out = [t.id];
    for (let g = t.group; g !== null; g = ir.groups[g]?.parent ?? null) out.push(g);
    return out;
  };
  const sides = new Map<string, Map<string, boolean>>();
  /** Each join, and the branch whose sides it joins. */
  const joins = new Map<string, string>();
  const joinedBranches = new Map<string, Set<string>>();
  const ready = ir.tasks.filter((t) => t.upstream.length === 0).map((t) => t.id);
  while (ready.length > 0) {
    const id = ready.pop() as string;
    const task = byId.get(id) as Task;
    const seen = new Map<string, Set<boolean>>();
    const add = (branch: string, side: boolean) => {
      const s = seen.get(branch) ?? new Set<boolean>();
      s.add(side);
      seen.set(branch, s);
    };
    for (const up of task.upstream) {
      const u = byId.get(up);
      if (u?.kind === "branch") {
        // Right after the branch: the side(s) that list it. A task on both runs either way.
        const mine = names(task);
        const onTrue = u.ifTrue.some((n) => mine.includes(n));
        const onFalse = u.ifFalse.some((n) => mine.includes(n));
        if (onTrue !== onFalse) add(u.id, onTrue);
      }
      for (const [branch, side] of sides.get(up) ?? []) add(branch, side);
    }
    const mine = new Map<string, boolean>();
    for (const [branch, s] of seen) {
      if (s.size < 2) {
        mine.set(branch, s.has(true));
        continue;
      }
      if (task.upstream.includes(branch)) continue;
      if (!joins.has(id)) joins.set(id, branch);
      joinedBranches.set(id, (joinedBranches.get(id) ?? new Set<string>()).add(branch));
    }
    sides.set(id, mine);
    for (const d of downstream.get(id) ?? []) {
      const left = (waiting.get(d) ?? 0) - 1;
      waiting.set(d, left);
      if (left === 0) ready.push(d);
    }
  }
  return { sides, joins, joinedBranches };
}

/**
 * After a branch, the side not taken is skipped, and Airflow's default `all_success` skips every
 * task downstream of a skipped one. That is right for a task on one side (it is skipped with its
 * side, even when it also reads tasks from before the branch), and wrong for a task that joins
 * the sides: one of its upstream tasks is always skipped. A join — a task downstream of both
 * sides of one branch — gets `none_failed_min_one_success` unless its trigger rule is set (on
 * it, its groups or the pipeline defaults). `all_success` from the defaults is Airflow's own
 * default written out, not a choice for the join (which it would always skip): the join gets
 * its rule then too. Past a join, that branch no longer decides whether a task runs. A join
 * whose own rule is `all_success` is kept as written, and said (MLG1025): Airflow skips it always.
 * A join given its rule that also waits for tasks off those sides (a sensor that may soft-fail,
 * a side of another branch) records the tasks on the sides (`joined`): the rule is for them
 * alone, and a skip of any other task still skips the join.
 */
export function branchJoins(ir: Pipeline, ctx?: PassContext): Pipeline {
  if (!ir.tasks.some((t) => t.kind === "branch")) return ir;
  const { sides, joins, joinedBranches } = branchSides(ir);
  if (joins.size === 0) return ir;
  const downstream = downstreamMap(ir);
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  /** The tasks Airflow skips when this one is skipped: those after it by `all_success`. */
  const skipped = new Map<string, Set<string>>();
  const skipsWith = (id: string): Set<string> => {
    const known = skipped.get(id);
    if (known) return known;
    const out = new Set<string>();
    const todo = [id];
    while (todo.length > 0) {
      for (const d of downstream.get(todo.pop() as string) ?? []) {
        const rule = effectiveOptions(ir, byId.get(d) as Task).triggerRule;
        if (out.has(d) || (rule !== null && rule !== "all_success")) continue;
        out.add(d);
        todo.push(d);
      }
    }
    skipped.set(id, out);
    return out;
  };
  const tasks = ir.tasks.map((task): Task => {
    // A teardown's rule (all_done_setup_success, given by as_teardown()) takes a skipped side.
    if (!joins.has(task.id) || task.setupTeardown === "teardown") return task;
    const rule = effectiveOptions(ir, task).triggerRule;
    const fromDefaults = task.options.triggerRule == null;
    if (rule === "all_success" && !fromDefaults) {
      ctx?.report(
        diagnostic(
          "MLG1025",
          { task: task.id, branch: joins.get(task.id) as string },
          taskPlace(ctx, ir.id, task.id),
        ),
      );
    }
    if (rule !== null && !(fromDefaults && rule === "all_success")) return task;
    const branches = [...(joinedBranches.get(task.id) ?? [])];
    const joined = task.upstream.filter((up) => branches.some((b) => sides.get(up)?.has(b)));
    // A task whose skip skips every joined one (the tasks before the branch) needs no more.
    const apart = task.upstream.some(
      (up) => !joined.includes(up) && !joined.every((j) => skipsWith(up).has(j)),
    );
    return {
      ...task,
      ...(apart ? { joined } : {}),
      options: { ...task.options, triggerRule: "none_failed_min_one_success" },
    };
  });
  return { ...ir, tasks };
}

/**
 * The task as the Airflow target writes it: a join that also waits for tasks off the sides it
 * joins (`joined`) keeps the rule it would have had, its join rule going to an empty task after
 * the sides (none_failed_min_one_success).
 */
export function asWritten<T extends Task>(task: T): T {
  return task.joined === undefined
    ? task
    : { ...task, options: { ...task.options, triggerRule: null } };
}
