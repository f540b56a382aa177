import { describe, expect, it } from "vitest";
import { Reachability } from "../src/reach.js";

/** Every task's ancestors, the slow and obvious way. */
function closure(up: Map<string, string[]>, b: string): Set<string> {
  const out = new Set<string>();
  const stack = [b];
  while (stack.length > 0) {
    for (const u of up.get(stack.pop() as string) ?? []) {
      if (!out.has(u)) {
        out.add(u);
        stack.push(u);
      }
    }
  }
  return out;
}

function randomGraph(seed: number, n: number, edges: number, backEdges: number) {
  let r = seed;
  const rnd = (k: number) => {
    r = (r * 1103515245 + 12345) % 2147483648;
    return r % k;
  };
  const up = new Map<string, string[]>();
  const add = (a: number, b: number) => {
    const list = up.get(`t${b}`) ?? [];
    list.push(`t${a}`);
    up.set(`t${b}`, list);
  };
  for (let e = 0; e < edges; e++) {
    const a = rnd(n);
    const b = rnd(n);
    if (a < b) add(a, b);
  }
  // Edges against the order make cycles, as a broken DAG file may have.
  for (let e = 0; e < backEdges; e++) add(rnd(n), rnd(n));
  return up;
}

describe("Reachability", () => {
  it("answers as the full ancestor sets do, on random graphs with and without cycles", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const n = 30 + (seed % 5) * 40;
      const up = randomGraph(seed, n, n * 2, seed % 3 === 0 ? 3 : 0);
      const reach = new Reachability(up);
      for (let b = 0; b < n; b++) {
        const ancestors = closure(up, `t${b}`);
        for (let a = 0; a < n; a++) {
          expect(reach.isUpstream(`t${a}`, `t${b}`), `seed ${seed}: t${a} before t${b}`).toBe(
            ancestors.has(`t${a}`),
          );
        }
        const sevens = Array.from({ length: n }, (_, i) => `t${i}`).filter((id) =>
          id.endsWith("7"),
        );
        expect(reach.downstreamOf(sevens).has(`t${b}`)).toBe(
          [...ancestors].some((id) => id.endsWith("7")),
        );
      }
    }
  });

  const chain = (n: number) =>
    new Reachability(new Map(Array.from({ length: n - 1 }, (_, i) => [`t${i + 1}`, [`t${i}`]])));

  it("answers far queries on a long chain in both directions", () => {
    const reach = chain(5_000);
    expect(reach.isUpstream("t0", "t4999")).toBe(true);
    expect(reach.isUpstream("t10", "t4000")).toBe(true);
    expect(reach.isUpstream("t4000", "t10")).toBe(false);
    expect(reach.isUpstream("t4999", "t4999")).toBe(false);
    expect(reach.downstreamOf(["t4998"])).toEqual(new Set(["t4999"]));
  });

  it("keeps what it learns from far queries within a few times the graph's size", () => {
    const n = 6_000;
    // Every task pulling from the first (one source asked again and again): kept once.
    const one = chain(n);
    for (let i = 1; i < n; i++) expect(one.isUpstream("t0", `t${i}`)).toBe(true);
    expect(one.keptEntries).toBe(n - 1);
    // Every task pulling from the one 300 before it, each source asked twice: 6,000 distinct
    // far sources, whose sets would hold 18 million entries.
    const many = chain(n);
    for (let i = 300; i < n; i++) {
      expect(many.isUpstream(`t${i - 300}`, `t${i}`)).toBe(true);
      expect(many.isUpstream(`t${i - 300}`, `t${i - 1}`)).toBe(true);
      expect(many.isUpstream(`t${i}`, `t${i - 300}`)).toBe(false);
    }
    expect(many.keptEntries).toBeLessThanOrEqual(4 * n + 1024);
  });
});
