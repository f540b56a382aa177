/**
 * A pipeline's task graph as a picture: Mermaid (renders in GitHub and GitLab Markdown) and
 * Graphviz DOT. Both come from one model — task nodes with their kind and marks (mapped,
 * sensor, branch), nested groups, and edges labelled where a branch chooses — so the two
 * formats always show the same graph. Output is deterministic: nodes in the pipeline's task
 * order, groups by id, edges by (from, to).
 */
import type { Pipeline, Task } from "@mlgen/core/light";

export const GRAPH_FORMATS = ["mermaid", "dot"] as const;
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
      if (task.timeout !== null) notes.push(`timeout ${duration(task.timeout)}`);
      break;
    case "container":
      notes.push(task.image);
      break;
    case "branch":
    case "short_circuit":
      notes.push(task.kind === "branch" ? "branch" : "short-circuit");
      break;
    case "validate":
      notes.push("data validation");
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
  sensor: ["{{", "}}"],
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
  sensor: "hexagon",
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
  return format === "mermaid" ? renderMermaid(model) : renderDot(model);
}
