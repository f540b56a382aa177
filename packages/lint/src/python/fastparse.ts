// A fast path for @lezer/python: a hand-written tokenizer and recursive-descent parser for the
// Python that DAG files are made of, which builds the very tree @lezer/python builds (the same
// node types, positions and nesting, comments included). Anything it is not sure to build
// identically (a syntax error, a lone carriage return, tabs and spaces mixed inconsistently in
// indentation, a match or type statement, a legacy print, ...) makes it give up, and
// @lezer/python parses the file instead, so the analysis never sees a different tree. Tests
// compare both trees node by node, parents and siblings included: test/fastparse.test.ts on
// the lint corpus (as written and indented with tabs), on snippets of every construct and on
// thousands of randomly edited files; test/engines/lint-airflow-examples.test.ts on every
// file of the pinned Airflow wheel. Why: lezer's LR parser ran at about 2 MB/s here, two thirds
// of a lint; this parses the same files about ten times faster (bench/README.md, "Lint").
import { type NodeType, Tree, TreeBuffer } from "@lezer/common";
import { parser } from "@lezer/python";
import { CHECKED } from "./compile-check.js";
import { PyNode } from "./node.js";

/** Parses Python source into @lezer/python's tree: the fast path when it can, else lezer. */
export function parsePython(source: string): Tree {
  return fastParse(source) ?? parser.parse(source);
}

/** The parser after reading the whole file, or null when it declines it. */
function run(source: string): FastParser | null {
  // Line ends are \n or \r\n; a lone \r (or a form feed) is lezer's to read.
  if (source.includes("\f") || (source.includes("\r") && /\r(?!\n)/.test(source))) return null;
  try {
    const p = new FastParser(source);
    p.script();
    return p;
  } catch (e) {
    if (e === DECLINE) return null;
    throw e;
  }
}

/**
 * The fast path as the analysis reads it: the tree as PyNodes, made straight from the parser's
 * nodes (no lezer tree in between), and the Python error the tree hides; null when it declines
 * the file. The same nodes as `pyTree(fastParse(source))` (test/fastparse.test.ts).
 */
export function fastParseNodes(
  source: string,
): { root: PyNode; problem: GrammarError | null; checked: PyNode[] } | null {
  const p = run(source);
  if (!p) return null;
  const buf = p.buf;
  // Type names, and the nodes compile-check.ts reads, listed as they are made (no second walk).
  typeNames ??= parser.nodeSet.types.map((t) => t.name);
  checkedTypes ??= parser.nodeSet.types.map((t) => CHECKED.has(t.name));
  const names = typeNames;
  const isChecked = checkedTypes;
  const checked: PyNode[] = [];
  // Children come before their parent, each node's fourth number the size of its subtree: the
  // subtrees read so far wait on a stack (`depth` deep), with where each starts, until their
  // parent comes. The stack shrinks by its depth, not its length (setting an array's length
  // is a call into V8's runtime, a sixth of this function).
  const stack: PyNode[] = [];
  const starts: number[] = [];
  let depth = 0;
  for (let i = 0; i < buf.length; i += 4) {
    const type = buf[i] as number;
    const node = new PyNode(
      names[type] as string,
      buf[i + 1] as number,
      buf[i + 2] as number,
      null,
    );
    if (isChecked[type]) checked.push(node);
    const start = i + 4 - (buf[i + 3] as number);
    let k = depth;
    while (k > 0 && (starts[k - 1] as number) >= start) k--;
    if (k < depth) adopt(node, stack, k, depth);
    stack[k] = node;
    starts[k] = start;
    depth = k + 1;
  }
  const top = new PyNode(names[T.Script] ?? "Script", 0, source.length, null);
  adopt(top, stack, 0, depth);
  return { root: top, problem: p.problem ?? p.symtableProblem ?? p.compileProblem, checked };
}

let checkedTypes: boolean[] | null = null;
let typeNames: string[] | null = null;

/** Makes `nodes[from..to)` the children of `parent`, in order, linked as siblings. */
function adopt(parent: PyNode, nodes: readonly PyNode[], from: number, to: number): void {
  let prev: PyNode | null = null;
  for (let j = from; j < to; j++) {
    const child = nodes[j] as PyNode;
    child.parent = parent;
    if (prev) {
      prev.nextSibling = child;
      child.prevSibling = prev;
    } else parent.firstChild = child;
    prev = child;
  }
  parent.lastChild = prev;
}

/**
 * Brackets CPython's tokenizer takes inside each other (MAXLEVEL in tokenizer.c): the fast path
 * declines a file that opens more, so a file it accepts needs no other nesting check.
 */
export const MAX_NESTING = 200;

/** The fast parser's nodes, or null when it declines the file. */
export type FastNodes = ReturnType<typeof fastParseNodes>;

/**
 * Whether the `(` at `open` after a `with` starts Python 3.10's parenthesized list of context
 * managers: its `)` is followed by the header's `:`, and an `as` stands inside it, outside any
 * inner bracket (without one, `with (a):` and `with (a, b):` are expressions lezer reads).
 */
export function parenthesizedWithItems(src: string, open: number): boolean {
  let depth = 0;
  let as = false;
  for (let p = open; p < src.length; p++) {
    const c = src.charCodeAt(p);
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (--depth > 0) continue;
      let q = p + 1;
      while (src.charCodeAt(q) === 32 || src.charCodeAt(q) === 9) q++;
      return as && src.charCodeAt(q) === 58;
    } else if (c === 35) {
      while (p < src.length && src.charCodeAt(p) !== 10) p++;
    } else if (c === 34 || c === 39) {
      const triple = src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c;
      p += triple ? 3 : 1;
      for (; p < src.length; p++) {
        const d = src.charCodeAt(p);
        if (d === 92) p++;
        else if (
          d === c &&
          (!triple || (src.charCodeAt(p + 1) === c && src.charCodeAt(p + 2) === c))
        ) {
          if (triple) p += 2;
          break;
        } else if (d === 10 && !triple) return false;
      }
    } else if (
      depth === 1 &&
      c === 97 &&
      src.charCodeAt(p + 1) === 115 &&
      !isWordCode(src.charCodeAt(p - 1)) &&
      !isWordCode(src.charCodeAt(p + 2))
    ) {
      as = true;
    }
  }
  return false;
}

