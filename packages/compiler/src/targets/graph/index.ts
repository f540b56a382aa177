/**
 * A pipeline's task graph as a picture: Mermaid (renders in GitHub and GitLab Markdown),
 * Graphviz DOT, and one self-contained HTML page. All come from one model — task nodes with their kind and marks (mapped,
 * sensor, branch), nested groups, and edges labelled where a branch chooses — so the two
 * formats always show the same graph. Output is deterministic: nodes in the pipeline's task
 * order, groups by id, edges by (from, to).
 */
import { operatorClass, type Pipeline, type Task } from "@mlgen/core/light";

export const GRAPH_FORMATS = ["mermaid", "dot", "html"] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

export interface GraphNode {
  readonly id: string;
  readonly kind: Task["kind"];
  /** The innermost group, or null at the top level. */
  readonly group: string | null;
  /** Short facts shown under the id: "mapped over x", "sensor: file", "retries 3", "timeout 1h". */
  readonly notes: readonly string[];
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  /** "true"/"false" on a branch's edges; null otherwise. */
  readonly label: string | null;
}

export interface GraphGroup {
  readonly id: string;
  readonly parent: string | null;
  readonly tooltip: string | null;
}

export interface GraphModel {
  readonly id: string;
  readonly description: string | null;
  readonly nodes: readonly GraphNode[];
  readonly groups: readonly GraphGroup[];
  readonly edges: readonly GraphEdge[];
}

function duration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

function notesOf(task: Task): string[] {
  const notes: string[] = [];
  switch (task.kind) {
    case "python":
      notes.push(`${task.module}:${task.function}`);
      if (task.map) notes.push(`mapped over ${task.map.input}`);
      if (task.mlflow) notes.push(`mlflow: ${task.mlflow.experiment}`);
      break;
    case "sensor":
      notes.push(`sensor: ${task.sensor.type}, ${task.mode}`);
      if (task.sensor.type === "python")
        notes.push(`${task.sensor.module}:${task.sensor.function}`);
      if (task.timeout !== null) notes.push(`timeout ${duration(task.timeout)}`);
      break;
    case "container":
      notes.push(task.image);
      break;
    case "branch":
    case "short_circuit":
      notes.push(task.kind === "branch" ? "branch" : "short-circuit");
      break;
    case "latest_only":
      notes.push("latest run only");
      break;
    case "validate":
      notes.push("data validation");
      break;
    case "trigger":
      notes.push(`starts ${task.dag}${task.wait ? ", waits for it" : ""}`);
      break;
    case "operator":
      notes.push(operatorClass(task));
      break;
    case "bash":
      break;
  }
  if (task.options.retries !== null) notes.push(`retries ${task.options.retries}`);
  if (task.options.executionTimeout !== null) {
    notes.push(`timeout ${duration(task.options.executionTimeout)}`);
  }
  if (task.options.triggerRule !== null) notes.push(`trigger: ${task.options.triggerRule}`);
  return notes;
}

