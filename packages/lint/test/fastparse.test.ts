import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parser } from "@lezer/python";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fastParse,
  fastParseNodes,
  grammarError,
  hasParenthesizedWith,
  parenthesizedWithItems,
  parsePython,
} from "../src/python/fastparse.js";
import { type PyNode, pyTree } from "../src/python/node.js";
import { firstDifference, hasErrorNode, nodeDump, treeDump } from "./tree-dump.js";

const CORPUS = resolve(import.meta.dirname, "../../../test/lint-corpus/dags");
// The files seeded with a syntax error are no Python to build a tree of.
const corpus = readdirSync(CORPUS)
  .filter((n) => n.endsWith(".py"))
  .sort()
  .map((n) => ({ name: n, source: readFileSync(join(CORPUS, n), "utf8") }))
  .filter((f) => !f.source.includes("# expect: syntax-error"));

/**
 * null when the fast path built lezer's very tree, both as a lezer tree and as the PyNodes the
 * analysis reads (made straight from the parser's nodes); otherwise what went wrong.
 */
function mismatch(source: string): string | null {
  const fast = fastParse(source);
  const nodes = fastParseNodes(source);
  if (!fast || !nodes) return fast || nodes ? "declined by one entry point only" : "declined";
  const lezer = parser.parse(source);
  if (nodes.problem !== grammarError(fast)) {
    const [a, b] = [nodes.problem, grammarError(fast)].map((x) => JSON.stringify(x));
    if (a !== b) return `problem ${a} against ${b}`;
  }
  const lezerNodes = nodeDump(lezer.topNode);
  return (
    firstDifference(source, treeDump(lezer), treeDump(fast)) ??
    firstDifference(source, lezerNodes, nodeDump(nodes.root)) ??
    firstDifference(source, lezerNodes, nodeDump(pyTree(lezer)))
  );
}

