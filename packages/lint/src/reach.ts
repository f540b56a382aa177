/**
 * "Does a run before b?" over a task graph, in memory linear in its size. A set of every
 * task's ancestors takes memory quadratic in the length of a chain: 5,000 chained tasks were
 * 12.5 million set entries, 20,000 ran out of heap. Here a query walks up from `b`, skipping
 * every task that comes before `a` in a topological order (none of them can have `a` above
 * it), so the common pull of a nearby task costs a few steps; a query that walks further than
 * WALK_BUDGET tasks instead collects, once, every task after `a`.
 */
const WALK_BUDGET = 256;

export class Reachability {
  private readonly up: ReadonlyMap<string, readonly string[]>;
  private readonly down = new Map<string, string[]>();
  /** Position in a topological order; absent for tasks on a cycle (never skipped). */
  private readonly rank = new Map<string, number>();
  /** Task id → every task after it, for the tasks far queries were about. */
  private readonly downMemo = new Map<string, Set<string>>();

  /** `up`: task id → the ids of the tasks directly before it. */
  constructor(up: ReadonlyMap<string, readonly string[]>) {
    this.up = up;
    const indegree = new Map<string, number>();
    const down = this.down;
    const node = (id: string) => {
      if (!indegree.has(id)) indegree.set(id, 0);
    };
    for (const [id, ups] of up) {
      node(id);
      for (const u of ups) {
        node(u);
        indegree.set(id, (indegree.get(id) ?? 0) + 1);
        const list = down.get(u);
        if (list) list.push(id);
        else down.set(u, [id]);
      }
    }
    const ready: string[] = [];
    for (const [id, d] of indegree) if (d === 0) ready.push(id);
    for (let i = 0; i < ready.length; i++) {
      const id = ready[i] as string;
      this.rank.set(id, i);
      for (const d of down.get(id) ?? []) {
        const left = (indegree.get(d) ?? 0) - 1;
        indegree.set(d, left);
        if (left === 0) ready.push(d);
      }
    }
  }

  /** Whether `a` runs (transitively) before `b`. */
  isUpstream(a: string, b: string): boolean {
    const near = this.walkUp(b, (id) => id === a, this.rank.get(a), WALK_BUDGET);
    if (near !== undefined) return near;
    // Far apart (every task of a long chain pulling from its first): the tasks after `a`,
    // found once and kept, answer every later query about `a` at once.
    let after = this.downMemo.get(a);
    if (!after) {
      after = new Set<string>();
      const stack = [a];
      while (stack.length > 0) {
        for (const d of this.down.get(stack.pop() as string) ?? []) {
          if (after.has(d)) continue;
          after.add(d);
          stack.push(d);
        }
      }
      this.downMemo.set(a, after);
    }
    return after.has(b);
  }

  /** Whether some task (transitively) before `b` satisfies `test`. */
  someUpstream(b: string, test: (id: string) => boolean): boolean {
    return this.walkUp(b, test, undefined, Number.POSITIVE_INFINITY) ?? false;
  }

  /** Walks up from `b`: true when `test` holds for a task, undefined when out of `budget`. */
  private walkUp(
    b: string,
    test: (id: string) => boolean,
    floor: number | undefined,
    budget: number,
  ): boolean | undefined {
    const seen = new Set<string>();
    const stack = [b];
    while (stack.length > 0) {
      for (const u of this.up.get(stack.pop() as string) ?? []) {
        if (seen.has(u)) continue;
        if (seen.size >= budget) return undefined;
        seen.add(u);
        if (test(u)) return true;
        const r = this.rank.get(u);
        // Before `a` in the order: nothing above it can be `a`.
        if (floor !== undefined && r !== undefined && r < floor) continue;
        stack.push(u);
      }
    }
    return false;
  }
}