/** The graph of a lowered pipeline (task `upstream` lists already resolved). */
export function graphModel(ir: Pipeline): GraphModel {
  // A branch may choose a group: its edges go to the group's tasks, labelled the same.
  const groupsOf = (task: Task): string[] => {
    const out: string[] = [];
    for (let g = task.group; g !== null; g = ir.groups[g]?.parent ?? null) out.push(g);
    return out;
  };
  const labels = new Map<string, string>();
  for (const t of ir.tasks) {
    if (t.kind !== "branch") continue;
    const chosen = new Map<string, string>([
      ...t.ifTrue.map((id) => [id, "true"] as const),
      ...t.ifFalse.map((id) => [id, "false"] as const),
    ]);
    for (const down of ir.tasks) {
      if (!down.upstream.includes(t.id)) continue;
      const label = [down.id, ...groupsOf(down)]
        .map((id) => chosen.get(id))
        .find((l) => l !== undefined);
      if (label !== undefined) labels.set(`${t.id}\u0000${down.id}`, label);
    }
  }
  const edges: GraphEdge[] = [];
  for (const t of ir.tasks) {
    for (const up of t.upstream) {
      edges.push({ from: up, to: t.id, label: labels.get(`${up}\u0000${t.id}`) ?? null });
    }
  }
  edges.sort((a, b) =>
    a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : a.to > b.to ? 1 : 0,
  );
  const groups = Object.values(ir.groups)
    .map((g) => ({ id: g.id, parent: g.parent, tooltip: g.tooltip }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    id: ir.id,
    description: ir.description,
    nodes: ir.tasks.map((t) => ({ id: t.id, kind: t.kind, group: t.group, notes: notesOf(t) })),
    groups,
    edges,
  };
}

// ------------------------------------------------------------------------------------------
// Mermaid

/** Mermaid label text in a quoted label: entity codes for what would end or break the label. */
export function mermaidText(text: string): string {
  return [...text]
    .map((ch) => {
      const code = ch.codePointAt(0) as number;
      if (ch === '"') return "#quot;";
      if (ch === "#") return "#35;";
      if (ch === "<") return "#lt;";
      if (ch === ">") return "#gt;";
      if (ch === "&") return "#amp;";
      if (ch === "`") return "#96;";
      if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) return `#${code};`;
      return ch;
    })
    .join("");
}

const MERMAID_SHAPES: Readonly<Record<Task["kind"], readonly [string, string]>> = {
  python: ["[", "]"],
  bash: ["[", "]"],
  container: ["[", "]"],
  validate: ["[/", "/]"],
  branch: ["{", "}"],
  short_circuit: ["{", "}"],
  latest_only: ["{", "}"],
  sensor: ["{{", "}}"],
  trigger: ["[[", "]]"],
  operator: ["[", "]"],
};

export function renderMermaid(model: GraphModel): string {
  // Mermaid ids must be plain words: number nodes and groups, keep the real ids in labels.
  const nodeId = new Map(model.nodes.map((n, i) => [n.id, `t${i}`]));
  const groupId = new Map(model.groups.map((g, i) => [g.id, `g${i}`]));
  const lines: string[] = [`%% ${mermaidText(model.id)}: generated by mlgen graph`, "flowchart LR"];
  const childrenOf = (parent: string | null) => model.groups.filter((g) => g.parent === parent);
  const nodesIn = (group: string | null) => model.nodes.filter((n) => n.group === group);
  const node = (n: GraphNode, indent: string) => {
    const [open, close] = MERMAID_SHAPES[n.kind];
    const text = [n.id, ...n.notes].map(mermaidText).join("<br/>");
    lines.push(`${indent}${nodeId.get(n.id)}${open}"${text}"${close}`);
  };
  const group = (g: GraphGroup, indent: string) => {
    lines.push(`${indent}subgraph ${groupId.get(g.id)}["${mermaidText(g.id)}"]`);
    for (const child of childrenOf(g.id)) group(child, `${indent}  `);
    for (const n of nodesIn(g.id)) node(n, `${indent}  `);
    lines.push(`${indent}end`);
  };
  for (const g of childrenOf(null)) group(g, "  ");
  for (const n of nodesIn(null)) node(n, "  ");
  for (const e of model.edges) {
    const from = nodeId.get(e.from);
    const to = nodeId.get(e.to);
    if (from === undefined || to === undefined) continue;
    lines.push(
      e.label === null ? `  ${from} --> ${to}` : `  ${from} -->|"${mermaidText(e.label)}"| ${to}`,
    );
  }
  const mapped = model.nodes.filter((n) => n.notes.some((x) => x.startsWith("mapped over ")));
  if (mapped.length > 0) {
    lines.push("  classDef mapped stroke-width:3px,stroke-dasharray:6 3");
    lines.push(`  class ${mapped.map((n) => nodeId.get(n.id)).join(",")} mapped`);
  }
  return `${lines.join("\n")}\n`;
}

// ------------------------------------------------------------------------------------------
// Graphviz DOT

