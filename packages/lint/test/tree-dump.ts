// What a syntax tree looks like through every way the linter reads it: each node in document
// order with its type id, span and depth, and its parent, siblings and first and last children.
// Two trees with the same dump are the same tree to the analysis, however they are stored.
import type { SyntaxNode, Tree } from "@lezer/common";
import { parser } from "@lezer/python";

/** @lezer/python's own tree of `source`, for tests outside this package. */
export const lezerTree = (source: string): Tree => parser.parse(source);

const brief = (n: SyntaxNode | null): string => (n ? `${n.type.id}@${n.from}-${n.to}` : "-");

export function treeDump(tree: Tree): string[] {
  const out: string[] = [];
  tree.iterate({
    enter(ref) {
      const n = ref.node;
      let depth = 0;
      for (let p = n.parent; p; p = p.parent) depth++;
      out.push(
        `${depth} ${n.type.name}#${n.type.id} ${n.from}-${n.to} parent ${brief(n.parent)} prev ${brief(n.prevSibling)} next ${brief(n.nextSibling)} first ${brief(n.firstChild)} last ${brief(n.lastChild)}`,
      );
    },
  });
  return out;
}

/** What the analysis steps through: lezer's `SyntaxNode` or the PyNodes copied from a tree. */
interface Navigable {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly parent: Navigable | null;
  readonly prevSibling: Navigable | null;
  readonly nextSibling: Navigable | null;
  readonly firstChild: Navigable | null;
  readonly lastChild: Navigable | null;
}

const named = (n: Navigable | null): string => (n ? `${n.name}@${n.from}-${n.to}` : "-");

/**
 * treeDump by the node names alone (PyNodes carry no type id), from a root node: lezer's
 * `tree.topNode` and `pyTree(tree)` dump alike when the copy is faithful.
 */
export function nodeDump(root: Navigable): string[] {
  const out: string[] = [];
  const visit = (n: Navigable, depth: number): void => {
    out.push(
      `${depth} ${n.name} ${n.from}-${n.to} parent ${named(n.parent)} prev ${named(n.prevSibling)} next ${named(n.nextSibling)} first ${named(n.firstChild)} last ${named(n.lastChild)}`,
    );
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c, depth + 1);
  };
  visit(root, 0);
  return out;
}

/** Whether lezer put an error node anywhere in the tree. */
export function hasErrorNode(tree: Tree): boolean {
  let error = false;
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) error = true;
      return !error;
    },
  });
  return error;
}

/** The first line where two dumps differ, with the source line it is on, or null. */
export function firstDifference(source: string, a: string[], b: string[]): string | null {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] === b[i]) continue;
    const from = Number((a[i] ?? b[i] ?? "0 x 0").split(" ")[2]?.split("-")[0] ?? 0);
    const line = source.slice(0, from).split("\n").length;
    return `line ${line}: lezer ${a[i] ?? "(end)"}; fast ${b[i] ?? "(end)"}`;
  }
  return null;
}