/** Whether a `with` of the source opens Python 3.10's parenthesized list of context managers. */
export function hasParenthesizedWith(source: string): boolean {
  for (const m of source.matchAll(/\bwith\s*\(/g)) {
    if (parenthesizedWithItems(source, m.index + m[0].length - 1)) return true;
  }
  return false;
}

/** A character code that can continue a Python name (ASCII letters, digits, `_`, non-ASCII). */
const isWordCode = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;

/** The fast path alone: null when it declines the file (lezer must parse it). */
export function fastParse(source: string): Tree | null {
  const p = run(source);
  if (!p) return null;
  // A file under 64 KB (nearly every DAG file) becomes one TreeBuffer, whose positions are
  // 16-bit; Tree.build would also split it into balanced subtrees, which only incremental
  // re-parsing uses, and the linter never re-parses.
  let tree: Tree;
  if (source.length <= 0xffff && p.buf.length <= 0xffff) {
    const buffer = new TreeBuffer(toPrefixOrder(p.buf), source.length, parser.nodeSet);
    tree = new Tree(parser.nodeSet.types[T.Script] as NodeType, [buffer], [0], source.length);
  } else {
    tree = Tree.build({
      buffer: p.buf,
      nodeSet: parser.nodeSet,
      topID: T.Script,
      length: source.length,
    });
  }
  const problem = p.problem ?? p.symtableProblem ?? p.compileProblem;
  if (problem) problems.set(tree, problem);
  return tree;
}

/**
 * The parser's nodes (type, from, to, size; children first) as a TreeBuffer's Uint16Array: each
 * node before its children, its fourth number the index after its last descendant.
 */
function toPrefixOrder(postfix: readonly number[]): Uint16Array {
  const out = new Uint16Array(postfix.length);
  let read = postfix.length;
  let write = postfix.length;
  const copy = (): void => {
    read -= 4;
    const at = read;
    const end = write;
    const first = at - ((postfix[at + 3] as number) - 4);
    while (read > first) copy();
    out[--write] = end;
    out[--write] = postfix[at + 2] as number;
    out[--write] = postfix[at + 1] as number;
    out[--write] = postfix[at] as number;
  };
  while (read > 0) copy();
  return out;
}

const DECLINE = new Error("fastparse: declined");

/**
 * What Python's tokenizer says of a number literal that lezer reads without complaint: an
 * underscore not between two digits (`1__0`, `1_`, `1_e5`), a leading zero in a decimal
 * integer (`012`); null when it is fine.
 */
export function numberProblem(text: string): string | null {
  const misplaced = /^0[xX]/.test(text)
    ? /_(?![0-9a-fA-F])|(?<![0-9a-fA-FxX])_/
    : /_(?![0-9])|(?<![0-9oObB])_/;
  if (text.includes("_") && misplaced.test(text)) {
    return "invalid number literal (an underscore must sit between two digits)";
  }
  if (/^0[0-9_]*[1-9][0-9_]*$/.test(text)) {
    return "leading zeros in decimal integer literals are not permitted; use 0o for octal";
  }
  return null;
}

/** An error of Python's that the tree does not show (see FastParser.problem). */
export interface GrammarError {
  readonly from: number;
  readonly to: number;
  readonly detail: string;
}

const problems = new WeakMap<Tree, GrammarError>();

/** The Python error a tree built by the fast path hides, if any (`f(a=1, b)`, `012`, ...). */
export function grammarError(tree: Tree): GrammarError | null {
  return problems.get(tree) ?? null;
}

// What argument() read.
const ARG_POSITIONAL = 0;
const ARG_KEYWORD = 1;
const ARG_STAR = 2;
const ARG_DOUBLE_STAR = 3;
const ARG_GENERATOR = 4;

function id(name: string, nth = 0): number {
  const types = parser.nodeSet.types.filter((t) => t.name === name);
  const type = types[nth];
  if (!type) throw new Error(`@lezer/python has no node type ${name}`);
  return type.id;
}

// Node type ids. Where @lezer/python has several types of one name, the grammar rule is noted.
const T = {
  Script: id("Script"),
  Comment: id("Comment"),
  Escape: id("Escape"),
  AssignStatement: id("AssignStatement"),
  UpdateStatement: id("UpdateStatement"),
  UpdateOp: id("UpdateOp"),
  ExpressionStatement: id("ExpressionStatement"),
  DeleteStatement: id("DeleteStatement"),
  PassStatement: id("PassStatement"),
  BreakStatement: id("BreakStatement"),
  ContinueStatement: id("ContinueStatement"),
  ReturnStatement: id("ReturnStatement"),
  RaiseStatement: id("RaiseStatement"),
  ImportStatement: id("ImportStatement"),
  ScopeStatement: id("ScopeStatement"),
  AssertStatement: id("AssertStatement"),
  StatementGroup: id("StatementGroup"),
  YieldStatement: id("YieldStatement"),
  YieldExpression: id("YieldExpression"),
  AwaitExpression: id("AwaitExpression"),
  NamedExpression: id("NamedExpression"),
  /** AssignOp ":=" of a NamedExpression. */
  WalrusOp: id("AssignOp", 1),
  IfStatement: id("IfStatement"),
  WhileStatement: id("WhileStatement"),
  ForStatement: id("ForStatement"),
  TryStatement: id("TryStatement"),
  WithStatement: id("WithStatement"),
  FunctionDefinition: id("FunctionDefinition"),
  ClassDefinition: id("ClassDefinition"),
  DecoratedStatement: id("DecoratedStatement"),
  Decorator: id("Decorator"),
  At: id("At"),
  Body: id("Body"),
  /** ParamList of a def. */
  ParamList: id("ParamList", 1),
  /** ParamList of a lambda. */
  LambdaParamList: id("ParamList", 0),
  /** TypeDef { ":" test } of a parameter or an annotated assignment. */
  TypeDef: id("TypeDef", 0),
  /** TypeDef { "->" test } of a def. */
  ReturnType: id("TypeDef", 1),
  /** AssignOp "=" of a def's parameter default. */
  ParamAssign: id("AssignOp", 4),
  /** AssignOp "=" of a lambda's parameter default. */
  LambdaParamAssign: id("AssignOp", 0),
  /** AssignOp "=" of a keyword argument. */
  ArgAssign: id("AssignOp", 2),
  /** AssignOp "=" of an assignment statement. */
  StatementAssign: id("AssignOp", 3),
  /** BinaryExpression of bitwise and arithmetic operators (the `expression` rule). */
  Binary: id("BinaryExpression", 0),
  /** BinaryExpression of or, and and comparisons (the `binaryTest` rule). */
  BinaryTest: id("BinaryExpression", 1),
  /** UnaryExpression of + - ~. */
  Unary: id("UnaryExpression", 0),
  /** UnaryExpression of not. */
  UnaryTest: id("UnaryExpression", 1),
  /** ArithOp + - of a BinaryExpression. */
  PlusOp: id("ArithOp", 0),
  /** ArithOp * @ / % // of a BinaryExpression. */
  TimesOp: id("ArithOp", 1),
  /** ArithOp ** of a BinaryExpression. */
  PowerOp: id("ArithOp", 2),
  /** ArithOp + - of a UnaryExpression. */
  PrefixOp: id("ArithOp", 3),
  BitOr: id("BitOp", 0),
  BitXor: id("BitOp", 1),
  BitAnd: id("BitOp", 2),
  Shift: id("BitOp", 3),
  /** BitOp ~ of a UnaryExpression. */
  Tilde: id("BitOp", 4),
  CompareOp: id("CompareOp"),
  ConditionalExpression: id("ConditionalExpression"),
  /** LambdaExpression of `test`. */
  Lambda: id("LambdaExpression", 0),
  /** LambdaExpression of `testNoCond` (a comprehension's if). */
  LambdaNoCond: id("LambdaExpression", 1),
  ParenthesizedExpression: id("ParenthesizedExpression"),
  TupleExpression: id("TupleExpression"),
  ComprehensionExpression: id("ComprehensionExpression"),
  ArrayExpression: id("ArrayExpression"),
  ArrayComprehensionExpression: id("ArrayComprehensionExpression"),
  DictionaryExpression: id("DictionaryExpression"),
  DictionaryComprehensionExpression: id("DictionaryComprehensionExpression"),
  SetExpression: id("SetExpression"),
  SetComprehensionExpression: id("SetComprehensionExpression"),
  CallExpression: id("CallExpression"),
  ArgList: id("ArgList"),
  MemberExpression: id("MemberExpression"),
  PropertyName: id("PropertyName"),
  VariableName: id("VariableName"),
  Number: id("Number"),
  String: id("String"),
  FormatString: id("FormatString"),
  ContinuedString: id("ContinuedString"),
  /** FormatReplacement directly in a FormatString. */
  FormatReplacement: id("FormatReplacement", 0),
  /** FormatReplacement in a FormatSpec. */
  NestedReplacement: id("FormatReplacement", 1),
  FormatSelfDoc: id("FormatSelfDoc", 0),
  NestedSelfDoc: id("FormatSelfDoc", 1),
  FormatConversion: id("FormatConversion"),
  FormatSpec: id("FormatSpec"),
  /** The `{` that starts a FormatReplacement of a FormatString. */
  ReplacementStart: id("{", 0),
  Ellipsis: id("Ellipsis"),
  None: id("None"),
  Boolean: id("Boolean"),
  ParenL: id("("),
  ParenR: id(")"),
  BracketL: id("["),
  BracketR: id("]"),
  BraceL: id("{", 1),
  BraceR: id("}"),
  Comma: id(","),
  Colon: id(":"),
  Semi: id(";"),
  Dot: id("."),
  Star: id("*"),
  StarStar: id("**"),
  AtOp: id("@"),
} as const;

/** The operator node of each BINARY_LEVELS level (* and @ are wrapped in TimesOp apart). */
const BINARY_OPS = [T.BitOr, T.BitXor, T.BitAnd, T.Shift, T.PlusOp, T.TimesOp];

/** Keywords that @lezer/python specializes everywhere an identifier can stand. */
const KEYWORDS = new Map<string, number>(
  (
    "and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield"
  )
    .split(" ")
    .map((k) => [k, id(k)]),
);
KEYWORDS.set("None", T.None);
KEYWORDS.set("True", T.Boolean);
KEYWORDS.set("False", T.Boolean);

/** Each keyword and its node type by the hash the scanner computes over an identifier. */
const KEYWORD_HASHES = new Map<number, { readonly word: string; readonly type: number }>();
for (const [word, type] of KEYWORDS) {
  let h = word.charCodeAt(0);
  for (let i = 1; i < word.length; i++) h = (h * 31 + word.charCodeAt(i)) | 0;
  const other = KEYWORD_HASHES.get(h);
  if (other) throw new Error(`fastparse: keywords ${word} and ${other.word} share a hash`);
  KEYWORD_HASHES.set(h, { word, type });
}

/** Words that @lezer/python treats as keywords at a statement's start only (@extend or external). */
const SOFT_KEYWORDS = new Set(["match", "case", "type", "print"]);

// Token kinds.
const EOF: number = 0;
const NEWLINE: number = 1;
const INDENT: number = 2;
const DEDENT: number = 3;
const NAME: number = 4;
const KEYWORD: number = 5;
const NUMBER: number = 6;
const STRING: number = 7;
const OP: number = 8;

const UPDATE_OPS = new Set("+= -= *= /= //= %= @= &= |= ^= <<= >>= **=".split(" "));
function opTable(ops: string[]): Map<number, string> {
  return new Map(ops.map((o) => [o.charCodeAt(0), o]));
}
/** Operators by their first character: one character; that and "="; doubled; doubled and "=". */
const OPS_SINGLE = opTable("()[]{},:;.@*/%+-|&^~<>=".split(""));
const OPS_EQ = opTable("+= -= *= /= %= @= &= |= ^= <= >= == != :=".split(" "));
const OPS_DOUBLE = opTable(["**", "//", "<<", ">>"]);
const OPS_DOUBLE_EQ = opTable(["**=", "//=", "<<=", ">>="]);

/** Binary operators of `expression` by precedence level, loosest first (lezer's @precedence). */
const BINARY_LEVELS = new Map<string, number>([
  ["|", 0],
  ["^", 1],
  ["&", 2],
  ["<<", 3],
  [">>", 3],
  ["+", 4],
  ["-", 4],
  ["*", 5],
  ["@", 5],
  ["/", 5],
  ["%", 5],
  ["//", 5],
]);

/** Operators that can start an item after a comma ("/" for a def's positional-only marker). */
const START_OPS = new Set(["(", "[", "{", "-", "+", "~", "*", "**", "...", "/"]);
const COMPARE_OPS = new Set(["<", ">", "==", ">=", "<=", "!=", "<>"]);

function isIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 0xa1;
}
function isIdChar(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

class FastParser {
  readonly buf: number[] = [];
  private readonly src: string;
  private readonly len: number;
  /** Where the scanner continues: the end of the lookahead token. */
  private pos = 0;
  /** Bracket depth: inside brackets, line breaks and indentation do not count. */
  private br = 0;
  private readonly indents: number[] = [0];
  /**
   * The same levels with a tab counted as one column: CPython's tokenizer measures both and
   * raises TabError where they disagree on indent, dedent or same level. Such a file is declined
   * (syntax.ts reports the TabError); one that indents with tabs consistently is lezer's tree.
   */
  private readonly altIndents: number[] = [0];
  /** At the start of a logical line (indentation not looked at yet). */
  private lineStart = true;
  /** The end of the last token consumed. */
  private prevEnd = 0;

  // The lookahead token.
  private tt = EOF;
  private ts = 0;
  private te = 0;
  /** Text of NAME, KEYWORD and OP tokens. */
  private tv = "";
  /** Keyword node type of a KEYWORD token. */
  private tk = 0;

  constructor(source: string) {
    this.src = source;
    this.len = source.length;
    this.scan();
  }

  // --- Tokens ---------------------------------------------------------------------------------

  private decline(): never {
    throw DECLINE;
  }

  /**
   * The first error CPython's parser or tokenizer reports that lezer's grammar (and so this
   * tree) lets through: the tree is still built, lezer's, and the linter reports this instead.
   */
  problem: GrammarError | null = null;

  private invalid(from: number, to: number, detail: string): void {
    this.problem ??= { from, to, detail };
  }

  /**
   * Where the parser is, for what CPython's compiler refuses after parsing: `return` and `yield`
   * outside a function (a class body is not one), `break` and `continue` outside a loop's body
   * (its `else` is not in it, a function or class body inside one is not), `nonlocal` with no
   * function around it.
   */
  private inFunction = false;
  private inLoop = false;
  private functions = 0;
  private classes = 0;
  /**
   * CPython reports these only once the whole file parses, so a parse error anywhere wins:
   * first its symbol table's (`nonlocal` with no function around it), then its compiler's.
   */
  symtableProblem: GrammarError | null = null;
  compileProblem: GrammarError | null = null;

  /** Parses a function, class or lambda body, or a loop's, in the context it sets. */
  private within(fn: boolean, loop: boolean, nested: boolean, parse: () => void): void {
    const saved = [this.inFunction, this.inLoop] as const;
    this.inFunction = fn;
    this.inLoop = loop;
    if (nested) this.functions++;
    try {
      parse();
    } finally {
      [this.inFunction, this.inLoop] = saved;
      if (nested) this.functions--;
    }
  }

  /** A statement that is valid only inside a function or a loop, where it is not. */
  private misplaced(from: number, detail: string | null, to = this.prevEnd): void {
    if (detail) this.compileProblem ??= { from, to, detail };
  }

  private leaf(type: number, from: number, to: number): void {
    this.buf.push(type, from, to, 4);
  }

  /** Ends a node begun at buffer index `mark`; comments after its end move out, as in lezer. */
  private finish(type: number, from: number, to: number, mark: number): void {
    const buf = this.buf;
    let k = buf.length;
    while (k > mark && buf[k - 4] === T.Comment && (buf[k - 3] as number) >= to) k -= 4;
    if (k === buf.length) {
      buf.push(type, from, to, k - mark + 4);
      return;
    }
    const moved = buf.splice(k);
    buf.push(type, from, to, k - mark + 4);
    for (const n of moved) buf.push(n);
  }

  /** A comment from `from` to the line's end (before its \r\n or \n); returns that end. */
  private comment(from: number): number {
    let e = this.src.indexOf("\n", from);
    if (e < 0) e = this.len;
    else if (this.src.charCodeAt(e - 1) === 13) e--;
    this.leaf(T.Comment, from, e);
    return e;
  }

  /** Reads the next token into the lookahead; comments on the way go into the buffer. */
  private scan(): void {
    const src = this.src;
    let p = this.pos;
    if (this.lineStart && this.br === 0) {
      for (;;) {
        const ls = p;
        let depth = 0;
        let alt = 0;
        let c = src.charCodeAt(p);
        while (c === 32 || c === 9) {
          depth = c === 9 ? depth + 8 - (depth % 8) : depth + 1;
          alt++;
          c = src.charCodeAt(++p);
        }
        if (c === 10 || c === 13) {
          p += c === 13 ? 2 : 1;
          continue;
        }
        if (c === 35) {
          p = this.comment(p);
          if (p < this.len) p += src.charCodeAt(p) === 13 ? 2 : 1;
          continue;
        }
        if (p >= this.len) {
          if (p !== ls) this.decline();
          if (this.indents.length > 1) {
            this.indents.pop();
            this.altIndents.pop();
            this.token(DEDENT, ls, ls, ls);
            return;
          }
          this.lineStart = false;
          this.token(EOF, this.len, this.len, this.len);
          return;
        }
        const top = this.indents[this.indents.length - 1] as number;
        const altTop = this.altIndents[this.altIndents.length - 1] as number;
        if (depth > top) {
          if (alt <= altTop) this.decline();
          this.indents.push(depth);
          this.altIndents.push(alt);
          this.lineStart = false;
          this.token(INDENT, ls, p, p);
          return;
        }
        if (depth < top) {
          this.indents.pop();
          this.altIndents.pop();
          if (depth > (this.indents[this.indents.length - 1] as number)) this.decline();
          // Stay at the line's start: the next scan dedents again or reads the line.
          this.token(DEDENT, ls, ls, ls);
          return;
        }
        if (alt !== altTop) this.decline();
        this.lineStart = false;
        break;
      }
    }
    for (;;) {
      const c = src.charCodeAt(p);
      if (c === 32 || c === 9) {
        p++;
      } else if (c === 92) {
        if (src.charCodeAt(p + 1) !== 10) this.decline();
        p += 2;
      } else if (c === 35) {
        p = this.comment(p);
      } else if (c === 10 || c === 13) {
        // After a \r\n, lezer's newline token is the \r and the \n a blank line of its own.
        const step = c === 13 ? 2 : 1;
        if (this.br > 0) {
          p += step;
        } else {
          this.lineStart = true;
          this.token(NEWLINE, p, p + 1, p + step);
          return;
        }
      } else {
        break;
      }
    }
    if (p >= this.len) {
      if (this.br > 0) this.decline();
      this.token(EOF, this.len, this.len, this.len);
      return;
    }
    const c = src.charCodeAt(p);
    if (isIdStart(c)) {
      let e = p + 1;
      let h = c;
      for (let d = src.charCodeAt(e); isIdChar(d); d = src.charCodeAt(++e)) h = (h * 31 + d) | 0;
      const q = src.charCodeAt(e);
      if ((q === 34 || q === 39) && e - p <= 2) {
        if (/^(?:[ubrf]|rb|br|rf|fr)$/i.test(src.slice(p, e))) {
          this.token(STRING, p, e, e);
          return;
        }
        this.decline();
      }
      // Keywords by a hash of their characters, so that names need no string of their own.
      const kw = KEYWORD_HASHES.get(h);
      if (kw !== undefined && e - p === kw.word.length && src.startsWith(kw.word, p)) {
        this.tk = kw.type;
        this.tv = kw.word;
        this.token(KEYWORD, p, e, e);
      } else {
        this.tv = "";
        this.token(NAME, p, e, e);
      }
      return;
    }
    if (c === 34 || c === 39) {
      this.token(STRING, p, p, p);
      return;
    }
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(p + 1)))) {
      const e = this.number(p);
      this.token(NUMBER, p, e, e);
      return;
    }
    this.op(p);
  }

  private token(kind: number, from: number, to: number, pos: number): void {
    this.tt = kind;
    this.ts = from;
    this.te = to;
    this.pos = pos;
  }

  /** The end of the Number token at `p` (lezer's Number regex). */
  private number(p: number): number {
    const src = this.src;
    const c1 = src.charCodeAt(p + 1) | 32;
    if (src.charCodeAt(p) === 48 && (c1 === 98 || c1 === 111 || c1 === 120)) {
      let e = p + 2;
      const ok =
        c1 === 98
          ? (c: number) => c === 48 || c === 49
          : c1 === 111
            ? (c: number) => c >= 48 && c <= 55
            : isHex;
      while (src.charCodeAt(e) === 95 || ok(src.charCodeAt(e))) e++;
      if (e === p + 2) this.decline();
      if (isIdChar(src.charCodeAt(e))) this.decline();
      this.checkNumber(p, e);
      return e;
    }
    const digits = (e: number) => {
      while (isDigit(src.charCodeAt(e)) || src.charCodeAt(e) === 95) e++;
      return e;
    };
    let e = p;
    if (src.charCodeAt(e) !== 46) e = digits(e);
    if (src.charCodeAt(e) === 46) {
      if (!isDigit(src.charCodeAt(e + 1))) this.decline();
      e = digits(e + 1);
    }
    const x = src.charCodeAt(e) | 32;
    if (x === 101) {
      let f = e + 1;
      const s = src.charCodeAt(f);
      if (s === 43 || s === 45) f++;
      if (!isDigit(src.charCodeAt(f))) this.decline();
      e = digits(f);
    }
    if ((src.charCodeAt(e) | 32) === 106) e++;
    if (isIdChar(src.charCodeAt(e)) || src.charCodeAt(e) === 46) this.decline();
    this.checkNumber(p, e);
    return e;
  }

  /** Underscores only between digits, and no leading zero in a decimal integer (`012`). */
  private checkNumber(p: number, e: number): void {
    const src = this.src;
    let underscore = false;
    for (let i = p; i < e && !underscore; i++) underscore = src.charCodeAt(i) === 95;
    if (!underscore && (src.charCodeAt(p) !== 48 || e - p < 2)) return;
    const problem = numberProblem(src.slice(p, e));
    if (problem) this.invalid(p, e, problem);
  }

  private op(p: number): void {
    const src = this.src;
    const c = src.charCodeAt(p);
    const c2 = src.charCodeAt(p + 1);
    let v: string | undefined;
    if (c2 === 61) v = OPS_EQ.get(c);
    else if (c === c2) {
      v = OPS_DOUBLE.get(c);
      if (v !== undefined && src.charCodeAt(p + 2) === 61) v = OPS_DOUBLE_EQ.get(c);
      if (c === 46) v = src.charCodeAt(p + 2) === 46 ? "..." : ".";
    } else if (c === 45 && c2 === 62) v = "->";
    else if (c === 60 && c2 === 62) v = "<>";
    else if (c === 33 && (c2 === 115 || c2 === 114 || c2 === 97))
      v = c2 === 115 ? "!s" : c2 === 114 ? "!r" : "!a";
    if (v === undefined) v = OPS_SINGLE.get(c);
    if (v === undefined) this.decline();
    this.tv = v;
    this.token(OP, p, p + v.length, p + v.length);
  }

  /** Consumes the lookahead and reads the next token. */
  private advance(): void {
    // Zero-width tokens (dedent, eof) do not extend the node that takes them, as in lezer.
    if (this.te > this.ts) this.prevEnd = this.te;
    if (this.tt === OP) {
      const c = this.tv.charCodeAt(0);
      if (this.tv.length === 1) {
        if (c === 40 || c === 91 || c === 123) {
          // CPython refuses the 201st bracket inside others: lint.ts finds where (tooDeeplyNested).
          if (++this.br > MAX_NESTING) this.decline();
        } else if (c === 41 || c === 93 || c === 125) this.br--;
      }
    }
    if (this.tt !== EOF) this.scan();
  }

  /** Consumes the lookahead as a leaf node of `type`. */
  private eat(type: number): void {
    this.leaf(type, this.ts, this.te);
    this.advance();
  }

  private isOp(v: string): boolean {
    return this.tt === OP && this.tv === v;
  }
  private isKw(v: string): boolean {
    return this.tt === KEYWORD && this.tv === v;
  }

  private expectOp(v: string, type: number): void {
    if (!this.isOp(v)) this.decline();
    this.eat(type);
  }
  private expectKw(v: string): void {
    if (!this.isKw(v)) this.decline();
    this.eat(this.tk);
  }

  /** Where the source goes on after the lookahead, past spaces. */
  private afterSpaces(): number {
    let p = this.te;
    while (this.src.charCodeAt(p) === 32) p++;
    return p;
  }

  // --- Statements -----------------------------------------------------------------------------

  script(): void {
    while (this.tt !== EOF) this.statement();
  }

  private statement(): void {
    if (this.tt === KEYWORD) {
      switch (this.tv) {
        case "if":
          this.ifStatement();
          return;
        case "while":
          this.whileStatement();
          return;
        case "for":
          this.forStatement();
          return;
        case "try":
          this.tryStatement();
          return;
        case "with":
          this.withStatement();
          return;
        case "def":
          this.functionDefinition(this.buf.length, this.ts);
          return;
        case "class":
          this.classDefinition(this.buf.length, this.ts);
          return;
        case "async":
          this.asyncStatement();
          return;
      }
    } else if (this.isOp("@")) {
      this.decorated();
      return;
    }
    this.simpleStatement();
  }

  private simpleStatement(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.smallStatement();
    if (this.isOp(";")) {
      while (this.isOp(";")) {
        this.eat(T.Semi);
        if (this.tt !== NEWLINE && this.tt !== EOF) this.smallStatement();
      }
      this.endLine();
      this.finish(T.StatementGroup, from, this.prevEnd, mark);
      return;
    }
    this.endLine();
  }

  private endLine(): void {
    if (this.tt === NEWLINE) this.advance();
    else if (this.tt !== EOF) this.decline();
  }

  private smallStatement(): void {
    const mark = this.buf.length;
    const from = this.ts;
    if (this.tt === KEYWORD) {
      switch (this.tv) {
        case "pass":
          this.keywordStatement(T.PassStatement);
          return;
        case "break":
          this.keywordStatement(T.BreakStatement);
          this.misplaced(from, this.inLoop ? null : "'break' outside loop");
          return;
        case "continue":
          this.keywordStatement(T.ContinueStatement);
          this.misplaced(from, this.inLoop ? null : "'continue' not properly in loop");
          return;
        case "return":
          this.eat(this.tk);
          this.misplaced(from, this.inFunction ? null : "'return' outside function");
          if (this.tt !== NEWLINE && this.tt !== EOF && !this.isOp(";"))
            this.commaSep(() => this.testOrStar());
          this.finish(T.ReturnStatement, from, this.prevEnd, mark);
          return;
        case "del":
          this.eat(this.tk);
          this.commaSep(() => this.expression());
          this.finish(T.DeleteStatement, from, this.prevEnd, mark);
          return;
        case "raise":
          this.eat(this.tk);
          if (this.tt !== NEWLINE && this.tt !== EOF && !this.isOp(";")) {
            this.test();
            if (this.isKw("from")) {
              this.eat(this.tk);
              this.test();
            } else if (this.isOp(",")) {
              this.decline();
            }
          }
          this.finish(T.RaiseStatement, from, this.prevEnd, mark);
          return;
        case "global":
        case "nonlocal":
          if (this.tv === "nonlocal" && this.functions === 0) {
            this.eat(this.tk);
            this.symtableProblem ??= {
              from,
              to: this.te,
              detail:
                this.classes > 0
                  ? `no binding for nonlocal '${this.src.slice(this.ts, this.te)}' found`
                  : "nonlocal declaration not allowed at module level",
            };
          } else {
            this.eat(this.tk);
          }
          this.commaSep(() => this.variableName());
          this.finish(T.ScopeStatement, from, this.prevEnd, mark);
          return;
        case "assert":
          this.eat(this.tk);
          this.commaSep(() => this.test());
          this.finish(T.AssertStatement, from, this.prevEnd, mark);
          return;
        case "import":
          this.eat(this.tk);
          this.importedNames();
          this.trailingComma();
          this.finish(T.ImportStatement, from, this.prevEnd, mark);
          return;
        case "from":
          this.fromImport(mark, from);
          return;
        case "yield":
          this.misplaced(from, this.inFunction ? null : "'yield' outside function", this.te);
          this.yieldBody();
          this.finish(T.YieldStatement, from, this.prevEnd, mark);
          return;
      }
    } else if (this.tt === NAME && this.te - this.ts <= 5) {
      const word = this.src.slice(this.ts, this.te);
      if (SOFT_KEYWORDS.has(word) && !this.softKeywordIsName(word)) this.decline();
    }
    this.expressions();
    if (this.tt === OP) {
      const v = this.tv;
      if (v === "=" || v === ":") {
        if (v === ":") this.typeDef();
        while (this.isOp("=")) {
          this.eat(T.StatementAssign);
          if (this.isKw("yield")) this.yieldExpression();
          else this.expressions();
        }
        this.finish(T.AssignStatement, from, this.prevEnd, mark);
        return;
      }
      if (UPDATE_OPS.has(v)) {
        this.eat(T.UpdateOp);
        if (this.isKw("yield")) this.yieldExpression();
        else this.commaSep(() => this.test());
        this.finish(T.UpdateStatement, from, this.prevEnd, mark);
        return;
      }
    }
    this.finish(T.ExpressionStatement, from, this.prevEnd, mark);
  }

  /**
   * Whether `print`, `match`, `case` or `type` at a statement's start is a plain name; if not
   * (`print x`, `match x:`, `type X = ...`), the statement is lezer's to read. lezer's
   * legacyPrint: `print` is a name before "(", ".", a line break or a comment. The others are
   * names before ".", ",", "=" and an annotation's ":" (a `match` or `type` statement has a name
   * or an expression there); `type(` can only be a call, `match(` can be either.
   */
  private softKeywordIsName(word: string): boolean {
    const q = this.afterSpaces();
    const next = this.src.charCodeAt(q);
    const second = this.src.charCodeAt(q + 1);
    if (word === "print") {
      return next === 40 || next === 46 || next === 10 || next === 35 || Number.isNaN(next);
    }
    return (
      next === 46 ||
      next === 44 ||
      ((next === 61 || next === 58) && second !== 61) ||
      (word === "type" && next === 40)
    );
  }

  /** yield: `yield from test` or `yield` and items; a bare `yield` is an error to lezer. */
  private yieldBody(): void {
    this.eat(this.tk);
    if (this.isKw("from")) {
      this.eat(this.tk);
      this.test();
    } else if (this.startsItem()) {
      this.commaSep(() => this.testOrStar());
    } else {
      this.decline();
    }
  }

  private yieldExpression(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.misplaced(from, this.inFunction ? null : "'yield' outside function", this.te);
    this.yieldBody();
    this.finish(T.YieldExpression, from, this.prevEnd, mark);
  }

  private keywordStatement(type: number): void {
    const from = this.ts;
    const mark = this.buf.length;
    this.eat(this.tk);
    this.finish(type, from, this.prevEnd, mark);
  }

  /** commaSep<item>: item ("," item)* ","? — stops before a token that cannot start an item. */
  private commaSep(item: () => void): void {
    item();
    while (this.isOp(",")) {
      this.eat(T.Comma);
      if (!this.startsItem()) return;
      item();
    }
  }

  /** Whether the lookahead can start an expression (or a starred one). */
  private startsItem(): boolean {
    switch (this.tt) {
      case NAME:
      case NUMBER:
      case STRING:
        return true;
      case KEYWORD:
        return (
          this.tv === "None" ||
          this.tv === "True" ||
          this.tv === "False" ||
          this.tv === "not" ||
          this.tv === "lambda" ||
          this.tv === "await" ||
          this.tv === "yield"
        );
      case OP:
        return START_OPS.has(this.tv);
      default:
        return false;
    }
  }

  /** expressions: commaSep<"*" expression | test>. */
  private expressions(): void {
    this.commaSep(() => this.testOrStar());
  }

  private testOrStar(): void {
    if (this.isOp("*")) {
      this.eat(T.Star);
      this.expression();
    } else {
      this.test();
    }
  }

  private variableName(): void {
    if (this.tt !== NAME) this.decline();
    this.eat(T.VariableName);
  }

  private dottedName(): void {
    this.variableName();
    while (this.isOp(".")) {
      this.eat(T.Dot);
      this.variableName();
    }
  }

  private importedNames(): void {
    this.commaSep(() => {
      this.dottedName();
      if (this.isKw("as")) {
        this.eat(this.tk);
        this.variableName();
      }
    });
  }

  /** `import a,` and `from m import a,`: Python wants parentheses around such a list. */
  private trailingComma(): void {
    if (this.src.charCodeAt(this.prevEnd - 1) === 44) {
      this.invalid(
        this.prevEnd - 1,
        this.prevEnd,
        "trailing comma not allowed without surrounding parentheses",
      );
    }
  }

  private fromImport(mark: number, from: number): void {
    this.eat(this.tk);
    let dots = false;
    while (this.isOp(".") || this.isOp("...")) {
      this.eat(this.tv === "." ? T.Dot : T.Ellipsis);
      dots = true;
    }
    if (this.tt === NAME) this.dottedName();
    else if (!dots) this.decline();
    this.expectKw("import");
    if (this.isOp("*")) {
      this.eat(T.Star);
    } else if (this.isOp("(")) {
      this.eat(T.ParenL);
      this.importedNames();
      this.expectOp(")", T.ParenR);
    } else {
      this.importedNames();
      this.trailingComma();
    }
    this.finish(T.ImportStatement, from, this.prevEnd, mark);
  }

  private body(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.expectOp(":", T.Colon);
    if (this.tt === NEWLINE) {
      this.advance();
      if (this.tt !== INDENT) this.decline();
      this.advance();
      do this.statement();
      while (this.tt !== DEDENT && this.tt !== EOF);
      if (this.tt === DEDENT) this.advance();
    } else {
      this.simpleStatement();
    }
    this.finish(T.Body, from, this.prevEnd, mark);
  }

  private elseClause(): void {
    if (this.isKw("else")) {
      this.eat(this.tk);
      this.body();
    }
  }

  private ifStatement(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(this.tk);
    this.testNamed();
    this.body();
    while (this.isKw("elif")) {
      this.eat(this.tk);
      this.testNamed();
      this.body();
    }
    this.elseClause();
    this.finish(T.IfStatement, from, this.prevEnd, mark);
  }

  private whileStatement(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(this.tk);
    this.testNamed();
    this.within(this.inFunction, true, false, () => this.body());
    this.elseClause();
    this.finish(T.WhileStatement, from, this.prevEnd, mark);
  }

  /** `async def`, `async for` or `async with` (only `async def` after decorators), from the async. */
  private asyncStatement(defOnly = false): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(this.tk);
    if (this.isKw("def")) this.functionDefinition(mark, from);
    else if (defOnly) this.decline();
    else if (this.isKw("for")) this.forStatement(mark, from);
    else if (this.isKw("with")) this.withStatement(mark, from);
    else this.decline();
  }

  private forStatement(mark = this.buf.length, from = this.ts): void {
    this.eat(this.tk);
    this.commaSep(() => {
      if (this.isOp("*")) this.eat(T.Star);
      this.expression();
    });
    this.expectKw("in");
    this.commaSep(() => this.test());
    this.within(this.inFunction, true, false, () => this.body());
    this.elseClause();
    this.finish(T.ForStatement, from, this.prevEnd, mark);
  }

  private tryStatement(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(this.tk);
    this.body();
    let handlers = 0;
    while (this.isKw("except")) {
      handlers++;
      this.eat(this.tk);
      if (this.isOp("*")) this.decline();
      if (!this.isOp(":")) {
        this.test();
        if (this.isKw("as")) {
          this.eat(this.tk);
          this.variableName();
        } else if (this.isOp(",")) {
          this.decline();
        }
      }
      this.body();
    }
    // At the end of the file, Python points at the end of the last line.
    const afterBody = this.ts >= this.len ? this.prevEnd : this.ts;
    const withElse = this.isKw("else");
    this.elseClause();
    const withFinally = this.isKw("finally");
    if (withFinally) {
      this.eat(this.tk);
      this.body();
    }
    // No `except`: an error unless a `finally` follows, and `else` needs an `except` anyway.
    if (handlers === 0 && (withElse || !withFinally)) {
      this.invalid(afterBody, afterBody, "expected 'except' or 'finally' block");
    }
    this.finish(T.TryStatement, from, this.prevEnd, mark);
  }

  private withStatement(mark = this.buf.length, from = this.ts): void {
    this.eat(this.tk);
    const item = () => {
      this.test();
      if (this.isKw("as")) {
        this.eat(this.tk);
        this.variableName();
      }
    };
    // `with (A() as a, B() as b):`, Python 3.10's parenthesized form, which black and ruff
    // write for a long header: lezer's grammar lacks it (it reads the parentheses as an
    // expression and recovers from the `as` with error nodes). Its items are read as if the
    // parentheses were not there, which they otherwise mean.
    if (this.isOp("(") && parenthesizedWithItems(this.src, this.ts)) {
      this.eat(T.ParenL);
      this.commaSep(item);
      this.expectOp(")", T.ParenR);
    } else this.commaSep(item);
    this.body();
    this.finish(T.WithStatement, from, this.prevEnd, mark);
  }

  private decorated(): void {
    const mark = this.buf.length;
    const from = this.ts;
    while (this.isOp("@")) {
      const dm = this.buf.length;
      const df = this.ts;
      this.eat(T.At);
      this.dottedName();
      if (this.isOp("(")) this.argList();
      if (this.tt !== NEWLINE) this.decline();
      this.advance();
      this.finish(T.Decorator, df, this.prevEnd, dm);
    }
    if (this.isKw("def")) this.functionDefinition(this.buf.length, this.ts);
    else if (this.isKw("class")) this.classDefinition(this.buf.length, this.ts);
    else if (this.isKw("async")) this.asyncStatement(true);
    else this.decline();
    this.finish(T.DecoratedStatement, from, this.prevEnd, mark);
  }

  private functionDefinition(mark: number, from: number): void {
    this.eat(this.tk);
    this.variableName();
    if (this.isOp("[")) this.decline();
    const pm = this.buf.length;
    const pf = this.ts;
    this.expectOp("(", T.ParenL);
    if (!this.isOp(")")) {
      this.commaSep(() => this.param());
    }
    this.expectOp(")", T.ParenR);
    this.finish(T.ParamList, pf, this.prevEnd, pm);
    if (this.isOp("->")) {
      const tm = this.buf.length;
      const tf = this.ts;
      this.advance();
      this.test();
      this.finish(T.ReturnType, tf, this.prevEnd, tm);
    }
    this.within(true, false, true, () => this.body());
    this.finish(T.FunctionDefinition, from, this.prevEnd, mark);
  }

  private param(): void {
    if (this.isOp("/")) {
      this.advance();
      return;
    }
    if (this.isOp("*") || this.isOp("**")) {
      const star = this.tv === "*";
      this.eat(star ? T.Star : T.StarStar);
      if (this.tt !== NAME) {
        if (star) return;
        this.decline();
      }
      this.variableName();
      if (this.isOp(":")) this.typeDef();
      if (this.isOp("=")) this.decline();
      return;
    }
    this.variableName();
    if (this.isOp(":")) this.typeDef();
    if (this.isOp("=")) {
      this.eat(T.ParamAssign);
      this.test();
    }
  }

  private typeDef(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(T.Colon);
    this.test();
    this.finish(T.TypeDef, from, this.prevEnd, mark);
  }

  private classDefinition(mark: number, from: number): void {
    this.eat(this.tk);
    this.variableName();
    if (this.isOp("[")) this.decline();
    if (this.isOp("(")) this.argList(true);
    this.classes++;
    this.within(false, false, false, () => this.body());
    this.classes--;
    this.finish(T.ClassDefinition, from, this.prevEnd, mark);
  }

  // --- Expressions ----------------------------------------------------------------------------

  /** testNamed: a test, or a NamedExpression `name := test`. */
  private testNamed(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.test();
    if (this.isOp(":=")) {
      this.eat(T.WalrusOp);
      this.test();
      this.finish(T.NamedExpression, from, this.prevEnd, mark);
    }
  }

  /** test: a conditional expression, a lambda or testInner. */
  private test(): void {
    if (this.isKw("lambda")) {
      this.lambda(T.Lambda, () => this.test());
      return;
    }
    const mark = this.buf.length;
    const from = this.ts;
    this.testInner();
    if (this.isKw("if")) {
      this.eat(this.tk);
      this.testInner();
      this.expectKw("else");
      this.test();
      this.finish(T.ConditionalExpression, from, this.prevEnd, mark);
    }
  }

  private testNoCond(): void {
    if (this.isKw("lambda")) {
      this.lambda(T.LambdaNoCond, () => this.testNoCond());
      return;
    }
    this.testInner();
  }

  private lambda(type: number, bodyRule: () => void): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.eat(this.tk);
    const pm = this.buf.length;
    // Without parameters, an empty ParamList where the ":" starts.
    const pf = this.ts;
    if (!this.isOp(":")) {
      for (;;) {
        if (this.isOp("*") || this.isOp("**")) {
          const star = this.tv === "*";
          this.eat(star ? T.Star : T.StarStar);
          if (this.tt === NAME) this.variableName();
          else if (!star) this.decline();
        } else {
          this.variableName();
          if (this.isOp("=")) {
            this.eat(T.LambdaParamAssign);
            this.test();
          }
        }
        if (!this.isOp(",")) break;
        this.eat(T.Comma);
      }
    }
    this.finish(T.LambdaParamList, pf, Math.max(pf, this.prevEnd), pm);
    this.expectOp(":", T.Colon);
    this.within(true, false, true, bodyRule);
    this.finish(type, from, this.prevEnd, mark);
  }

  /** testInner: or, and, not and comparisons over expressions. */
  private testInner(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.andTest();
    while (this.isKw("or")) {
      this.eat(this.tk);
      this.andTest();
      this.finish(T.BinaryTest, from, this.prevEnd, mark);
    }
  }

  private andTest(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.comparison();
    while (this.isKw("and")) {
      this.eat(this.tk);
      this.comparison();
      this.finish(T.BinaryTest, from, this.prevEnd, mark);
    }
  }

  private comparison(): void {
    // `not` takes the whole testInner after it, or and and included (as @lezer/python does).
    if (this.isKw("not")) {
      const mark = this.buf.length;
      const from = this.ts;
      this.eat(this.tk);
      this.testInner();
      this.finish(T.UnaryTest, from, this.prevEnd, mark);
      return;
    }
    const mark = this.buf.length;
    const from = this.ts;
    this.expression();
    for (;;) {
      if (this.tt === OP && COMPARE_OPS.has(this.tv)) {
        this.eat(T.CompareOp);
      } else if (this.isKw("in")) {
        this.eat(this.tk);
      } else if (this.isKw("not")) {
        this.eat(this.tk);
        this.expectKw("in");
      } else if (this.isKw("is")) {
        this.eat(this.tk);
        if (this.isKw("not")) this.eat(this.tk);
      } else {
        return;
      }
      if (this.isKw("not")) this.decline();
      this.expression();
      this.finish(T.BinaryTest, from, this.prevEnd, mark);
    }
  }

  /** expression: bitwise and arithmetic operators, by precedence climbing. */
  private expression(): void {
    this.binary(0);
  }

  /** An expression whose binary operators all bind at `min` or tighter (BINARY_LEVELS). */
  private binary(min: number): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.unary();
    for (;;) {
      if (this.tt !== OP) return;
      const v = this.tv;
      const level = BINARY_LEVELS.get(v);
      if (level === undefined || level < min) return;
      if (v === "*" || v === "@") {
        const om = this.buf.length;
        const of = this.ts;
        this.eat(v === "*" ? T.Star : T.AtOp);
        this.finish(T.TimesOp, of, this.prevEnd, om);
      } else {
        this.eat(BINARY_OPS[level] as number);
      }
      this.binary(level + 1);
      this.finish(T.Binary, from, this.prevEnd, mark);
    }
  }

  private unary(): void {
    if (this.tt === OP && (this.tv === "-" || this.tv === "+" || this.tv === "~")) {
      const mark = this.buf.length;
      const from = this.ts;
      this.eat(this.tv === "~" ? T.Tilde : T.PrefixOp);
      this.unary();
      this.finish(T.Unary, from, this.prevEnd, mark);
      return;
    }
    const mark = this.buf.length;
    const from = this.ts;
    this.trailers();
    if (this.isOp("**")) {
      const om = this.buf.length;
      const of = this.ts;
      this.eat(T.StarStar);
      this.finish(T.PowerOp, of, this.prevEnd, om);
      this.unary();
      this.finish(T.Binary, from, this.prevEnd, mark);
    }
  }

  private trailers(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.atom();
    for (;;) {
      if (this.isOp("(")) {
        this.argList();
        this.finish(T.CallExpression, from, this.prevEnd, mark);
      } else if (this.isOp("[")) {
        this.eat(T.BracketL);
        // commaSep, but an item may start with ":" (`x[a, :]`).
        this.subscriptItem();
        while (this.isOp(",")) {
          this.eat(T.Comma);
          if (this.isOp("]")) break;
          this.subscriptItem();
        }
        this.expectOp("]", T.BracketR);
        this.finish(T.MemberExpression, from, this.prevEnd, mark);
      } else if (this.isOp(".")) {
        this.eat(T.Dot);
        if (this.tt !== NAME) this.decline();
        this.eat(T.PropertyName);
        this.finish(T.MemberExpression, from, this.prevEnd, mark);
      } else {
        return;
      }
    }
  }

  private subscriptItem(): void {
    if (!this.isOp(":")) this.testNamed();
    if (this.isOp(":")) {
      this.eat(T.Colon);
      if (!this.isOp(":") && !this.isOp(",") && !this.isOp("]")) this.testNamed();
      if (this.isOp(":")) {
        this.eat(T.Colon);
        if (!this.isOp(",") && !this.isOp("]")) this.testNamed();
      }
    }
  }

  /** The name of the last keyword argument read. */
  private keywordName = "";

  /** Where the `for` of the last unparenthesized generator argument began. */
  private compForAt = -1;

  /** `(args)` of a call, or of a class (`bases`: CPython takes no generator there). */
  private argList(bases = false): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.expectOp("(", T.ParenL);
    if (!this.isOp(")")) {
      // What CPython checks of the order: nothing positional after `k=v` or `**kw`, no `*it`
      // after `**kw`, and a generator expression only as the sole argument.
      let keyword = false;
      let unpacked = false;
      let count = 0;
      let generator = -1;
      let generatorFor = -1;
      let keywords: string[] | null = null;
      this.commaSep(() => {
        const at = this.ts;
        const kind = this.argument();
        count++;
        if (kind === ARG_GENERATOR) {
          generator = at;
          generatorFor = this.compForAt;
        }
        if (kind === ARG_KEYWORD) {
          keyword = true;
          const name = this.keywordName;
          if (keywords === null) keywords = [name];
          else if (keywords.includes(name)) {
            // CPython's compiler reports it, in source order with `return` outside a function.
            this.compileProblem ??= {
              from: at,
              to: this.prevEnd,
              detail: `keyword argument repeated: ${name}`,
            };
          } else keywords.push(name);
        } else if (kind === ARG_DOUBLE_STAR) unpacked = true;
        else if (kind === ARG_STAR && unpacked) {
          this.invalid(
            at,
            this.prevEnd,
            "iterable argument unpacking follows keyword argument unpacking",
          );
        } else if ((kind === ARG_POSITIONAL || kind === ARG_GENERATOR) && (keyword || unpacked)) {
          this.invalid(
            at,
            this.prevEnd,
            unpacked
              ? "positional argument follows keyword argument unpacking"
              : "positional argument follows keyword argument",
          );
        }
      });
      // `f(x for x in y,)` too: a trailing comma makes it one of several arguments.
      if (generator >= 0 && (count > 1 || this.src.charCodeAt(this.prevEnd - 1) === 44)) {
        this.invalid(generator, generator, "generator expression must be parenthesized");
      } else if (generator >= 0 && bases) {
        // `class C(x for x in y)`: CPython's plain "invalid syntax", at the `for`.
        this.invalid(
          generatorFor,
          generatorFor + 3,
          "a class's bases cannot be a generator expression",
        );
      }
    }
    this.expectOp(")", T.ParenR);
    this.finish(T.ArgList, from, this.prevEnd, mark);
  }

  private argument(): number {
    if (this.isOp("*") || this.isOp("**")) {
      const star = this.tv === "*";
      this.eat(star ? T.Star : T.StarStar);
      this.test();
      return star ? ARG_STAR : ARG_DOUBLE_STAR;
    }
    if (this.tt === NAME) {
      // A keyword argument, `name=test` or `name := test` (one rule in lezer's grammar).
      const q = this.afterSpaces();
      const c = this.src.charCodeAt(q);
      const next = this.src.charCodeAt(q + 1);
      if ((c === 61 && next !== 61) || (c === 58 && next === 61)) {
        const name = this.ts;
        this.variableName();
        const keyword = this.src.slice(name, this.prevEnd);
        this.eat(T.ArgAssign);
        this.test();
        if (this.startsCompFor()) {
          // `f(x=a for a in b)`: CPython's "invalid syntax", on the name and its `=`.
          if (c === 61) {
            this.invalid(name, q + 1, "maybe you meant '==' or ':=' instead of '='?");
          }
          this.compFor();
        }
        // Set after the value, whose own calls set it too.
        this.keywordName = keyword;
        // `name := value` is a positional argument to Python.
        return c === 61 ? ARG_KEYWORD : ARG_POSITIONAL;
      }
    }
    this.test();
    if (this.startsCompFor()) {
      const forAt = this.ts;
      this.compFor();
      // Set after the clauses: a generator argument inside them sets it too.
      this.compForAt = forAt;
      return ARG_GENERATOR;
    }
    return ARG_POSITIONAL;
  }

  private startsCompFor(): boolean {
    return this.tt === KEYWORD && (this.tv === "for" || this.tv === "async");
  }

  private compFor(): void {
    if (this.isKw("async")) this.eat(this.tk);
    this.expectKw("for");
    this.commaSep(() => this.expression());
    this.expectKw("in");
    this.testInner();
    this.compTail();
  }

  private compTail(): void {
    if (this.startsCompFor()) this.compFor();
    else if (this.isKw("if")) {
      this.eat(this.tk);
      this.testNoCond();
      this.compTail();
    }
  }

  /** An item of a list, tuple or set: testNamed or "*" expression. */
  private starOrNamed(): void {
    if (this.isOp("*")) {
      this.eat(T.Star);
      this.expression();
    } else {
      this.testNamed();
    }
  }

  private atom(): void {
    const from = this.ts;
    const mark = this.buf.length;
    switch (this.tt) {
      case NAME:
        this.eat(T.VariableName);
        return;
      case NUMBER:
        this.eat(T.Number);
        return;
      case STRING:
        this.strings();
        return;
      case KEYWORD:
        if (this.tv === "None" || this.tv === "True" || this.tv === "False") {
          this.eat(this.tk);
          return;
        }
        if (this.tv === "await") {
          // AwaitExpression takes the whole expression after it (lezer's grammar gives it no
          // precedence): `await a + b` is await (a + b).
          this.eat(this.tk);
          this.expression();
          this.finish(T.AwaitExpression, from, this.prevEnd, mark);
          return;
        }
        this.decline();
        return;
      case OP:
        break;
      default:
        this.decline();
        return;
    }
    const v = this.tv;
    if (v === "...") {
      this.eat(T.Ellipsis);
      return;
    }
    if (v === "(") {
      this.eat(T.ParenL);
      if (this.isKw("yield")) {
        this.yieldExpression();
        this.expectOp(")", T.ParenR);
        this.finish(T.ParenthesizedExpression, from, this.prevEnd, mark);
        return;
      }
      const type = this.display(")", T.ParenR, T.ParenthesizedExpression, T.TupleExpression);
      this.finish(type ?? T.ComprehensionExpression, from, this.prevEnd, mark);
      return;
    }
    if (v === "[") {
      this.eat(T.BracketL);
      const type = this.display("]", T.BracketR, T.ArrayExpression, T.ArrayExpression);
      this.finish(type ?? T.ArrayComprehensionExpression, from, this.prevEnd, mark);
      return;
    }
    if (v === "{") {
      this.eat(T.BraceL);
      if (this.isOp("}")) {
        this.eat(T.BraceR);
        this.finish(T.DictionaryExpression, from, this.prevEnd, mark);
        return;
      }
      const dict = this.braceItem(null);
      if (this.startsCompFor()) {
        this.compFor();
        this.expectOp("}", T.BraceR);
        this.finish(
          dict ? T.DictionaryComprehensionExpression : T.SetComprehensionExpression,
          from,
          this.prevEnd,
          mark,
        );
        return;
      }
      while (this.isOp(",")) {
        this.eat(T.Comma);
        if (this.isOp("}")) break;
        this.braceItem(dict);
      }
      this.expectOp("}", T.BraceR);
      this.finish(dict ? T.DictionaryExpression : T.SetExpression, from, this.prevEnd, mark);
      return;
    }
    this.decline();
  }

  /**
   * An item of a dict (`k: v`, `**m`) or set (`x`, `*s`) display; returns whether the display is
   * a dict. The first item (`dict` null) decides it; the others must agree.
   */
  private braceItem(dict: boolean | null): boolean {
    if (dict !== false && this.isOp("**")) {
      this.eat(T.StarStar);
      this.expression();
      return true;
    }
    if (dict !== true && this.isOp("*")) {
      this.eat(T.Star);
      this.expression();
      return false;
    }
    this.test();
    if (dict === false || (dict === null && !this.isOp(":"))) return false;
    this.expectOp(":", T.Colon);
    this.test();
    return true;
  }

  /**
   * The items of a tuple or list display after its opening bracket, through the closing one: its
   * node type, `one` for a single item without a comma, `many` otherwise (none included), or
   * null for a comprehension.
   */
  private display(close: string, closeType: number, one: number, many: number): number | null {
    if (this.isOp(close)) {
      this.eat(closeType);
      return many;
    }
    this.starOrNamed();
    if (this.startsCompFor()) {
      this.compFor();
      this.expectOp(close, closeType);
      return null;
    }
    if (this.isOp(close)) {
      this.eat(closeType);
      return one;
    }
    while (this.isOp(",")) {
      this.eat(T.Comma);
      if (this.isOp(close)) break;
      this.starOrNamed();
    }
    this.expectOp(close, closeType);
    return many;
  }

  /** One string, or adjacent strings as a ContinuedString. */
  private strings(): void {
    const mark = this.buf.length;
    const from = this.ts;
    this.string();
    if (this.tt !== STRING) return;
    while (this.tt === STRING) this.string();
    this.finish(T.ContinuedString, from, this.prevEnd, mark);
  }

  /** A string or f-string at the lookahead, with its Escape and FormatReplacement nodes. */
  private string(): void {
    const src = this.src;
    const from = this.ts;
    const mark = this.buf.length;
    let p = this.te;
    const prefix = src.slice(from, p).toLowerCase();
    const raw = prefix.includes("r");
    const format = prefix.includes("f");
    const quote = src.charCodeAt(p);
    const long = src.charCodeAt(p + 1) === quote && src.charCodeAt(p + 2) === quote;
    p += long ? 3 : 1;
    for (;;) {
      const c = src.charCodeAt(p);
      if (p >= this.len) this.decline();
      if (format && c === 123) {
        if (src.charCodeAt(p + 1) === 123) {
          p += 2;
        } else {
          p = this.replacement(p, T.FormatReplacement, T.ReplacementStart, T.FormatSelfDoc);
        }
      } else if (c === 92) {
        if (raw) {
          p += 2;
        } else {
          const e = this.escape(p);
          this.leaf(T.Escape, p, e);
          p = e;
        }
      } else if (
        c === quote &&
        (!long || (src.charCodeAt(p + 1) === quote && src.charCodeAt(p + 2) === quote))
      ) {
        p += long ? 3 : 1;
        break;
      } else if ((c === 10 || c === 13) && !long) {
        this.decline();
      } else {
        p++;
      }
    }
    this.finish(format ? T.FormatString : T.String, from, p, mark);
    this.prevEnd = p;
    this.pos = p;
    this.scan();
  }

  /** The end of the escape sequence at `p` (a backslash), as @lezer/python's tokenizer reads it. */
  private escape(p: number): number {
    const src = this.src;
    if (p + 1 >= this.len) this.decline();
    const ch = src.charCodeAt(p + 1);
    let e = p + 2;
    let n = 0;
    let ok: ((c: number) => boolean) | null = null;
    if (ch === 111) {
      n = 2;
      ok = (c) => c >= 48 && c <= 55;
    } else if (ch === 120) {
      n = 2;
      ok = isHex;
    } else if (ch === 117) {
      n = 4;
      ok = isHex;
    } else if (ch === 85) {
      n = 8;
      ok = isHex;
    } else if (ch === 78) {
      if (src.charCodeAt(e) === 123) {
        e++;
        for (;;) {
          const c = src.charCodeAt(e);
          if (e >= this.len || c === 125 || c === 39 || c === 34 || c === 10) break;
          e++;
        }
        if (src.charCodeAt(e) === 125) e++;
      }
      return e;
    }
    if (ok) for (let i = 0; i < n && ok(src.charCodeAt(e)); i++) e++;
    return e;
  }

  /**
   * A replacement field `{...}` of an f-string at `p`, through its closing brace; returns the
   * position after it.
   */
  private replacement(p: number, type: number, open: number, selfDoc: number): number {
    const mark = this.buf.length;
    this.leaf(open, p, p + 1);
    this.br++;
    this.pos = p + 1;
    this.scan();
    if (this.isKw("yield")) this.decline();
    this.commaSep(() => {
      if (this.isOp("*")) this.eat(T.Star);
      this.test();
    });
    if (this.isOp("=")) this.eat(selfDoc);
    if (this.tt === OP && (this.tv === "!s" || this.tv === "!r" || this.tv === "!a")) {
      this.eat(T.FormatConversion);
    }
    let end: number;
    if (this.isOp(":")) {
      // The format spec is text up to the closing brace, with nested replacement fields.
      const src = this.src;
      const sm = this.buf.length;
      const sf = this.ts;
      this.leaf(T.Colon, sf, sf + 1);
      let q = sf + 1;
      for (;;) {
        const c = src.charCodeAt(q);
        if (q >= this.len) this.decline();
        if (c === 125) break;
        if (c === 123) q = this.replacement(q, T.NestedReplacement, T.BraceL, T.NestedSelfDoc);
        else q++;
      }
      this.finish(T.FormatSpec, sf, q, sm);
      end = q;
    } else {
      if (!this.isOp("}")) this.decline();
      end = this.ts;
    }
    this.leaf(T.BraceR, end, end + 1);
    this.br--;
    this.finish(type, p, end + 1, mark);
    return end + 1;
  }
}