/** A DOT double-quoted string: backslash and quote escaped, line breaks as `\n`. */
export function dotString(text: string): string {
  let out = '"';
  for (const ch of text) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else out += ch;
  }
  return `${out}"`;
}

const DOT_SHAPES: Readonly<Record<Task["kind"], string>> = {
  python: "box",
  bash: "box",
  container: "box3d",
  validate: "parallelogram",
  branch: "diamond",
  short_circuit: "diamond",
  latest_only: "diamond",
  sensor: "hexagon",
  trigger: "cds",
  operator: "box",
};

export function renderDot(model: GraphModel): string {
  const lines: string[] = [
    `// ${model.id.replace(/[\r\n\u2028\u2029]/g, " ")}: generated by mlgen graph`,
    `digraph ${dotString(model.id)} {`,
    "  rankdir=LR;",
    '  node [fontname="Helvetica", fontsize=11, style="rounded"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  const childrenOf = (parent: string | null) => model.groups.filter((g) => g.parent === parent);
  const nodesIn = (group: string | null) => model.nodes.filter((n) => n.group === group);
  const node = (n: GraphNode, indent: string) => {
    const label = [n.id, ...n.notes].join("\n");
    const mapped = n.notes.some((x) => x.startsWith("mapped over "));
    const style = mapped ? ', style="rounded,dashed", penwidth=2' : "";
    lines.push(
      `${indent}${dotString(n.id)} [shape=${DOT_SHAPES[n.kind]}, label=${dotString(label)}${style}];`,
    );
  };
  const group = (g: GraphGroup, indent: string) => {
    lines.push(`${indent}subgraph ${dotString(`cluster_${g.id}`)} {`);
    lines.push(`${indent}  label=${dotString(g.id)};`);
    if (g.tooltip !== null) lines.push(`${indent}  tooltip=${dotString(g.tooltip)};`);
    for (const child of childrenOf(g.id)) group(child, `${indent}  `);
    for (const n of nodesIn(g.id)) node(n, `${indent}  `);
    lines.push(`${indent}}`);
  };
  for (const g of childrenOf(null)) group(g, "  ");
  for (const n of nodesIn(null)) node(n, "  ");
  for (const e of model.edges) {
    const attrs = e.label === null ? "" : ` [label=${dotString(e.label)}]`;
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${attrs};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

export function renderGraph(ir: Pipeline, format: GraphFormat): string {
  const model = graphModel(ir);
  if (format === "mermaid") return renderMermaid(model);
  if (format === "dot") return renderDot(model);
  // The settings panel shows each task as the IR has it (lowered: inferred upstream included).
  return renderHtml(model, Object.fromEntries(ir.tasks.map((t) => [t.id, t])));
}

// ------------------------------------------------------------------------------------------
// HTML: one self-contained file (no network, no external script) with the graph drawn as SVG
// at compile time — a layered layout, so the picture is the same bytes every time — and a
// panel that shows a task's settings when its node is clicked.

/** Text for HTML/SVG element content and double-quoted attribute values. */
export function htmlText(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&#39;";
    // XML 1.0 forbids most control characters even as references: show them as U+FFFD.
    else if ((code < 0x20 && ch !== "\n" && ch !== "\t") || code === 0xfffe || code === 0xffff)
      out += "\uFFFD";
    else if (code >= 0xd800 && code <= 0xdfff) out += "\uFFFD";
    else out += ch;
  }
  return out;
}

/** JSON that is safe inside `<script type="application/json">`: no `<`, no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

const NODE_W = 200;
const NODE_H = 56;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 14;

interface Placed {
  readonly node: GraphNode;
  readonly x: number;
  readonly y: number;
}

/** Longest-path layers (upstream first), each layer sorted by group path then task order. */
function layout(model: GraphModel): Placed[] {
  const index = new Map(model.nodes.map((n, i) => [n.id, i]));
  const ups = new Map<string, string[]>();
  for (const e of model.edges) ups.set(e.to, [...(ups.get(e.to) ?? []), e.from]);
  const rank = new Map<string, number>();
  // Tasks come in topological order (lowering sorts them), so one pass suffices.
  for (const n of model.nodes) {
    const r = Math.max(-1, ...(ups.get(n.id) ?? []).map((u) => rank.get(u) ?? 0)) + 1;
    rank.set(n.id, r);
  }
  const parentOf = new Map(model.groups.map((g) => [g.id, g.parent]));
  const path = (group: string | null): string => {
    const parts: string[] = [];
    for (let g = group; g !== null; g = parentOf.get(g) ?? null) parts.unshift(g);
    return parts.join("\u0000");
  };
  const layers = new Map<number, GraphNode[]>();
  for (const n of model.nodes)
    layers.set(rank.get(n.id) ?? 0, [...(layers.get(rank.get(n.id) ?? 0) ?? []), n]);
  const placed: Placed[] = [];
  for (const [r, nodes] of [...layers].sort((a, b) => a[0] - b[0])) {
    const sorted = [...nodes].sort((a, b) => {
      const pa = path(a.group);
      const pb = path(b.group);
      if (pa !== pb) return pa < pb ? -1 : 1;
      return (index.get(a.id) ?? 0) - (index.get(b.id) ?? 0);
    });
    sorted.forEach((node, i) => {
      placed.push({
        node,
        x: PAD * 3 + r * (NODE_W + GAP_X),
        y: PAD * 3 + 20 + i * (NODE_H + GAP_Y),
      });
    });
  }
  return placed;
}

const KIND_COLORS: Readonly<Record<Task["kind"], string>> = {
  python: "#e8f0fe",
  bash: "#eef7ee",
  container: "#f3e8fd",
  validate: "#fff4e0",
  branch: "#fde8e8",
  short_circuit: "#fde8e8",
  latest_only: "#fde8e8",
  sensor: "#e6f6f7",
  trigger: "#fdf6d8",
  operator: "#eeeeee",
};

/**
 * The HTML page. `settings` maps a task id to the settings shown when it is clicked (the IR
 * task by default); everything is escaped by htmlText / scriptJson.
 */
export function renderHtml(
  model: GraphModel,
  settings: Readonly<Record<string, unknown>> = {},
): string {
  const placed = layout(model);
  const at = new Map(placed.map((p) => [p.node.id, p]));
  const width = Math.max(400, ...placed.map((p) => p.x + NODE_W + PAD * 3));
  const height = Math.max(200, ...placed.map((p) => p.y + NODE_H + PAD * 3));
  const svg: string[] = [];
  // Groups: the box around their tasks (nested groups inside, by depth).
  const members = (g: string): Placed[] =>
    placed.filter((p) => {
      for (
        let x = p.node.group;
        x !== null;
        x = model.groups.find((y) => y.id === x)?.parent ?? null
      ) {
        if (x === g) return true;
      }
      return false;
    });
  const depth = (g: GraphGroup): number => {
    let d = 0;
    for (let x = g.parent; x !== null; x = model.groups.find((y) => y.id === x)?.parent ?? null)
      d++;
    return d;
  };
  for (const g of [...model.groups].sort((a, b) => depth(a) - depth(b))) {
    const ps = members(g.id);
    if (ps.length === 0) continue;
    const inset = PAD * (2 - Math.min(depth(g), 2) * 0.5);
    const x0 = Math.min(...ps.map((p) => p.x)) - inset;
    const y0 = Math.min(...ps.map((p) => p.y)) - inset - 16;
    const x1 = Math.max(...ps.map((p) => p.x + NODE_W)) + inset;
    const y1 = Math.max(...ps.map((p) => p.y + NODE_H)) + inset;
    svg.push(
      `<g class="group" data-group="${htmlText(g.id)}"><title>${htmlText(g.tooltip ?? g.id)}</title>` +
        `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" rx="10"/>` +
        `<text x="${x0 + 8}" y="${y0 + 14}">${htmlText(g.id)}</text></g>`,
    );
  }
  for (const e of model.edges) {
    const a = at.get(e.from);
    const b = at.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    svg.push(
      `<g class="edge"><path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 6},${y2}" marker-end="url(#arrow)"/>` +
        (e.label === null
          ? ""
          : `<text x="${mid}" y="${(y1 + y2) / 2 - 4}" text-anchor="middle">${htmlText(e.label)}</text>`) +
        "</g>",
    );
  }
  for (const p of placed) {
    const n = p.node;
    const mapped = n.notes.some((x) => x.startsWith("mapped over "));
    const note = n.notes[0] ?? n.kind;
    svg.push(
      `<g class="node${mapped ? " mapped" : ""}" data-task="${htmlText(n.id)}" data-kind="${n.kind}" tabindex="0">` +
        `<title>${htmlText([n.id, ...n.notes].join("\n"))}</title>` +
        `<rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="${n.kind === "sensor" ? 24 : 6}" fill="${KIND_COLORS[n.kind]}"/>` +
        `<text x="${p.x + 10}" y="${p.y + 22}" class="id">${htmlText(clip(n.id, 26))}</text>` +
        `<text x="${p.x + 10}" y="${p.y + 42}" class="note">${htmlText(clip(note, 30))}</text></g>`,
    );
  }
  const data = Object.fromEntries(
    model.nodes.map((n) => [n.id, settings[n.id] ?? { kind: n.kind, notes: n.notes }]),
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="mlgen graph">
<title>${htmlText(model.id)} · mlgen graph</title>
<style>
body { margin: 0; font: 13px system-ui, sans-serif; color: #1f2328; display: flex; height: 100vh; }
main { flex: 1; overflow: auto; }
main svg { display: block; max-width: 100%; height: auto; }
aside { width: 380px; border-left: 1px solid #d0d7de; padding: 12px 16px; overflow: auto; background: #f6f8fa; }
h1 { font-size: 16px; margin: 12px 16px 0; }
p.desc { margin: 4px 16px; color: #57606a; }
.node { cursor: pointer; }
.node rect { stroke: #57606a; stroke-width: 1.2; }
.node.mapped rect { stroke-dasharray: 6 3; stroke-width: 2.4; }
.node.selected rect { stroke: #0969da; stroke-width: 3; }
.node text.id { font-weight: 600; }
.node text.note { fill: #57606a; font-size: 11px; }
.group rect { fill: #f6f8fa; stroke: #afb8c1; stroke-dasharray: 4 3; }
.group text { fill: #57606a; font-size: 11px; font-weight: 600; }
.edge path { fill: none; stroke: #8c959f; stroke-width: 1.4; }
.edge text { fill: #cf222e; font-size: 11px; font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; font-size: 12px; }
</style>
</head>
<body>
<main>
<h1>${htmlText(model.id)}</h1>
${model.description === null ? "" : `<p class="desc">${htmlText(model.description)}</p>\n`}<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${htmlText(`task graph of ${model.id}`)}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"/></marker></defs>
${svg.join("\n")}
</svg>
</main>
<aside><h2 id="title">${model.nodes.length} tasks</h2><pre id="settings">Click a task to see its settings.</pre></aside>
<script type="application/json" id="tasks">${scriptJson(data)}</script>
<script>
(() => {
  const tasks = JSON.parse(document.getElementById("tasks").textContent);
  const show = (node) => {
    for (const n of document.querySelectorAll(".node.selected")) n.classList.remove("selected");
    node.classList.add("selected");
    const id = node.getAttribute("data-task");
    document.getElementById("title").textContent = id;
    document.getElementById("settings").textContent = JSON.stringify(tasks[id], null, 2);
  };
  for (const node of document.querySelectorAll(".node")) {
    node.addEventListener("click", () => show(node));
    node.addEventListener("keydown", (e) => { if (e.key === "Enter") show(node); });
  }
})();
</script>
</body>
</html>
`;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
