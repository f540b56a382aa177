import { parser } from "@lezer/python";
import type { Span } from "../finding.js";
import { compileCheck } from "./compile-check.js";
import { PUNCTUATION } from "./dag-args.js";
import { type FastNodes, fastParseNodes } from "./fastparse.js";
import {
  formattedKey,
  pullArguments,
  REMOVED_CONTEXT,
  splitTopLevel,
  templatePulls,
  templatePushes,
  templateSource,
} from "./jinja.js";
import type {
  ArgDict,
  ContextUse,
  CrossDagDependency,
  DagDecl,
  DagFile,
  DagParam,
  DagTask,
  Dependency,
  FunctionFacts,
  Graft,
  GroupDecl,
  ImportDecl,
  ImportedDict,
  ModuleDict,
  ModuleLookup,
  Pull,
  Push,
  TaskString,
  TemplateRef,
  TopLevelCall,
  UnregisteredDag,
} from "./model.js";
import { PyNode, pyTree } from "./node.js";
import { graphNode, taskSetting } from "./queries.js";
import { pythonSyntaxError } from "./syntax.js";
import {
  type CallArguments,
  callArguments,
  childNamed,
  childrenOf as children,
  childrenNamed,
  isStringNode,
  LineIndex,
  stringValue,
  textOf,
  universalNewlines,
} from "./text.js";

/** A name before the `in` of a for statement: what the loop binds, not what it reads. */
function loopTarget(n: PyNode): boolean {
  for (let c = n.nextSibling; c; c = c.nextSibling) if (c.name === "in") return true;
  return false;
}

/** Calls that make a path from the string they start with: pathlib's classes, os.path's joins. */
export const PATH_CALLS =
  /^(?:(?:pathlib\.)?(?:Path|PurePath|PosixPath|PurePosixPath)|(?:os\.path|posixpath)\.(?:join|abspath|normpath|realpath|expanduser))$/;

/**
 * The string literal a path-making call starts from (`Path("/data/x")`), or null; `callee` is
 * the call's callee as a dotted name.
 */
function pathCallString(
  value: PyNode,
  text: (node: PyNode) => string,
  dotted: (node: PyNode | null) => string | null,
  boundString: (name: PyNode) => PyNode | null,
): PyNode | null {
  // `Path("/data") / "raw" / "x.csv"`: the path the left-most operand makes.
  let left = value;
  while (left.name === "BinaryExpression" && left.firstChild) {
    const op = left.firstChild.nextSibling;
    if (op?.name !== "ArithOp" || text(op) !== "/") break;
    left = left.firstChild;
  }
  const callee = left.name === "CallExpression" ? dotted(left.firstChild) : null;
  if (!callee || !PATH_CALLS.test(callee)) return null;
  let first = childNamed(left, "ArgList")?.firstChild?.nextSibling ?? null;
  while (first?.name === "Comment") first = first.nextSibling;
  if (!first) return null;
  // `os.path.join(BASE, "out")`, BASE bound to a string: the path starts from BASE's string.
  return isStringNode(first) ? first : first.name === "VariableName" ? boundString(first) : null;
}

/** Literal collections whose strings a task's function reads through the name bound to them. */
const COLLECTIONS: ReadonlySet<string> = new Set([
  "DictionaryExpression",
  "ArrayExpression",
  "TupleExpression",
]);

type Binding =
  | {
      readonly kind: "tasks";
      readonly endpoints: readonly string[];
      readonly xcomArg: boolean;
      /** For a list or tuple display (`ops = [a, b]`), what each element stands for. */
      readonly elements?: readonly (readonly string[])[];
    }
  | { readonly kind: "dict"; readonly dict: ArgDict }
  | { readonly kind: "dag"; readonly dag: DagDecl }
  | { readonly kind: "string"; readonly node: PyNode };

interface TaskflowFn {
  readonly decorator: string;
  readonly kwargs: Map<string, PyNode>;
  readonly name: string;
}

interface Scope {
  readonly groups: readonly string[];
  /** Id prefix for tasks created here: the innermost prefixing group's full id, or "". */
  readonly prefix: string;
  readonly dag: DagDecl | null;
  readonly inFunction: boolean;
  readonly loop: boolean;
  /**
   * Code here runs exactly once each time the DAG (or group) around it is built: not in a loop,
   * a branch (`if`, `try`, `match`) or a function body that is not a @dag's or @task_group's.
   */
  readonly once: boolean;
  /**
   * Code here runs more than once in the same DAG: in the body of a `for` over a written-out
   * list, tuple or `range` of two or more items, itself run once, with no branch in between.
   */
  readonly repeats: boolean;
  readonly typeChecking: boolean;
  /** The @dag or @task_group function whose body this is (it runs when the file is parsed). */
  readonly within: string | null;
  /**
   * The plain function defined at module level (or in a @dag body) whose body this is: its calls
   * run at parse time when the file calls it there (`CONFIG = load_config()`).
   */
  readonly helper: string | null;
  /** In a class body: its functions are methods, not the module's functions. */
  readonly inClass: boolean;
  /**
   * In a `try` whose `except` catches a failed import (ImportError, ModuleNotFoundError,
   * Exception, a bare except), or in that handler: an import here that fails does not stop the
   * file (`try: from airflow.sdk import DAG` / `except ImportError: from airflow import DAG`);
   * or in an `if` on the Airflow version, which imports by whichever branch runs.
   */
  readonly importGuarded?: boolean;
  /**
   * In the body of a TaskFlow function (or of a function nested in one): it runs when the task
   * runs, where an operator made is no task of the DAG (`BashOperator(...).execute(context)`).
   */
  readonly inTask?: boolean;
}

