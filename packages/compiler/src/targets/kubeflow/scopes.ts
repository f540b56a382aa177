/**
 * The KFP shape of a pipeline: every task sits in a DAG scope (the root, a task group, a
 * condition, an If/Else wrapper, a ParallelFor loop or the exit handler), and every scope but
 * the root is itself a task of its parent's DAG. Branches and short-circuits become condition
 * scopes holding the tasks they would skip; mapped tasks become loops.
 */
import { effectiveOptions, type Pipeline, type Task } from "@mlgen/core";
import { Namer } from "./names.js";
import { constantOf } from "./values.js";

export type ScopeKind =
  | "root"
  | "group"
  | "condition"
  | "condition-branches"
  | "for-loop"
  | "exit-handler";

export interface TaskNode {
  readonly type: "task";
  readonly task: Task;
  readonly key: string;
  parent: Scope;
}

export interface Scope {
  readonly type: "scope";
  readonly kind: ScopeKind;
  /** Task key in the parent DAG; the component is `comp-<key>` (renumbered by elif chains). */
  key: string;
  parent: Scope | null;
  children: Node[];
  /** For condition scopes: the branch or short-circuit task, and which side (`true`/`false`). */
  readonly origin?: { readonly task: Task; readonly negate: boolean };
  /**
   * For a side of an If/Elif/Else chain after its first: the branches before it, whose
   * conditions must all be false too (kfp's `!(a) && !(b) && c`).
   */
  readonly elseOf?: readonly Task[];
  /** For loops: the mapped task. */
  readonly mapped?: Task;
  /** For groups: the IR group id. */
  readonly group?: string;
  /** For loops over a literal list: the item's number (kfp names the item, then the loop). */
  number?: number;
}

export type Node = TaskNode | Scope;

export interface Shape {
  readonly root: Scope;
  /** Where each IR task sits: branch and short-circuit tasks map to their condition scope. */
  readonly nodeOf: ReadonlyMap<string, Node>;
  /** Tasks that run an executor, in IR order. */
  readonly leaves: readonly TaskNode[];
  readonly problems: readonly ShapeProblem[];
  /** The exit handler and its task's key, when the pipeline has pipeline-level alerts. */
  readonly exit: { readonly scope: Scope; readonly key: string } | null;
}

export interface ShapeProblem {
  readonly task: string;
  readonly what: string;
  readonly reason: string;
  readonly hint: string;
}

function scope(
  kind: ScopeKind,
  key: string,
  parent: Scope | null,
  extra: Partial<Pick<Scope, "origin" | "elseOf" | "mapped" | "group" | "number">> = {},
): Scope {
  return { type: "scope", kind, key, parent, children: [], ...extra };
}

/** `node`, its parent, its parent's parent, … up to the root. */
export function ancestry(node: Node): Node[] {
  const out: Node[] = [node];
  for (let s = node.parent; s; s = s.parent) out.push(s);
  return out;
}

/** The ancestor of `node` (or `node` itself) that is a direct child of `scope`, if any. */
export function childOf(scope: Scope, node: Node): Node | undefined {
  for (let n: Node | null = node; n; n = n.parent) if (n.parent === scope) return n;
  return undefined;
}

/** Moves the children of `from` that are in `nodes` to `to`, keeping their order: one pass. */
function moveAll(from: Scope, nodes: ReadonlySet<Node>, to: Scope): void {
  const moving = from.children.filter((c) => nodes.has(c));
  if (moving.length === 0) return;
  from.children = from.children.filter((c) => !nodes.has(c));
  for (const node of moving) {
    to.children.push(node);
    node.parent = to;
  }
}

/** Join rules that want a success upstream: with every upstream task skipped, Airflow skips. */
const NEEDS_A_SUCCESS = new Set(["none_failed_min_one_success", "one_success"]);
/** Trigger rules under which a task still runs when an upstream branch side was skipped. */
const JOIN_RULES = new Set([
  "none_failed_min_one_success",
  "none_failed",
  "all_done",
  "one_success",
]);

