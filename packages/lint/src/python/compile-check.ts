// What CPython refuses in a file that parses: invalid assignment and deletion targets, parameter
// lists it rejects, and its symbol table's and compiler's errors (`global x` after x is used,
// `await` outside an async function, ...). lezer's grammar, and so both parsers' trees, let
// these through, yet Airflow cannot import such a file. Read from the tree the analysis reads
// (PyNodes), so a file either parser read is checked the same way. Only shapes that are errors
// whatever the rest of the file says are reported: a construct not listed here is never guessed.
import type { GrammarError } from "./fastparse.js";
import type { PyNode } from "./node.js";
import { childNamed, childrenOf } from "./text.js";

const LITERALS: ReadonlySet<string> = new Set([
  "Number",
  "String",
  "FormatString",
  "ContinuedString",
  "Boolean",
  "None",
  "Ellipsis",
]);
/** Expressions that are never a target (a name, attribute, subscript, tuple or list is). */
const EXPRESSIONS: ReadonlySet<string> = new Set([
  "BinaryExpression",
  "UnaryExpression",
  "ConditionalExpression",
  "LambdaExpression",
  "AwaitExpression",
  "DictionaryExpression",
  "SetExpression",
  "ComprehensionExpression",
  "ArrayComprehensionExpression",
  "DictionaryComprehensionExpression",
  "SetComprehensionExpression",
  "NamedExpression",
]);
const SEQUENCES: ReadonlySet<string> = new Set([
  "TupleExpression",
  "ArrayExpression",
  "ParenthesizedExpression",
]);
const PUNCTUATION: ReadonlySet<string> = new Set(["(", ")", "[", "]"]);

/** The kind CPython names in "cannot assign to …", or null for a valid target. */
function badTarget(node: PyNode): { node: PyNode; kind: string } | null {
  if (LITERALS.has(node.name)) return { node, kind: "literal" };
  if (node.name === "CallExpression") return { node, kind: "function call" };
  if (EXPRESSIONS.has(node.name)) return { node, kind: "expression" };
  return null;
}

/** Items of a comma-separated run of siblings (`a, *b, c`), each with its leading `*` if any. */
function items(nodes: readonly PyNode[]): { star: PyNode | null; node: PyNode }[] {
  const out: { star: PyNode | null; node: PyNode }[] = [];
  let star: PyNode | null = null;
  for (const n of nodes) {
    if (n.name === "Comment") continue;
    if (n.name === "," || PUNCTUATION.has(n.name)) star = null;
    else if (n.name === "*") star = n;
    else out.push({ star, node: n });
  }
  return out;
}

/** The first problem in an assignment target list (`a, *b = …`, `for (a, b) in …`). */
function targetProblem(nodes: readonly PyNode[], verb: "assign to" | "delete"): Problem | null {
  const list = items(nodes);
  const stars = list.filter((i) => i.star);
  if (verb === "assign to" && stars.length > 1) {
    const second = stars[1]?.star as PyNode;
    return at(second, "multiple starred expressions in assignment");
  }
  for (const { node } of list) {
    if (SEQUENCES.has(node.name)) {
      const inner = targetProblem(childrenOf(node), verb);
      if (inner) return inner;
      continue;
    }
    const bad = badTarget(node);
    if (bad) return at(bad.node, `cannot ${verb} ${bad.kind}`);
  }
  return null;
}

interface Problem {
  readonly from: number;
  readonly to: number;
  readonly detail: string;
}

const at = (node: PyNode, detail: string): Problem => ({ from: node.from, to: node.to, detail });

/** A parameter list's problems: order of defaults, a bare `*` with nothing after, duplicates. */
function paramsProblem(src: string, list: PyNode): Problem | null {
  const seen = new Set<string>();
  let sawDefault = false;
  let keywordOnly = false;
  let bareStar: PyNode | null = null;
  let expectName = true;
  let prefix: string | null = null;
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === "(" || c.name === ")" || c.name === "Comment") continue;
    if (c.name === ",") {
      expectName = true;
      prefix = null;
      continue;
    }
    if (expectName && (c.name === "*" || c.name === "**")) {
      prefix = c.name;
      if (c.name === "*") {
        keywordOnly = true;
        let next = c.nextSibling;
        while (next?.name === "Comment") next = next.nextSibling;
        if (next?.name !== "VariableName") bareStar = c;
      } else if (bareStar) return at(bareStar, "named arguments must follow bare *");
      continue;
    }
    if (expectName && c.name === "VariableName") {
      expectName = false;
      const name = src.slice(c.from, c.to);
      if (seen.has(name)) return at(c, `duplicate argument '${name}' in function definition`);
      seen.add(name);
      if (prefix) continue;
      if (bareStar) bareStar = null;
      let hasDefault = false;
      for (let d = c.nextSibling; d && d.name !== ","; d = d.nextSibling) {
        if (d.name === "AssignOp") hasDefault = true;
      }
      if (hasDefault) sawDefault = true;
      else if (sawDefault && !keywordOnly) {
        return at(c, "non-default argument follows default argument");
      }
      continue;
    }
    expectName = false;
  }
  return bareStar ? at(bareStar, "named arguments must follow bare *") : null;
}

