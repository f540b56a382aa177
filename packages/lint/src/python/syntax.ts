// Python syntax errors, for `mlgen lint` and for the task modules `mlgen compile` ships. The
// fast parser (./fastparse.ts) accepts nearly every DAG file and reports, as it reads, the
// errors lezer's grammar lets through (argument order, `try` without a handler, `012`) and
// some that CPython's compiler finds after parsing (`return` or `yield` outside a function,
// `break` outside a loop, `nonlocal` at module level; not name-binding errors). What
// it declines goes to tree-sitter-python, which is loaded only then: lezer's
// grammar is not a judge of validity. On the 14,961 .py files of the test venv's site-packages
// (all valid Python), @lezer/python 1.1.19 put error nodes in 753 (bare `yield`, `1.`,
// parenthesized `with` items, `as (a, b)` targets, `for x, *_ in`, form feeds, ...) and
// tree-sitter-python 0.25 in none.
import { createRequire } from "node:module";
import { parser as lezer } from "@lezer/python";
import type { Node, Parser } from "web-tree-sitter";
import { compileCheck } from "./compile-check.js";
import { fastParseNodes, numberProblem } from "./fastparse.js";
import { layoutError, logicalLineEnd } from "./layout.js";
import { pyTree } from "./node.js";
import { universalNewlines } from "./text.js";

/** Where a file stops being Python, and what is wrong there. */
export interface PythonSyntaxError {
  /** UTF-16 offsets into the source. */
  readonly from: number;
  readonly to: number;
  /** `missing ")"`, `unexpected "else"`, ... */
  readonly detail: string;
}

let parser: Parser | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads tree-sitter-python (WebAssembly; about 60 ms) once. Until it is loaded, a file the fast
 * parser declines is not checked: `pythonSyntaxError` answers undefined.
 */
export function loadPythonSyntaxCheck(): Promise<void> {
  loading ??= (async () => {
    // Resolved from this package, also when mlgen runs as one bundle (the CLI's startup
    // snapshot), whose own folder has neither package.
    const load = createRequire(import.meta.url);
    const ts = load("web-tree-sitter") as typeof import("web-tree-sitter");
    await ts.Parser.init();
    const language = await ts.Language.load(
      load.resolve("tree-sitter-python/tree-sitter-python.wasm"),
    );
    const p = new ts.Parser();
    p.setLanguage(language);
    parser = p;
  })();
  return loading;
}

/**
 * The first syntax error of `source`, by its layout (./layout.ts) and tree-sitter-python's
 * reading; undefined while tree-sitter-python is not loaded (an earlier error may hide there).
 */
export function pythonSyntaxError(source: string): PythonSyntaxError | null | undefined {
  const tree = parser?.parse(source);
  if (!tree) return undefined;
  const layout = layoutError(source);
  try {
    const found = tree.rootNode.hasError
      ? errorAt(firstError(tree.rootNode), source)
      : earliest(python2Statement(tree.rootNode), grammarProblem(tree.rootNode));
    if (layout && (!found || layout.from <= found.from)) return layout;
    return found ?? (tree.rootNode.hasError ? null : compileProblem(tree.rootNode));
  } finally {
    tree.delete();
  }
}

/** The syntax error of a file, checked with the fast parser first (no WebAssembly for most). */
export async function findPythonSyntaxError(text: string): Promise<PythonSyntaxError | null> {
  const source = universalNewlines(text);
  const fast = fastParseNodes(source);
  if (fast !== null) return fast.problem ?? compileCheck(source, fast.root, fast.checked);
  await loadPythonSyntaxCheck();
  return pythonSyntaxError(source) ?? compileCheck(source, pyTree(lezer.parse(source)));
}

/** Where an error is no verdict: tree-sitter-python misreads some valid format specs
 * (`f'{x:=}'`, `f'{x:=:010}'`), so what is wrong inside a string CPython says itself. */
const STRING_PARTS = new Set(["string", "interpolation", "format_specifier"]);

/**
 * The first ERROR or MISSING node in document order outside strings: one inside a string's
 * replacement field is passed over, and the search goes on after it, so a real error later in
 * the file is still found.
 */