export function buildShape(ir: Pipeline, withExitHandler: boolean): Shape {
  const namer = new Namer();
  const problems: ShapeProblem[] = [];
  const root = scope("root", "root", null);
  let counter = 0;
  const nextNumber = () => ++counter;

  let top = root;
  let exit: Shape["exit"] = null;
  if (withExitHandler) {
    const n = nextNumber();
    top = scope("exit-handler", namer.claim(`exit-handler-${n}`), root);
    root.children.push(top);
    exit = { scope: top, key: namer.claim("alerts") };
  }

  const groups = new Map<string, Scope>();
  const groupScope = (id: string | null): Scope => {
    if (id === null) return top;
    const known = groups.get(id);
    if (known) return known;
    const group = ir.groups[id];
    const parent = groupScope(group?.parent ?? null);
    const s = scope("group", namer.claim(id), parent, { group: id });
    parent.children.push(s);
    groups.set(id, s);
    return s;
  };

  const nodeOf = new Map<string, Node>();
  const leaves: TaskNode[] = [];
  const conditional: Task[] = [];
  /**
   * The loop a mapped task joins: the loop of the mapped task whose output it maps over, when
   * that loop sits in the same scope (task group) as this task would.
   */
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  const chainedLoop = (task: Task & { kind: "python" }, parent: Scope): Scope | null => {
    const over = task.map?.over;
    if (over?.kind !== "ref") return null;
    const source = nodeOf.get(over.task);
    const loop = source?.type === "task" ? source.parent : null;
    if (loop?.kind !== "for-loop" || loop.parent !== parent) return null;
    // Not when it waits for a task after the loop (one reading its collected outputs): the loop
    // would wait for that task, which waits for the loop.
    const members = new Set(loop.children.flatMap((c) => (c.type === "task" ? [c.task.id] : [])));
    const seen = new Set<string>();
    const reaches = (id: string): boolean => {
      if (members.has(id)) return true;
      if (seen.has(id)) return false;
      seen.add(id);
      return (byId.get(id)?.upstream ?? []).some(reaches);
    };
    return task.upstream.some((u) => !members.has(u) && reaches(u)) ? null : loop;
  };
  for (const task of ir.tasks) {
    const parent = groupScope(task.group);
    if (task.kind === "branch") {
      const n = nextNumber();
      const hasElse = task.ifFalse.length > 0;
      const s = hasElse
        ? scope("condition-branches", namer.claim(`condition-branches-${n}`), parent)
        : scope("condition", namer.claim(`condition-${n}`), parent, {
            origin: { task, negate: false },
          });
      parent.children.push(s);
      nodeOf.set(task.id, s);
      if (hasElse) {
        for (const negate of [false, true]) {
          const side = scope("condition", namer.claim(`condition-${nextNumber()}`), s, {
            origin: { task, negate },
          });
          s.children.push(side);
        }
      }
      conditional.push(task);
      continue;
    }
    if (task.kind === "short_circuit") {
      const s = scope("condition", namer.claim(`condition-${nextNumber()}`), parent, {
        origin: { task, negate: false },
      });
      parent.children.push(s);
      nodeOf.set(task.id, s);
      conditional.push(task);
      continue;
    }
    let home = parent;
    const chain = task.kind === "python" ? chainedLoop(task, parent) : null;
    if (chain) {
      // A map over the output of a mapped task of the same group runs in that task's loop, one
      // instance per item beside the instance that made it (kfp's ParallelFor body of several
      // tasks): item i is what instance i returned, as Airflow pairs them (expand over a mapped
      // task's output), and kfp cannot iterate the outputs collected from another loop.
      home = chain;
    } else if (task.kind === "python" && task.map) {
      // kfp's ParallelFor over a literal list numbers its item first, then the loop.
      const item = Array.isArray(constantOf(task.map.over)) ? nextNumber() : null;
      const n = nextNumber();
      home = scope("for-loop", namer.claim(`for-loop-${n}`), parent, {
        mapped: task,
        number: item ?? n,
      });
      parent.children.push(home);
    }
    const node: TaskNode = { type: "task", task, key: namer.claim(task.id), parent: home };
    home.children.push(node);
    nodeOf.set(task.id, node);
    leaves.push(node);
  }

  const taskById = new Map(ir.tasks.map((t) => [t.id, t] as const));
  /** nodeOf inverted: the IR task a node stands for (a leaf, or a condition's header scope). */
  const idOf = new Map<Node, string>();
  for (const [id, n] of nodeOf) idOf.set(n, id);
  /** The IR tasks under a node: the task itself, or every task whose node lies inside. */
  const tasksUnder = (node: Node): string[] => {
    const out: string[] = [];
    const visit = (n: Node): void => {
      const id = idOf.get(n);
      if (id !== undefined) out.push(id);
      if (n.type === "scope") for (const c of n.children) visit(c);
    };
    visit(node);
    return out;
  };
  /**
   * The units of `s` (its children) that `unit` waits for, seen from inside `s`. Memoized per
   * scope: the tree does not change while one condition's units are being collected.
   */
  let memo: { scope: Scope; ups: Map<Node, Set<Node>> } | null = null;
  const upstreamUnits = (s: Scope, unit: Node): Set<Node> => {
    if (memo?.scope !== s) memo = { scope: s, ups: new Map() };
    const known = memo.ups.get(unit);
    if (known) return known;
    const inside = new Set(tasksUnder(unit));
    const out = new Set<Node>();
    for (const id of inside) {
      for (const u of taskById.get(id)?.upstream ?? []) {
        if (inside.has(u)) continue;
        const n = nodeOf.get(u);
        const c = n && childOf(s, n);
        if (c) out.add(c);
      }
    }
    memo.ups.set(unit, out);
    return out;
  };
  const rulesOf = (unit: Node) =>
    tasksUnder(unit).map((id) => {
      const t = taskById.get(id);
      return t ? effectiveOptions(ir, t).triggerRule : null;
    });
  const runsAfterSkip = (unit: Node): boolean =>
    rulesOf(unit).some((rule) => rule !== null && JOIN_RULES.has(rule));
  /** Joins Airflow skips when every task they wait for was skipped (none succeeded). */
  const skipsWhenAllSkipped = (unit: Node): boolean =>
    rulesOf(unit).every(
      (rule) => rule === null || !JOIN_RULES.has(rule) || NEEDS_A_SUCCESS.has(rule),
    );

  for (const task of conditional) {
    memo = null; // the previous condition moved units
    const header = nodeOf.get(task.id) as Scope;
    const s = header.parent as Scope;
    const units = () => s.children.filter((c) => c !== header);
    if (task.kind === "short_circuit") {
      // Everything downstream is skipped when the condition does not hold, whatever its rule.
      const side = new Set<Node>();
      for (let grew = true; grew; ) {
        grew = false;
        for (const u of units()) {
          if (side.has(u)) continue;
          const ups = upstreamUnits(s, u);
          if (ups.has(header) || [...ups].some((x) => side.has(x))) {
            side.add(u);
            grew = true;
          }
        }
      }
      moveAll(s, side, header);
      continue;
    }
    if (task.kind !== "branch") continue;
    const sides = header.kind === "condition-branches" ? header.children : [header];
    const wanted = [task.ifTrue, task.ifFalse];
    const members: Set<Node>[] = [];
    sides.forEach((_side, i) => {
      const set = new Set<Node>();
      for (const target of wanted[i] ?? []) {
        const n = groups.get(target) ?? nodeOf.get(target);
        const unit = n && childOf(s, n);
        if (!unit || unit === header) {
          problems.push({
            task: task.id,
            what: `branch '${task.id}' → '${target}'`,
            reason: "a branch target must sit in the same task group as the branch",
            hint: `move '${target}' into the branch's group, or branch on a group holding both`,
          });
          continue;
        }
        set.add(unit);
      }
      members.push(set);
    });
    // Airflow runs a task listed on both sides whichever way the branch goes; KFP's If and Else
    // groups cannot share one.
    const [ifTrue, ifFalse] = members;
    for (const target of task.ifFalse) {
      const n = groups.get(target) ?? nodeOf.get(target);
      const unit = n && childOf(s, n);
      if (unit && unit !== header && ifTrue?.has(unit)) {
        ifTrue.delete(unit);
        ifFalse?.delete(unit);
        problems.push({
          task: task.id,
          what: `branch '${task.id}' → '${target}'`,
          reason: `'${target}' is on both sides, and a task cannot sit in KFP's If and Else groups at once`,
          hint: `list '${target}' on one side only, or move what it does into a task of each side`,
        });
      }
    }
    // Tasks downstream of one side only (and not joins) are skipped with it: they move too,
    // reading anything they need from before the branch as KFP lets a condition's tasks do.
    for (let grew = true; grew; ) {
      grew = false;
      for (const u of units()) {
        if (members.some((m) => m.has(u))) continue;
        const ups = [...upstreamUnits(s, u)].filter((x) => x !== header);
        const on = members.filter((m) => ups.some((x) => m.has(x)));
        const side = on.length === 1 ? on[0] : undefined;
        if (!side) continue;
        // A join moves only when all it waits for is on that side: skipped with it, none of
        // them succeeds, and Airflow skips a none_failed_min_one_success or one_success join too
        // (a join after both sides of a nested branch, all inside one side of this one).
        if (runsAfterSkip(u) && !(skipsWhenAllSkipped(u) && ups.every((x) => side.has(x)))) {
          continue;
        }
        side.add(u);
        grew = true;
      }
    }
    sides.forEach((side, i) => {
      const m = members[i];
      if (m) moveAll(s, m, side as Scope);
    });
  }

  // A condition moves whole units (a task group, another condition): a task that came along
  // without depending on the branch or short-circuit would be skipped with it on Kubeflow,
  // where Airflow runs it whatever the condition decides.
  const downstream = new Map<string, string[]>();
  for (const t of ir.tasks) {
    for (const u of t.upstream) downstream.set(u, [...(downstream.get(u) ?? []), t.id]);
  }
  for (const task of conditional) {
    const seeds = [task.id];
    if (task.kind === "branch") {
      for (const target of [...task.ifTrue, ...task.ifFalse]) {
        const group = groups.get(target);
        seeds.push(...(group ? tasksUnder(group) : [target]));
      }
    }
    const decided = new Set<string>();
    for (const id of seeds) {
      if (decided.has(id)) continue;
      decided.add(id);
      seeds.push(...(downstream.get(id) ?? []));
    }
    const header = nodeOf.get(task.id) as Scope;
    for (const id of tasksUnder(header)) {
      if (id === task.id || decided.has(id)) continue;
      // Another gate runs nothing on KFP (it is only a condition): nesting it is Airflow's AND.
      // The tasks it guards are judged one by one.
      const kind = taskById.get(id)?.kind;
      if (kind === "branch" || kind === "short_circuit") continue;
      // The outermost task group between the condition and the task: what came along whole.
      let group: string | undefined;
      for (let n = nodeOf.get(id)?.parent ?? null; n && n !== header; n = n.parent) {
        if (n.kind === "group") group = n.group;
      }
      // A loop moves whole: a map chained into it that waits for the condition brings the rest.
      const loop = nodeOf.get(id)?.parent;
      const mate =
        loop?.kind === "for-loop"
          ? tasksUnder(loop).find((other) => other !== id && decided.has(other))
          : undefined;
      if (mate !== undefined) {
        problems.push({
          task: id,
          what: `task '${id}'`,
          reason: `it runs in one ParallelFor with '${mate}' (which maps over the output of a task in that loop), and '${mate}' waits for '${task.id}', so Kubeflow would skip '${id}' with that condition, where Airflow runs it whatever '${task.id}' decides`,
          hint: `make '${id}' downstream of '${task.id}' too (the loop's tasks run under one condition), or move what '${task.id}' decides after the loop`,
        });
        continue;
      }
      problems.push({
        task: id,
        what: `task '${id}'`,
        reason: `it would sit inside the condition of '${task.id}'${group ? ` with the rest of task group '${group}'` : ""}, so Kubeflow would skip it with that condition, where Airflow runs it whatever '${task.id}' decides`,
        hint: group
          ? `branch on task group '${group}' as a whole, or move what '${task.id}' decides out of '${group}'`
          : `make '${id}' downstream of '${task.id}'; when a task after two conditions pulled one into the other, branch once on a flag that combines both (computed in a python task)`,
      });
    }
  }
  // A condition inside a task group holds only what sits in that group: a task outside it that
  // waits for a task of the condition (or for the gate itself, or for the whole group) runs on
  // Kubeflow once the group is done, condition or not, where Airflow skips it (a short-circuit
  // skips everything after it; a branch's skipped side skips what waits for it by all_success).
  for (const task of conditional) {
    const header = nodeOf.get(task.id) as Scope;
    const s = header.parent as Scope;
    const gated = new Set(tasksUnder(header));
    const inside = new Set(tasksUnder(s));
    let group: string | undefined;
    for (let n: Scope | null = s; n && !group; n = n.parent)
      if (n.kind === "group") group = n.group;
    for (const t of ir.tasks) {
      if (inside.has(t.id)) continue;
      const from = t.upstream.find((u) => gated.has(u));
      if (from === undefined) continue;
      const rule = effectiveOptions(ir, t).triggerRule;
      if (task.kind === "branch" && rule !== null && rule !== "all_success") continue;
      problems.push({
        task: t.id,
        what: `task '${t.id}'`,
        reason: `it waits for '${from}', ${from === task.id ? "a condition" : `which sits in the condition of '${task.id}'`}${group ? ` inside task group '${group}'` : ""}, so Kubeflow runs '${t.id}' once ${group ? `'${group}'` : "that scope"} is done whatever '${task.id}' decides, where Airflow skips it when the condition does not hold`,
        hint: group
          ? `gate task group '${group}' as a whole (put '${task.id}' before the group), or move '${t.id}' into '${group}'`
          : `move '${t.id}' next to '${task.id}'`,
      });
    }
  }
  chainElifs(root, nodeOf, exit?.key ?? null);
  return { root, nodeOf, leaves, problems, exit };
}