// Each must be accepted by the fast path and give @lezer/python's tree, node for node.
const SAME: Record<string, string> = {
  "empty file": "",
  "only comments and blank lines": "# a\n\n   \n# b\n",
  "no newline at the end": "x = 1",
  "a body at the end without a newline": "def f():\n    return 1",
  "comments after a body, indented and not": "def f():\n    x\n    # in\n# out\n\n  # odd\ny\n",
  "comments closing nested bodies": "if a:\n    if b:\n        c\n    # one\n# two\nd\n",
  "comment at the end of a body at the end of the file": "def f():\n    x\n    # c",
  "trailing comments on statements and headers":
    "x = 1  # one\ndef f():  # two\n    pass  # three\nif x: y  # four\n",
  "comments inside brackets": "f(  # a\n    x,  # b\n    # c\n    y,\n)\n",
  "a statement group": "a = 1; b = 2\nc; d;\nif x: e; f\n",
  decorators:
    "@dag\n# between\n@task.branch(multiple_outputs=True)  # trailing\n@a.b.c()\ndef f(): pass\n@x\nclass C(B, metaclass=M):\n    pass\n",
  "parameters of every kind":
    "def f(a, b: int = 1, *args: str, c, d=2, **kw: dict) -> None:\n    pass\ndef g(a, /, b, *, c): ...\ndef h(*, a): pass\n",
  lambdas:
    "f = lambda: 0\ng = lambda x, y=1, *a, **k: x + y\nh = lambda *, z: z\nsorted(x, key=lambda t: t[1])\ni = lambda : None\nj = lambda  a : a\n",
  "not takes or and and after it": "a = not b or c\nd = e and not f or g\nh = not i == j\n",
  comparisons: "a < b <= c\nx is not None\ny not in z\nw in v\nq != r == s > t >= u\n",
  "arithmetic and bitwise precedence":
    "x = -a * b ** -c | d ^ e & f << g + h // i @ j % k >> l - ~m\n",
  "power binds right": "x = a ** b ** c\ny = -a ** b\nz = (a + b) * c\n",
  "conditional expressions": "x = a if b else c if d else e\nf(a if b else c)\n",
  comprehensions:
    "a = [x for x in y if x if z for w in x]\nb = {k: v for k, v in d.items()}\nc = {x for x in y}\nd = (x for x in y)\nf(x for x in y)\n",
  "literals of every kind":
    "a = [1, 2.5, .5, 1e-3, 1_000, 0x1F, 0o17, 0b101, 3j, None, True, False, ...]\nb = {}\nc = {'a': 1, **d}\ne = {1, *f}\ng = ()\nh = (1,)\ni = (1, 2)\nj = (*k, l)\n",
  "subscripts and slices":
    "a[1]\nb[1:2]\nc[::2]\nd[:]\ne[1:]\nf[a, b]\ng[x:y:z]\nh['k'][0].m\ndf.loc[:, 'c']\nx[1:, :-1, ::2,]\n",
  "calls with every kind of argument": "f(a, b=1, *c, **d)\ng()\nh(x)(y)\ni.j(k=l)[0]\n",
  strings:
    "a = 'x' \"y\" '''z''' \"\"\"w\"\"\"\nb = r'\\d+' rb'\\x' b'\\x00' u'\\u00e9' R'x' Br'y'\nc = 'a\\nb\\tc\\\\d\\'e'\nd = '\\N{DASH} \\x41 \\101 \\U0001F600'\ne = '''multi\nline \\\nstring'''\n",
  "f-strings": `a = f"x {y} {z!r} {w:>10} {v=} {u!s:{width}.{p}}"\nb = f'{{literal}} {x}' "tail" f"{'q'}"\nc = rf"\\d{n}" F"{a[1]:%Y}"\nd = f"{x:}" f"{ y = }"\n`,
  "Jinja in strings": `t = BashOperator(bash_command="echo {{ ti.xcom_pull(task_ids='a', key='b') }}")\n`,
  "assignments of every kind":
    "a = b = 1\nc, d = 1, 2\n*e, f = g\nh: int\ni: int = 1\nj += 1\nk //= 2\nl **= 3\nm >>= 1\nn.o[p] = q\n",
  "compound statements":
    "for a, b in c:\n    continue\nelse:\n    break\nwhile x:\n    pass\nelse:\n    pass\ntry:\n    a\nexcept (A, B) as e:\n    raise C from e\nexcept D:\n    raise\nelse:\n    b\nfinally:\n    c\nwith open(p) as f, lock:\n    pass\nif a:\n    b\nelif c:\n    d\nelse:\n    e\n",
  "other simple statements":
    "import a.b as c, d\nfrom . import x\nfrom ..m import (y as z,)\nfrom ... import *\nfrom __future__ import annotations\nglobal g, h\ndel a[0], b\nassert x, 'msg'\nreturn\nreturn a, *b\n",
  "line continuation": "x = 1 + \\\n    2\nif a and \\\n        b:\n    pass\n",
  "blank lines with spaces between statements": "def f():\n    a\n    \n\n    b\n",
  "non-ASCII names and text": "données = 'é'\nπ = 3.14  # ≈\n",
  "async and await":
    "async def f():\n    await a + b\n    x = await c.d()\n    async for i in j:\n        pass\n    async with k as l:\n        pass\n    return [m async for m in n]\n@task\nasync def g(): pass\n",
  yield:
    "def f():\n    yield a, b\n    yield from c\n    x = yield d\n    (yield e)\n    y += yield f\n    yield *g, h\n",
  "the walrus operator":
    "if (n := len(a)) > 10: pass\nwhile m := f(): pass\nf(x := 1)\n[y := 2, z]\nw[v := 3]\nif u := 5: pass\n",
  "CRLF line ends":
    '@dag()  # c\r\ndef f():\r\n    x = 1; y = 2\r\n\r\n    # gap\r\n    if x: pass\r\n    s = """a\r\nb"""\r\n    f(a,\r\n      b)\r\n# end\r\n',
  "tabs in indentation, used consistently":
    "def f():\n\tif x:\n\t\ty = 1\n\t  # c\n\telse:\n\t\tpass\n\treturn y\nz = f()\n",
  "spaces then a tab, the same on every line of the block": "if x:\n  \ta\n  \tb\nc\n",
  "tabs inside a line and in a continuation": "x = (1,\t2,\n\t\t3)\ny = 1 + \\\n\t2\n",
  "soft keywords used as names":
    "type = 1\nmatch.x = 2\nprint('x')\nprint\ncase = 3\ntype: str = 'a'\ntype, b = c\ntype(x).y = 1\nmatch: int\n",
};