function firstError(node: Node): Node | null {
  if (node.isError || node.isMissing) return node;
  // By index: web-tree-sitter's nextSibling skips MISSING nodes.
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (c && !STRING_PARTS.has(c.type) && (c.isError || c.isMissing || c.hasError)) {
      const found = firstError(c);
      if (found) return found;
    }
  }
  return null;
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const CLOSE = new Set([")", "]", "}"]);
const COMPOUND = new Set([
  "if",
  "elif",
  "else",
  "for",
  "while",
  "with",
  "def",
  "class",
  "try",
  "except",
  "finally",
]);

/** What CPython would say, near enough, about an ERROR or MISSING node. */
function errorAt(node: Node | null, source: string): PythonSyntaxError | null {
  if (!node) return null;
  const at = (n: Node, detail: string) => ({ from: n.startIndex, to: n.endIndex, detail });
  if (node.isMissing) return at(node, `expected ${JSON.stringify(node.type)}`);
  const kids: Node[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const c = node.child(i);
    if (c) kids.push(c);
  }
  // An opening bracket the error swallowed everything after: never closed.
  const open: Node[] = [];
  for (const k of kids) {
    if (k.type in OPEN) open.push(k);
    else if (open.length > 0 && k.type === OPEN[(open[open.length - 1] as Node).type]) open.pop();
    else if (open.length === 0 && CLOSE.has(k.type)) return at(k, `unmatched '${k.type}'`);
    else if (k.isError && k.childCount === 1 && CLOSE.has(k.child(0)?.type ?? "")) {
      return at(k, `unmatched '${k.child(0)?.type}'`);
    }
  }
  if (open[0]) return at(open[0], `'${open[0].type}' was never closed`);
  // `with DAG(...) as dag` with no colon: tree-sitter gives up at the line after.
  const head = kids[0];
  if (head && !head.isNamed && COMPOUND.has(head.type)) {
    const end = logicalLineEnd(source, head.startIndex);
    if (end !== null && source.charCodeAt(end - 1) !== 58) {
      return { from: end, to: end, detail: `expected ':' at the end of the ${head.type} line` };
    }
  }
  const quote = kids.find((k) => k.type === "string_start");
  if (quote && !kids.some((k) => k.type === "string_end")) {
    return at(quote, "unterminated string literal");
  }
  const keyword = kids.find((k, i) => i > 0 && !k.isNamed && /^[a-z]+$/.test(k.type));
  if (keyword) return at(keyword, `'${keyword.type}' is not allowed here`);
  const line = source.slice(node.startIndex).split("\n", 1)[0]?.trim() ?? "";
  return at(
    node,
    line ? `invalid syntax near ${JSON.stringify(line.slice(0, 40))}` : "invalid syntax",
  );
}

function earliest(
  a: PythonSyntaxError | null,
  b: PythonSyntaxError | null,
): PythonSyntaxError | null {
  return !a || (b && b.from < a.from) ? b : a;
}

const ARGUMENT_KINDS = new Set(["keyword_argument", "list_splat", "dictionary_splat", "comment"]);

/**
 * The errors tree-sitter-python reads without complaint, as the fast parser checks them on the
 * files it reads (fastparse.ts): argument order, `try` without `except` (or with only `else`),
 * number literals. The first one, or null.
 */
function grammarProblem(root: Node): PythonSyntaxError | null {
  let found: PythonSyntaxError | null = null;
  const report = (n: Node, detail: string, at = n.startIndex) => {
    found = earliest(found, { from: at, to: Math.max(at, n.endIndex), detail });
  };
  for (const list of root.descendantsOfType("argument_list")) {
    if (!list) continue;
    let keyword = false;
    let unpacked = false;
    for (const arg of list.namedChildren) {
      if (!arg) continue;
      if (arg.type === "keyword_argument") {
        keyword = true;
      } else if (arg.type === "dictionary_splat") unpacked = true;
      else if (arg.type === "list_splat") {
        if (unpacked) report(arg, "iterable argument unpacking follows keyword argument unpacking");
      } else if (!ARGUMENT_KINDS.has(arg.type) && (keyword || unpacked)) {
        report(
          arg,
          unpacked
            ? "positional argument follows keyword argument unpacking"
            : "positional argument follows keyword argument",
        );
      }
    }
  }
  for (const t of root.descendantsOfType("try_statement")) {
    if (!t) continue;
    const kinds = t.namedChildren.map((c) => c?.type);
    const handled = kinds.includes("except_clause") || kinds.includes("except_group_clause");
    if (!handled && (!kinds.includes("finally_clause") || kinds.includes("else_clause"))) {
      const next = t.namedChildren.find((c) => c?.type === "else_clause");
      report(t, "expected 'except' or 'finally' block", next?.startIndex ?? t.endIndex);
    }
  }
  for (const n of root.descendantsOfType(["integer", "float"])) {
    if (!n) continue;
    const problem = numberProblem(n.text.replace(/[jJ]$/, ""));
    if (problem) report(n, problem);
  }
  return found;
}

