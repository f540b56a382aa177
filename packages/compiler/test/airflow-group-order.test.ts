/**
 * Where the Airflow target writes each task: in the TaskGroup blocks of its group, and after
 * every task it reads when it is defined (a mapped task's `producer.output`), for any pipeline of
 * groups, mapped tasks and dependencies. Real Airflow runs such a DAG in
 * test/engines/airflow-constructs.test.ts (the group-order fixture).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PipelineBuilder, pipeline, type TaskHandle } from "../../dsl/src/index.js";
import { lowerPipeline, renderDag } from "../src/index.js";

/** The groups tasks go into; "" is the DAG itself. */
const GROUPS = ["", "a", "a.b", "c"] as const;

interface TaskSpec {
  group: number;
  /** Mapped over the list of an earlier task (index into those before it), or not mapped. */
  over: number | null;
  /** An earlier task it runs after, besides what it reads. */
  after: number | null;
}

/** A pipeline holding one task per spec, created in order, each with its group's builder. */
function build(specs: readonly TaskSpec[]) {
  const def = pipeline("order", { startDate: "2025-01-01" }, (p) => {
    // biome-ignore lint/suspicious/noExplicitAny: builders of groups, as the DSL hands them out.
    const builders: Record<string, PipelineBuilder<any>> = { "": p };
    p.group("a", {}, (a) => {
      a.bash("seed", { command: "echo a" });
      builders.a = a;
      a.group("b", {}, (b) => {
        b.bash("seed", { command: "echo b" });
        builders["a.b"] = b;
      });
    });
    p.group("c", {}, (c) => {
      c.bash("seed", { command: "echo c" });
      builders.c = c;
    });
    const made: { handle: TaskHandle; items: ReturnType<typeof listOf> }[] = [];
    function listOf(h: { out: { items: unknown } }) {
      return h.out.items as Parameters<PipelineBuilder<never>["map"]>[1]["over"];
    }
    specs.forEach((spec, i) => {
      const b = builders[GROUPS[spec.group] as string] as PipelineBuilder<never>;
      const fn = "tasks/m.py:f";
      const source = spec.over === null || made.length === 0 ? null : made[spec.over % made.length];
      const h = source
        ? b.map(`t${i}`, { fn, over: source.items, as: "x", outputs: { items: "list" } })
        : b.python(`t${i}`, { fn, outputs: { items: "list" } });
      if (spec.after !== null && made.length > 0) {
        h.after((made[spec.after % made.length] as (typeof made)[number]).handle);
      }
      made.push({ handle: h, items: listOf(h) });
    });
  });
  const modules = new Map([["tasks/m.py", "def f(**kwargs):\n    return {'items': []}\n"]]);
  const r = lowerPipeline({ ir: def.ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r;
}

/** The DAG file the Airflow target writes for a pipeline build() made. */
function render(r: ReturnType<typeof build>, version: 2 | 3): string {
  return renderDag({
    ir: r.ir,
    hash: r.hash,
    sourceFile: "pipelines/order.pipeline.ts",
    sourceMap: {},
    pythonFiles: [],
    settings: { airflowVersion: version },
  });
}

/**
 * Reads the DAG block of a generated file: the full id of each task, from the TaskGroup blocks
 * around it, and each name used before the line that binds it.
 */
function readBlock(source: string) {
  const lines = source.slice(source.indexOf("\nwith DAG(")).split("\n");
  const bound = new Set<string>();
  const groupOf = new Map<string, string>();
  const stack: { indent: number; group: string }[] = [];
  const ids: string[] = [];
  const unbound: string[] = [];
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    const text = line.trim();
    if (!text) continue;
    while (stack.length && indent <= (stack.at(-1) as { indent: number }).indent) stack.pop();
    const path = stack.map((s) => s.group);
    // `with TaskGroup("a") as a, TaskGroup("b"):` or, entering them again, `with a, b:`.
    const head = /^with (.+):$/.exec(text)?.[1];
    if (head !== undefined) {
      const groups: string[] = [];
      for (const m of head.matchAll(/TaskGroup\("([^"]+)"\)(?: as (\w+))?|(\w+)/g)) {
        const full =
          m[1] !== undefined ? [...path, ...groups, m[1]].join(".") : groupOf.get(m[3] as string);
        if (full === undefined) unbound.push(m[3] as string);
        else if (m[3] !== undefined)
          expect(full).toBe([...path, ...groups, full.split(".").at(-1)].join("."));
        if (m[2] !== undefined) {
          bound.add(m[2]);
          groupOf.set(m[2], full as string);
        }
        groups.push((full ?? "?").split(".").at(-1) as string);
      }
      stack.push({ indent, group: groups.join(".") });
    }
    const assign = /^(\w+) = \w+(?:\.partial)?\($/.exec(text);
    if (assign) bound.add(assign[1] as string);
    const taskId = /^task_id="([^"]+)",$/.exec(text);
    if (taskId) ids.push([...path, taskId[1]].join("."));
    for (const m of text.matchAll(/(\w+)\.output\b/g)) {
      if (!bound.has(m[1] as string)) unbound.push(m[1] as string);
    }
  }
  return { ids, unbound };
}

const specArb = fc.array(
  fc.record({
    group: fc.nat({ max: GROUPS.length - 1 }),
    over: fc.option(fc.nat({ max: 20 })),
    after: fc.option(fc.nat({ max: 20 })),
  }),
  { minLength: 1, maxLength: 14 },
);

describe("Airflow target: task groups and definition order", () => {
  it.each([3, 2] as const)(
    "on Airflow %i every task is written once, in its group, after the tasks it reads",
    (version) => {
      fc.assert(
        fc.property(specArb, (specs) => {
          const r = build(specs);
          const source = render(r, version);
          const { ids, unbound } = readBlock(source);
          expect(unbound).toEqual([]);
          expect([...ids].sort()).toEqual(r.ir.tasks.map((t) => t.id).sort());
        }),
        { numRuns: 300 },
      );
    },
  );

  it("a group is written after the task outside it that its mapped task reads, though its first task reads nothing", () => {
    const r = build([
      { group: 0, over: null, after: null },
      { group: 1, over: 0, after: null },
    ]);
    const source = render(r, 3);
    // a.seed sorts before t0, so the group came first and t0 was read before it was bound.
    expect(source.indexOf("t0 = PythonOperator(")).toBeLessThan(
      source.indexOf('with TaskGroup("a")'),
    );
    expect(source).not.toMatch(/with TaskGroup\("a"\) as/);
  });

  it("a group whose list a task outside it maps over, and whose mapped task reads that one, is entered again after it", () => {
    const r = build([
      { group: 1, over: null, after: null },
      { group: 0, over: 0, after: null },
      { group: 1, over: 1, after: null },
    ]);
    const source = render(r, 3);
    const block = source.slice(source.indexOf("\nwith DAG("));
    expect(block).toMatch(/with TaskGroup\("a"\) as a:/);
    expect(block.indexOf("t1 = PythonOperator.partial(")).toBeLessThan(block.indexOf("with a:"));
    expect(block.indexOf("with a:")).toBeLessThan(block.indexOf("t2 = PythonOperator.partial("));
    expect(readBlock(source).unbound).toEqual([]);
  });
});