// Each must be declined (left to @lezer/python), and parsePython must then give lezer's tree.
const DECLINED: Record<string, string> = {
  "a lone carriage return": "x = 1\ry = 2\n",
  "a line continuation before CRLF": "x = 1 + \\\r\n    2\r\n",
  "tabs and spaces mixed so that CPython raises TabError, on the same level":
    "if x:\n        a\n\tb\n",
  "tabs and spaces mixed so that CPython raises TabError, on an indent":
    "if x:\n        if y:\n\t\tb\n",
  "tabs and spaces mixed so that CPython raises TabError, on a dedent":
    "if x:\n\tif y:\n\t\tb\n        c\n",
  "a match statement": "match x:\n    case 1:\n        pass\n",
  "a bare yield (an error to lezer)": "def f():\n    yield\n",
  "a Python 2 print statement": "print 'x'\n",
  "a type statement": "type X = int\n",
  "an unclosed bracket": "f(a, b\n",
  "an unexpected indent": "x = 1\n    y = 2\n",
  "an inconsistent dedent": "if x:\n        a\n    b\n",
  "an unterminated string": "x = 'abc\ny = 1\n",
  "a stray character": "x = 1 $ 2\n",
  "a keyword out of place": "x = else\n",
  "a number lezer splits": "x = 1.\n",
};

