import { parser } from "@lezer/python";
import { describe, expect, it } from "vitest";
import { lintPythonSource, tooDeeplyNested } from "../src/lint.js";
import { analyzeDagFile } from "../src/python/analyze.js";
import { compileCheck } from "../src/python/compile-check.js";
import { fastParseNodes } from "../src/python/fastparse.js";
import { pyTree } from "../src/python/node.js";
import { findPythonSyntaxError } from "../src/python/syntax.js";

// What CPython 3.11 refuses once a file parses (its messages, checked with `compile()` when
// these were written), and what it accepts that looks alike. lezer's grammar lets all of it
// through, so the linter checks the tree itself (src/python/compile-check.ts).
const REFUSED: [name: string, source: string, message: string][] = [
  [
    "a parameter without a default after one with",
    "def f(a=1, b):\n    pass\n",
    "non-default argument follows default argument",
  ],
  [
    "a lambda's parameters, likewise",
    "g = lambda a=1, b: 0\n",
    "non-default argument follows default argument",
  ],
  [
    "a parameter named twice",
    "def f(a, b, a):\n    pass\n",
    "duplicate argument 'a' in function definition",
  ],
  [
    "a bare * with no name after it",
    "def f(a, *):\n    pass\n",
    "named arguments must follow bare *",
  ],
  ["a bare * followed by **", "def f(*, **kw):\n    pass\n", "named arguments must follow bare *"],
  ["assigning to a literal", "1 = x\n", "cannot assign to literal"],
  ["assigning to a call", "f() = 1\n", "cannot assign to function call"],
  ["assigning to a call in a tuple", "a, f() = 1, 2\n", "cannot assign to function call"],
  ["assigning to an expression", "a + b = 1\n", "cannot assign to expression"],
  ["two starred targets", "a, *b, *c = x\n", "multiple starred expressions in assignment"],
  ["a for loop's target a call", "for f() in x:\n    pass\n", "cannot assign to function call"],
  ["deleting a call", "del f()\n", "cannot delete function call"],
  ["deleting a literal", "del a, 1\n", "cannot delete literal"],
  [
    "augmented assignment to a tuple",
    "(a, b) += 1\n",
    "'tuple' is an illegal expression for augmented assignment",
  ],
  [
    "augmented assignment to a call",
    "f() += 1\n",
    "'function call' is an illegal expression for augmented assignment",
  ],
  ["await at module level", "await x\n", "'await' outside function"],
  ["await in a plain function", "def f():\n    await x\n", "'await' outside async function"],
  [
    "async for in a plain function",
    "def f():\n    async for a in b:\n        pass\n",
    "'async for' outside async function",
  ],
  [
    "async with at module level",
    "async with a:\n    pass\n",
    "'async with' outside async function",
  ],
  [
    "an async list comprehension in a plain function",
    "def rows(c):\n    return [r async for r in c]\n",
    "asynchronous comprehension outside of an asynchronous function",
  ],
  [
    "an async set comprehension at module level",
    "x = {r async for r in c}\n",
    "asynchronous comprehension outside of an asynchronous function",
  ],
  [
    "an async dict comprehension in a lambda inside an async function",
    "async def f(c):\n    return lambda: {k: v async for k, v in c}\n",
    "asynchronous comprehension outside of an asynchronous function",
  ],
  [
    "yield from in an async function",
    "async def f():\n    yield from x\n",
    "'yield from' inside async function",
  ],
  [
    "a yield in a list comprehension",
    "def g(y):\n    return [(yield x) for x in y]\n",
    "'yield' inside list comprehension",
  ],
  [
    "a yield in a set comprehension",
    "def g(y):\n    return {(yield x) for x in y}\n",
    "'yield' inside set comprehension",
  ],
  [
    "a yield in a dict comprehension",
    "def g(y):\n    return {(yield x): 1 for x in y}\n",
    "'yield' inside dict comprehension",
  ],
  [
    "a yield in a generator expression, past its first iterable",
    "def g(y):\n    return (x for x in y if (yield x))\n",
    "'yield' inside generator expression",
  ],
  [
    "a return with a value in an async generator",
    "async def f():\n    yield 1\n    return 2\n",
    "'return' with value in async generator",
  ],
  [
    "a return with a value before the yield of an async generator",
    "async def f(x):\n    if x:\n        return None\n    yield 1\n",
    "'return' with value in async generator",
  ],
  [
    "dict unpacking in a dict comprehension",
    "x = {**a for a in b}\n",
    "dict unpacking cannot be used in dict comprehension",
  ],
  [
    "import * in a function",
    "def f():\n    from m import *\n",
    "import * only allowed at module level",
  ],
  [
    "global after assigning",
    "def f():\n    x = 1\n    global x\n",
    "name 'x' is assigned to before global declaration",
  ],
  [
    "global after using",
    "def f():\n    print(x)\n    global x\n",
    "name 'x' is used prior to global declaration",
  ],
  ["global of a parameter", "def f(x):\n    global x\n", "name 'x' is parameter and global"],
  [
    "global after assigning, at module level",
    "x = 1\nglobal x\n",
    "name 'x' is assigned to before global declaration",
  ],
  [
    "global of an annotated name",
    "def f():\n    x: int = 1\n    global x\n",
    "annotated name 'x' can't be global",
  ],
  [
    "nonlocal with no function around",
    "def f():\n    nonlocal q\n",
    "no binding for nonlocal 'q' found",
  ],
  [
    "nonlocal after assigning",
    "def f():\n    x = 1\n    def g():\n        x = 2\n        nonlocal x\n",
    "name 'x' is assigned to before nonlocal declaration",
  ],
  // CPython words these "(unicode error) 'unicodeescape' codec can't decode bytes ...".
  [
    "a Windows path in a plain string",
    'LANDING = "C:\\Users\\etl\\landing"\n',
    'truncated \\UXXXXXXXX escape in a string (a Windows path? write it r"C:\\Users\\..." or with forward slashes)',
  ],
  ["a short \\x escape", 'x = "\\x1"\n', "truncated \\xXX escape in a string"],
  ["a short \\x escape in bytes", 'x = b"\\x1g"\n', "truncated \\xXX escape in a string"],
  [
    "a short \\u escape in an f-string",
    'x = f"{a}\\u12"\n',
    'truncated \\uXXXX escape in a string (a Windows path? write it r"C:\\Users\\..." or with forward slashes)',
  ],
  ["a \\N escape without a name", 'x = "\\N"\n', "malformed \\N character escape in a string"],
  [
    "a __future__ import after another import",
    '"""Doc."""\nimport os\nfrom __future__ import annotations\n',
    "from __future__ imports must occur at the beginning of the file",
  ],
];