/**
 * What CPython finds only once the file parses (so after any error above, wherever it is): its
 * symbol table's errors first, then its compiler's. The first one, or null.
 */
function compileProblem(root: Node): PythonSyntaxError | null {
  let symtable: PythonSyntaxError | null = null;
  let compile: PythonSyntaxError | null = null;
  for (const list of root.descendantsOfType("argument_list")) {
    const names = new Set<string>();
    for (const arg of list?.namedChildren ?? []) {
      if (arg?.type !== "keyword_argument") continue;
      const name = arg.childForFieldName("name")?.text ?? "";
      if (names.has(name)) {
        const detail = `keyword argument repeated: ${name}`;
        compile = earliest(compile, { from: arg.startIndex, to: arg.endIndex, detail });
      }
      names.add(name);
    }
  }
  for (const n of root.descendantsOfType([
    "return_statement",
    "yield",
    "break_statement",
    "continue_statement",
    "nonlocal_statement",
  ])) {
    const problem = n && misplaced(n);
    if (!n || !problem) continue;
    const error = { from: n.startIndex, to: n.endIndex, detail: problem };
    if (n.type === "nonlocal_statement") symtable = earliest(symtable, error);
    else compile = earliest(compile, error);
  }
  return symtable ?? compile;
}

function ancestors(n: Node): Node[] {
  const out: Node[] = [];
  for (let p = n.parent; p; p = p.parent) out.push(p);
  return out;
}

/**
 * What CPython's compiler says of a statement that is valid only inside a function or a loop,
 * where it is not (as the fast parser checks it: fastparse.ts, `within`); null where it is fine.
 */
function misplaced(n: Node): string | null {
  const loopOnly = n.type === "break_statement" || n.type === "continue_statement";
  let from = n;
  for (let p = n.parent; p; from = p, p = p.parent) {
    if (n.type === "nonlocal_statement") {
      if (p.type === "function_definition") return null;
      continue;
    }
    if (loopOnly) {
      if ((p.type === "for_statement" || p.type === "while_statement") && from.type === "block")
        return null;
    } else if (p.type === "function_definition" || (n.type === "yield" && p.type === "lambda")) {
      return null;
    }
    if (p.type === "function_definition" || p.type === "class_definition" || p.type === "lambda")
      break;
  }
  switch (n.type) {
    case "return_statement":
      return "'return' outside function";
    case "yield":
      return "'yield' outside function";
    case "break_statement":
      return "'break' outside loop";
    case "continue_statement":
      return "'continue' not properly in loop";
    default: {
      const inClass = ancestors(n).some((p) => p.type === "class_definition");
      const name = n.namedChildren.find((c) => c?.type === "identifier")?.text ?? "";
      return inClass
        ? `no binding for nonlocal '${name}' found`
        : "nonlocal declaration not allowed at module level";
    }
  }
}

/** Python 2 statements tree-sitter-python still reads: `print "x"`, `exec code`. */
function python2Statement(root: Node): PythonSyntaxError | null {
  // `print >>sys.stderr, msg` is also Python 3: the tuple `(print >> sys.stderr), msg`, which
  // imports fine and fails only when it runs.
  const first = root
    .descendantsOfType(["print_statement", "exec_statement"])
    .find((n) => !n?.namedChildren.some((c) => c?.type === "chevron"));
  if (!first) return null;
  const word = first.type === "print_statement" ? "print" : "exec";
  return {
    from: first.startIndex,
    to: first.endIndex,
    detail: `a Python 2 ${word} statement (Python 3 calls ${word}(...))`,
  };
}
