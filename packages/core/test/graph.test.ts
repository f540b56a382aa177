import { describe, expect, it } from "vitest";
import { topologicalOrder } from "../src/index.js";

const cases: [
  string,
  { nodes: string[]; edges: Record<string, string[]>; want: string[] | { cycle: string[] } },
][] = [
  ["empty", { nodes: [], edges: {}, want: [] }],
  ["independent nodes sort by id", { nodes: ["c", "a", "b"], edges: {}, want: ["a", "b", "c"] }],
  ["chain", { nodes: ["c", "b", "a"], edges: { b: ["a"], c: ["b"] }, want: ["a", "b", "c"] }],
  [
    "diamond ties break by id",
    {
      nodes: ["d", "c", "b", "a"],
      edges: { b: ["a"], c: ["a"], d: ["b", "c"] },
      want: ["a", "b", "c", "d"],
    },
  ],
  ["unknown upstream ignored", { nodes: ["a"], edges: { a: ["zzz"] }, want: ["a"] }],
  [
    "two-node cycle",
    { nodes: ["a", "b"], edges: { a: ["b"], b: ["a"] }, want: { cycle: ["a", "b", "a"] } },
  ],
  [
    "cycle behind a valid prefix",
    {
      nodes: ["x", "a", "b", "c"],
      edges: { a: ["x", "c"], b: ["a"], c: ["b"] },
      want: { cycle: ["a", "b", "c", "a"] },
    },
  ],
];

describe("topologicalOrder", () => {
  it.each(cases)("%s", (_name, { nodes, edges, want }) => {
    const result = topologicalOrder(nodes, (id) => edges[id] ?? []);
    if (Array.isArray(want)) expect(result.order).toEqual(want);
    else expect(result.cycle).toEqual(want.cycle);
  });

  it("orders 10,000 nodes", () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => `t${String(i).padStart(5, "0")}`);
    const { order } = topologicalOrder(nodes, (id) => {
      const i = Number(id.slice(1));
      return i === 0 ? [] : [nodes[i - 1] as string];
    });
    expect(order).toEqual(nodes);
  });
});
