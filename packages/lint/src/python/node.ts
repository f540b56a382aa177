import type { Tree } from "@lezer/common";

/**
 * A node of a DAG file's syntax tree as the analysis reads it: lezer's tree (the fast parser's or
 * lezer's own) copied once into plain objects whose links are fields. lezer's `SyntaxNode` is a
 * view made on every step (`firstChild`, `nextSibling` allocate a new node object and search the
 * buffer), and the analysis and the rules step through each file's tree several times; with
 * fields each step is one property load, which V8's interpreter runs fast too, and one file's
 * nodes are one shape (lezer has two node classes), so the analysis' code is optimized sooner.
 * The same names and meanings as lezer's: `name` is the node type's name, offsets are UTF-16.
 */
export class PyNode {
  firstChild: PyNode | null = null;
  lastChild: PyNode | null = null;
  nextSibling: PyNode | null = null;
  prevSibling: PyNode | null = null;
  constructor(
    readonly name: string,
    readonly from: number,
    readonly to: number,
    public parent: PyNode | null,
  ) {}
}

/** The tree's nodes as lezer's `SyntaxNode` navigation sees them (anonymous nodes left out). */
export function pyTree(tree: Tree): PyNode {
  const cursor = tree.cursor();
  const root = new PyNode(cursor.name, cursor.from, cursor.to, null);
  let node = root;
  for (;;) {
    if (cursor.firstChild()) {
      const child = new PyNode(cursor.name, cursor.from, cursor.to, node);
      node.firstChild = child;
      node.lastChild = child;
      node = child;
      continue;
    }
    for (;;) {
      const parent = node.parent;
      if (parent === null) return root;
      if (cursor.nextSibling()) {
        const next = new PyNode(cursor.name, cursor.from, cursor.to, parent);
        node.nextSibling = next;
        next.prevSibling = node;
        parent.lastChild = next;
        node = next;
        break;
      }
      cursor.parent();
      node = parent;
    }
  }
}