type ScopeNode = PyNode | null;

/** The function, class or lambda whose scope `node` is in (null: the module). */
function scopeOf(node: PyNode): ScopeNode {
  for (let p = node.parent; p; p = p.parent) {
    if (
      p.name === "FunctionDefinition" ||
      p.name === "ClassDefinition" ||
      p.name === "LambdaExpression"
    ) {
      // A def's parameters and decorators belong to the scope around it, its body to its own.
      if (p.name === "LambdaExpression" || isBodyOf(node, p)) return p;
    }
  }
  return null;
}

function isBodyOf(node: PyNode, def: PyNode): boolean {
  const body = def.lastChild;
  if (body?.name !== "Body") return def.name === "LambdaExpression";
  for (let n: PyNode | null = node; n && n !== def; n = n.parent) if (n === body) return true;
  return false;
}

const isAsync = (def: PyNode | null) => def?.firstChild?.name === "async";

/** The names a `def` or `lambda` takes as parameters. */
function parameterNames(src: string, def: PyNode): Set<string> {
  const names = new Set<string>();
  const list = def.firstChild?.name === "ParamList" ? def.firstChild : childNamed(def, "ParamList");
  let expectName = true;
  for (let c = list?.firstChild; c; c = c.nextSibling) {
    if (c.name === "Comment") continue;
    if (c.name === "," || c.name === "(") expectName = true;
    else if (c.name === "*" || c.name === "**") continue;
    else {
      if (expectName && c.name === "VariableName") names.add(src.slice(c.from, c.to));
      expectName = false;
    }
  }
  return names;
}

/**
 * How `name` is used in `scope` before `end`, as CPython's symbol table has seen it by then:
 * read (`used`), bound (`assigned`), annotated; nested functions, classes, lambdas and
 * comprehensions (scopes of their own) count only by the name they bind; imports are not read.
 */