const ACCEPTED: string[] = [
  "def f(a, b=1, *args, c, d=2, **kw):\n    pass\n",
  "def f(a, /, b=1, *, c):\n    pass\n",
  "def f(*, a=1, b):\n    pass\n",
  "def f(\n    a,  # the first\n    *,  # keyword-only from here\n    b,\n):\n    pass\n",
  "g = lambda a, b=1, *c, d: 0\n",
  "x: int = 1\na.b = 1\na[0] = 1\n(a, b) = 1, 2\n[a, *b] = x\na, *b = x\na = b = 1\nx = *a, *b\na, = x\n",
  "del a, b[0], a.c, (d, e)\n",
  "for (a, b) in x:\n    pass\nfor a.b in x:\n    pass\n",
  "async def f():\n    await x\n    async for a in b:\n        pass\n    async with c:\n        pass\n    yield 1\n",
  "async def f():\n    return [await y for y in z]\n",
  "async def f(c):\n    return [[x async for x in r] for r in c], {k async for k in c}\n",
  "def gen(c):\n    return (r async for r in c)\n",
  "def f():\n    global x\n    x = 1\n",
  "x = 1\n\ndef f():\n    global x\n    x = 2\n",
  "def f():\n    g(x=1)\n    global x\n",
  "def f():\n    def x():\n        pass\n\ndef h():\n    global x\n",
  "def outer():\n    x = 1\n\n    def inner():\n        nonlocal x\n        x = 2\n",
  "from m import *\n",
  "class C:\n    x = 1\n\n    def m(self):\n        global x\n",
  "def f():\n    yield from x\n",
  "def g(y):\n    return [x for x in (yield y)]\n",
  "def g(y):\n    return [lambda: (yield x) for x in y]\n",
  "async def f():\n    yield 1\n    return\n",
  "async def f():\n    def h():\n        return 3\n\n    yield h()\n",
  "async def f():\n    return 2\n",
  "x = {**a, **b}\ny = {k: v for k, v in c}\n",
  "async def f():\n    async def g():\n        yield 1\n    await g()\n",
  "def f():\n    class C:\n        nonlocal_ok = 1\n",
  "def f(a, b):\n    return lambda a=a: a\n",
  'x = r"C:\\Users\\etl"\ny = b"\\Users"\nz = "a\\\\Users"\nw = "\\N{EM DASH}"\nv = f"{a}\\U0001F600"\nu = "\\x41\\u0041"\n',
  '"""Doc."""\n# c\nfrom __future__ import annotations\nfrom __future__ import division\nimport os\n',
  "from __future__ import annotations\n",
];