const NUMBERED = /^(condition-branches|condition|for-loop|exit-handler)-(\d+)$/;

/**
 * A branch whose false side holds nothing but another branch with both sides (`ifFalse:
 * check_stage`) is kfp's If/Elif/Else: the inner branch's sides join the outer one's wrapper,
 * each side's condition also requiring the conditions before it to be false, so that one
 * `condition-branches` group holds every side and a oneOf can select among them all (kfp's
 * OneOf reads the sides of one group). The scopes after are renumbered as kfp numbers them.
 */
function chainElifs(root: Scope, nodeOf: Map<string, Node>, exitKey: string | null): void {
  const removed: number[] = [];
  const visit = (s: Scope): void => {
    for (const c of s.children) if (c.type === "scope") visit(c);
    if (s.kind !== "condition-branches") return;
    for (;;) {
      const last = s.children[s.children.length - 1];
      const inner = last?.type === "scope" ? last.children[0] : undefined;
      if (
        last?.type !== "scope" ||
        !last.origin?.negate ||
        last.children.length !== 1 ||
        inner?.type !== "scope" ||
        inner.kind !== "condition-branches"
      ) {
        return;
      }
      const before = [...(last.elseOf ?? []), last.origin.task];
      const sides = inner.children.map((c) => {
        const side = c as Scope;
        const merged = scope("condition", side.key, s, {
          ...(side.origin ? { origin: side.origin } : {}),
          elseOf: [...before, ...(side.elseOf ?? [])],
        });
        merged.children = side.children;
        for (const n of merged.children) n.parent = merged;
        return merged;
      });
      s.children = [...s.children.slice(0, -1), ...sides];
      for (const gone of [last, inner]) {
        const n = NUMBERED.exec(gone.key)?.[2];
        if (n !== undefined) removed.push(Number(n));
      }
      for (const [id, n] of nodeOf) if (n === inner) nodeOf.set(id, s);
    }
  };
  visit(root);
  if (removed.length === 0) return;
  // kfp numbers its groups as they are opened; the two scopes an elif no longer needs free
  // their numbers. Left as they are when a key was deduplicated against a task's key.
  const scopes: Scope[] = [];
  // The keys of tasks and groups, whatever they look like (a task `for_loop_7` is `for-loop-7`).
  const others = new Set<string>(exitKey === null ? [] : [exitKey]);
  const collect = (n: Node): void => {
    if (n.type === "task" || n.kind === "group") others.add(n.key);
    if (n.type === "scope") {
      if (n !== root && n.kind !== "group") scopes.push(n);
      for (const c of n.children) collect(c);
    }
  };
  collect(root);
  const numbered = scopes.filter((s) => NUMBERED.test(s.key));
  if (numbered.length !== scopes.length) return;
  const shift = (n: number) => n - removed.filter((r) => r < n).length;
  const renamed = numbered.map((s) => {
    const [, kind, n] = NUMBERED.exec(s.key) as RegExpExecArray;
    return `${kind}-${shift(Number(n))}`;
  });
  if (new Set(renamed).size !== renamed.length || renamed.some((k) => others.has(k))) return;
  numbered.forEach((s, i) => {
    s.key = renamed[i] as string;
    if (s.number !== undefined) s.number = shift(s.number);
  });
}
