import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pipelineModules } from "@mlgen/core";
import { isPipelineDefinition } from "@mlgen/dsl";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  dotString,
  graphModel,
  htmlText,
  lowerPipeline,
  mermaidText,
  renderDot,
  renderGraph,
  renderMermaid,
  scriptJson,
} from "../src/index.js";

const REPO = resolve(import.meta.dirname, "../../..");
const FIXTURES = join(REPO, "test/fixtures");
const GOLDEN = join(FIXTURES, "golden");

function lower(ir: unknown) {
  const modules = new Map<string, string | null>();
  for (const module of pipelineModules(ir as never)) {
    modules.set(module, readFileSync(join(FIXTURES, module), "utf8"));
  }
  const r = lowerPipeline({ ir, sourceMap: {}, modules });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return r.ir;
}

async function fixture(name: string) {
  const def = (
    (await import(join(FIXTURES, `pipelines/${name}.pipeline.ts`))) as { default: unknown }
  ).default;
  if (!isPipelineDefinition(def)) throw new Error("no pipeline");
  return lower(def.ir);
}

function expectGolden(name: string, content: string) {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, content);
  expect(content).toBe(readFileSync(file, "utf8"));
}

describe("mlgen graph renderers", () => {
  it.each(["constructs", "kfp-eq-groups"])(
    "%s: Mermaid and DOT match their golden files",
    async (name) => {
      const ir = await fixture(name);
      const mermaid = renderMermaid(graphModel(ir));
      const dot = renderDot(graphModel(ir));
      expect(renderMermaid(graphModel(await fixture(name)))).toBe(mermaid);
      expectGolden(`graph_${name}.mmd`, mermaid);
      expectGolden(`graph_${name}.dot`, dot);
      const html = renderGraph(ir, "html");
      expect(renderGraph(await fixture(name), "html")).toBe(html);
      expectGolden(`graph_${name}.html`, html);
      expect(html.match(/<g class="node/g)).toHaveLength(ir.tasks.length);
    },
  );

  it("shows every task once, every edge, groups nested, branch labels and marks", async () => {
    const ir = await fixture("constructs");
    const model = graphModel(ir);
    expect(model.nodes.map((n) => n.id)).toEqual(ir.tasks.map((t) => t.id));
    const edgeCount = ir.tasks.reduce((n, t) => n + t.upstream.length, 0);
    expect(model.edges).toHaveLength(edgeCount);
    const mermaid = renderMermaid(model);
    expect(mermaid.match(/ --> | -->\|/g)).toHaveLength(edgeCount);
    const branch = ir.tasks.find((t) => t.kind === "branch");
    if (branch?.kind !== "branch") throw new Error("fixture has no branch");
    // A chosen id is a task or a group; the labelled edges go to the tasks it names.
    const under = (id: string) =>
      ir.tasks
        .filter((t) => t.id === id || t.group === id || t.group?.startsWith(`${id}.`))
        .map((t) => t.id);
    const out = model.edges.filter((e) => e.from === branch.id);
    for (const [ids, label] of [
      [branch.ifTrue, "true"],
      [branch.ifFalse, "false"],
    ] as const) {
      for (const id of ids) {
        const hit = out.filter((e) => under(id).includes(e.to));
        expect(hit.length, `${label} edge to ${id}`).toBeGreaterThan(0);
        for (const e of hit) expect(e.label).toBe(label);
      }
    }
    expect(out.every((e) => e.label !== null)).toBe(true);
    const mapped = ir.tasks.filter((t) => t.kind === "python" && t.map !== null).map((t) => t.id);
    expect(mapped.length).toBeGreaterThan(0);
    expect(mermaid).toContain("classDef mapped");
    const sensors = ir.tasks.filter((t) => t.kind === "sensor");
    expect(sensors.length).toBeGreaterThan(0);
    expect(mermaid.match(/\{\{"/g)).toHaveLength(sensors.length);
    expect(renderDot(model).match(/subgraph "cluster_/g)).toHaveLength(
      Object.keys(ir.groups).length,
    );
  });

  it("keeps hostile text inside its labels", () => {
    // Lowered ids are Airflow-safe; group tooltips and notes are free text, and the renderers
    // escape everything anyway.
    const model = {
      id: 'odd "id"',
      description: null,
      groups: [{ id: "g", parent: null, tooltip: 'say "hi"\nthere' }],
      nodes: [
        { id: 'a"b', kind: "bash" as const, group: "g", notes: ["x<y>#z"] },
        { id: "c", kind: "sensor" as const, group: null, notes: [] },
      ],
      edges: [{ from: 'a"b', to: "c", label: 'q"' }],
    };
    const mermaid = renderMermaid(model);
    expect(mermaid).toContain('t0["a#quot;b<br/>x#lt;y#gt;#35;z"]');
    expect(mermaid).toContain('t0 -->|"q#quot;"| t1');
    const dot = renderDot(model);
    expect(dot).toContain('digraph "odd \\"id\\"" {');
    expect(dot).toContain('tooltip="say \\"hi\\"\\nthere";');
    expect(dot).toContain('"a\\"b" -> "c" [label="q\\""];');
  });
});

describe("graph escaping (fuzzed)", () => {
  it("HTML text has no markup character left and decodes back (controls become U+FFFD)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = htmlText(s);
        expect(out).not.toMatch(/[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/);
        const decoded = out.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) =>
          e === "amp" ? "&" : e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : "'",
        );
        const expected = [...s]
          .map((ch) => {
            const c = ch.codePointAt(0) as number;
            const bad =
              (c < 0x20 && ch !== "\n" && ch !== "\t") ||
              c === 0xfffe ||
              c === 0xffff ||
              (c >= 0xd800 && c <= 0xdfff);
            return bad ? "\uFFFD" : ch;
          })
          .join("");
        expect(decoded).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("JSON for a script element cannot close it and parses back to the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: "binary" }), (v, s) => {
        const value = { v, s, tricky: `</script><!--${s}` };
        const out = scriptJson(value);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it("a Mermaid label never contains a quote, an angle bracket, a backtick or a line break", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = mermaidText(s);
        expect(out).not.toMatch(/["<>`\n\r\u2028\u2029]/);
        // Entity codes decode back to the input.
        const decoded = out.replace(/#(quot|lt|gt|amp|\d+);/g, (_, e: string) =>
          e === "quot"
            ? '"'
            : e === "lt"
              ? "<"
              : e === "gt"
                ? ">"
                : e === "amp"
                  ? "&"
                  : String.fromCodePoint(Number(e)),
        );
        expect(decoded).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it("a DOT string is one quoted token that unescapes to the input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = dotString(s);
        expect(out.startsWith('"') && out.endsWith('"')).toBe(true);
        const body = out.slice(1, -1);
        expect(body).not.toMatch(/[\n\r]/);
        expect(body).not.toMatch(/(^|[^\\])(\\\\)*"/);
        const decoded = body.replace(/\\(["\\nr])/g, (_, c: string) =>
          c === "n" ? "\n" : c === "r" ? "\r" : c,
        );
        expect(decoded).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });
});