/** A loop that stores what it makes among the module's names, where Airflow looks for DAGs. */
const KEEPS_IN_MODULE = /\b(?:globals|locals|vars)\s*\(|\bsetattr\s*\(|\bsys\.modules\b/;

/** The outermost `for` or `while` statement around a node, up to the module, or null. */
function outermostLoop(node: PyNode): PyNode | null {
  let loop: PyNode | null = null;
  for (let p = node.parent; p; p = p.parent) {
    if (p.name === "ForStatement" || p.name === "WhileStatement") loop = p;
  }
  return loop;
}

/** An `except` clause's exception types that a failed import is one of. */
const CATCHES_IMPORT =
  /^(?:\(?\s*)?$|\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b/;

/** Decorators that leave a function's body to run when it is called (caches, wraps). */
const TRANSPARENT_DECORATOR = /^(?:functools\.)?(?:cache|lru_cache|wraps)$/;

/** The key of a function in `helperCalls`: where it is defined (a @dag body, or none) and its name. */
export const helperKey = (within: string | null, name: string) => `${within ?? ""}:${name}`;

/**
 * The `helperCalls` key that a call of `name` made in `within` (a @dag body, or null: module
 * level) runs: the function defined in that body, else the module's; null for neither.
 */
export function helperFor(
  helpers: ReadonlyMap<string, unknown>,
  within: string | null,
  name: string,
): string | null {
  const local = helperKey(within, name);
  if (helpers.has(local)) return local;
  return helpers.has(helperKey(null, name)) ? helperKey(null, name) : null;
}

/** Where the function of a `helperCalls` key is defined: its @dag body, or null (the module). */
export const helperScope = (key: string): string | null => key.slice(0, key.indexOf(":")) || null;

const GROUP = "g:";
/**
 * A condition on the Airflow version (`if AIRFLOW_V_3_0_PLUS:`, `if Version(airflow.__version__)
 * >= Version("3")`, or a name bound to such a test): the file imports by whichever branch runs.
 */
const VERSION_CHECK = /version|\bAIRFLOW_V_?\d|\bIS_AIRFLOW_?\d|\bAF_?[23]\b/i;
const MAIN_GUARD = /^__name__\s*==\s*(['"])__main__\1$|^(['"])__main__\2\s*==\s*__name__$/;
/** Operators that run a Python function of the file (`python_callable`) as the task. */
export const PYTHON_OPERATORS: ReadonlySet<string> = new Set([
  "PythonOperator",
  "BranchPythonOperator",
  "ShortCircuitOperator",
  "PythonVirtualenvOperator",
  "ExternalPythonOperator",
  "BranchPythonVirtualenvOperator",
  "BranchExternalPythonOperator",
]);
const NO_XCOM_OPERATORS = new Set(["EmptyOperator", "DummyOperator"]);
/**
 * Context managers that make neither a DAG nor a task group: tasks made inside one belong to
 * whatever DAG encloses it (`with` over any other call the file cannot follow may be a DAG or
 * group factory's, and its tasks are not judged as outside a DAG or against the ids of others).
 */
const NOT_DAG_CONTEXTS: ReadonlySet<string> = new Set([
  "open",
  "suppress",
  "catch_warnings",
  "ExitStack",
  "TemporaryDirectory",
  "NamedTemporaryFile",
  "TemporaryFile",
  "patch",
  "nullcontext",
  "redirect_stdout",
  "redirect_stderr",
  "closing",
  "chdir",
  "Lock",
  "RLock",
  "timer",
]);
/** TaskFlow decorators whose XCom is the function's return value. */
export const RETURNING_DECORATORS: ReadonlySet<string> = new Set([
  "@task",
  "@task.python",
  "@task.virtualenv",
  "@task.external_python",
  "@task.branch",
  "@task.short_circuit",
  "@task.docker",
  "@task.kubernetes",
  "@task.pyspark",
]);
const TASK_CONTEXT_NAMES = new Set(["ti", "task_instance", "context", "kwargs"]);
/** Context variables Airflow 3 no longer passes to task code. */
const REMOVED_CONTEXT_NAMES: ReadonlySet<string> = new Set(REMOVED_CONTEXT);
/** A task argument naming a file that Airflow renders as a template (`template_ext`). */
const TEMPLATE_FILE = /^[^\s{}'"]+\.(sql|hql|sh|bash|json|ya?ml|j2|jinja2?|tpl|txt)$/i;
/** Operators that render no template files: Python's (a `.sql` argument is the callable's). */
const PYTHON_OPERATOR = /^(?:@|\w*Python\w*(?:Operator|Sensor)$|ShortCircuitOperator$)/;

/** Whether mlgen reads the file as the argument's template (TemplateRef.readable). */
function readableTemplate(operator: string, arg: string, name: string): boolean {
  if (PYTHON_OPERATOR.test(operator)) return false;
  const ext = name.slice(name.lastIndexOf(".") + 1).toLowerCase();
  if (ext === "sql") return true;
  if (ext === "hql") return /Hive/.test(operator);
  if (ext !== "sh" && ext !== "bash") return false;
  return arg === "bash_command" || (arg === "command" && operator === "SSHOperator");
}
/** Return annotations that make a TaskFlow task push one XCom per key (a Mapping type). */
const MAPPING_TYPE =
  /^(?:typing\.|collections\.abc\.|collections\.|t\.)?(?:dict|Dict|Mapping|MutableMapping|OrderedDict|DefaultDict|defaultdict|Counter)$/;
const OTHER_TYPE =
  /^(?:typing\.|t\.)?(?:str|int|float|bool|bytes|complex|list|List|tuple|Tuple|set|Set|frozenset|FrozenSet|None|Any|Optional|Union|Sequence|Iterable|Iterator|Generator|Literal|object|XComArg)$/;

/**
 * The nodes a `def` can be inside: the grammar puts one only in a block of statements (and
 * error recovery wraps only skipped tokens), so the search for them skips every expression and
 * simple statement, most of the tree.
 */
const HOLDS_DEFINITIONS: ReadonlySet<string> = new Set([
  "Script",
  "Body",
  "DecoratedStatement",
  "FunctionDefinition",
  "ClassDefinition",
  "IfStatement",
  "WhileStatement",
  "ForStatement",
  "TryStatement",
  "WithStatement",
  "MatchStatement",
  "MatchBody",
  "MatchClause",
  "StatementGroup",
  "⚠",
]);

/**
 * How many times a `for` statement's body runs, when the file spells it out (the items of a
 * list, tuple or set written in the statement); else 0.
 */
function forCount(node: PyNode, constant?: (name: PyNode) => PyNode | undefined): number {
  let iterable: PyNode | null = null;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === "in") iterable = c.nextSibling;
  }
  // `for option in OPTIONS:` over a name bound to a written-out list before the loop.
  if (iterable?.name === "VariableName") iterable = constant?.(iterable) ?? null;
  if (!iterable) return 0;
  if (
    iterable.name === "ArrayExpression" ||
    iterable.name === "TupleExpression" ||
    iterable.name === "SetExpression"
  ) {
    let n = 0;
    for (let c = iterable.firstChild; c; c = c.nextSibling) {
      if (PUNCTUATION.has(c.name) || c.name === "{" || c.name === "}") continue;
      if (c.name === "*" || c.name === "**") return 0;
      n++;
    }
    return n;
  }
  return 0;
}

/** A name bound to a TaskFlow call's result (an XComArg), not to an operator. */
const isXComArg = (b: Binding | undefined) => b?.kind === "tasks" && b.xcomArg;

/**
 * Operator arguments Airflow never renders as templates: the task's docs, and `params` (no
 * operator lists it in template_fields; templates read its values, it holds no template).
 */
const UNRENDERED = new Set(["doc", "doc_md", "doc_rst", "doc_json", "doc_yaml", "params"]);

const lastSegment = (name: string) => name.slice(name.lastIndexOf(".") + 1);

/** The method name of `x.m`, whatever `x` is (`context["ti"].xcom_push` → `xcom_push`). */
const methodOf = (src: string, node: PyNode | null | undefined): string | null => {
  const prop = node?.name === "MemberExpression" ? childNamed(node, "PropertyName") : null;
  return prop ? textOf(src, prop) : null;
};

/** A parenthesized expression's content (`("a" "b")` → the string). */
/** List methods after which an index may name another element than the one written there. */
const LIST_MUTATORS: ReadonlySet<string> = new Set([
  "append",
  "extend",
  "insert",
  "pop",
  "remove",
  "reverse",
  "sort",
  "clear",
  "__setitem__",
  "__delitem__",
]);

const unwrap = (node: PyNode): PyNode => {
  let n = node;
  while (n.name === "ParenthesizedExpression") {
    const inner = children(n).filter((c) => c.name !== "(" && c.name !== ")");
    if (inner.length !== 1 || !inner[0]) break;
    n = inner[0];
  }
  return n;
};

/** The elements of a list or tuple display (a `*` is one of them), or null for another node. */
const displayElements = (node: PyNode): PyNode[] | null => {
  const value = unwrap(node);
  if (value.name !== "ArrayExpression" && value.name !== "TupleExpression") return null;
  return children(value).filter((c) => !PUNCTUATION.has(c.name));
};

/** Literal kinds a value can be written as, which are no Mapping (`[...]`, `"x"`, `1`). */
const WRITTEN_KINDS: Readonly<Record<string, string>> = {
  TupleExpression: "a tuple",
  ArrayExpression: "a list",
  ArrayComprehensionExpression: "a list",
  SetExpression: "a set",
  SetComprehensionExpression: "a set",
  String: "a string",
  ContinuedString: "a string",
  FormatString: "a string",
  Boolean: "a bool",
};

/**
 * What a returned value is written as when it is no Mapping (a tuple, a list, a string, ...),
 * or a dict literal with a key that is no string (`{1: x}`, `{True: x}`); null otherwise.
 */
function writtenKind(source: string, node: PyNode): string | null {
  let value = unwrap(node);
  // A signed number: `-1`, `+0.5`.
  if (value.name === "UnaryExpression" && value.lastChild?.name === "Number") {
    const sign = textOf(source, value).trim()[0];
    if (sign === "-" || sign === "+") value = value.lastChild;
  }
  const kind = WRITTEN_KINDS[value.name];
  if (kind) return kind;
  if (value.name === "Number") return /[.eEjJ]/.test(textOf(source, value)) ? "a float" : "an int";
  if (value.name !== "DictionaryExpression") return null;
  for (let c = value.firstChild; c; c = c.nextSibling) {
    if (c.nextSibling?.name !== ":") continue;
    const key = unwrap(c);
    if (key.name === "None") return "a dict with the key None";
    const what = key.name === "Number" ? "a number" : WRITTEN_KINDS[key.name];
    if (what && what !== "a string") return `a dict with ${what} as a key`;
  }
  return null;
}

/**
 * Whether a return annotation is a Mapping type, as Airflow infers multiple_outputs (the
 * annotation's origin must be a Mapping class: `dict | None` is not); null for a type it
 * cannot judge, such as a user class that may be a TypedDict.
 */
function isMappingAnnotation(annotation: string): boolean | null {
  let t = annotation.trim();
  const quoted = /^(['"])(.*)\1$/s.exec(t);
  if (quoted) t = (quoted[2] ?? "").trim();
  let depth = 0;
  let head = "";
  for (const ch of t) {
    if (ch === "[") depth++;
    else if (ch === "]") depth--;
    else if (depth === 0) {
      if (ch === "|") return false;
      head += ch;
    }
  }
  head = head.trim();
  if (MAPPING_TYPE.test(head)) return true;
  if (OTHER_TYPE.test(head)) return false;
  return null;
}

/** The line feeds in a text. */
function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/** Sensor operator classes by name: `FileSensor`, `TimeDeltaSensorAsync`, `BaseSensorOperator`. */
const SENSOR_CLASS = /Sensor(?:Async|Operator)?$/;

/**
 * Reads one Python file into the DAG facts the rules need. Never throws on bad input. `fastNodes`:
 * the fast parser's nodes of `raw` with universal newlines, when the caller has them already.
 * `modules`: what a module of the project binds a name to, for the dicts the file imports
 * (`from common.defaults import DEFAULT_ARGS`); without it, such a dict is one it cannot read.
 */
export function analyzeDagFile(
  raw: string,
  fastNodes?: FastNodes,
  modules?: ModuleLookup,
): DagFile {
  /** The file's own text; `source` is it and the modules grafted after it (`grafts`). */
  const own = universalNewlines(raw);
  let source = own;
  // A file the fast parser accepts is valid Python; any other is checked (syntax.ts).
  const fast = fastNodes === undefined ? fastParseNodes(own) : fastNodes;
  const root = fast ? fast.root : pyTree(parser.parse(own));
  const lines = new LineIndex(own);
  // undefined: tree-sitter-python is not loaded yet to judge a file lezer parsed.
  const parsed = fast ? fast.problem : pythonSyntaxError(own);
  const syntax = parsed === null ? compileCheck(own, root, fast?.checked) : parsed;
  /** The lines of `source` once modules are grafted (made when asked, again after a graft). */
  let allLines: LineIndex | null = null;
  const linesOf = (node: PyNode): LineIndex => {
    if (node.to <= own.length) return lines;
    allLines ??= new LineIndex(source);
    return allLines;
  };
  const span = (node: PyNode) => linesOf(node).span(node.from, node.to);
  const text = (node: PyNode) => textOf(source, node);

  const dags: DagDecl[] = [];
  /** DAGs a plain `DAG(...)` call makes in a module-level loop, and DAGs a `with` enters. */
  const loopDags: { dag: DagDecl; node: PyNode; loop: PyNode }[] = [];
  /** DAGs a plain `DAG(...)` call makes in a function (a factory's, when it returns them). */
  const functionDags: { dag: DagDecl; node: PyNode }[] = [];
  const enteredDags = new Set<DagDecl>();
  /** Names imported under another name (`from m import Variable as V`): alias → name. */
  const importedAs = new Map<string, string>();
  /** Sensor classes the file defines (subclasses of a sensor), by name. */
  const sensorClasses = new Set<string>();
  /** Operator classes the file defines on BaseOperator: their execute() (null: not readable). */
  const operatorClasses = new Map<string, PyNode | null>();
  const tasks: (Omit<
    DagTask,
    "pushes" | "pushSpans" | "pulls" | "callable" | "dagDecl" | "callArgs"
  > & {
    callArgs: DagTask["callArgs"];
    dagDecl: DagDecl | null;
    callableName: string | null;
    templatePulls: Pull[];
    templatePushes: (string | null)[];
  })[] = [];
  const groups = new Map<string, GroupDecl>();
  /**
   * `[upstream, downstream, the DAG the edge is in (null: not known), the code that sets it,
   * whether it may stand for no real dependency (a path the analysis only approximates)]`.
   */
  const rawEdges: [string, string, DagDecl | null, PyNode | null, boolean][] = [];
  /** Task id → the DAG of the task made last with it, which a name of it refers to. */
  const lastDagOf = new Map<string, DagDecl | null>();
  const imports: ImportDecl[] = [];
  const topLevelCalls: TopLevelCall[] = [];
  const helperCalls = new Map<string, TopLevelCall[]>();
  /**
   * A function defined at module level or in a @dag body (not in a function or class): its key in
   * helperCalls, with no calls yet (a later definition of the name replaces an earlier one).
   */
  /**
   * `name` bound to something else than a plain function (an assignment, a `@task`): calls of it
   * from here on reach no helper of this scope, nor the module's through it.
   */
  const shadowHelper = (scope: Scope, name: string) => {
    if (!scope.inFunction && !scope.inClass) helperCalls.set(helperKey(scope.within, name), []);
  };
  const defineHelper = (scope: Scope, name: string): string | null => {
    if (scope.inFunction || scope.inClass) return null;
    const key = helperKey(scope.within, name);
    helperCalls.set(key, []);
    return key;
  };
  const strings: TaskString[] = [];
  const allStrings: PyNode[] = [];
  const vars = new Map<string, Binding>();
  const created = new Map<number, string[]>();
  /** Task id → the operator of the first task with that id (as a scan of `tasks` finds it). */
  const firstTask = new Map<string, string>();
  const taskflowFns = new Map<string, TaskflowFn>();
  /** @dag functions of the file, by name, with the DAG each builds. */
  const dagFunctions = new Map<string, DagDecl>();
  /** The name node of each @dag function's definition, to tell its calls from the definition. */
  const dagFunctionNames = new Map<string, PyNode>();
  const functionDefs = new Map<string, PyNode>();
  const callCounts = new Map<string, number>();
  const taskGroupFns = new Map<string, string>();
  const constants = new Map<string, PyNode>();
  let dynamicIds = false;
  let edgesIncomplete = false;
  const refusedDependencies: { span: Span; code: string; error: string; hint: string }[] = [];
  let readsTemplateFiles = false;
  const templateRefs: TemplateRef[] = [];
  /** `tg = TaskGroup(...)`: the scope its tasks get (`task_group=tg`, `with tg:`). */
  const groupScopes = new Map<string, Scope>();
  /** Calls of each @task_group function: from the second on, Airflow suffixes its ids. */
  const groupCalls = new Map<string, number>();

  // Every function of the file by name, so callables defined after their use resolve.
  /** Every definition of a name, when the file has more than one (in two DAG functions, say). */
  const sameNamed = new Map<string, PyNode[]>();
  const findDefinitions = (node: PyNode): void => {
    if (node.name === "FunctionDefinition") {
      const name = childNamed(node, "VariableName");
      if (name) {
        const key = text(name);
        const earlier = functionDefs.get(key);
        if (earlier) sameNamed.set(key, [...(sameNamed.get(key) ?? [earlier]), node]);
        functionDefs.set(key, node);
      }
    }
    if (!HOLDS_DEFINITIONS.has(node.name)) return;
    for (let c = node.firstChild; c; c = c.nextSibling) findDefinitions(c);
  };
  findDefinitions(root);

  /**
   * The key of the function `name` means where `at` uses it, as Python resolves it: the
   * definition in the innermost function around `at` (or the module) that defines the name,
   * the last one before `at` there. A name defined once is its own key; one defined in several
   * places gets `name#offset` for the definition meant, so each task reads its own function.
   */
  const functionKey = (name: string, at: PyNode): string => {
    const defs = sameNamed.get(name);
    if (!defs) return name;
    let best: { def: PyNode; depth: number } | null = null;
    for (const def of defs) {
      const home = enclosingFunction(def);
      if (home && !(home.from <= at.from && at.to <= home.to)) continue;
      const depth = home ? home.from + 1 : 0;
      if (!best || depth > best.depth || (depth === best.depth && def.from <= at.from)) {
        best = { def, depth };
      }
    }
    if (!best) return name;
    const key = `${name}#${best.def.from}`;
    functionDefs.set(key, best.def);
    return key;
  };

  /** A lambda given as a python_callable, read as a function of the file under its own key. */
  const lambdaKey = (node: PyNode): string => {
    const key = `<lambda>#${node.from}`;
    functionDefs.set(key, node);
    return key;
  };

  /** `a.b.c` for names and attribute chains; null for anything computed. */
  const dotted = (node: PyNode | null): string | null => {
    if (!node) return null;
    if (node.name === "VariableName") return text(node);
    if (node.name === "MemberExpression") {
      const prop = childNamed(node, "PropertyName");
      const base = dotted(node.firstChild);
      return prop && base ? `${base}.${text(prop)}` : null;
    }
    return null;
  };

  /**
   * The callee as written, inner calls as `(...)`: `PostgresHook(...).get_records`; a name
   * imported under another (`Variable as V`) by the name it was imported as.
   */
  const calleeText = (node: PyNode | null): string | null => {
    if (!node) return null;
    if (node.name === "VariableName") {
      const name = text(node);
      return importedAs.get(name) ?? name;
    }
    if (node.name === "CallExpression") {
      const inner = calleeText(node.firstChild);
      return inner && `${inner}(...)`;
    }
    if (node.name === "MemberExpression") {
      const base = calleeText(node.firstChild);
      const prop = childNamed(node, "PropertyName");
      return base && (prop ? `${base}.${text(prop)}` : `${base}[...]`);
    }
    return null;
  };

  const parseArgs = (argList: PyNode | null): CallArguments => callArguments(source, argList);

  /** The modules grafted after the file's text in `source`, and the last line of `source`. */
  const grafts: Graft[] = [];
  let lastLine = newlines(own) + 1;
  /**
   * A module's text appended to `source`, and the nodes of its dict copied there (with the
   * dicts and arguments that hold them, for the rules that read a value's key beside it).
   */
  const graft = (found: ModuleDict, name: string, module: string, at: Span): ArgDict => {
    const delta = source.length + 1;
    source = `${source}\n${found.source}`;
    allLines = null;
    const line = lastLine + 1;
    lastLine = line + newlines(found.source);
    grafts.push({ file: found.file, line, endLine: lastLine, at, name, module });
    for (const g of found.grafts) {
      grafts.push({ ...g, line: g.line + line - 1, endLine: g.endLine + line - 1, at: null });
    }
    const copies = new Map<PyNode, PyNode>();
    const copy = (n: PyNode, parent: PyNode | null): PyNode => {
      const c = new PyNode(n.name, n.from + delta, n.to + delta, parent);
      copies.set(n, c);
      let prev: PyNode | null = null;
      for (let k = n.firstChild; k; k = k.nextSibling) {
        const kc = copy(k, c);
        if (prev) {
          prev.nextSibling = kc;
          kc.prevSibling = prev;
        } else c.firstChild = kc;
        prev = kc;
      }
      c.lastChild = prev;
      return c;
    };
    const node = copy(found.dict.node, null);
    const copied = (n: PyNode): PyNode => {
      if (!copies.has(n)) copy(n.parent ?? n, null);
      return copies.get(n) as PyNode;
    };
    const entries = new Map<string, PyNode>();
    for (const [key, value] of found.dict.entries) entries.set(key, copied(value));
    return { entries, open: found.dict.open, node };
  };

  /**
   * The modules and names a name or `module.name` the file reads may be imported as, the one
   * Python binds first (of imports in a `try` and its handler, the `try`'s first); none for a
   * name the file binds itself, a function's parameter, or a name it does not import.
   */
  const importRefs = (node: PyNode): { module: string; name: string }[] => {
    const written = dotted(node);
    if (written === null) return [];
    const cut = written.lastIndexOf(".");
    const head = written.split(".")[0] ?? written;
    // Bound by the file itself, but by the assignment reading it (`ARGS = {**ARGS, ...}`).
    const bound = constants.get(head);
    if (bound && !(bound.from <= node.from && node.to <= bound.to)) return [];
    for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
      const params = childrenNamed(childNamed(fn, "ParamList"), "VariableName");
      if (params.some((p) => p.prevSibling?.name !== "AssignOp" && text(p) === head)) return [];
    }
    const refs: { module: string; name: string; guarded: boolean }[] = [];
    if (cut < 0) {
      for (const i of imports) {
        if (i.name !== null && i.name !== "*" && (i.as ?? i.name) === written) {
          refs.push({ module: i.module, name: i.name, guarded: i.guarded === true });
        }
      }
      // `from common.defaults import *`: the last such import that may hold it.
      const star = imports.filter((i) => i.name === "*").at(-1);
      if (refs.length === 0 && star)
        refs.push({ module: star.module, name: written, guarded: false });
    } else {
      const base = written.slice(0, cut);
      const name = written.slice(cut + 1);
      for (const i of imports) {
        const module =
          i.name === null
            ? (i.as ?? i.module) === base
              ? i.module
              : null
            : i.name !== "*" && (i.as ?? i.name) === base
              ? `${i.module}${i.module.endsWith(".") ? "" : "."}${i.name}`
              : null;
        if (module !== null) refs.push({ module, name, guarded: i.guarded === true });
      }
    }
    // The last plain import binds the name; of guarded ones, the first that works.
    const plain = refs.filter((r) => !r.guarded).at(-1);
    return plain ? [plain] : refs;
  };

  /** Reference → the dict it names in a module of the project, or why not (one graft each). */
  const importedDicts = new Map<PyNode, { dict: ArgDict | null; use: ImportedDict }>();
  /** A module read awaits tree-sitter-python's verdict on its syntax (ModuleLookup). */
  let modulesUnchecked = false;
  /** The dicts of other modules a dict bound to a name reads. */
  const dictUses = new WeakMap<ArgDict, readonly ImportedDict[]>();
  const importedDict = (node: PyNode): { dict: ArgDict | null; use: ImportedDict } | null => {
    const known = importedDicts.get(node);
    if (known) return known;
    const refs = importRefs(node);
    if (refs.length === 0) return null;
    let out: { dict: ArgDict | null; use: ImportedDict } | null = null;
    const at = span(node);
    const name = text(node).replace(/\s+/g, "");
    for (const { module, name: imported } of refs) {
      const found = modules
        ? modules(module, imported)
        : { unread: "lint was given the file's text alone, not the folder its modules are in" };
      const use = { name, module, span: at, file: found.file ?? null };
      if ("dict" in found) {
        const dict = graft(found, name, module, at);
        const partly = found.partly === undefined ? {} : { partly: found.partly };
        out = { dict, use: { ...use, unread: null, ...partly } };
        break;
      }
      if (found.unchecked) modulesUnchecked = true;
      out ??= { dict: null, use: { ...use, unread: found.unread } };
    }
    if (out) importedDicts.set(node, out);
    return out;
  };

  /** The dicts of modules an expression reads, through names bound to dicts too. */
  const usesIn = (node: PyNode | null | undefined, out: ImportedDict[] = []): ImportedDict[] => {
    if (!node) return out;
    const found = importedDicts.get(node);
    if (found) {
      if (!out.includes(found.use)) out.push(found.use);
      return out;
    }
    if (node.name === "VariableName") {
      const b = vars.get(text(node));
      for (const u of (b?.kind === "dict" && dictUses.get(b.dict)) || []) {
        if (!out.includes(u)) out.push(u);
      }
      return out;
    }
    for (let c = node.firstChild; c; c = c.nextSibling) usesIn(c, out);
    return out;
  };

  const dictOf = (node: PyNode | undefined | null): ArgDict | null => {
    if (!node) return null;
    if (node.name === "VariableName") {
      const b = vars.get(text(node));
      if (b) return b.kind === "dict" ? b.dict : null;
      // `from common.defaults import DEFAULT_ARGS`: the module's dict, when it has one.
      return importedDict(node)?.dict ?? null;
    }
    if (node.name === "MemberExpression") return importedDict(node)?.dict ?? null;
    if (node.name === "DictionaryExpression") {
      const entries = new Map<string, PyNode>();
      let open = false;
      const parts = children(node).filter(
        (c) => c.name !== "{" && c.name !== "}" && c.name !== "Comment",
      );
      for (let i = 0; i < parts.length; i++) {
        const c = parts[i] as PyNode;
        if (c.name === "**") {
          // `{**BASE, "retries": 3}` with BASE a dict the file shows in full: BASE's entries.
          const spread = dictOf(parts[i + 1]);
          if (spread && !spread.open) {
            for (const [k, v] of spread.entries) entries.set(k, v);
            i++;
          } else {
            open = true;
          }
          continue;
        }
        if (c.name === ",") continue;
        if (parts[i + 1]?.name === ":") {
          const key = stringValue(source, c);
          const value = parts[i + 2];
          if (key === null) open = true;
          else if (value) entries.set(key, value);
          i += 2;
        }
      }
      return { entries, open, node };
    }
    if (node.name === "CallExpression" && dotted(node.firstChild) === "dict") {
      const args = parseArgs(childNamed(node, "ArgList"));
      // `dict(BASE, retries=3)` with BASE a dict the file shows in full: BASE's entries first.
      const base = args.positional.length === 1 ? dictOf(args.positional[0]) : null;
      if (base && !base.open && !args.splat) {
        return { entries: new Map([...base.entries, ...args.kwargs]), open: false, node };
      }
      return {
        entries: args.kwargs,
        open: args.splat || args.positional.length > 0,
        node,
      };
    }
    // `COMMON | ALERTING` (Python 3.9): the right one's entries win.
    if (node.name === "BinaryExpression" && text(childNamed(node, "BitOp") ?? node) === "|") {
      const left = dictOf(node.firstChild);
      const right = dictOf(node.lastChild);
      if (!left || !right) return null;
      return {
        entries: new Map([...left.entries, ...right.entries]),
        open: left.open || right.open,
        node,
      };
    }
    if (node.name === "ParenthesizedExpression" && unwrap(node) !== node)
      return dictOf(unwrap(node));
    return null;
  };

  /** Task ids (or `g:` group ids) an expression stands for, as `>>` and chain() use them. */
  const endpoints = (node: PyNode | null | undefined): string[] => {
    if (!node) return [];
    switch (node.name) {
      case "VariableName": {
        const b = vars.get(text(node));
        return b?.kind === "tasks" ? [...b.endpoints] : [];
      }
      case "CallExpression": {
        const fn = node.firstChild;
        const method = fn?.name === "MemberExpression" ? methodOf(source, fn) : null;
        // `td.as_teardown(...)` and `s.as_setup()` stand for the task itself.
        if (method === "as_teardown" || method === "as_setup") return endpoints(fn?.firstChild);
        const group = taskGroupFns.get(rootName(fn) ?? "");
        return created.get(node.from) ?? (group ? [GROUP + group] : []);
      }
      case "ArrayExpression":
      case "TupleExpression":
      case "ParenthesizedExpression":
      case "SetExpression":
        return children(node).flatMap(endpoints);
      case "BinaryExpression": {
        const op = childNamed(node, "BitOp");
        if (!op || (text(op) !== ">>" && text(op) !== "<<")) return [];
        // `a >> Label("why") >> b`: an edge label stands for the task before it.
        return isEdgeLabel(node.lastChild) ? endpoints(node.firstChild) : endpoints(node.lastChild);
      }
      case "MemberExpression": {
        // `ops[1]` of a list or tuple display bound to `ops`: that element only.
        const element = indexedElement(node);
        return element ? [...element] : endpoints(node.firstChild);
      }
      default:
        return [];
    }
  };

  /** What each element of a list or tuple display stands for; null with a `*rest`. */
  const elementEndpoints = (node: PyNode): string[][] | null => {
    const parts = displayElements(node);
    if (!parts || parts.some((c) => c.name === "*")) return null;
    return parts.map((c) => endpoints(c));
  };

  /** After a change to the list bound to this name, `ops[i]` stands for all its tasks again. */
  const forgetElements = (node: PyNode | null | undefined) => {
    const b = node?.name === "VariableName" ? vars.get(text(node)) : undefined;
    if (node && b?.kind === "tasks" && b.elements) {
      vars.set(text(node), { kind: "tasks", endpoints: b.endpoints, xcomArg: b.xcomArg });
    }
  };

  /** `ops[1]`, `ops[-1]`: the element's tasks, when `ops` is bound to a list or tuple display. */
  const indexedElement = (node: PyNode): readonly string[] | null => {
    const base = node.firstChild;
    if (base?.name !== "VariableName" || base.nextSibling?.name !== "[") return null;
    const b = vars.get(text(base));
    if (b?.kind !== "tasks" || !b.elements) return null;
    const index = base.nextSibling.nextSibling;
    if (index?.nextSibling?.name !== "]") return null;
    const m = /^(-?)\s*(\d+)$/.exec(text(index));
    if (!m) return null;
    const i = Number(m[2]);
    const at = m[1] ? b.elements.length - i : i;
    return b.elements[at] ?? null;
  };

  /** `Label("...")` (an EdgeModifier) between tasks in a `>>` chain, imported under any name. */
  const isEdgeLabel = (node: PyNode | null) => {
    if (node?.name !== "CallExpression") return false;
    const callee = dotted(node.firstChild) ?? "";
    const name = lastSegment(importedAs.get(callee) ?? callee);
    return name === "Label" || name === "EdgeModifier";
  };

  /**
   * The DAG of a dependency between these tasks: that of the latest task made with one of the
   * ids (a name stands for the task last bound to it; Airflow links tasks of one DAG only).
   */
  const edgeDag = (ids: readonly string[]): DagDecl | null => {
    for (const id of ids) {
      const dag = lastDagOf.get(id);
      if (dag) return dag;
    }
    return null;
  };
  const connect = (
    up: readonly string[],
    down: readonly string[],
    at: PyNode | null = null,
    approximate = false,
  ) => {
    if (up.length === 0 || down.length === 0) return;
    const dag = edgeDag(up) ?? edgeDag(down);
    for (const a of up) {
      for (const b of down) {
        rawEdges.push([a, b, dag, at, approximate]);
        // Tasks of two DAGs: Airflow refuses the dependency when the file is parsed.
        const da = lastDagOf.get(a);
        const db = lastDagOf.get(b);
        if (at && !approximate && da && db && da !== db && da.id !== null && db.id !== null) {
          crossDag.push({ up: a, down: b, upDag: da.id, downDag: db.id, at: span(at) });
        }
      }
    }
  };
  /** Dependencies set between tasks of two DAGs, as they are set. */
  const crossDag: CrossDagDependency[] = [];
  /** A dependency whose operand stands for no task we know: `edges` may miss some. */
  /** Teardown task id → its setup tasks' ids, from `as_teardown(setups=...)`. */
  const teardownSetups = new Map<string, string[]>();
  /**
   * `as_teardown(...)` calls in order: the task, its DAG, and the on_failure_fail_dagrun given
   * (null: no literal; undefined: none given or None, which leaves it as it was).
   */
  const teardownCalls: [string, DagDecl | null, boolean | null | undefined][] = [];
  const dependsOn = (operands: readonly (readonly string[])[], splat = false) => {
    if (splat || operands.some((o) => o.length === 0)) edgesIncomplete = true;
  };
  /** Names last bound to the result of a call that made no task we know (a factory's task?). */
  const callBound = new Set<string>();
  /**
   * An operand of a dependency that is the result of a call the analysis cannot read
   * (`make_load_task("users", dag=dag)`, imported from a helper module): it may be a task
   * whose id the file does not show, so checks that need every id hold back.
   */
  const opaqueOperands = (nodes: readonly (PyNode | null | undefined)[]): void => {
    const opaque = (n: PyNode | null | undefined): boolean => {
      if (!n) return false;
      switch (n.name) {
        case "VariableName":
          return callBound.has(text(n));
        case "CallExpression": {
          if (endpoints(n).length > 0 || isEdgeLabel(n)) return false;
          // A function of this file (its tasks were read where it is defined), or XComArg(op).
          const callee = rootName(n.firstChild);
          return !(callee && (functionDefs.has(callee) || callee === "XComArg"));
        }
        case "ArrayExpression":
        case "TupleExpression":
        case "ParenthesizedExpression":
          return children(n).some(opaque);
        default:
          return false;
      }
    };
    if (nodes.some(opaque)) dynamicIds = true;
  };

  /** Ids of tasks an argument tree hands over as data (TaskFlow results, `op.output`). */
  const dataSources = (node: PyNode, taskflowArgs: boolean): string[] => {
    const out: string[] = [];
    const visit = (n: PyNode) => {
      // An XComArg in an f-string becomes its Jinja pull text: no dependency (xcomArgPulls
      // records the pull).
      if (n.name === "FormatString") return;
      if (n.name === "VariableName") {
        const b = vars.get(text(n));
        if (b?.kind === "tasks" && (taskflowArgs || b.xcomArg)) out.push(...b.endpoints);
      } else if (n.name === "MemberExpression" && text(n).endsWith(".output")) {
        out.push(...endpoints(n.firstChild));
      } else if (n.name === "CallExpression" && created.has(n.from)) {
        out.push(...(created.get(n.from) ?? []));
        return;
      } else if (
        n.name === "CallExpression" &&
        lastSegment(dotted(n.firstChild) ?? "") === "XComArg"
      ) {
        out.push(...endpoints(parseArgs(childNamed(n, "ArgList")).positional[0]));
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    visit(node);
    return out;
  };

  /**
   * The XComs an argument tree reads as objects rather than templates: `op.output["key"]`,
   * `op.output` (its return value) and `XComArg(op, key=...)`.
   */
  const xcomArgPulls = (node: PyNode): Pull[] => {
    const out: Pull[] = [];
    const pull = (source: PyNode | null | undefined, key: string | null, at: PyNode) => {
      const ids = endpoints(source);
      if (ids.length === 0 || ids.some((i) => i.startsWith(GROUP))) return;
      out.push({
        taskIds: ids,
        key,
        otherDag: false,
        otherRuns: false,
        span: span(at),
        inTemplate: false,
        ownTask: false,
      });
    };
    /** In an f-string, str() of an XComArg is `{{ task_instance.xcom_pull(...) }}`. */
    const inFormat = (n: PyNode) => {
      if (n.name === "VariableName" && isXComArg(vars.get(text(n)))) {
        pull(n, "return_value", n);
      } else if (n.name === "MemberExpression" && methodOf(source, n) === "output") {
        pull(n.firstChild, "return_value", n);
        return;
      }
      for (let c = n.firstChild; c; c = c.nextSibling) inFormat(c);
    };
    const visit = (n: PyNode) => {
      if (n.name === "FormatString") {
        for (let c = n.firstChild; c; c = c.nextSibling) inFormat(c);
        return;
      }
      if (n.name === "MemberExpression" && childNamed(n, "[")) {
        const base = n.firstChild;
        if (base?.name === "MemberExpression" && methodOf(source, base) === "output") {
          const key = childNamed(n, "String");
          pull(base.firstChild, key ? stringValue(source, key) : null, n);
          return;
        }
        // A TaskFlow result indexed by a key (`split()["train"]`, `cfg["lr"]`): the XCom of
        // that key, which only a multiple_outputs task pushes (else XComNotFound at run time).
        const taskflowResult =
          (base?.name === "VariableName" && isXComArg(vars.get(text(base)))) ||
          (base?.name === "CallExpression" && taskflowFns.has(rootName(base.firstChild) ?? ""));
        const key = childNamed(n, "String");
        if (taskflowResult && key) {
          pull(base, stringValue(source, key), n);
          return;
        }
      }
      // A TaskFlow result passed as it is (`consume(extract())`, `consume(data)`): its return
      // value, None at run time when the task pushes none (do_xcom_push=False, no return).
      if (
        (n.name === "VariableName" && isXComArg(vars.get(text(n)))) ||
        (n.name === "CallExpression" &&
          taskflowFns.has(rootName(n.firstChild) ?? "") &&
          (created.get(n.from) ?? []).length > 0)
      ) {
        pull(n, "return_value", n);
        return;
      }
      // `op.output` alone (also `op.output.map(fn)`) is op's return value, as XComArg(op) is:
      // None at run time when op pushes none (do_xcom_push=False, an EmptyOperator).
      if (n.name === "MemberExpression" && methodOf(source, n) === "output") {
        pull(n.firstChild, "return_value", n);
        return;
      }
      if (n.name === "CallExpression" && lastSegment(dotted(n.firstChild) ?? "") === "XComArg") {
        const args = parseArgs(childNamed(n, "ArgList"));
        const keyNode = args.kwargs.get("key") ?? args.positional[1];
        pull(args.positional[0], keyNode ? stringValue(source, keyNode) : "return_value", n);
        return;
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    visit(node);
    return out;
  };

  /** The string a module-level name is bound to (`BASE = "/data"`), or null. */
  const boundString = (name: PyNode): PyNode | null => {
    const b = vars.get(text(name));
    return b?.kind === "string" ? b.node : null;
  };

  /** Literal string arguments (and strings bound to names they use) for hardcoded-path. */
  const collectStrings = (taskId: string, where: string, node: PyNode) => {
    const visit = (n: PyNode) => {
      if (isStringNode(n)) {
        strings.push({ task: taskId, where, node: n });
        if (n.name !== "FormatString") return;
      }
      if (n.name === "VariableName") {
        const b = vars.get(text(n));
        if (b?.kind === "string") strings.push({ task: taskId, where, node: b.node });
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    visit(node);
  };

  /** String literals in an argument, and those bound at module level to names it uses. */
  const stringsIn = (node: PyNode): PyNode[] => {
    const out: PyNode[] = [];
    const followed = new Set<number>();
    const visit = (n: PyNode) => {
      if (n.name === "String" || n.name === "FormatString") out.push(n);
      if (n.name === "VariableName") {
        const b = vars.get(text(n));
        // Each binding once: `A = f"{B}"` and `B = f"{A}"` must not loop.
        if (b?.kind === "string" && !followed.has(b.node.from)) {
          followed.add(b.node.from);
          visit(b.node);
        }
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    visit(node);
    return out;
  };

  /** The pulls in the templates of one string literal, `raw` being its text. */
  const pullsIn = (s: PyNode, raw: string): Pull[] =>
    templatePulls(raw).map((p) => ({
      taskIds: p.taskIds,
      // A key still holding a formatting field (`'{MODEL_KEY}'`) is computed by Python first.
      key: p.key !== null && formattedKey(p.key) ? null : p.key,
      otherDag: p.otherDag,
      otherRuns: p.otherRuns,
      span: lines.span(s.from + p.from, s.from + p.to),
      inTemplate: true,
      ownTask: p.ownTask,
    }));

  /** The id in `task_id=`: literal, or a `*` pattern for f-strings and names. */
  const taskIdOf = (node: PyNode | undefined): { id: string; dynamic: boolean } | null => {
    if (!node) return null;
    const literal = stringValue(source, node);
    if (literal !== null) return { id: literal, dynamic: false };
    if (node.name === "FormatString") {
      let id = "";
      let at = node.from;
      for (const c of children(node)) {
        id += source.slice(at, c.from);
        id += "*";
        at = c.to;
      }
      id += source.slice(at, node.to);
      const m = /^[a-zA-Z]*(['"]{1,3})([\s\S]*)\1$/.exec(id);
      return { id: m?.[2] ?? "*", dynamic: true };
    }
    // `"export_" + region`: the literal parts, the rest `*`.
    const op = node.name === "BinaryExpression" ? node.firstChild?.nextSibling : null;
    if (op && text(op) === "+" && node.firstChild && node.lastChild) {
      const left = taskIdOf(node.firstChild);
      const right = taskIdOf(node.lastChild);
      if (left && right) {
        return {
          id: `${left.id}${right.id}`.replace(/\*+/g, "*"),
          dynamic: left.dynamic || right.dynamic,
        };
      }
    }
    return { id: "*", dynamic: true };
  };

  const addTask = (
    node: PyNode,
    outer: Scope,
    operator: string,
    kwargs: Map<string, PyNode>,
    local: { id: string; dynamic: boolean },
    callableName: string | null,
    extraTemplates: PyNode[] = [],
    kwargsOpen = false,
  ): string => {
    // `task_group=tg`: the group's prefix and default_args, as `with tg:` would give.
    const groupArg = kwargs.get("task_group");
    const bound = groupArg?.name === "VariableName" ? groupScopes.get(text(groupArg)) : undefined;
    if (groupArg && !bound) dynamicIds = true;
    const scope = bound ? { ...outer, groups: bound.groups, prefix: bound.prefix } : outer;
    const id = scope.prefix ? `${scope.prefix}.${local.id}` : local.id;
    const dynamic = local.dynamic || scope.groups.some((g) => g.includes("*"));
    if (dynamic) dynamicIds = true;
    for (const [arg, value] of kwargs) {
      if (UNRENDERED.has(arg)) continue;
      // A string, or the strings of a list (`sql=["ddl.sql", "load.sql"]`: Airflow loads each).
      const list = value.name === "ArrayExpression" || value.name === "TupleExpression";
      for (
        let v: PyNode | null = list ? value.firstChild : value;
        v;
        v = list ? v.nextSibling : null
      ) {
        const literal = stringValue(source, v);
        if (literal === null || !TEMPLATE_FILE.test(literal)) continue;
        readsTemplateFiles = true;
        templateRefs.push({
          task: tasks.length,
          arg,
          name: literal,
          readable: readableTemplate(operator, arg, literal),
        });
      }
    }
    const dagVar = kwargs.get("dag");
    let dagDecl = scope.dag;
    if (!dagDecl && dagVar) {
      const b = vars.get(text(dagVar));
      if (b?.kind === "dag") dagDecl = b.dag;
    }
    const dag = dagDecl?.id ?? null;
    // `dag=d` of a DAG the same loop makes (`for r in R: d = DAG(...)`): a new DAG each pass,
    // as a `with` block in the loop would be, so the task repeats in none.
    // `dag=` of a DAG the analysis cannot name (`dag=dags[region]`) may be new each pass too.
    const freshDag =
      (dagDecl !== scope.dag && loopDags.some((l) => l.dag === dagDecl)) ||
      (dagVar !== undefined && vars.get(text(dagVar))?.kind !== "dag");
    const pulls: Pull[] = [];
    const pushedInTemplates: (string | null)[] = [];
    // Each argument's strings once, for both the pushes and the pulls in their templates. The
    // docs are shown in the UI as written, and params passed as written: a pull there reads
    // nothing.
    for (const [name, value] of [...kwargs, ...extraTemplates.map((v) => ["", v] as const)]) {
      if (UNRENDERED.has(name)) continue;
      for (const s of stringsIn(value)) {
        const raw = templateSource(text(s));
        pushedInTemplates.push(...templatePushes(raw));
        pulls.push(...pullsIn(s, raw));
      }
    }
    if (!firstTask.has(id)) firstTask.set(id, operator);
    if (callableName) callableName = functionKey(callableName, node);
    tasks.push({
      id,
      dynamic,
      attached:
        scope.dag !== null ||
        scope.inFunction ||
        scope.within !== null ||
        kwargs.has("dag") ||
        // `task_group=tg` of a group made in a DAG (or one the file cannot follow): Airflow
        // adds the task to the group's DAG. A group made outside any DAG has none to give
        // (`with TaskGroup("g", dag=d) as tg:` at module level: its tasks are in no DAG).
        (groupArg !== undefined &&
          (bound === undefined ||
            bound.dag !== null ||
            bound.inFunction ||
            bound.within !== null)) ||
        kwargsOpen,
      creation: scope.inFunction
        ? "maybe"
        : scope.once
          ? "once"
          : scope.repeats && !freshDag
            ? "repeated"
            : "maybe",
      span: span(node),
      node,
      operator,
      isSensor:
        SENSOR_CLASS.test(operator) || sensorClasses.has(operator) || operator === "@task.sensor",
      kwargs,
      kwargsOpen,
      groups: scope.groups,
      dag,
      dagDecl,
      callableName,
      callArgs: { positional: 0, keywords: new Set() },
      templatePulls: pulls,
      templatePushes: pushedInTemplates,
    });
    lastDagOf.set(id, dagDecl);
    created.set(node.from, [id]);
    for (const [name, value] of kwargs) collectStrings(id, name, value);
    return id;
  };

  /** The function a call chain starts from: `f` in `f.override(...).expand(...)`. */
  const rootName = (node: PyNode | null): string | null => {
    for (let n = node; n; ) {
      if (n.name === "VariableName") return text(n);
      if (n.name === "MemberExpression" || n.name === "CallExpression") n = n.firstChild;
      else return null;
    }
    return null;
  };

  /**
   * A dotted name read through a module the file imports Airflow's SDK as: `sdk.dag` with
   * `from airflow import sdk` (or `import airflow.sdk as sdk`) is `airflow.sdk.dag`.
   */
  const viaSdkModule = (path: string): string => {
    const dot = path.indexOf(".");
    if (dot < 0) return path;
    const head = path.slice(0, dot);
    for (const imp of imports) {
      const full = imp.name ? `${imp.module}.${imp.name}` : imp.module;
      if ((imp.as ?? imp.name) !== head) continue;
      if (full === "airflow.sdk" || full === "airflow.decorators") return full + path.slice(dot);
    }
    return path;
  };

  /** `task`, `task.virtualenv`, ... (the TaskFlow decorator, by its short name), or null. */
  const taskDecorator = (node: PyNode | null): string | null => {
    const d = dotted(node);
    if (!d) return null;
    const short = viaSdkModule(importedAs.get(d) ?? d).replace(/^airflow\.(sdk|decorators)\./, "");
    return short === "task" || /^task\.\w+$/.test(short) ? short : null;
  };

  /**
   * TaskFlow applied as a function rather than as a decorator, to a function defined elsewhere
   * (`task(train)`, `task(train, retries=0)`, `task(retries=0)(train)`, `task.virtualenv(...)`):
   * calling the result makes a task named after the function, as a decorated function does.
   */
  const taskflowApplication = (node: PyNode | null): TaskflowFn | null => {
    if (node?.name !== "CallExpression") return null;
    const args = parseArgs(childNamed(node, "ArgList"));
    let decorator = taskDecorator(node.firstChild);
    let kwargs: Map<string, PyNode>;
    let fn: PyNode | undefined;
    if (decorator) {
      // task(fn, **kwargs), or task(python_callable=fn, **kwargs)
      fn = args.positional[0] ?? args.kwargs.get("python_callable");
      kwargs = new Map([...args.kwargs].filter(([k]) => k !== "python_callable"));
    } else {
      // task(**kwargs)(fn): the decorator is made first (no positional argument), then applied.
      const inner = node.firstChild;
      if (inner?.name !== "CallExpression") return null;
      const made = parseArgs(childNamed(inner, "ArgList"));
      decorator = taskDecorator(inner.firstChild);
      if (!decorator || made.positional.length > 0 || made.kwargs.has("python_callable")) {
        return null;
      }
      if (args.positional.length !== 1 || args.kwargs.size > 0) return null;
      fn = args.positional[0];
      kwargs = made.kwargs;
    }
    const name = dotted(fn ?? null);
    return name ? { decorator: `@${decorator}`, kwargs, name: lastSegment(name) } : null;
  };

  /** `d.test` where d is a DAG of the file (`with DAG(...) as d`, `d = my_dag()`), or `my_dag().test`. */
  const isDagTest = (fn: PyNode | null): boolean => {
    if (fn?.name !== "MemberExpression" || methodOf(source, fn) !== "test") return false;
    const receiver = fn.firstChild;
    if (receiver?.name === "VariableName") return vars.get(text(receiver))?.kind === "dag";
    if (receiver?.name === "CallExpression") {
      return dagFunctions.has(dotted(receiver.firstChild) ?? "");
    }
    return false;
  };

  const handleCall = (node: PyNode, scope: Scope) => {
    const fnNode = node.firstChild;
    const argList = childNamed(node, "ArgList");
    walkChildren(node, scope);
    const name = dotted(fnNode);
    const args = parseArgs(argList);
    const callee = calleeText(fnNode);
    if (!scope.inFunction && callee) {
      topLevelCalls.push({
        callee,
        span: span(node),
        within: scope.within,
        node,
        ...(isDagTest(fnNode) ? { dagTest: true as const } : {}),
      });
    } else if (scope.helper && callee) {
      helperCalls.get(scope.helper)?.push({ callee, span: span(node), within: null });
    }
    // The function's name, or the method's even on a computed object (`tasks[0].set_upstream`).
    const last = fnNode?.name === "MemberExpression" ? methodOf(source, fnNode) : name;

    if (last === "chain" || last === "chain_linear") {
      const parts = args.positional.map(endpoints);
      opaqueOperands(args.positional);
      dependsOn(parts, args.splat);
      // chain() pairs two lists of the same length item by item (`[a, b], [c, d]`: a >> c and
      // b >> d); chain_linear, and chain otherwise, links every task to every next one. Only
      // written-out lists are known to be lists; a name may hold one, so it links all to all.
      const items = (n: PyNode | undefined) => (n ? displayElements(n) : null);
      for (let i = 0; i + 1 < parts.length; i++) {
        const [up, down] = [items(args.positional[i]), items(args.positional[i + 1])];
        const starred = (l: PyNode[] | null) => l?.some((e) => e.name === "*") === true;
        if (
          last === "chain" &&
          up &&
          down &&
          up.length !== down.length &&
          !starred(up) &&
          !starred(down)
        ) {
          refusedDependencies.push({
            span: span(node),
            code: text(node),
            error: `ValueError: Chain not supported for different length Iterable. Got ${up.length} and ${down.length}.`,
            hint: "chain() pairs two lists item by item, so give them one length; to set every task of one list before every task of the next, use chain_linear() or cross_downstream()",
          });
        }
        if (last === "chain" && up && down && up.length === down.length && up.length > 0) {
          for (const [k, u] of up.entries()) connect(endpoints(u), endpoints(down[k]), node);
        } else {
          // Two names of lists chain() may pair item by item: every pair is only possibly one.
          const a = parts[i] ?? [];
          const b = parts[i + 1] ?? [];
          connect(a, b, node, last === "chain" && a.length > 1 && b.length > 1 && !(up && down));
        }
      }
      return;
    }
    if (last === "as_teardown" && fnNode?.name === "MemberExpression") {
      // `td.as_teardown(setups=s)` sets s >> td, and td's setups for a later `with td:`.
      const self = endpoints(fnNode.firstChild);
      const setups = endpoints(args.kwargs.get("setups") ?? args.positional[0]);
      connect(setups, self, node);
      for (const id of self) teardownSetups.set(id, [...(teardownSetups.get(id) ?? []), ...setups]);
      // as_teardown() sets on_failure_fail_dagrun only when given one (None leaves it as it was).
      const given = args.kwargs.get("on_failure_fail_dagrun");
      const flag = given ? text(given).trim() : "None";
      const value =
        flag === "None" ? undefined : flag === "True" ? true : flag === "False" ? false : null;
      for (const id of self) teardownCalls.push([id, lastDagOf.get(id) ?? null, value]);
      return;
    }
    if (last === "cross_downstream") {
      const up = endpoints(args.positional[0]);
      const down = endpoints(args.positional[1]);
      opaqueOperands(args.positional);
      dependsOn([up, down], args.splat);
      connect(up, down, node);
      return;
    }
    // `dag.set_dependency("a", "b")`: task ids as strings, upstream first.
    if (last === "set_dependency" && fnNode?.name === "MemberExpression") {
      const [up, down] = args.positional.map((a) => stringValue(source, a));
      if (up && down && args.positional.length === 2) connect([up], [down], node);
      else edgesIncomplete = true;
      return;
    }
    if (
      (last === "set_downstream" || last === "set_upstream") &&
      fnNode?.name === "MemberExpression"
    ) {
      const self = endpoints(fnNode.firstChild);
      const other = args.positional.flatMap(endpoints);
      opaqueOperands([fnNode.firstChild, ...args.positional]);
      dependsOn([self, other], args.splat);
      if (last === "set_downstream") connect(self, other, node);
      else connect(other, self, node);
      return;
    }
    // `default_args.update(...)`, `.setdefault(...)`: the dict holds keys we cannot see.
    if ((last === "update" || last === "setdefault") && fnNode?.name === "MemberExpression") {
      const base = fnNode.firstChild;
      const b = base?.name === "VariableName" ? vars.get(text(base)) : undefined;
      if (b?.kind === "dict") (b.dict as { open: boolean }).open = true;
    }
    // `ops.insert(0, x)`, `ops.append(x)`, ...: `ops[i]` may no longer be the element written.
    if (LIST_MUTATORS.has(last ?? "") && fnNode?.name === "MemberExpression") {
      forgetElements(fnNode.firstChild);
    }

    // TaskFlow: f(), f.override(...)(), and f[.override(...)][.partial(...)].expand(...) are
    // tasks; f.override(...) and f.partial(...) on their own are steps of such a chain.
    const root = rootName(fnNode);
    let flow = root ? taskflowFns.get(root) : undefined;
    /** The `task(fn)` application the chain starts from, when TaskFlow is used as a function. */
    let applied: PyNode | null = null;
    for (let n = fnNode; !flow && n; n = n.firstChild) {
      if (n.name !== "CallExpression" && n.name !== "MemberExpression") break;
      const found = taskflowApplication(n);
      if (found) {
        flow = found;
        applied = n;
      }
    }
    if (flow) {
      if (fnNode?.name === "MemberExpression" && last !== "expand" && last !== "expand_kwargs") {
        return;
      }
      const overrides = new Map<string, PyNode>();
      const chainArgs: PyNode[] = argList ? [argList] : [];
      const chainCalls: { args: PyNode | null; override: boolean }[] = [];
      for (let n: PyNode | null = fnNode; n && n !== applied; n = n.firstChild) {
        if (n.name !== "CallExpression") continue;
        const al = childNamed(n, "ArgList");
        if (al) chainArgs.push(al);
        const isOverride = methodOf(source, n.firstChild) === "override";
        chainCalls.push({ args: al, override: isOverride });
        if (!isOverride) continue;
        // Outer calls come first here and are applied last, so the first value seen wins.
        for (const [k, v] of parseArgs(al).kwargs) if (!overrides.has(k)) overrides.set(k, v);
      }
      const override = overrides.get("task_id");
      let local = taskIdOf(override ?? flow.kwargs.get("task_id")) ?? {
        id: flow.name,
        dynamic: false,
      };
      if (!override && !local.dynamic) {
        const key = `${scope.dag?.id ?? ""}\0${scope.prefix}\0${local.id}`;
        const n = callCounts.get(key) ?? 0;
        callCounts.set(key, n + 1);
        if (n > 0) local = { id: `${local.id}__${n}`, dynamic: false };
        if (scope.loop) {
          local = { id: `${local.id}*`, dynamic: true };
        }
      }
      const fnDef = functionDefs.get(functionKey(flow.name, node));
      const id = addTask(
        node,
        scope,
        flow.decorator,
        new Map([...flow.kwargs, ...overrides]),
        local,
        flow.name,
        flow.decorator === "@task.bash" && fnDef ? [fnDef] : [],
      );
      // The function's arguments: the call's, .partial()'s and .expand()'s, not .override()'s.
      const positional = parseArgs(argList).positional.length;
      const keywords = new Set<string>();
      let open = false;
      for (const al of [argList, ...chainCalls.filter((c) => !c.override).map((c) => c.args)]) {
        const a = parseArgs(al);
        if (a.splat) open = true;
        for (const k of a.kwargs.keys()) keywords.add(k);
      }
      const made = tasks[tasks.length - 1];
      // expand_kwargs(...) passes keywords the file does not spell out.
      if (last === "expand_kwargs") open = true;
      if (made) made.callArgs = open ? null : { positional, keywords, mapped: last === "expand" };
      for (const al of chainArgs) {
        collectStrings(id, "argument", al);
        connect(dataSources(al, true), [id], node);
        tasks[tasks.length - 1]?.templatePulls.push(...xcomArgPulls(al));
      }
      return;
    }

    // A @task_group function called with task outputs: they feed the group's tasks. (All of
    // them, as the linter does not follow the parameters: a pull is never wrongly a race.)
    const group = root ? taskGroupFns.get(root) : undefined;
    if (group !== undefined) {
      // Each call after the first makes the group again with ids suffixed `__1`, `__2`, ...,
      // which the analysis, reading the body once, does not create (groupCopies says how
      // many); calls in a loop make a number of them no one counts.
      const calls = (groupCalls.get(group) ?? 0) + 1;
      groupCalls.set(group, calls);
      if (scope.loop) dynamicIds = true;
      // `region.override(group_id="eu")()` makes the group's tasks as `eu.*`, ids the analysis
      // (reading the body once, as `region.*`) does not have: checks that need every id hold back.
      if (fnNode?.name === "CallExpression" && methodOf(source, fnNode.firstChild) === "override") {
        dynamicIds = true;
      }
      // Only some of the group's tasks may read them: no dependency the graph can be sure of.
      if (argList) connect(dataSources(argList, true), [GROUP + group], node, true);
      return;
    }

    // Classic operators, and Operator.partial(...).expand(...).
    let opName = last;
    let kwargs = args.kwargs;
    let extra: PyNode[] = [];
    if ((last === "expand" || last === "expand_kwargs") && fnNode?.firstChild) {
      const partial = fnNode.firstChild;
      if (partial.name === "CallExpression" && methodOf(source, partial.firstChild) === "partial") {
        const opDotted = dotted(partial.firstChild?.firstChild ?? null);
        opName = opDotted ? lastSegment(opDotted) : null;
        kwargs = parseArgs(childNamed(partial, "ArgList")).kwargs;
        extra = argList ? [argList] : [];
      }
    } else if (last === "partial") {
      return;
    }
    if (!opName || !/^[A-Z]/.test(opName) || opName === "TaskGroup" || opName === "DAG") {
      if (last === "DAG" && name) {
        const dag = registerDag(node, args, scope);
        // Made in a loop at module level, not in a `with` block: see unregisteredDags.
        const loop = scope.inFunction || scope.within !== null ? null : outermostLoop(node);
        if (loop) loopDags.push({ dag, node, loop });
        if (scope.inFunction && scope.within === null) functionDags.push({ dag, node });
      }
      return;
    }
    if (!/(Operator|Sensor)$/.test(opName) && !kwargs.has("task_id")) return;
    // Made while a task runs (`SQLExecuteQueryOperator(...).execute(context)` in a @task):
    // an object of the task's code, no task of the DAG.
    if (scope.inTask) return;
    const local = taskIdOf(kwargs.get("task_id"));
    if (!local) return;
    const callable = kwargs.get("python_callable");
    const opArgs = kwargs.get("op_args");
    const id = addTask(
      node,
      scope,
      opName,
      kwargs,
      local,
      callable?.name === "VariableName"
        ? text(callable)
        : callable?.name === "LambdaExpression"
          ? lambdaKey(callable)
          : null,
      extra,
      args.splat,
    );
    // `.expand(bash_command=[...])`: each mapped instance gets one of the values.
    if (extra.length > 0) {
      for (const [name, value] of args.kwargs) collectStrings(id, name, value);
      for (const value of args.positional) collectStrings(id, last ?? "expand", value);
    }
    // op_args fill the callable's leading parameters (op_kwargs are read by the rules).
    const made = tasks[tasks.length - 1];
    if (made && opArgs) {
      const items: PyNode[] | null =
        opArgs.name === "ArrayExpression" || opArgs.name === "TupleExpression" ? [] : null;
      for (let c = items ? opArgs.firstChild : null; c; c = c.nextSibling) {
        if (!["[", "]", "(", ")", ",", "Comment"].includes(c.name)) items?.push(c);
      }
      made.callArgs =
        items && !items.some((c) => text(c).startsWith("*"))
          ? { positional: items.length, keywords: new Set() }
          : null;
    }
    if (argList) connect(dataSources(argList, false), [id], node);
    for (const al of extra) connect(dataSources(al, true), [id], node);
    for (const al of argList ? [argList, ...extra] : extra) {
      tasks[tasks.length - 1]?.templatePulls.push(...xcomArgPulls(al));
    }
  };

  /** A DAG's params dict, each `Param(...)` with its default and keywords. */
  const paramsOf = (node: PyNode | undefined): DagDecl["params"] => {
    const dict = dictOf(node);
    if (!dict) return null;
    const entries = [...dict.entries].map(([name, value]): DagParam => {
      const callee = value.name === "CallExpression" ? dotted(value.firstChild) : null;
      if (callee !== "Param" && !callee?.endsWith(".Param")) return { name, node: value };
      const a = parseArgs(childNamed(value, "ArgList"));
      return {
        name,
        node: value,
        param: {
          default: a.positional[0] ?? a.kwargs.get("default") ?? null,
          kwargs: a.kwargs,
          open: a.splat,
        },
      };
    });
    return { dict, entries };
  };

  const registerDag = (node: PyNode, args: CallArguments, scope: Scope): DagDecl => {
    const defaultsNode = args.kwargs.get("default_args");
    const defaultArgs = dictOf(defaultsNode);
    const importedDefaults = usesIn(defaultsNode);
    const idNode = args.kwargs.get("dag_id") ?? args.positional[0];
    // A module-level name assigned the id once (`DAG_ID = "etl"`, the common idiom), as a
    // string itself.
    const id =
      idNode?.name === "VariableName"
        ? constantString(text(idNode))
        : idNode
          ? stringValue(source, idNode)
          : null;
    const computed = id === null && idNode ? taskIdOf(idNode) : null;
    const dag: DagDecl = {
      id,
      ...(computed?.dynamic && computed.id !== "*" ? { idPattern: computed.id } : {}),
      ...(scope.once && !scope.inFunction ? { once: true } : {}),
      span: span(node),
      kwargs: args.kwargs,
      kwargsOpen: args.splat,
      positional: args.positional.length,
      defaultArgs,
      ...(importedDefaults.length > 0 ? { importedDefaults } : {}),
      params: paramsOf(args.kwargs.get("params")),
    };
    dags.push(dag);
    return dag;
  };

  const registerGroup = (args: CallArguments, scope: Scope, fallback: string | null): Scope => {
    const idNode = args.kwargs.get("group_id") ?? args.positional[0];
    // A computed group id (`f"sync_{table}"`) becomes a pattern, and its tasks' ids dynamic.
    const local = idNode ? (taskIdOf(idNode)?.id ?? "*") : (fallback ?? "*");
    const full = scope.prefix ? `${scope.prefix}.${local}` : local;
    const prefixNode = args.kwargs.get("prefix_group_id");
    const prefixes = !(prefixNode && text(prefixNode) === "False");
    groups.set(full, {
      id: full,
      defaultArgs: dictOf(args.kwargs.get("default_args")),
      ...(idNode?.name === "String" ? { idNode } : {}),
    });
    // Without the prefix, the group's tasks keep their bare ids, whatever encloses it
    // (TaskGroup.child_id returns the label itself).
    return { ...scope, groups: [...scope.groups, full], prefix: prefixes ? full : "" };
  };

  /**
   * The context of a `with` over what a function the file cannot follow returns (a DAG or a task
   * group from a factory): outside any DAG, a DAG of its own with arguments the file does not
   * show (not among the file's DAGs: nothing is judged of it); inside one, a group whose id is
   * not known, so its tasks' ids are patterns.
   */
  const opaqueContext = (node: PyNode, scope: Scope): Scope => {
    if (scope.dag === null && !scope.inFunction) {
      const dag: DagDecl = {
        id: null,
        span: span(node),
        kwargs: new Map(),
        kwargsOpen: true,
        positional: 0,
        defaultArgs: null,
        params: null,
      };
      return { ...scope, dag, repeats: false };
    }
    const full = scope.prefix ? `${scope.prefix}.*` : "*";
    return { ...scope, groups: [...scope.groups, full], prefix: full };
  };

  const handleWith = (node: PyNode, scope: Scope) => {
    let inner = scope;
    let pending: { kind: "dag"; dag: DagDecl } | { kind: "group"; id: string } | null = null;
    /** Teardown tasks the with statement names (`with td:`, `with d.as_teardown(setups=s):`). */
    const teardowns: string[] = [];
    /** `with setup >> teardown:`: the setups named before the teardown. */
    const headerSetups: string[] = [];
    for (const c of children(node)) {
      if (c.name === "Body") {
        const before = tasks.length;
        walk(c, inner);
        if (teardowns.length > 0) {
          // Airflow's setup/teardown context: its setups run before every task made inside,
          // and the teardown after them.
          const made = tasks.slice(before).map((t) => t.id);
          const setups = teardowns.flatMap((t) => teardownSetups.get(t) ?? []);
          connect([...setups, ...headerSetups], made, node);
          connect(made, teardowns, node);
        }
        continue;
      }
      if (c.name === "BinaryExpression" && childNamed(c, "BitOp") && text(c).includes(">>")) {
        // `with make().as_setup() >> drop().as_teardown():` makes both tasks and the edge;
        // the context is the teardown on the right, its setups on the left.
        walk(c, inner);
        teardowns.push(...endpoints(c.lastChild));
        headerSetups.push(...endpoints(c.firstChild));
        continue;
      }
      if (c.name === "VariableName" && vars.get(text(c))?.kind === "tasks") {
        for (const id of endpoints(c)) if (teardownSetups.has(id)) teardowns.push(id);
      }
      if (c.name === "CallExpression") {
        const name = dotted(c.firstChild);
        const last = name ? lastSegment(name) : null;
        if (last === "DAG") {
          walkChildren(c, scope);
          if (!scope.inFunction && name) {
            topLevelCalls.push({ callee: name, span: span(c), within: scope.within });
          }
          const dag = registerDag(c, parseArgs(childNamed(c, "ArgList")), scope);
          // A DAG made in a loop is a new DAG each time round: its tasks repeat in none.
          inner = { ...inner, dag, repeats: false };
          pending = { kind: "dag", dag };
        } else if (last === "TaskGroup") {
          walkChildren(c, scope);
          inner = registerGroup(parseArgs(childNamed(c, "ArgList")), inner, null);
          pending = { kind: "group", id: inner.groups[inner.groups.length - 1] ?? "" };
        } else {
          walk(c, inner);
          pending = null;
          const ends = endpoints(c);
          for (const id of ends) if (teardownSetups.has(id)) teardowns.push(id);
          if (ends.length === 0 && !NOT_DAG_CONTEXTS.has(last ?? "")) {
            // `with make_dag("x"):`, `with build_group("y"):`: a function the file cannot
            // follow that may return a DAG or a task group.
            inner = opaqueContext(c, inner);
            if (inner.dag !== scope.dag && inner.dag) pending = { kind: "dag", dag: inner.dag };
          }
        }
        continue;
      }
      if (c.name === "VariableName" && !pending) {
        // `with dag:` of a DAG made earlier (`dag = DAG(...)`): its tasks are the DAG's.
        const bound = vars.get(text(c));
        if (bound?.kind === "dag") {
          enteredDags.add(bound.dag);
          inner = { ...inner, dag: bound.dag, repeats: false };
          continue;
        }
      }
      if (c.name === "VariableName" && !pending && groupScopes.has(text(c))) {
        // `with tg:` of a group made earlier (`tg = TaskGroup(...)`).
        const g = groupScopes.get(text(c)) as Scope;
        inner = { ...inner, groups: g.groups, prefix: g.prefix };
        continue;
      }
      if (c.name === "VariableName" && !pending && !vars.has(text(c))) {
        // `with dag2:` of `dag2 = make_dag("y")`: what a function the file cannot follow made.
        const value = constants.get(text(c));
        const callee = value?.name === "CallExpression" ? dotted(value.firstChild) : null;
        if (callee && !NOT_DAG_CONTEXTS.has(lastSegment(callee))) {
          inner = opaqueContext(value as PyNode, inner);
          continue;
        }
      }
      if (c.name === "VariableName" && pending) {
        vars.set(
          text(c),
          pending.kind === "dag"
            ? { kind: "dag", dag: pending.dag }
            : { kind: "tasks", endpoints: [GROUP + pending.id], xcomArg: false },
        );
        // `with TaskGroup("g") as tg:`: `task_group=tg` later puts a task in it.
        if (pending.kind === "group") groupScopes.set(text(c), inner);
        pending = null;
      }
    }
  };

  const handleDecorated = (node: PyNode, scope: Scope) => {
    const fn = childNamed(node, "FunctionDefinition") ?? childNamed(node, "ClassDefinition");
    const nameNode = childNamed(fn, "VariableName");
    const fnName = nameNode ? text(nameNode) : null;
    let inner: Scope = { ...scope, inFunction: true };
    // The body of a @dag or @task_group function runs when the file is parsed (the file calls
    // it to build the DAG), unlike the body of a task or a callback.
    let runsAtParse = false;
    let transparent = true;
    /** `@asset(...)` / `@asset.multi(...)`: a DAG of one task, the function (Airflow 3). */
    let asset: { dec: PyNode; args: CallArguments; kind: "asset" | "asset.multi" } | null = null;
    let taskBody = false;
    for (const dec of childrenNamed(node, "Decorator")) {
      const parts = children(dec).filter((c) => c.name !== "At");
      const path = parts
        .filter((c) => c.name === "VariableName" || c.name === "PropertyName")
        .map((c) => text(c))
        .join(".");
      const argList = childNamed(dec, "ArgList");
      const args = parseArgs(argList);
      if (argList && !scope.inFunction) {
        walkChildren(argList, scope);
      }
      const short = viaSdkModule(path).replace(/^airflow\.(sdk|decorators)\./, "");
      if (!TRANSPARENT_DECORATOR.test(path)) transparent = false;
      if ((short === "task" || short.startsWith("task.")) && fnName) {
        taskBody = true;
        taskflowFns.set(fnName, { decorator: `@${short}`, kwargs: args.kwargs, name: fnName });
      } else if (
        (short === "setup" || short === "teardown") &&
        fnName &&
        !taskflowFns.has(fnName)
      ) {
        // `@setup` / `@teardown` alone make a TaskFlow task too.
        taskBody = true;
        taskflowFns.set(fnName, { decorator: `@${short}`, kwargs: args.kwargs, name: fnName });
      } else if (short === "dag" && fnName) {
        const dag = registerDag(
          dec,
          {
            ...args,
            positional: [],
            kwargs: args.kwargs.has("dag_id")
              ? args.kwargs
              : new Map(args.kwargs).set("dag_id", nameNode as PyNode),
          },
          scope,
        );
        (dag as { id: string | null }).id = dag.id ?? fnName;
        (dag as { function?: string }).function = fnName;
        dagFunctions.set(fnName, dag);
        if (nameNode && !scope.inFunction && !scope.inClass) dagFunctionNames.set(fnName, nameNode);
        inner = { ...inner, dag };
        runsAtParse = true;
      } else if ((short === "asset" || short === "asset.multi") && fnName && !scope.inFunction) {
        asset = { dec, args, kind: short };
      } else if (short === "task_group" && fnName) {
        inner = registerGroup(args, inner, fnName);
        vars.set(fnName, {
          kind: "tasks",
          endpoints: [GROUP + (inner.groups[inner.groups.length - 1] ?? fnName)],
          xcomArg: false,
        });
        // A call of the group function stands for the group.
        taskGroupFns.set(fnName, inner.groups[inner.groups.length - 1] ?? fnName);
        runsAtParse = true;
      }
    }
    if (asset && fnName) {
      // The DAG is named by dag_id, else the asset's name, else the function's; the task by the
      // function. Its task arguments come from a @task(...) beneath @asset, when there is one.
      const { dec, args, kind } = asset;
      const named = args.kwargs.get("dag_id") ?? args.kwargs.get("name") ?? (nameNode as PyNode);
      const dag = registerDag(
        dec,
        { ...args, positional: [], kwargs: new Map(args.kwargs).set("dag_id", named) },
        scope,
      );
      (dag as { id: string | null }).id = dag.id ?? fnName;
      (dag as { asset?: string }).asset = kind;
      const flow = taskflowFns.get(fnName);
      taskflowFns.delete(fnName);
      addTask(
        node,
        { ...scope, dag, groups: [], prefix: "" },
        flow?.decorator ?? "@asset",
        new Map(flow?.kwargs ?? []),
        taskIdOf(flow?.kwargs.get("task_id")) ?? { id: fnName, dynamic: false },
        fnName,
      );
    }
    if (runsAtParse && fnName) {
      // A @task_group called again makes its tasks again under other ids (`group__1`).
      inner = {
        ...inner,
        inFunction: scope.inFunction,
        within: scope.within ?? fnName,
        repeats: false,
      };
    } else if (fnName && fn?.name === "FunctionDefinition" && transparent) {
      // `@functools.cache` and the like: a plain function still. Any other decorator (`@setup`,
      // `@task` imported under another name, a provider's) may run the body at another time.
      inner = { ...inner, helper: defineHelper(scope, fnName) };
    } else {
      if (fnName) shadowHelper(scope, fnName);
      inner = { ...inner, helper: null };
    }
    if (fn?.name === "ClassDefinition") {
      // A class body runs when the class is defined: at parse time for a module-level class.
      walk(fn, scope);
      return;
    }
    if (taskBody) inner = { ...inner, inTask: true };
    if (fn) walkFunction(fn, scope, inner);
  };
  /**
   * A function definition: its default values (and annotations) are evaluated where it is
   * defined, in `outer`; its body only when it is called, in `inner`.
   */
  const walkFunction = (fn: PyNode, outer: Scope, inner: Scope): void => {
    // A parameter hides the module's name of the same spelling in the body
    // (`def make(dag_id, default_args): DAG(dag_id, default_args=default_args)`): the
    // module's binding is not what the caller passes. It is the module's again after the body.
    const hidden = new Map<string, Binding | undefined>();
    for (const p of childrenNamed(childNamed(fn, "ParamList"), "VariableName")) {
      if (p.prevSibling?.name === "AssignOp") continue; // `p=DATA`: DATA is the default
      const name = text(p);
      if (!hidden.has(name)) hidden.set(name, vars.get(name));
      vars.delete(name);
    }
    for (let c = fn.firstChild; c; c = c.nextSibling)
      walk(c, c.name === "ParamList" ? outer : inner);
    for (const [name, binding] of hidden) {
      if (binding) vars.set(name, binding);
      else vars.delete(name);
    }
  };
  /** The dependency a `>>` or `<<` expression sets, once its operands have been walked. */
  const edge = (node: PyNode): void => {
    const op = childNamed(node, "BitOp");
    const sym = op ? text(op) : "";
    if (sym !== ">>" && sym !== "<<") return;
    const left = endpoints(node.firstChild);
    const right = endpoints(node.lastChild);
    // `a >> [b, c] >> [d, e]`: a shift gives its right operand, so this is a list shifted by a
    // list, which Python refuses (lists have no >>; Airflow's operators define it).
    let before = node.firstChild;
    while (
      before?.name === "BinaryExpression" &&
      /^(>>|<<)$/.test(text(childNamed(before, "BitOp") ?? before))
    )
      before = before.lastChild;
    if (before && node.lastChild && displayElements(before) && displayElements(node.lastChild)) {
      const kind = (n: PyNode) => (unwrap(n).name === "TupleExpression" ? "tuple" : "list");
      refusedDependencies.push({
        span: span(node),
        code: text(node),
        error: `TypeError: unsupported operand type(s) for ${sym}: '${kind(before)}' and '${kind(node.lastChild)}'`,
        hint: "set each side's tasks against the other list: cross_downstream([a, b], [c, d]) for every pair, chain([a, b], [c, d]) for a >> c and b >> d, or an EmptyOperator between the lists",
      });
    }
    // `a >> Label("why")` is the first half of `a >> Label("why") >> b`; `1 >> 2` is arithmetic.
    const numbers = node.firstChild?.name === "Number" && node.lastChild?.name === "Number";
    // `len(x) >> 1`: a shift, no dependency.
    if (node.firstChild?.name !== "Number" && node.lastChild?.name !== "Number") {
      opaqueOperands([
        node.firstChild?.name === "BinaryExpression" ? null : node.firstChild,
        node.lastChild,
      ]);
    }
    if (!numbers && !isEdgeLabel(node.lastChild)) dependsOn([left, right]);
    if (sym === ">>") connect(left, right, node);
    else connect(right, left, node);
  };
  const walkChildren = (node: PyNode, scope: Scope): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c, scope);
  };
  const walk = (node: PyNode, scope: Scope): void => {
    switch (node.name) {
      case "String":
      case "FormatString":
      case "ContinuedString":
        allStrings.push(node);
        if (node.name !== "FormatString") return;
        break;
      case "ImportStatement": {
        const names = children(node);
        const fromIdx = names.findIndex((c) => c.name === "from");
        const importIdx = names.findIndex((c) => c.name === "import");
        const topLevel = !scope.inFunction && !scope.typeChecking;
        const within = topLevel ? scope.within : null;
        if (fromIdx >= 0) {
          const module = names
            .slice(fromIdx + 1, importIdx)
            .map((c) => text(c))
            .join("");
          for (let i = importIdx + 1; i < names.length; i++) {
            const c = names[i] as PyNode;
            if (c.name !== "VariableName" || names[i - 1]?.name === "as") continue;
            const alias = names[i + 1]?.name === "as" ? names[i + 2] : undefined;
            const as = alias?.name === "VariableName" ? text(alias) : null;
            imports.push({
              module,
              name: text(c),
              as,
              span: span(node),
              topLevel,
              within,
              ...(scope.importGuarded ? { guarded: true as const } : {}),
            });
            if (as) importedAs.set(as, text(c));
          }
        } else {
          let module = "";
          let as: string | null = null;
          for (let i = importIdx + 1; i <= names.length; i++) {
            const c = names[i];
            if (!c || c.name === ",") {
              if (module) {
                imports.push({
                  module,
                  name: null,
                  as,
                  span: span(node),
                  topLevel,
                  within,
                  ...(scope.importGuarded ? { guarded: true as const } : {}),
                });
              }
              module = "";
              as = null;
            } else if (c.name === "as") {
              const alias = names[i + 1];
              if (alias?.name === "VariableName" && module) {
                as = text(alias);
                importedAs.set(as, module);
              }
              i++;
            } else module += text(c);
          }
        }
        return;
      }
      case "WithStatement":
        handleWith(node, scope);
        return;
      case "DecoratedStatement":
        handleDecorated(node, scope);
        return;
      case "FunctionDefinition":
      case "LambdaExpression": {
        const nameNode =
          node.name === "FunctionDefinition" ? childNamed(node, "VariableName") : null;
        const helper = nameNode ? defineHelper(scope, text(nameNode)) : null;
        walkFunction(node, scope, { ...scope, inFunction: true, helper });
        return;
      }
      case "ClassDefinition": {
        // A sensor class of the file's own: a subclass of BaseSensorOperator or of a sensor.
        const name = childNamed(node, "VariableName");
        const bases = parseArgs(childNamed(node, "ArgList")).positional.map((b) =>
          lastSegment(text(b)),
        );
        if (name && bases.some((b) => SENSOR_CLASS.test(b) || sensorClasses.has(b))) {
          sensorClasses.add(text(name));
        }
        // An operator of the file's own (`class Export(BaseOperator)`): its tasks push what its
        // execute() pushes, and its return value. Not when the class may turn do_xcom_push or
        // push from another method (execute calling self._publish(), which nothing follows).
        if (name && !scope.inFunction && bases.length === 1 && bases[0] === "BaseOperator") {
          const methods = childrenNamed(childNamed(node, "Body"), "FunctionDefinition");
          const execute = methods.find((m) => {
            const n = childNamed(m, "VariableName");
            return n !== null && text(n) === "execute";
          });
          const whole = text(node);
          const rest = execute
            ? whole.slice(0, execute.from - node.from) + whole.slice(execute.to - node.from)
            : whole;
          const readable = execute && !/\bdo_xcom_push\b|xcom_push|get_current_context/.test(rest);
          operatorClasses.set(text(name), readable ? execute : null);
        }
        walkChildren(node, { ...scope, inClass: true });
        return;
      }
      case "ForStatement":
      case "WhileStatement":
      case "ComprehensionExpression":
      case "ArrayComprehensionExpression":
      case "DictionaryComprehensionExpression":
      case "SetComprehensionExpression": {
        const repeats =
          node.name === "ForStatement" &&
          (scope.once || scope.repeats) &&
          forCount(node, (name) => constants.get(text(name))) >= 2;
        const inner = { ...scope, loop: true, once: false, repeats };
        walkChildren(node, inner);
        return;
      }
      case "TryStatement": {
        const inner = { ...scope, once: false, repeats: false };
        const parts = children(node);
        // What the `except` at `i` catches: its nodes up to its body, `as name` left out.
        const caught = (i: number) => {
          const body = parts.findIndex((b, j) => j > i && b.name === "Body");
          return parts
            .slice(i + 1, body)
            .filter((b) => b.name !== "as" && b.prevSibling?.name !== "as")
            .map((b) => text(b))
            .join(" ")
            .trim();
        };
        // The try body and the handlers are guarded when some handler catches a failed import.
        const guards = parts.some((c, i) => c.name === "except" && CATCHES_IMPORT.test(caught(i)));
        let clause = "try";
        for (const c of parts) {
          if (["try", "except", "else", "finally"].includes(c.name)) clause = c.name;
          const guarded = guards && (clause === "try" || clause === "except");
          walk(c, guarded ? { ...inner, importGuarded: true } : inner);
        }
        return;
      }
      case "MatchStatement":
        walkChildren(node, { ...scope, once: false, repeats: false });
        return;
      case "IfStatement": {
        const cond = node.firstChild?.nextSibling;
        if (cond && /TYPE_CHECKING$/.test(text(cond))) {
          const inner = { ...scope, typeChecking: true };
          walkChildren(node, inner);
          return;
        }
        // `if __name__ == "__main__":` never runs when Airflow imports the file (under a
        // module name of its own): like a function's body, not code run at parse time.
        if (cond && MAIN_GUARD.test(text(cond))) {
          let first = true;
          for (const c of children(node)) {
            const guarded = first && c.name === "Body";
            if (guarded) first = false;
            walk(c, guarded ? { ...scope, inFunction: true } : scope);
          }
          return;
        }
        // Imports under a test of the Airflow version are guarded as by a try / except.
        const bound = cond ? constants.get(text(cond).trim()) : undefined;
        const versioned =
          !!cond &&
          (VERSION_CHECK.test(text(cond)) || (!!bound && VERSION_CHECK.test(text(bound))));
        walkChildren(node, {
          ...scope,
          once: false,
          repeats: false,
          ...(versioned ? { importGuarded: true } : {}),
        });
        return;
      }
      case "AssignStatement": {
        const parts = children(node);
        const lastOp = parts.map((c) => c.name).lastIndexOf("AssignOp");
        for (const c of parts.slice(lastOp + 1)) walk(c, scope);
        const assigned = parts[lastOp + 1];
        if (!assigned) return;
        const value = unwrap(assigned);
        // `default_args["retries"] = 2`: the dict holds keys we no longer see.
        for (const t of parts.slice(0, lastOp)) {
          const base = t.name === "MemberExpression" ? t.firstChild : null;
          forgetElements(base);
          const b = base?.name === "VariableName" ? vars.get(text(base)) : undefined;
          if (b?.kind === "dict") (b.dict as { open: boolean }).open = true;
          // `dag.on_failure_callback = alert` after the DAG is made sets it as the argument does.
          const attribute = t.name === "MemberExpression" ? t.lastChild : null;
          if (b?.kind === "dag" && attribute?.name === "PropertyName") {
            (b.dag.kwargs as Map<string, PyNode>).set(text(attribute), assigned);
          }
        }
        /** `name = value`, as the statement binds one name to one value. */
        const bind = (t: PyNode, value: PyNode) => {
          const pathString = scope.inFunction
            ? null
            : pathCallString(value, text, dotted, boundString);
          const name = text(t);
          callBound.delete(name);
          if (!scope.inFunction) constants.set(name, value);
          shadowHelper(scope, name);
          const dict =
            (value.name === "CallExpression" && dotted(value.firstChild) === "dict") ||
            (value.name === "BinaryExpression" && dictOf(value) !== null);
          if (value.name === "DictionaryExpression" || dict) {
            const d = dictOf(value);
            if (d) {
              vars.set(name, { kind: "dict", dict: d });
              const imported = usesIn(value);
              if (imported.length > 0) dictUses.set(d, imported);
            }
          } else if (isStringNode(value)) {
            // A function's own string is local to it: the module-level binding stays.
            if (!scope.inFunction) vars.set(name, { kind: "string", node: value });
          } else if (pathString) {
            // `DATA = Path("/home/ana/data")`, `OUT = os.path.join("/home/ana", "out")`: the
            // path is the string the call starts from.
            vars.set(name, { kind: "string", node: pathString });
          } else if (
            value.name === "CallExpression" &&
            lastSegment(dotted(value.firstChild) ?? "") === "TaskGroup"
          ) {
            const g = registerGroup(parseArgs(childNamed(value, "ArgList")), scope, null);
            groupScopes.set(name, g);
            const full = g.groups[g.groups.length - 1] ?? "";
            vars.set(name, { kind: "tasks", endpoints: [GROUP + full], xcomArg: false });
          } else if (
            value.name === "CallExpression" &&
            lastSegment(dotted(value.firstChild) ?? "") === "DAG"
          ) {
            const at = span(value);
            const dag = dags.find((d) => d.span.line === at.line && d.span.column === at.column);
            if (dag) vars.set(name, { kind: "dag", dag });
          } else if (
            value.name === "CallExpression" &&
            dagFunctions.has(dotted(value.firstChild) ?? "")
          ) {
            // `d = my_dag()`: the DAG the @dag function builds.
            vars.set(name, {
              kind: "dag",
              dag: dagFunctions.get(dotted(value.firstChild) ?? "") as DagDecl,
            });
          } else {
            const ends = endpoints(value);
            const groupFn = rootName(value.firstChild);
            const applied = ends.length > 0 ? null : taskflowApplication(value);
            if (ends.length > 0) {
              const xcomArg =
                value.name === "CallExpression" &&
                ends.every((e) => firstTask.get(e)?.startsWith("@"));
              const elements = elementEndpoints(value);
              vars.set(name, {
                kind: "tasks",
                endpoints: ends,
                xcomArg,
                ...(elements && { elements }),
              });
            } else if (applied) {
              // `train = task(train_model, retries=0)`: calling `train` makes the task.
              taskflowFns.set(name, applied);
              vars.delete(name);
            } else if (value.name === "CallExpression" && groupFn && taskGroupFns.has(groupFn)) {
              vars.set(name, {
                kind: "tasks",
                endpoints: [GROUP + (taskGroupFns.get(groupFn) ?? groupFn)],
                xcomArg: false,
              });
            } else {
              vars.delete(name);
              // A call of a function this file defines made its tasks where it is defined.
              const callee = value.name === "CallExpression" ? rootName(value.firstChild) : null;
              if (value.name === "CallExpression" && !(callee && functionDefs.has(callee))) {
                callBound.add(name);
              }
            }
          }
        };
        const lhs = parts.slice(0, lastOp);
        if (lhs.some((c) => c.name === ",")) {
          // `load, report = A(...), B(...)`, `a, b = b, a`: each name its own value, all read
          // before any is bound; what an unpacking of anything else binds is not known.
          const names = lhs.filter((c) => !PUNCTUATION.has(c.name));
          const listed = parts.slice(lastOp + 1).filter((c) => !PUNCTUATION.has(c.name));
          const values =
            (listed.length === 1 ? displayElements(listed[0] as PyNode) : null) ?? listed;
          const paired =
            values.length === names.length &&
            !values.some((v) => v.name === "*") &&
            names.every((n) => n.name === "VariableName");
          const setOrDelete = (name: string, b: Binding | undefined) => {
            if (b) vars.set(name, b);
            else vars.delete(name);
          };
          const before = new Map(
            values
              .filter((v) => v.name === "VariableName")
              .map((v) => [text(v), vars.get(text(v))]),
          );
          names.forEach((t, i) => {
            if (t.name !== "VariableName") return;
            const v = values[i];
            if (!paired || !v) {
              const name = text(t);
              vars.delete(name);
              callBound.delete(name);
              if (!scope.inFunction) constants.delete(name);
              shadowHelper(scope, name);
              return;
            }
            const read = v.name === "VariableName" ? text(v) : null;
            const now = read === null ? undefined : vars.get(read);
            if (read !== null) setOrDelete(read, before.get(read));
            bind(t, unwrap(v));
            if (read !== null && read !== text(t)) setOrDelete(read, now);
          });
          return;
        }
        for (const t of parts.slice(0, lastOp).filter((c) => c.name === "VariableName")) {
          bind(t, value);
        }
        return;
      }
      case "CallExpression":
        handleCall(node, scope);
        return;
      case "UpdateStatement":
      case "DeleteStatement": {
        // `default_args |= {...}`, `default_args += ...`: the dict holds keys we cannot see, as
        // after `.update(...)`; `ops += [...]`, `del ops[0]`: `ops[i]` may be another element.
        for (const t of node.name === "UpdateStatement" ? [node.firstChild] : children(node)) {
          const name = t?.name === "MemberExpression" ? t.firstChild : t;
          const b = name?.name === "VariableName" ? vars.get(text(name)) : undefined;
          if (b?.kind === "dict") (b.dict as { open: boolean }).open = true;
          forgetElements(name);
        }
        break;
      }
      case "BinaryExpression": {
        // `a >> b >> c ...` nests to the left as deep as the chain is long: the left spine is
        // walked in a loop, innermost first, so a chain of thousands never runs out of stack.
        const spine: PyNode[] = [];
        let left: PyNode | null = node;
        while (left?.name === "BinaryExpression") {
          spine.push(left);
          left = left.firstChild;
        }
        if (left) walk(left, scope);
        for (let i = spine.length - 1; i >= 0; i--) {
          const b = spine[i] as PyNode;
          for (let c = b.firstChild?.nextSibling; c; c = c.nextSibling) walk(c, scope);
          edge(b);
        }
        return;
      }
    }
    walkChildren(node, scope);
  };

  // A module-level name assigned one plain string, once (`MODEL_KEY = "model_uri"`), and never
  // bound again anywhere in the file: every other place the name appears is an argument of a
  // call (`key=MODEL_KEY`). Any other use (a second assignment, a with/for/except target, an
  // import, a parameter, a tuple or augmented assignment, global, ...) leaves it unread: the
  // check then holds back. The file is scanned for this once, and only when a key is a name.
  let uses: Map<string, { assigned: number; elsewhere: boolean }> | null = null;
  /** Where a name is only read: a call's argument, what a return gives (a branch's target). */
  const READS = new Set([
    "ArgList",
    "ReturnStatement",
    "ArrayExpression",
    "TupleExpression",
    "ConditionalExpression",
  ]);
  const constantString = (name: string): string | null => {
    const value = constants.get(name);
    if (value?.name !== "String") return null;
    if (uses === null) {
      const seen = new Map<string, { assigned: number; elsewhere: boolean }>();
      const visit = (n: PyNode) => {
        if (n.name === "VariableName") {
          const text = textOf(source, n);
          const parent = n.parent;
          const use = seen.get(text) ?? { assigned: 0, elsewhere: false };
          seen.set(text, use);
          if (
            parent?.name === "AssignStatement" &&
            parent.parent?.name === "Script" &&
            n.nextSibling?.name === "AssignOp" &&
            n.prevSibling === null
          ) {
            use.assigned++;
          } else if (!READS.has(parent?.name ?? "")) use.elsewhere = true;
        }
        for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
      };
      visit(root);
      uses = seen;
    }
    const use = uses.get(name);
    if (use?.assigned !== 1 || use.elsewhere) return null;
    const text = stringValue(source, value);
    // The assignment must be this one plain statement: `NAME = "..."`, nothing chained.
    const statement = value.parent;
    return statement?.name === "AssignStatement" &&
      statement.parent?.name === "Script" &&
      statement.firstChild?.name === "VariableName" &&
      statement.firstChild.nextSibling?.name === "AssignOp" &&
      statement.firstChild.nextSibling.nextSibling === value &&
      value.nextSibling === null
      ? text
      : null;
  };
  walk(root, {
    groups: [],
    prefix: "",
    dag: null,
    inFunction: false,
    loop: false,
    once: true,
    repeats: false,
    typeChecking: false,
    helper: null,
    inClass: false,
    within: null,
  });

  // A task defined outside any DAG context belongs to the file's only DAG, when there is one.
  const onlyDagDecl = dags.length === 1 ? (dags[0] ?? null) : null;
  const onlyDag = onlyDagDecl?.id ?? null;

  // Names bound to the project's own code (`from mycompany.utils import publish`): a callable
  // calling one may push XComs there (through get_current_context()), unseen from this file.
  // Made on the first call it is asked about (most files' callables call nothing unknown).
  let projectNames: Set<string> | null = null;
  const projectCall = (callee: string): boolean => {
    if (projectNames === null) {
      projectNames = new Set<string>();
      for (const i of imports) {
        if (isLibraryModule(i.module)) continue;
        projectNames.add(i.as ?? i.name ?? i.module.split(".")[0] ?? "");
      }
    }
    const dot = callee.indexOf(".");
    return projectNames.has(dot === -1 ? callee : callee.slice(0, dot));
  };
  const facts = functionFacts(
    source,
    lines,
    functionDefs,
    parseArgs,
    dotted,
    projectCall,
    constantString,
  );

  const edges: [string, string][] = [];
  // Group → the ids of its tasks (nested groups' too), for edges that name a group.
  const groupTasks = new Map<string, string[]>();
  for (const t of tasks) {
    for (const g of t.groups) {
      const list = groupTasks.get(g);
      if (list) list.push(t.id);
      else groupTasks.set(g, [t.id]);
    }
  }
  const expand = (e: string) =>
    e.startsWith(GROUP) ? (groupTasks.get(e.slice(GROUP.length)) ?? []) : [e];
  const dagsOfId = new Map<string, Set<DagDecl>>();
  for (const t of tasks) {
    if (!t.dagDecl) continue;
    const set = dagsOfId.get(t.id);
    if (set) set.add(t.dagDecl);
    else dagsOfId.set(t.id, new Set([t.dagDecl]));
  }
  const sharedIds = new Set([...dagsOfId].filter(([, d]) => d.size > 1).map(([id]) => id));
  const node = (id: string, dag: DagDecl | null) =>
    sharedIds.size > 0 ? graphNode({ dags, sharedIds }, id, dag) : id;
  const teardowns = new Map<string, boolean | null>();
  for (const [id, dag, value] of teardownCalls) {
    const key = node(id, dag);
    teardowns.set(
      key,
      value === undefined ? (teardowns.has(key) ? (teardowns.get(key) ?? null) : false) : value,
    );
  }
  for (const [a, b, dag] of rawEdges) {
    for (const x of expand(a)) {
      for (const y of expand(b)) if (x !== y) edges.push([node(x, dag), node(y, dag)]);
    }
  }
  // The dependencies Airflow surely sets, as a path at least: a group stands for all its tasks
  // (each is reached from a root of the group and reaches a leaf), a task for itself (`a >> a`
  // too); none that only approximates one, and none through a group made again by a second call.
  const dependencies: Dependency[] = [];
  const copied = [...groupCalls].some(([, n]) => n > 1);
  for (const [a, b, dag, at, approximate] of copied ? [] : rawEdges) {
    if (approximate) continue;
    const where = at ? span(at) : null;
    for (const x of expand(a)) {
      for (const y of expand(b)) {
        if (x === y && (a !== b || a.startsWith(GROUP))) continue;
        dependencies.push({ up: node(x, dag), down: node(y, dag), at: where });
      }
    }
  }

  const done: DagTask[] = tasks.map((t) => {
    // A task of an operator class of the file runs its execute(), as a callable.
    const execute = t.callableName === null ? operatorClasses.get(t.operator) : undefined;
    let fn = t.callableName ? facts(t.callableName) : null;
    if (execute) {
      const key = `${t.operator}.execute#${execute.from}`;
      functionDefs.set(key, execute);
      fn = facts(key);
    }
    const produced = producedKeys(
      t.operator,
      t.kwargs,
      fn,
      source,
      execute !== undefined,
      t.operator === "KubernetesPodOperator" || t.operator === "@task.kubernetes"
        ? taskSetting({ groups }, { ...t, dagDecl: t.dagDecl ?? onlyDagDecl }, "do_xcom_push")
        : null,
    );
    const pushSpans = produced.pushSpans;
    let pushes = produced.pushes;
    if (pushes && t.templatePushes.includes(null)) pushes = null;
    else if (pushes) for (const k of t.templatePushes) if (k !== null) pushes.add(k);
    if (fn) {
      for (const s of fn.strings)
        strings.push({ task: t.id, where: `function ${fn.name}`, node: s });
      // Module-level strings the function reads by name (`open(f"{OUT_DIR}/x.csv")`), and the
      // strings in module-level dicts, lists and tuples it reads (`PATHS["raw"]`).
      for (const name of fn.names) {
        const b = vars.get(name);
        if (b?.kind === "string")
          strings.push({ task: t.id, where: `function ${fn.name}`, node: b.node });
        const value = constants.get(name);
        if (value && COLLECTIONS.has(value.name)) {
          for (const node of stringsIn(value))
            strings.push({ task: t.id, where: `function ${fn.name}`, node });
        }
      }
    }
    // Spelled out: an object rest and spread per task was a tenth of the analysis.
    return {
      id: t.id,
      dynamic: t.dynamic,
      attached: t.attached,
      creation: t.creation,
      span: t.span,
      node: t.node,
      operator: t.operator,
      isSensor: t.isSensor,
      kwargs: t.kwargs,
      kwargsOpen: t.kwargsOpen,
      groups: t.groups,
      dag: t.dag ?? onlyDag,
      dagDecl: t.dagDecl ?? onlyDagDecl,
      callable: fn,
      callArgs: t.callArgs,
      pushes,
      pushSpans,
      pulls: fn ? [...t.templatePulls, ...fn.pulls] : t.templatePulls,
    };
  });

  if (dags.some((d) => d.kwargs.has("params"))) paramDefaultStrings(done);

  // @dag functions the file never calls when it is parsed: Airflow finds no DAG of theirs. One
  // named anywhere but its definition (a list of them, an argument) may be called out of sight;
  // not under `if __name__ == "__main__":`, which never runs when Airflow imports the file.
  const uncalledDagFunctions: { name: string; span: Span }[] = [];
  if (dagFunctionNames.size > 0) {
    const called = new Set<string>();
    for (const c of topLevelCalls) called.add(c.callee);
    for (const calls of helperCalls.values()) for (const c of calls) called.add(c.callee);
    const candidates = [...dagFunctionNames].filter(([name]) => !called.has(name));
    if (candidates.length > 0) {
      const named = new Set<string>();
      const wanted = new Set(candidates.map(([name]) => name));
      const visit = (n: PyNode) => {
        if (
          n.name === "VariableName" &&
          wanted.has(text(n)) &&
          n.parent?.name !== "FunctionDefinition"
        ) {
          named.add(text(n));
        }
        const cond = n.name === "IfStatement" ? n.firstChild?.nextSibling : null;
        const guarded = cond && MAIN_GUARD.test(text(cond)) ? childNamed(n, "Body") : null;
        for (let c = n.firstChild; c; c = c.nextSibling) if (c !== guarded) visit(c);
      };
      visit(root);
      for (const [name, node] of candidates) {
        if (!named.has(name)) uncalledDagFunctions.push({ name, span: span(node) });
      }
    }
  }

  // A DAG Airflow finds only through the module's names: made by a plain call in a loop, never
  // entered by a `with` (which registers it), and not stored by the loop into the module's
  // names (`globals()[dag_id] = dag`).
  /** The name a statement binds its value to (`d = ...`), or null. */
  const boundName = (value: PyNode): string | null => {
    const assign = value.parent?.name === "AssignStatement" ? value.parent : null;
    const target = assign?.firstChild;
    return target?.name === "VariableName" &&
      target.nextSibling?.name === "AssignOp" &&
      target.nextSibling.nextSibling === value
      ? text(target)
      : null;
  };
  const unregisteredDags: UnregisteredDag[] = loopDags
    .filter(({ dag, loop }) => !enteredDags.has(dag) && !KEEPS_IN_MODULE.test(text(loop)))
    .map(({ dag, node }) => ({ dag, span: span(node), name: boundName(node), factory: null }));
  // A factory: a module-level function that makes a DAG by a plain `DAG(...)` call no `with`
  // enters, and returns it. A module-level call that drops what it returns, or binds it to a name
  // each pass of a loop binds again, loses the DAG as a loop's own `DAG(...)` does. Not judged in
  // a file that keeps things among the module's names or enters DAGs by hand.
  if (functionDags.length > 0 && !KEEPS_IN_MODULE.test(own) && !/__enter__|DagContext/.test(own)) {
    const factories = new Map<string, DagDecl>();
    for (const { dag, node } of functionDags) {
      if (enteredDags.has(dag)) continue;
      let fn: PyNode | null = node.parent;
      while (fn && fn.name !== "FunctionDefinition") fn = fn.parent;
      // Defined at module level, undecorated (a decorator may do anything with the result).
      if (fn?.parent?.name !== "Script") continue;
      const name = childNamed(fn, "VariableName");
      const body = childNamed(fn, "Body");
      if (!name || !body) continue;
      const bound = boundName(node);
      const returned =
        node.parent?.name === "ReturnStatement" ||
        (bound !== null && new RegExp(`^\\s*return\\s+${bound}\\s*$`, "m").test(text(body)));
      if (returned) factories.set(text(name), dag);
    }
    for (const call of topLevelCalls) {
      const dag = factories.get(call.callee);
      if (call.within !== null || !call.node || !dag) continue;
      const statement = call.node.parent;
      if (statement?.name === "ExpressionStatement") {
        unregisteredDags.push({
          dag,
          span: call.span,
          name: null,
          factory: call.callee,
          inLoop: outermostLoop(call.node) !== null,
        });
        continue;
      }
      const name = boundName(call.node);
      if (name !== null && outermostLoop(call.node) !== null) {
        unregisteredDags.push({ dag, span: call.span, name, factory: call.callee, inLoop: true });
      }
    }
  }

  // What a file importing a name from this one as a module reads (ModuleLookup).
  const dicts = new Map<string, { dict: ArgDict; imports: readonly ImportedDict[] }>();
  for (const [name, value] of constants) {
    const b = vars.get(name);
    if (b?.kind === "dict" && b.dict.node === value) {
      dicts.set(name, { dict: b.dict, imports: dictUses.get(b.dict) ?? [] });
    }
  }

  return {
    source,
    lines: grafts.length > 0 ? (allLines ?? new LineIndex(source)) : lines,
    syntaxError: syntax
      ? { span: lines.span(syntax.from, syntax.to), detail: syntax.detail }
      : null,
    syntaxUnchecked: syntax === undefined || modulesUnchecked,
    mlgenComments: own.includes("mlgen") ? mlgenComments(own, root, lines) : new Map(),
    stringStatements: own.includes("mlgen") ? stringStatements(root, lines) : new Map(),
    executionDateAttributes: own.includes(".execution_date")
      ? executionDateAttributes(own, root)
      : [],
    sdkVariableDefaultVars: own.includes("default_var") ? sdkVariableDefaultVars(own, root) : [],
    dags,
    tasks: done,
    groups,
    edges,
    dependencies,
    // An id that tasks of two DAGs share names either of them: no telling which is meant.
    crossDagDependencies: crossDag.filter((e) => !sharedIds.has(e.up) && !sharedIds.has(e.down)),
    uncalledDagFunctions,
    unregisteredDags,
    sharedIds,
    dynamicIds,
    groupCopies: new Map(
      [...groupCalls].filter(([, n]) => n > 1).map(([g, n]) => [g, n - 1] as const),
    ),
    edgesIncomplete,
    teardowns,
    refusedDependencies,
    readsTemplateFiles,
    templateRefs,
    templates: [],
    missingTemplates: [],
    constants,
    constantString,
    imports,
    topLevelCalls,
    helperCalls,
    strings,
    allStrings,
    dicts,
    grafts,
  };

  /**
   * A DAG's `params` defaults reach the tasks that read them (`{{ params.input }}`,
   * `params["input"]`) on every run that passes no conf, as the DSL's param defaults do: each
   * string of a read param's default (a plain value, `Param(default)`) becomes a string of the
   * first task that reads it, named `the default of param '<name>'`.
   */
  function paramDefaultStrings(tasks: readonly DagTask[]): void {
    const readsInText =
      /\bparams(?:\.(\w+)|\[\s*['"]([^'"]+)['"]\s*\]|\.get\(\s*['"]([^'"]+)['"])/g;
    /** The key a string literal in code reads from params (`params["k"]`, `params.get("k")`). */
    const keyRead = (node: PyNode): boolean => {
      const parent = node.parent;
      if (parent?.name === "MemberExpression" && parent.firstChild?.from !== node.from) {
        const base = parent.firstChild ? text(parent.firstChild) : "";
        return /(?:^|\.)params$|\[\s*['"]params['"]\s*\]$/.test(base);
      }
      const call = parent?.name === "ArgList" ? parent.parent : null;
      return (
        call?.name === "CallExpression" &&
        parent?.firstChild?.nextSibling?.from === node.from &&
        /(?:^|\.)params\.get$|\[\s*['"]params['"]\s*\]\.get$/.test(text(call.firstChild as PyNode))
      );
    };
    const reader = new Map<DagDecl, Map<string, string>>();
    const dagOf = new Map(tasks.map((t) => [t.id, t.dagDecl] as const));
    for (const s of strings) {
      const dag = dagOf.get(s.task);
      if (!dag) continue;
      const found = reader.get(dag) ?? new Map<string, string>();
      reader.set(dag, found);
      const raw = text(s.node);
      if (raw.includes("params")) {
        for (const m of raw.matchAll(readsInText)) {
          const key = m[1] ?? m[2] ?? m[3];
          if (key && !found.has(key)) found.set(key, s.task);
        }
      }
      if (s.node.name === "String" && keyRead(s.node)) {
        const key = stringValue(source, s.node);
        if (key !== null && !found.has(key)) found.set(key, s.task);
      }
    }
    for (const dag of dags) {
      const params = dictOf(dag.kwargs.get("params"));
      const found = reader.get(dag);
      if (!params || !found) continue;
      for (const [name, value] of params.entries) {
        const task = found.get(name);
        if (task === undefined) continue;
        let defaults: PyNode | undefined = value;
        if (
          value.name === "CallExpression" &&
          /(?:^|\.)Param$/.test(dotted(value.firstChild) ?? "")
        ) {
          const args = parseArgs(childNamed(value, "ArgList"));
          defaults = args.positional[0] ?? args.kwargs.get("default");
        }
        if (!defaults) continue;
        for (const node of stringsIn(defaults)) {
          strings.push({ task, where: `the default of param '${name}'`, node });
        }
      }
    }
  }

  function producedKeys(
    operator: string,
    kwargs: ReadonlyMap<string, PyNode>,
    fn: (FunctionFacts & { strings: PyNode[]; names: string[] }) | null,
    src: string,
    ownOperator: boolean,
    xcomPush: PyNode | "unknown" | null,
  ): { pushes: Set<string> | null; pushSpans: readonly Push[] } {
    const flag = (name: string) => {
      const v = kwargs.get(name);
      return v ? textOf(src, v) : null;
    };
    const noReturn = flag("do_xcom_push") === "False";
    if (NO_XCOM_OPERATORS.has(operator)) return { pushes: new Set(), pushSpans: [] };
    if (operator === "KubernetesPodOperator" || operator === "@task.kubernetes") {
      // It pushes the pod's name and namespace, and the container's /airflow/xcom/return.json
      // only with do_xcom_push=True: its default is False (providers/cncf/kubernetes pod.py),
      // for @task.kubernetes too (a KubernetesPodOperator, which writes the function's return
      // value to /dev/null unless do_xcom_push=True).
      const push =
        xcomPush === "unknown" ? "unknown" : xcomPush === null ? null : textOf(src, xcomPush);
      if (push !== null && push !== "True" && push !== "False")
        return { pushes: null, pushSpans: [] };
      if (operator === "KubernetesPodOperator" || push !== "True") {
        const keys = ["pod_name", "pod_namespace", ...(push === "True" ? ["return_value"] : [])];
        return { pushes: new Set(keys), pushSpans: [] };
      }
    }
    if (flag("multiple_outputs") === "True" && !fn) return { pushes: null, pushSpans: [] };
    if (operator === "BashOperator" || operator === "@task.bash") {
      if (kwargs.has("multiple_outputs") || kwargs.has("output_processor")) {
        return { pushes: null, pushSpans: [] };
      }
      return { pushes: new Set(noReturn ? [] : ["return_value"]), pushSpans: [] };
    }
    if (ownOperator) {
      // BaseOperator pushes what execute() returns, as return_value (no multiple_outputs).
      if (!fn || fn.opaquePushes) return { pushes: null, pushSpans: fn?.pushes ?? [] };
      const keys = new Set(fn.pushes.map((p) => p.key));
      if (fn.returnsValue && !noReturn) keys.add("return_value");
      return { pushes: keys, pushSpans: fn.pushes };
    }
    const pythonic = PYTHON_OPERATORS.has(operator) || RETURNING_DECORATORS.has(operator);
    if (!pythonic || !fn || fn.opaquePushes) return { pushes: null, pushSpans: fn?.pushes ?? [] };
    const keys = new Set(fn.pushes.map((p) => p.key));
    if (fn.returnsValue && !noReturn) {
      keys.add("return_value");
      const multiple = multipleOutputs(flag("multiple_outputs"), operator, fn);
      if (multiple === null) return { pushes: null, pushSpans: fn.pushes };
      if (multiple) {
        if (fn.returnKeys === null) return { pushes: null, pushSpans: fn.pushes };
        for (const k of fn.returnKeys) keys.add(k);
      }
    }
    return { pushes: keys, pushSpans: fn.pushes };
  }
}

/** Whether a task pushes one XCom per returned key; null when that cannot be told. */
function multipleOutputs(
  given: string | null,
  operator: string,
  fn: FunctionFacts,
): boolean | null {
  if (given === "True") return true;
  if (given === "False") return false;
  if (given !== null) return null;
  // Without the argument, TaskFlow infers it from a Mapping return annotation.
  return operator.startsWith("@") ? fn.returnsMapping : false;
}

/** A function's docstring: its body's first statement, when that is a string literal. */
function docstringOf(body: PyNode): PyNode | null {
  let first = body.firstChild;
  while (first && (first.name === ":" || first.name === "Comment")) first = first.nextSibling;
  const only = first?.name === "ExpressionStatement" ? first.firstChild : null;
  // Nodes are fresh objects on each access: compare positions, not identity.
  return only && only.to === first?.to && isStringNode(only) ? only : null;
}

/** Reads what each function of the file pushes, pulls and returns; memoized, follows calls. */
/**
 * Packages that push no XCom of a task's: the standard library's common modules, Airflow and
 * the libraries DAG code calls. A function imported from any other module (the project's own
 * helpers) may push through get_current_context().
 */
const LIBRARIES: ReadonlySet<string> = new Set(
  (
    "__future__ abc argparse ast asyncio base64 bisect calendar collections concurrent contextlib copy csv " +
    "dataclasses datetime decimal difflib enum fnmatch functools getpass glob gzip hashlib heapq hmac html " +
    "http importlib inspect io ipaddress itertools json logging math mimetypes multiprocessing numbers " +
    "operator os pathlib pickle platform pprint queue random re secrets shlex shutil signal socket sqlite3 " +
    "ssl statistics string struct subprocess sys tarfile tempfile textwrap threading time timeit traceback " +
    "types typing unicodedata urllib uuid warnings weakref xml zipfile zlib zoneinfo " +
    "airflow pendulum pandas numpy scipy sklearn requests httpx boto3 botocore google azure sqlalchemy " +
    "psycopg2 pymysql mlflow torch tensorflow keras xgboost lightgbm catboost great_expectations pyarrow " +
    "polars duckdb pyspark dask snowflake kubernetes yaml jinja2 pydantic joblib matplotlib seaborn plotly " +
    "s3fs fsspec gcsfs paramiko slack_sdk redis pymongo elasticsearch kafka confluent_kafka docker " +
    "smart_open tqdm click attrs attr dateutil pytz six tenacity openai transformers datasets"
  ).split(" "),
);

const isLibraryModule = (module: string) => {
  const dot = module.indexOf(".");
  return dot !== 0 && LIBRARIES.has(dot === -1 ? module : module.slice(0, dot));
};

/** Objects whose `execution_date` Airflow 3 removed: the task instance and the DAG run. */
const RUN_OBJECTS =
  /^(?:ti|task_instance|dag_run|dagrun|context\[["'](?:ti|task_instance|dag_run)["']\]|kwargs\[["'](?:ti|task_instance|dag_run)["']\])$/;

/** `ti.execution_date`, `context["dag_run"].execution_date`, ... in the file's code. */
function executionDateAttributes(source: string, root: PyNode): PyNode[] {
  const out: PyNode[] = [];
  const visit = (n: PyNode): void => {
    if (n.name === "MemberExpression") {
      const prop = n.lastChild;
      const base = n.firstChild;
      if (
        prop?.name === "PropertyName" &&
        source.slice(prop.from, prop.to) === "execution_date" &&
        base &&
        RUN_OBJECTS.test(source.slice(base.from, base.to).replace(/\s+/g, ""))
      ) {
        out.push(n);
      }
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(root);
  return out;
}

/** Modules whose `Variable` is the Task SDK's (Airflow 3): its get() takes `default=`. */
const SDK_VARIABLE_MODULES = new Set(["airflow.sdk", "airflow.sdk.definitions.variable"]);

/**
 * `default_var=` passed to the Task SDK's `Variable.get` (`from airflow.sdk import Variable`,
 * `... as V`, `import airflow.sdk as sdk; sdk.Variable.get`), whose parameter is `default`: a
 * TypeError on Airflow 3. airflow.models' Variable.get still takes `default_var`, so a name
 * some other import binds too is the SDK's only when that other import is an `except` clause's
 * fallback (`try: from airflow.sdk import Variable except ImportError: from airflow.models ...`).
 */
function sdkVariableDefaultVars(source: string, root: PyNode): { call: PyNode; keyword: PyNode }[] {
  const text = (n: PyNode) => source.slice(n.from, n.to);
  /** Names bound by imports: to the SDK's Variable (true) or to something else (false). */
  const classes = new Map<string, { sdk: boolean; fallback: boolean }[]>();
  /** Names bound to the airflow.sdk module: `sdk`, `airflow.sdk`. */
  const modules = new Set<string>();
  const bind = (name: string, sdk: boolean, fallback: boolean) => {
    classes.set(name, [...(classes.get(name) ?? []), { sdk, fallback }]);
  };
  const calls: PyNode[] = [];
  const visit = (n: PyNode, inExcept: boolean): void => {
    if (n.name === "ImportStatement") {
      const parts: PyNode[] = [];
      for (let c = n.firstChild; c; c = c.nextSibling) parts.push(c);
      const fromIdx = parts.findIndex((c) => c.name === "from");
      const importIdx = parts.findIndex((c) => c.name === "import");
      if (fromIdx >= 0) {
        const module = parts
          .slice(fromIdx + 1, importIdx)
          .map(text)
          .join("");
        for (let i = importIdx + 1; i < parts.length; i++) {
          const c = parts[i] as PyNode;
          if (c.name !== "VariableName" || parts[i - 1]?.name === "as") continue;
          const alias = parts[i + 1]?.name === "as" ? parts[i + 2] : undefined;
          const bound = alias?.name === "VariableName" ? text(alias) : text(c);
          if (module === "airflow" && text(c) === "sdk") modules.add(bound);
          else bind(bound, SDK_VARIABLE_MODULES.has(module) && text(c) === "Variable", inExcept);
        }
      } else {
        let module = "";
        for (let i = importIdx + 1; i <= parts.length; i++) {
          const c = parts[i];
          if (!c || c.name === ",") {
            if (module === "airflow.sdk") modules.add(module);
            module = "";
          } else if (c.name === "as") {
            const alias = parts[i + 1];
            if (module === "airflow.sdk" && alias?.name === "VariableName")
              modules.add(text(alias));
            module = "";
            i++;
          } else module += text(c);
        }
      }
      return;
    }
    if (n.name === "CallExpression") calls.push(n);
    let afterExcept = false;
    for (let c = n.firstChild; c; c = c.nextSibling) {
      if (n.name === "TryStatement" && c.name !== "Body") {
        afterExcept = c.name === "except" ? true : c.name === "try" ? false : afterExcept;
        if (c.name === "else" || c.name === "finally") afterExcept = false;
      }
      visit(c, inExcept || (n.name === "TryStatement" && c.name === "Body" && afterExcept));
    }
  };
  visit(root, false);
  const isSdkClass = (name: string): boolean => {
    const bindings = classes.get(name) ?? [];
    const sdk = bindings.filter((b) => b.sdk);
    return sdk.some((b) => !b.fallback) && bindings.every((b) => b.sdk || b.fallback);
  };
  const out: { call: PyNode; keyword: PyNode }[] = [];
  for (const call of calls) {
    const callee = call.firstChild;
    if (callee?.name !== "MemberExpression" || text(callee.lastChild ?? callee) !== "get") continue;
    const owner = callee.firstChild;
    if (!owner) continue;
    const ownerText = text(owner).replace(/\s+/g, "");
    const dot = ownerText.lastIndexOf(".");
    const sdk =
      dot === -1
        ? owner.name === "VariableName" && isSdkClass(ownerText)
        : ownerText.slice(dot + 1) === "Variable" && modules.has(ownerText.slice(0, dot));
    if (!sdk) continue;
    const args = call.lastChild;
    if (args?.name !== "ArgList") continue;
    for (let a = args.firstChild; a; a = a.nextSibling) {
      if (
        a.name === "VariableName" &&
        text(a) === "default_var" &&
        a.nextSibling?.name === "AssignOp"
      ) {
        out.push({ call, keyword: a });
      }
    }
  }
  return out;
}

/** The file's comments that mention mlgen, by line (comments can sit anywhere in the tree). */
function mlgenComments(source: string, root: PyNode, lines: LineIndex): Map<number, string> {
  const out = new Map<number, string>();
  const visit = (n: PyNode): void => {
    if (n.name === "Comment") {
      const text = source.slice(n.from, n.to);
      if (text.includes("mlgen")) out.set(lines.position(n.from).line, text);
      return;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(root);
  return out;
}

/**
 * Each line of a string that spans lines, with the line its statement starts on and the
 * string's first and last lines: a finding there can be silenced only from outside the string.
 */
function stringStatements(
  root: PyNode,
  lines: LineIndex,
): Map<number, readonly [statement: number, first: number, last: number]> {
  const out = new Map<number, readonly [number, number, number]>();
  const visit = (n: PyNode): void => {
    if (n.name === "String" || n.name === "FormatString") {
      const first = lines.position(n.from).line;
      const last = lines.position(n.to).line;
      if (last === first) return;
      let statement = n;
      while (
        statement.parent &&
        statement.parent.name !== "Body" &&
        statement.parent.name !== "Script"
      ) {
        statement = statement.parent;
      }
      const start = lines.position(statement.from).line;
      for (let l = first; l <= last; l++) out.set(l, [start, first, last]);
      return;
    }
    for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(root);
  return out;
}

/** The function or class whose body holds `node` (null: the module's). */
function enclosingFunction(node: PyNode): PyNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.name === "FunctionDefinition" || p.name === "ClassDefinition") return p;
  }
  return null;
}

function functionFacts(
  source: string,
  lines: LineIndex,
  defs: ReadonlyMap<string, PyNode>,
  parseArgs: (argList: PyNode | null) => CallArguments,
  dotted: (node: PyNode | null) => string | null,
  projectCall: (callee: string) => boolean,
  constant: (name: string) => string | null,
): (name: string) => (FunctionFacts & { strings: PyNode[]; names: string[] }) | null {
  const memo = new Map<string, (FunctionFacts & { strings: PyNode[]; names: string[] }) | null>();
  const own = (name: string): (FunctionFacts & { strings: PyNode[]; names: string[] }) | null => {
    const def = defs.get(name);
    // `python_callable=lambda ti: ...`: its body is the one expression it returns.
    const lambda = def?.name === "LambdaExpression";
    const body = lambda ? def.lastChild : childNamed(def, "Body");
    if (!def || !body) return null;
    let returnsValue = false;
    let returnKeys: string[] | null = [];
    const notMappings: { what: string; span: Span; names?: string[] }[] = [];
    const returnedIds: { id: string; span: Span }[] = [];
    /** Names returned as ids (`return FULL`): module-level constants, once the body is read. */
    const returnedNames: { name: string; span: Span }[] = [];
    let returnsOneId = true;
    /** The ids one returned value names; how many it may name (2: more than one). */
    const returnedId = (value: PyNode): number => {
      switch (value.name) {
        case "None":
          return 0;
        case "String":
        case "ContinuedString": {
          const id = stringValue(source, value);
          if (id !== null) returnedIds.push({ id, span: lines.span(value.from, value.to) });
          return 1;
        }
        case "FormatString":
          return 1;
        case "VariableName":
          returnedNames.push({
            name: textOf(source, value),
            span: lines.span(value.from, value.to),
          });
          return 1;
        case "ParenthesizedExpression":
          return value.firstChild?.nextSibling ? returnedId(value.firstChild.nextSibling) : 2;
        case "ConditionalExpression": {
          const sides = [value.firstChild, value.lastChild].filter((c): c is PyNode => c !== null);
          return Math.max(...sides.map(returnedId));
        }
        case "ArrayExpression":
        case "TupleExpression":
        case "SetExpression": {
          let n = 0;
          for (let c = value.firstChild; c; c = c.nextSibling) {
            if (PUNCTUATION.has(c.name) || c.name === "{" || c.name === "}") continue;
            n += c.name === "String" || c.name === "ContinuedString" ? returnedId(c) : 2;
          }
          return n;
        }
        default:
          return 2;
      }
    };
    const returned = (value: PyNode) => {
      // `return "a", "b"`: a tuple without parentheses.
      const values: PyNode[] = [];
      for (let c: PyNode | null = value; c; c = c.nextSibling)
        if (c.name !== "," && c.name !== "Comment") values.push(c);
      const count = values.length > 1 ? 2 : returnedId(value);
      if (values.length > 1) for (const v of values) returnedId(v);
      if (count > 1) returnsOneId = false;
      if (value.name === "None") return;
      returnsValue = true;
      const last = values.at(-1) ?? value;
      const what = values.length > 1 ? "a tuple" : writtenKind(source, value);
      if (what !== null) {
        // `return uri, score`: the names, which a dict in its place would key its values by.
        const items = values.length > 1 ? values : (displayElements(value) ?? []);
        const names = items.map((v) => (v.name === "VariableName" ? textOf(source, v) : ""));
        const span = lines.span(value.from, last.to);
        notMappings.push(
          what === "a tuple" && names.length > 0 && names.every((n) => n !== "")
            ? { what, span, names }
            : { what, span },
        );
      }
      if (value.name === "DictionaryExpression" && returnKeys) {
        const ks = childrenNamed(value, "String")
          .filter((s) => s.nextSibling?.name === ":")
          .map((s) => stringValue(source, s));
        if (ks.some((k) => k === null) || childNamed(value, "**")) returnKeys = null;
        else returnKeys.push(...(ks as string[]));
      } else returnKeys = null;
    };
    if (lambda) returned(body);
    const pushes: Push[] = [];
    let opaquePushes = false;
    /** Keys pushed by name (`key=MODEL_KEY`), and pulls: read once the body's names are known. */
    const namedPushes: { name: string; span: Span }[] = [];
    const rawPulls: { args: string[]; span: Span }[] = [];
    const calls: string[] = [];
    const strs: PyNode[] = [];
    /** Names the body reads that it does not bind: module-level constants, among others. */
    const read = new Set<string>();
    const bound = new Set<string>();
    const contextUses: ContextUse[] = [];
    const use = (name: string, node: PyNode, parameter = false) => {
      if (REMOVED_CONTEXT_NAMES.has(name)) {
        contextUses.push({ name, span: lines.span(node.from, node.to), parameter });
      }
    };
    // Parameters: Airflow passes context variables to the callable by name.
    let contextDict: string | null = null;
    for (const p of childrenNamed(childNamed(def, "ParamList"), "VariableName")) {
      // `p=DATA`: DATA is the default, read from the module, not a parameter.
      if (p.prevSibling?.name === "AssignOp") continue;
      bound.add(textOf(source, p));
      // A lambda's first parameter has nothing before it (no parenthesis).
      const before = p.prevSibling?.name;
      if (before === "**") contextDict = textOf(source, p);
      else if (before === "(" || before === "," || before === "*" || before === undefined) {
        use(textOf(source, p), p, true);
      }
    }
    /** `context[...]` / `kwargs.get(...)`: the `**` parameter, `context`, `get_current_context()`. */
    const isContext = (n: PyNode | null) =>
      !!n &&
      ((n.name === "VariableName" && ["context", "ctx", contextDict].includes(textOf(source, n))) ||
        (n.name === "CallExpression" && dotted(n.firstChild) === "get_current_context"));
    const annotation = childNamed(def, "TypeDef")?.lastChild;
    const returnsMapping = annotation ? isMappingAnnotation(textOf(source, annotation)) : false;
    const docstring = lambda ? null : docstringOf(body);
    const visit = (n: PyNode, nested: boolean) => {
      if (n.name === "String" || n.name === "FormatString" || n.name === "ContinuedString") {
        if (!nested && n.from !== docstring?.from) strs.push(n);
        if (n.name !== "FormatString") return;
      }
      if (n.name === "VariableName" && !nested) {
        const parent = n.parent;
        const assigned =
          (parent?.name === "AssignStatement" && n.nextSibling?.name === "AssignOp") ||
          (parent?.name === "ForStatement" && loopTarget(n));
        (assigned ? bound : read).add(textOf(source, n));
      }
      if (n.name === "MemberExpression" && isContext(n.firstChild) && childNamed(n, "[")) {
        const key = childNamed(n, "String");
        const value = key && stringValue(source, key);
        if (key && value) use(value, key);
      }
      if (n.name === "FunctionDefinition" || n.name === "LambdaExpression") {
        for (let c = n.firstChild; c; c = c.nextSibling) visit(c, true);
        return;
      }
      if (n.name === "ReturnStatement" && !nested) {
        const value = n.firstChild?.nextSibling;
        if (value) returned(value);
      }
      if (n.name === "CallExpression") {
        const callee = dotted(n.firstChild);
        const method = methodOf(source, n.firstChild);
        const args = parseArgs(childNamed(n, "ArgList"));
        if (method === "get" && isContext(n.firstChild?.firstChild ?? null) && args.positional[0]) {
          const value = stringValue(source, args.positional[0]);
          if (value) use(value, args.positional[0]);
        }
        if (method === "xcom_push") {
          const keyNode = args.kwargs.get("key") ?? args.positional[0];
          const key = keyNode ? stringValue(source, keyNode) : null;
          if (key !== null) pushes.push({ key, span: lines.span(n.from, n.to) });
          else if (keyNode?.name === "VariableName") {
            namedPushes.push({ name: textOf(source, keyNode), span: lines.span(n.from, n.to) });
          } else opaquePushes = true;
        } else if (method === "xcom_pull") {
          rawPulls.push({
            args: args.texts.flatMap((t) => splitTopLevel(t)),
            span: lines.span(n.from, n.to),
          });
        } else {
          // The context, the task instance or `context["ti"]` passed on, by position or by name;
          // not another entry (`context["ds"]` to a log line or a format), which pushes nothing.
          const contextEntry = (a: PyNode) => {
            if (a.name !== "MemberExpression" || !isContext(a.firstChild)) return false;
            const open = a.firstChild?.nextSibling;
            if (open?.name !== "[") return true;
            const key = open.nextSibling ? stringValue(source, open.nextSibling) : null;
            return key === null || key === "ti" || key === "task_instance";
          };
          const passesContext = (a: PyNode) =>
            (a.name === "VariableName" && TASK_CONTEXT_NAMES.has(textOf(source, a))) ||
            isContext(a) ||
            contextEntry(a);
          const handsContext =
            args.splat ||
            args.positional.some(passesContext) ||
            [...args.kwargs.values()].some(passesContext);
          if (callee && defs.has(callee)) calls.push(callee);
          else if (handsContext && !/^(print|len|str|repr|type|dict|list)$/.test(callee ?? "")) {
            opaquePushes = true;
          } else if (callee && projectCall(callee)) opaquePushes = true;
        }
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c, nested);
    };
    visit(body, false);
    // Parameter defaults (`def load(path="/data/x.csv")`, `p=DATA_DIR`) are what the task
    // reads when it is not given the argument.
    for (let c = childNamed(def, "ParamList")?.firstChild; c; c = c.nextSibling) {
      if (c.prevSibling?.name === "AssignOp") visit(c, false);
    }
    // A name the function binds anywhere in its body is its own (Python's rule), not the
    // module's constant.
    const named = (n: string) => (bound.has(n) ? null : constant(n));
    for (const r of returnedNames) {
      const id = named(r.name);
      // A name the function binds may hold anything, a list of ids among them.
      if (id === null) returnsOneId = false;
      else returnedIds.push({ id, span: r.span });
    }
    for (const p of namedPushes) {
      const key = named(p.name);
      if (key === null) opaquePushes = true;
      else pushes.push({ key, span: p.span });
    }
    const pulls: Pull[] = rawPulls.map(({ args, span }) => {
      const p = pullArguments(args, named);
      return {
        taskIds: p.taskIds,
        key: p.key,
        otherDag: p.otherDag,
        otherRuns: p.otherRuns,
        span,
        inTemplate: false,
        ownTask: p.ownTask,
      };
    });
    return {
      name: name.replace(/#\d+$/, ""),
      node: def,
      returnsValue,
      returnKeys: returnsValue ? returnKeys : [],
      returnedIds,
      returnsOneId,
      returnsMapping,
      notMappings,
      pushes,
      opaquePushes,
      pulls,
      calls,
      contextUses,
      strings: strs,
      names: [...read].filter((n) => !bound.has(n)),
    };
  };
  const get = (
    name: string,
    seen: Set<string>,
  ): (FunctionFacts & { strings: PyNode[]; names: string[] }) | null => {
    if (memo.has(name)) return memo.get(name) ?? null;
    const base = own(name);
    if (!base) return null;
    seen.add(name);
    let pushes = [...base.pushes];
    let opaque = base.opaquePushes;
    const pulls = [...base.pulls];
    for (const callee of base.calls) {
      if (seen.has(callee)) continue;
      const other = get(callee, seen);
      if (!other) continue;
      pushes = [...pushes, ...other.pushes];
      opaque ||= other.opaquePushes;
      pulls.push(...other.pulls);
    }
    const out = { ...base, pushes, opaquePushes: opaque, pulls };
    memo.set(name, out);
    return out;
  };
  return (name) => get(name, new Set());
}