describe("what CPython refuses in a file that parses", () => {
  for (const [name, source, message] of REFUSED) {
    it(`reports ${name}: ${message}`, async () => {
      expect(analyzeDagFile(source).syntaxError?.detail).toBe(message);
      expect((await findPythonSyntaxError(source))?.detail).toBe(message);
      // The same check on lezer's own tree, as for a file the fast parser declines.
      expect(compileCheck(source, pyTree(parser.parse(source)))?.detail).toBe(message);
    });
  }

  it(`accepts ${ACCEPTED.length} files CPython compiles that look alike`, async () => {
    for (const source of ACCEPTED) {
      expect({ source, error: analyzeDagFile(source).syntaxError }).toEqual({
        source,
        error: null,
      });
      expect({ source, error: await findPythonSyntaxError(source) }).toEqual({
        source,
        error: null,
      });
      const fast = fastParseNodes(source);
      expect(fast && compileCheck(source, fast.root)).toBeNull();
    }
  });

  it("points at the offending name or expression", () => {
    const source = "def f(a, b=1, c):\n    pass\n";
    expect(analyzeDagFile(source).syntaxError?.span).toMatchObject({ line: 1, column: 15 });
  });
});

describe("brackets nested deeper than CPython's tokenizer takes", () => {
  // CPython 3.11 (the engine venv's): `x = ` and 201 "(" is "too many nested parentheses" at
  // line 2, column 205 (the 201st bracket); 200 compile.
  const file = (depth: number) =>
    `from airflow.sdk import DAG\nx = ${"(".repeat(depth)}1${")".repeat(depth)}\n`;
  const syntax = (source: string) =>
    lintPythonSource("d.py", source)
      .filter((f) => f.ruleId === "syntax-error")
      .map((f) => `${f.line}:${f.column} ${f.message.split(";")[0]}`);

  it("is a syntax error at the 201st bracket, as CPython says it; 200 are fine", () => {
    expect(syntax(file(200))).toEqual([]);
    const said = [
      "2:205 invalid Python syntax: too many nested parentheses (Python takes 200 brackets inside each other)",
    ];
    expect(syntax(file(201))).toEqual(said);
    // Deeper still: the same finding, where the analysis' own stack would have run out.
    expect(syntax(file(5000))).toEqual(said);
  });

  it("counts no bracket in a string or a comment", () => {
    const source = `from airflow.sdk import DAG\ns = "${"(".repeat(300)}"  # ${"[".repeat(300)}\nt = """\n${"{".repeat(300)}\n"""\nu = 'a\\'${"(".repeat(300)}'\n`;
    expect(syntax(source)).toEqual([]);
    expect(tooDeeplyNested(source)).toBeNull();
  });
});
