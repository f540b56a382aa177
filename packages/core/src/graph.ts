/**
 * Kahn's algorithm with an id tie-break: the order is a pure function of the graph.
 * Returns the order, or the nodes of one cycle when there is one.
 */
export function topologicalOrder(
  nodes: readonly string[],
  upstreamOf: (id: string) => readonly string[],
): { order: string[]; cycle: null } | { order: null; cycle: string[] } {
  const indegree = new Map<string, number>();
  const downstream = new Map<string, string[]>();
  for (const id of nodes) {
    indegree.set(id, 0);
    downstream.set(id, []);
  }
  for (const id of nodes) {
    for (const up of upstreamOf(id)) {
      if (!indegree.has(up)) continue;
      indegree.set(id, (indegree.get(id) ?? 0) + 1);
      downstream.get(up)?.push(id);
    }
  }
  const ready = new MinHeap();
  for (const [id, deg] of indegree) if (deg === 0) ready.push(id);
  const order: string[] = [];
  for (let id = ready.pop(); id !== undefined; id = ready.pop()) {
    order.push(id);
    for (const down of downstream.get(id) ?? []) {
      const deg = (indegree.get(down) ?? 0) - 1;
      indegree.set(down, deg);
      if (deg === 0) ready.push(down);
    }
  }
  if (order.length === nodes.length) return { order, cycle: null };
  return { order: null, cycle: findCycle(nodes, upstreamOf, new Set(order)) };
}

function findCycle(
  nodes: readonly string[],
  upstreamOf: (id: string) => readonly string[],
  done: ReadonlySet<string>,
): string[] {
  const known = new Set(nodes);
  const start = [...nodes].filter((n) => !done.has(n)).sort()[0];
  if (start === undefined) return [];
  // Every remaining node has a remaining upstream: walk upstream until a node repeats.
  const seen = new Map<string, number>();
  const path: string[] = [];
  let current: string | undefined = start;
  while (current !== undefined && !seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = [...upstreamOf(current)].filter((u) => known.has(u) && !done.has(u)).sort()[0];
  }
  if (current === undefined) return path;
  // The walk went upstream; reverse it to read in run order, and start at the smallest id.
  const loop = path.slice(seen.get(current)).reverse();
  const start2 = loop.indexOf([...loop].sort()[0] as string);
  const rotated = [...loop.slice(start2), ...loop.slice(0, start2)];
  return [...rotated, rotated[0] as string];
}

/** Binary min-heap of strings; keeps the topological sort O(n log n) at 10,000 tasks. */
class MinHeap {
  private readonly items: string[] = [];
  push(value: string): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as string) <= value) break;
      a[i] = a[parent] as string;
      i = parent;
    }
    a[i] = value;
  }
  pop(): string | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && (a[r] as string) < (a[l] as string) ? r : l;
      if ((a[c] as string) >= last) break;
      a[i] = a[c] as string;
      i = c;
    }
    a[i] = last;
    return top;
  }
}