describe("the fast Python parser", () => {
  it(`builds @lezer/python's tree for each of the ${corpus.length} files of the lint corpus`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    const wrong = corpus.map((f) => [f.name, mismatch(f.source)]).filter(([, m]) => m !== null);
    expect(wrong).toEqual([]);
  });

  it("builds lezer's tree for each file of the lint corpus with CRLF line ends", () => {
    const wrong = corpus
      .map((f) => [f.name, mismatch(f.source.replaceAll("\n", "\r\n"))])
      .filter(([, m]) => m !== null);
    expect(wrong).toEqual([]);
  });

  it("builds lezer's tree for each file of the lint corpus indented with tabs", () => {
    const tabbed = corpus.map((f) => ({
      name: f.name,
      source: f.source.replace(/^((?: {4})+)/gm, (m) => "\t".repeat(m.length / 4)),
    }));
    expect(tabbed.filter((f) => f.source.includes("\n\t")).length).toBeGreaterThan(40);
    for (const f of tabbed)
      expect({ name: f.name, problem: mismatch(f.source) }).toEqual({
        name: f.name,
        problem: null,
      });
  });

  it("reads `with (A() as a, B() as b,):` as Python 3.10 does: the items, as if unparenthesized", () => {
    const source = 'with (\n    open(p) as f,  # ( a comment\n    lock(")") as g,\n):\n    pass\n';
    expect(hasParenthesizedWith(source)).toBe(true);
    // lezer's grammar reads the parentheses as an expression and recovers from the `as`.
    expect(hasErrorNode(parser.parse(source))).toBe(true);
    const nodes = fastParseNodes(source);
    const names = (n: PyNode | null): string[] => (n ? [n.name, ...names(n.nextSibling)] : []);
    const withStatement = nodes?.root.firstChild ?? null;
    expect(names(withStatement?.firstChild ?? null)).toEqual([
      "with",
      "(",
      "CallExpression",
      "as",
      "VariableName",
      ",",
      "Comment",
      "CallExpression",
      "as",
      "VariableName",
      ",",
      ")",
      "Body",
    ]);
    // Without an `as` inside, the parentheses are an expression lezer reads: its tree, as ever.
    expect(mismatch("with (a):\n    pass\nwith (a, b):\n    pass\n")).toBeNull();
    expect(parenthesizedWithItems("with (a, b) as c:\n    pass\n", 5)).toBe(false);
  });

  it("declines a file opening a 201st bracket inside 200 (lint.ts then finds where CPython stops)", () => {
    const nested = (depth: number, open = "(", close = ")") =>
      `x = ${open.repeat(depth)}1${close.repeat(depth)}\n`;
    expect(fastParseNodes(nested(200))).not.toBeNull();
    expect(fastParseNodes(nested(200, "[", "]"))).not.toBeNull();
    expect(fastParseNodes(nested(201))).toBeNull();
    expect(fastParseNodes(nested(201, "[", "]"))).toBeNull();
    expect(fastParseNodes(`y = {"k": ${nested(200).slice(4, -1)}}\n`)).toBeNull();
    // Brackets closed again do not add up: 300 pairs side by side are one level.
    expect(fastParseNodes(`z = [${"(1), ".repeat(300)}]\n`)).not.toBeNull();
  });

  it("builds lezer's tree for a file over 64 KB (one TreeBuffer cannot hold it)", () => {
    // Corpus files joined until past 64 KB, each kept only when lezer still reads the whole
    // without an error node: at some lengths lezer's error recovery misreads a joined file
    // (a statement after ~100 KB became an error node when one more corpus file was added), and
    // a tree with an error in it is one the fast path rightly declines, not a test of it.
    let source = "";
    for (const f of corpus) {
      if (source.length > 0x14000) break;
      const longer = source === "" ? f.source : `${source}\n${f.source}`;
      if (!hasErrorNode(parser.parse(longer))) source = longer;
    }
    expect(source.length).toBeGreaterThan(0xffff);
    expect(mismatch(source)).toBeNull();
  });

  for (const [name, source] of Object.entries(SAME)) {
    it(`builds lezer's tree: ${name}`, () => {
      expect(hasErrorNode(parser.parse(source)), "lezer reads the snippet without an error").toBe(
        false,
      );
      expect(mismatch(source)).toBeNull();
    });
  }

  for (const [name, source] of Object.entries(DECLINED)) {
    it(`leaves it to lezer: ${name}`, () => {
      expect(fastParse(source)).toBeNull();
      expect(treeDump(parsePython(source))).toEqual(treeDump(parser.parse(source)));
    });
  }

  it("gives lezer's tree or declines, for corpus files with random edits", () => {
    const pieces = [
      "(",
      ")",
      "[",
      "]",
      "{",
      "}",
      ":",
      ",",
      "\n",
      "    ",
      " ",
      "#",
      "'",
      '"',
      '"""',
      "\\",
      "=",
      "==",
      "not ",
      " or ",
      " and ",
      "if ",
      "else",
      "lambda",
      "*",
      "**",
      "f'",
      "{x}",
      ".",
      "@",
      "1",
      "x",
      "def ",
      "return",
      "in ",
      " is ",
      "-",
      "~",
      ";",
      "\t",
      "pass",
      "for ",
      "class ",
      "try:",
      "except",
      "elif ",
      "0x",
      "1e",
      "r'",
      "\\n",
      "{{",
      "}}",
      "!r",
      ":>",
    ];
    // A character edit (insert a piece, cut a few characters) mostly breaks the file; a line
    // edit (a line of another corpus file put in, or a line dropped) mostly keeps it valid.
    const lines = corpus.flatMap((f) => f.source.split("\n")).filter((l) => l.trim() !== "");
    const charEdit = fc.record({
      kind: fc.constant("char" as const),
      at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      cut: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 6 })),
      piece: fc.constantFrom(...pieces, ""),
    });
    const lineEdit = fc.record({
      kind: fc.constant("line" as const),
      at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
      line: fc.option(fc.constantFrom(...lines), { nil: null }),
    });
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: corpus.length - 1 }),
        fc.array(fc.oneof(charEdit, lineEdit), { minLength: 1, maxLength: 3 }),
        (index, edits) => {
          let source = (corpus[index] as { source: string }).source;
          for (const e of edits) {
            if (e.kind === "char") {
              const at = Math.floor(e.at * source.length);
              source = source.slice(0, at) + e.piece + source.slice(at + e.cut);
            } else {
              const all = source.split("\n");
              const at = Math.floor(e.at * all.length);
              if (e.line === null) all.splice(at, 1);
              else all.splice(at, 0, e.line);
              source = all.join("\n");
            }
          }
          const fast = fastParse(source);
          if (!fast) return;
          accepted++;
          // Python 3.10's `with (A() as a):`, which lezer's grammar lacks (see below).
          if (hasParenthesizedWith(source)) return;
          const lezer = parser.parse(source);
          expect(hasErrorNode(lezer)).toBe(false);
          expect(firstDifference(source, treeDump(lezer), treeDump(fast))).toBeNull();
        },
      ),
      { numRuns: 3000, seed: 20261129 },
    );
    // The edits must leave enough files parseable for the property to mean something.
    expect(accepted).toBeGreaterThan(400);
  });
});