function usesBefore(
  src: string,
  scopeBody: PyNode,
  end: number,
  name: string,
): { used: boolean; assigned: boolean; annotated: boolean } {
  const found = { used: false, assigned: false, annotated: false };
  const visit = (n: PyNode): void => {
    if (n.from >= end) return;
    switch (n.name) {
      case "FunctionDefinition":
      case "ClassDefinition": {
        const own = childNamed(n, "VariableName");
        if (own && own.from < end && src.slice(own.from, own.to) === name) found.assigned = true;
        return;
      }
      case "LambdaExpression":
      case "ComprehensionExpression":
      case "ArrayComprehensionExpression":
      case "DictionaryComprehensionExpression":
      case "SetComprehensionExpression":
      case "ImportStatement":
      case "ScopeStatement":
        return;
      case "VariableName": {
        if (src.slice(n.from, n.to) !== name) return;
        const p = n.parent;
        const next = n.nextSibling;
        // A keyword argument's name (`f(x=1)`) is no use of x.
        if (p?.name === "ArgList" && next?.name === "AssignOp") return;
        if (p?.name === "AssignStatement" && next?.name === "TypeDef") found.annotated = true;
        else if (isAssigned(n)) found.assigned = true;
        else found.used = true;
        if (p?.name === "UpdateStatement" && p.firstChild === n) found.used = true;
        return;
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(scopeBody);
  return found;
}

/** Whether a name is bound where it stands: an assignment's or a for loop's target. */
function isAssigned(n: PyNode): boolean {
  let top = n;
  while (top.parent && SEQUENCES.has(top.parent.name)) top = top.parent;
  const p = top.parent;
  if (!p) return false;
  if (p.name === "AssignStatement" || p.name === "UpdateStatement") {
    for (let s = top.nextSibling; s; s = s.nextSibling) {
      if (s.name === "AssignOp" || s.name === "UpdateOp") return true;
    }
    return false;
  }
  if (p.name === "ForStatement" || p.name === "WithStatement") {
    const before = top.prevSibling?.name;
    return p.name === "WithStatement" ? before === "as" : sawBefore(top, "for", "in");
  }
  return false;
}

function sawBefore(node: PyNode, open: string, close: string): boolean {
  for (let s = node.prevSibling; s; s = s.prevSibling) {
    if (s.name === close) return false;
    if (s.name === open) return true;
  }
  return false;
}

/** The first error CPython would report in a file whose tree has no syntax error. */
/** The node types the check reads (the fast parser lists them as it builds the tree). */
export const CHECKED: ReadonlySet<string> = new Set([
  "ParamList",
  "AssignStatement",
  "UpdateStatement",
  "DeleteStatement",
  "ForStatement",
  "WithStatement",
  "AwaitExpression",
  "YieldStatement",
  "YieldExpression",
  "DictionaryComprehensionExpression",
  "ArrayComprehensionExpression",
  "SetComprehensionExpression",
  "ImportStatement",
  "ScopeStatement",
  "String",
  "FormatString",
]);

/**
 * The first error CPython would report in a file whose tree has no syntax error. `checked`:
 * the tree's nodes of the CHECKED types, when the parser listed them (the fast path; a walk
 * of every node was a tenth of a lint); without it the tree is walked, error nodes skipped.
 */
export function compileCheck(
  src: string,
  root: PyNode,
  checked?: readonly PyNode[],
): GrammarError | null {
  let first: Problem | null = null;
  /** The async functions whose returns were checked, once one of their yields was seen. */
  const asyncGenerators = new Set<PyNode>();
  const report = (p: Problem | null) => {
    if (p && (!first || p.from < first.from)) first = p;
  };
  // Where the file's backslashes are, found once: only a string holding one has escapes.
  let backslashes: number[] | null = null;
  const hasBackslash = (n: PyNode): boolean => {
    if (backslashes === null) {
      backslashes = [];
      for (let i = src.indexOf("\\"); i !== -1; i = src.indexOf("\\", i + 1)) backslashes.push(i);
    }
    let lo = 0;
    let hi = backslashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((backslashes[mid] as number) < n.from) lo = mid + 1;
      else hi = mid;
    }
    return lo < backslashes.length && (backslashes[lo] as number) < n.to;
  };
  const check = (n: PyNode): void => {
    switch (n.name) {
      case "ParamList":
        report(paramsProblem(src, n));
        break;
      case "AssignStatement": {
        let segment: PyNode[] = [];
        for (let c = n.firstChild; c; c = c.nextSibling) {
          if (c.name === "AssignOp") {
            report(targetProblem(segment, "assign to"));
            segment = [];
          } else if (c.name !== "TypeDef") segment.push(c);
        }
        break;
      }
      case "UpdateStatement": {
        const target = n.firstChild;
        const kind =
          target?.name === "TupleExpression"
            ? "tuple"
            : target?.name === "ArrayExpression"
              ? "list"
              : target && badTarget(target)?.kind;
        if (target && kind) {
          report(at(target, `'${kind}' is an illegal expression for augmented assignment`));
        }
        break;
      }
      case "DeleteStatement":
        report(targetProblem(childrenOf(n).slice(1), "delete"));
        break;
      case "ForStatement": {
        const kids = childrenOf(n);
        const from = kids.findIndex((k) => k.name === "for");
        const to = kids.findIndex((k) => k.name === "in");
        if (from >= 0 && to > from) report(targetProblem(kids.slice(from + 1, to), "assign to"));
        if (kids[0]?.name === "async" && !isAsync(functionOf(n))) {
          report(at(kids[0], "'async for' outside async function"));
        }
        break;
      }
      case "WithStatement":
        if (n.firstChild?.name === "async" && !isAsync(functionOf(n))) {
          report(at(n.firstChild, "'async with' outside async function"));
        }
        break;
      case "AwaitExpression": {
        const fn = scopeOf(n);
        if (!fn || fn.name === "ClassDefinition") report(at(n, "'await' outside function"));
        else if (!isAsync(fn)) report(at(n, "'await' outside async function"));
        break;
      }
      case "YieldStatement":
      case "YieldExpression": {
        const comprehension = comprehensionAround(n);
        if (comprehension) report(at(n, `'yield' inside ${comprehension}`));
        const fn = scopeOf(n);
        if (fn?.name === "FunctionDefinition" && isAsync(fn)) {
          if (childNamed(n, "from")) report(at(n, "'yield from' inside async function"));
          else if (!asyncGenerators.has(fn)) {
            asyncGenerators.add(fn);
            const value = returnWithValue(fn);
            if (value) report(at(value, "'return' with value in async generator"));
          }
        }
        break;
      }
      case "DictionaryComprehensionExpression":
      case "ArrayComprehensionExpression":
      case "SetComprehensionExpression": {
        const first = n.firstChild?.nextSibling;
        if (n.name === "DictionaryComprehensionExpression" && first?.name === "**") {
          report(at(first, "dict unpacking cannot be used in dict comprehension"));
        }
        // A list, set or dict comprehension with `async for` (a generator expression may have
        // one anywhere) needs an async function around it.
        const asyncFor = childNamed(n, "async");
        if (asyncFor && !isAsync(functionOf(n))) {
          report(at(n, "asynchronous comprehension outside of an asynchronous function"));
        }
        break;
      }
      case "ImportStatement":
        if (childNamed(n, "*") && functionOf(n)) {
          report(at(n, "import * only allowed at module level"));
        }
        if (isFutureImport(src, n) && !futureAllowed(src, n)) {
          report(at(n, "from __future__ imports must occur at the beginning of the file"));
        }
        break;
      case "ScopeStatement":
        report(scopeProblem(src, root, n));
        break;
      case "String":
      case "FormatString":
        if (hasBackslash(n)) report(escapeProblem(src, n));
        break;
    }
  };
  if (checked) {
    for (const n of checked) check(n);
    return first;
  }
  // lezer's tree of a file the fast parser declined: where lezer put an error node in valid
  // Python (it misreads `1.`, long comment runs), the shapes around it cannot be trusted.
  let broken = false;
  const visit = (n: PyNode): void => {
    if (n.name === "⚠") {
      broken = true;
      return;
    }
    if (CHECKED.has(n.name)) check(n);
    for (let c = n.firstChild; c && !broken; c = c.nextSibling) visit(c);
  };
  visit(root);
  return broken ? null : first;
}

/** The function (not class) whose body `node` runs in, or null. */
/** CPython's words for the comprehensions, which are scopes of their own for a yield. */
const COMPREHENSIONS: Readonly<Record<string, string>> = {
  ArrayComprehensionExpression: "list comprehension",
  SetComprehensionExpression: "set comprehension",
  DictionaryComprehensionExpression: "dict comprehension",
  ComprehensionExpression: "generator expression",
};

/**
 * The kind of comprehension `node` runs in, inside its function, or null. The first iterable
 * (`[x for x in (yield y)]`) is evaluated in the scope around, so a yield there is the
 * function's own.
 */
function comprehensionAround(node: PyNode): string | null {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (
      p.name === "FunctionDefinition" ||
      p.name === "ClassDefinition" ||
      p.name === "LambdaExpression"
    ) {
      return null;
    }
    const kind = COMPREHENSIONS[p.name];
    if (!kind) continue;
    let firstIterable: PyNode | null = null;
    for (let c = p.firstChild; c; c = c.nextSibling) {
      if (c.name === "in") {
        firstIterable = c.nextSibling;
        break;
      }
    }
    if (child !== firstIterable) return kind;
  }
  return null;
}

/** The first `return <value>` of a function's own body (not of functions or lambdas in it). */
function returnWithValue(fn: PyNode): PyNode | null {
  const visit = (n: PyNode): PyNode | null => {
    if (n.name === "ReturnStatement") {
      const value = n.firstChild?.nextSibling;
      return value && value.name !== "Comment" ? n : null;
    }
    if (
      n.name === "FunctionDefinition" ||
      n.name === "ClassDefinition" ||
      n.name === "LambdaExpression"
    ) {
      return null;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) {
      const found = visit(c);
      if (found) return found;
    }
    return null;
  };
  const body = fn.lastChild;
  return body ? visit(body) : null;
}

function functionOf(node: PyNode): PyNode | null {
  const s = scopeOf(node);
  return s && s.name !== "ClassDefinition" ? s : null;
}

/** `global x` / `nonlocal x` after x is a parameter, read or bound in the same scope. */
function scopeProblem(src: string, root: PyNode, statement: PyNode): Problem | null {
  const kind = statement.firstChild?.name;
  if (kind !== "global" && kind !== "nonlocal") return null;
  const scope = scopeOf(statement);
  const body = scope ? scope.lastChild : root;
  if (!body) return null;
  if (kind === "nonlocal" && scope?.name === "FunctionDefinition" && !boundAround(scope)) {
    const name = childNamed(statement, "VariableName");
    if (name) return at(name, `no binding for nonlocal '${src.slice(name.from, name.to)}' found`);
  }
  const params = scope?.name === "FunctionDefinition" ? parameterNames(src, scope) : new Set();
  for (let c = statement.firstChild; c; c = c.nextSibling) {
    if (c.name !== "VariableName") continue;
    const name = src.slice(c.from, c.to);
    if (params.has(name)) return at(c, `name '${name}' is parameter and ${kind}`);
    const u = usesBefore(src, body, statement.from, name);
    if (u.used) return at(c, `name '${name}' is used prior to ${kind} declaration`);
    if (u.annotated) return at(c, `annotated name '${name}' can't be ${kind}`);
    if (u.assigned) return at(c, `name '${name}' is assigned to before ${kind} declaration`);
  }
  return null;
}

/**
 * Whether a function has a function around it (classes do not count) that may bind names: a
 * `nonlocal` in a function with none around it has no binding to find. Which names the outer
 * function binds is not judged.
 */
function boundAround(def: PyNode): boolean {
  for (let s = scopeOf(def); s; s = scopeOf(s)) if (s.name !== "ClassDefinition") return true;
  return false;
}

/** `from __future__ import ...`. */
function isFutureImport(src: string, n: PyNode): boolean {
  const first = n.firstChild;
  const module = first?.nextSibling;
  return (
    first?.name === "from" &&
    module?.name === "VariableName" &&
    src.slice(module.from, module.to) === "__future__"
  );
}

/** Whether only a docstring, comments and other __future__ imports come before it. */
function futureAllowed(src: string, n: PyNode): boolean {
  const script = n.parent;
  if (script?.name !== "Script" || script.parent !== null) return false;
  let first = true;
  for (let c = script.firstChild; c && c !== n; c = c.nextSibling) {
    if (c.name === "Comment") continue;
    const docstring =
      first &&
      c.name === "ExpressionStatement" &&
      c.firstChild?.name === "String" &&
      c.firstChild === c.lastChild;
    first = false;
    if (docstring) continue;
    if (c.name === "ImportStatement" && isFutureImport(src, c)) continue;
    return false;
  }
  return true;
}

const HEX = /^[0-9A-Fa-f]*$/;

/**
 * A `\x`, `\u`, `\U` or `\N` escape Python cannot decode (`"C:\Users\etl"`: `\U` wants eight
 * hex digits); raw strings have none, bytes only `\x`. Names in `\N{...}` are not looked up.
 */
function escapeProblem(src: string, n: PyNode): Problem | null {
  const text = src.slice(n.from, n.to);
  if (!text.includes("\\")) return null;
  const m = /^([A-Za-z]*)("""|'''|"|')/.exec(text);
  if (!m) return null;
  const prefix = (m[1] ?? "").toLowerCase();
  if (prefix.includes("r")) return null;
  const bytes = prefix.includes("b");
  const start = m[0].length;
  for (let i = text.indexOf("\\", start); i !== -1; i = text.indexOf("\\", i + 2)) {
    const kind = text[i + 1];
    const want = kind === "x" ? 2 : bytes ? 0 : kind === "u" ? 4 : kind === "U" ? 8 : 0;
    const from = n.from + i;
    if (want > 0) {
      const digits = text.slice(i + 2, i + 2 + want);
      if (digits.length < want || !HEX.test(digits)) {
        const form = kind === "x" ? "\\xXX" : kind === "u" ? "\\uXXXX" : "\\UXXXXXXXX";
        const windows =
          kind === "x"
            ? ""
            : ' (a Windows path? write it r"C:\\Users\\..." or with forward slashes)';
        return { from, to: from + 2, detail: `truncated ${form} escape in a string${windows}` };
      }
      if (kind === "U" && Number.parseInt(digits, 16) > 0x10ffff) {
        return { from, to: from + 10, detail: "illegal Unicode character in a \\U escape" };
      }
    } else if (kind === "N" && !bytes && !/^\{[^}\n]+\}/.test(text.slice(i + 2))) {
      return { from, to: from + 2, detail: "malformed \\N character escape in a string" };
    }
  }
  return null;
}
