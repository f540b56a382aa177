import type { Span } from "../finding.js";
import type { PyNode } from "./node.js";

/** Offsets → 1-based line and column (columns count UTF-16 units, as editors and SARIF do). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) {
      this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }

  span(from: number, to: number): Span {
    const a = this.position(from);
    const b = this.position(to);
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** The text of line `n` (1-based), without its newline. */
  lineText(n: number): string {
    const start = this.starts[n - 1];
    if (start === undefined) return "";
    const end = this.starts[n];
    return this.text.slice(start, end === undefined ? undefined : end - 1).replace(/\r$/, "");
  }
}

export const textOf = (src: string, node: PyNode) => src.slice(node.from, node.to);

/**
 * The source with each lone carriage return as a line feed: Python reads one as a line end
 * (universal newlines), as editors do. The same length, so every offset stays where it was.
 */
export const universalNewlines = (source: string) =>
  source.includes("\r") ? source.replace(/\r(?!\n)/g, "\n") : source;

/** A node's children, in order. */
export const childrenOf = (node: PyNode): PyNode[] => {
  const out: PyNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "0": "\0" };

/**
 * The value of a plain string literal (`"x"`, `r'x'`, `"""x"""`, implicit concatenation), or
 * null when it is not one: f-strings with replacements and bytes are computed, not literal.
 */
export function stringValue(src: string, node: PyNode): string | null {
  if (node.name === "ContinuedString") {
    let out = "";
    for (let c = node.firstChild; c; c = c.nextSibling) {
      const part = stringValue(src, c);
      if (part === null) return null;
      out += part;
    }
    return out;
  }
  if (node.name === "FormatString" && node.firstChild) return null;
  if (node.name !== "String" && node.name !== "FormatString") return null;
  const raw = textOf(src, node);
  const m = /^([rRuUbBfF]*)('''|"""|'|")/.exec(raw);
  if (!m) return null;
  const prefix = (m[1] ?? "").toLowerCase();
  if (prefix.includes("b")) return null;
  const quote = m[2] ?? '"';
  const body = raw.slice(m[0].length, raw.length - quote.length);
  if (prefix.includes("r") || !body.includes("\\")) return body;
  return body.replace(/\\(.)/gs, (_, ch: string) => ESCAPES[ch] ?? (ch === "\n" ? "" : ch));
}

/** Whether a node is any kind of string literal (including f-strings). */
export const isStringNode = (node: PyNode) =>
  node.name === "String" || node.name === "FormatString" || node.name === "ContinuedString";

/**
 * The first child of `node` named `name`, or null: lezer's getChild without its cursor, its
 * array of every match and its node-group lookups (no name asked for here is a group's).
 */
export function childNamed(node: PyNode | null | undefined, name: string): PyNode | null {
  for (let c = node?.firstChild; c; c = c.nextSibling) if (c.name === name) return c;
  return null;
}

/** Every child of `node` named `name`, in order (lezer's getChildren, as childNamed). */
export function childrenNamed(node: PyNode | null | undefined, name: string): PyNode[] {
  const out: PyNode[] = [];
  for (let c = node?.firstChild; c; c = c.nextSibling) if (c.name === name) out.push(c);
  return out;
}

/** A call's arguments, as its ArgList holds them. */
export interface CallArguments {
  readonly positional: PyNode[];
  readonly kwargs: Map<string, PyNode>;
  /** Every argument's text, for xcom_pull's signature. */
  readonly texts: string[];
  /** It spreads `*args` or `**kwargs`: there may be more than these. */
  readonly splat: boolean;
}

/** The arguments of a call's ArgList (none when it has none). */
export function callArguments(src: string, argList: PyNode | null): CallArguments {
  const positional: PyNode[] = [];
  const kwargs = new Map<string, PyNode>();
  const texts: string[] = [];
  let splat = false;
  if (!argList) return { positional, kwargs, texts, splat };
  let group: PyNode[] = [];
  const flush = () => {
    if (group.length === 0) return;
    const first = group[0] as PyNode;
    const last = group[group.length - 1] as PyNode;
    texts.push(src.slice(first.from, last.to));
    if (group.length >= 3 && first.name === "VariableName" && group[1]?.name === "AssignOp") {
      kwargs.set(textOf(src, first), group[2] as PyNode);
    } else if (first.name === "*" || first.name === "**" || textOf(src, first).startsWith("*")) {
      splat = true;
    } else {
      positional.push(first);
    }
    group = [];
  };
  for (let c = argList.firstChild; c; c = c.nextSibling) {
    if (c.name === "(" || c.name === ")" || c.name === "Comment") continue;
    if (c.name === ",") flush();
    else group.push(c);
  }
  flush();
  return { positional, kwargs, texts, splat };
}

/**
 * A call's callee as written, without whitespace (`pendulum.datetime`, `model.fit`), and its
 * argument list's text; null for anything but a call.
 */
export function callParts(src: string, node: PyNode): { callee: string; args: string } | null {
  if (node.name !== "CallExpression" || !node.firstChild || !node.lastChild) return null;
  return {
    callee: textOf(src, node.firstChild).replace(/\s+/g, ""),
    args: textOf(src, node.lastChild),
  };
}
