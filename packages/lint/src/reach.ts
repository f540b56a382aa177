/**
 * "Does a run before b?" over a task graph, in memory linear in its size. A set of every
 * task's ancestors takes memory quadratic in the length of a chain: 5,000 chained tasks were
 * 12.5 million set entries, 20,000 ran out of heap. Here a query walks up from `b`, skipping
 * every task that comes before `a` in a topological order (none of them can have `a` above
 * it), so the common pull of a nearby task costs a few steps. A source that is asked about
 * again from far away (every task of a long chain pulling from its first) gets the set of
 * the tasks after it, kept for later queries, within a budget of a few times the graph's size.
 */
const FAR = 256;

export class Reachability {
  private readonly up: ReadonlyMap<string, readonly string[]>;
  private readonly down = new Map<string, string[]>();
  /** Position in a topological order; absent for tasks on a cycle (never skipped). */
  private readonly rank = new Map<string, number>();
  /** Task id → every task after it, for sources asked about from far away more than once. */
  private readonly after = new Map<string, Set<string>>();
  private readonly farWalks = new Map<string, number>();
  /** Entries the `after` sets may hold in all: a few times the number of tasks. */
  private readonly budget: number;
  private kept = 0;
  private full = false;

  /** `up`: task id → the ids of the tasks directly before it. */
  constructor(up: ReadonlyMap<string, readonly string[]>) {
    this.up = up;
    const indegree = new Map<string, number>();
    const node = (id: string) => {
      if (!indegree.has(id)) indegree.set(id, 0);
    };
    for (const [id, ups] of up) {
      node(id);
      for (const u of ups) {
        node(u);
        indegree.set(id, (indegree.get(id) ?? 0) + 1);
        const list = this.down.get(u);
        if (list) list.push(id);
        else this.down.set(u, [id]);
      }
    }
    this.budget = 4 * indegree.size + 1024;
    const ready: string[] = [];
    for (const [id, d] of indegree) if (d === 0) ready.push(id);
    for (let i = 0; i < ready.length; i++) {
      const id = ready[i] as string;
      this.rank.set(id, i);
      for (const d of this.down.get(id) ?? []) {
        const left = (indegree.get(d) ?? 0) - 1;
        indegree.set(d, left);
        if (left === 0) ready.push(d);
      }
    }
  }

  /** Entries held for far queries (for tests: bounded by a few times the graph's size). */
  get keptEntries(): number {
    return this.kept;
  }

  /** Whether `a` runs (transitively) before `b`. */
  isUpstream(a: string, b: string): boolean {
    const known = this.after.get(a);
    if (known) return known.has(b);
    const floor = this.rank.get(a);
    const seen = new Set<string>();
    const stack = [b];
    let found = false;
    walk: while (stack.length > 0) {
      for (const u of this.up.get(stack.pop() as string) ?? []) {
        if (seen.has(u)) continue;
        seen.add(u);
        if (u === a) {
          found = true;
          break walk;
        }
        const r = this.rank.get(u);
        // Before `a` in the order: nothing above it can be `a`.
        if (floor !== undefined && r !== undefined && r < floor) continue;
        stack.push(u);
      }
    }
    if (seen.size > FAR) this.farQuery(a);
    return found;
  }

  /** Every task after any of `sources` (not the sources themselves unless one follows another). */
  downstreamOf(sources: Iterable<string>): Set<string> {
    const out = new Set<string>();
    const stack = [...sources];
    while (stack.length > 0) {
      for (const d of this.down.get(stack.pop() as string) ?? []) {
        if (out.has(d)) continue;
        out.add(d);
        stack.push(d);
      }
    }
    return out;
  }

  /**
   * A second far walk for the same source: keep the tasks after it, if the budget allows. Once
   * a set does not fit, no more are collected: each try would cost a walk of the whole graph.
   */
  private farQuery(a: string): void {
    if (this.full) return;
    const walks = (this.farWalks.get(a) ?? 0) + 1;
    this.farWalks.set(a, walks);
    if (walks < 2) return;
    const after = this.downstreamOf([a]);
    if (this.kept + after.size > this.budget) {
      this.full = true;
      return;
    }
    this.after.set(a, after);
    this.kept += after.size;
  }
}
