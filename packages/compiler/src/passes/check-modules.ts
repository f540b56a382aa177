import {
  closestName,
  type DiagnosticPlace,
  diagnostic,
  effectiveOptions,
  functionRefs,
  OPERATOR_OUTPUT,
  type OutputType,
  outputHandle,
  PARAM_OUTPUT_TYPES,
  type Pipeline,
  type Scalar,
  type Task,
  taskFunction,
  taskOutputs,
  type Value,
} from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import { branchSides } from "./branch-joins.js";
import { type PassContext, suggest, taskPlace } from "./context.js";
import { PYTHON_STDLIB } from "./stdlib.js";

/**
 * Packages installed wherever an mlgen task runs: the engines, what Airflow itself depends on
 * (and has often imported before the task's module), and what the generated code imports
 * (mlflow for tracking, pandas for validations, numpy and scikit-learn with them). A task module
 * of the same top-level name is never the one Python imports.
 */
const INSTALLED: ReadonlySet<string> = new Set([
  "airflow",
  "kfp",
  "pendulum",
  "jinja2",
  "sqlalchemy",
  "pydantic",
  "requests",
  "yaml",
  "mlflow",
  "pandas",
  "numpy",
  "sklearn",
]);

/** Module paths must be importable: relative, `.py`, every segment a Python identifier. */
const MODULE_PATH = /^(?:[A-Za-z_][A-Za-z0-9_]*\/)*[A-Za-z_][A-Za-z0-9_]*\.py$/;

export function moduleName(path: string): string {
  return path.slice(0, -".py".length).split("/").join(".");
}

/**
 * Whether the module binds `name` at top level to something that may be callable: `def name(`
 * or `async def name(`, `class name`, an assignment `name = ...` (also annotated, or one name of
 * `a, name = ...`), or an import of it (`from .steps import train as name`, also inside
 * parentheses; not `import x as name`, a module). Top level includes the blocks of `if`, `try`/`except`,
 * `with` and loops at top level (`try: from fast import f` / `except ImportError: def f(...)`),
 * not function or class bodies. A `from x import *` may bind anything: true. Text inside
 * triple-quoted strings (docstrings) does not count.
 */
export function definesFunction(source: string, name: string): boolean {
  return bindsName(cachedLevel(source), name);
}

/** moduleLevel of the modules read last, by their source. */
const levels = new Map<string, string>();

/** Many tasks call functions of one module: it is read once per compile, not once per task. */
function cachedLevel(source: string): string {
  let level = levels.get(source);
  if (level === undefined) {
    if (levels.size >= 64) levels.clear();
    level = moduleLevel(source);
    levels.set(source, level);
  }
  return level;
}

/** `def name(` at column 0 (also async, also with type parameters), as regex sources. */
function topLevel(name: string) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    escaped,
    def: `^(?:async[ \\t]+)?def[ \\t]+${escaped}[ \\t]*(?:\\[[^\\n]*?\\][ \\t]*)?\\(`,
  };
}

/** Block statements whose body still runs at module level. */
const MODULE_BLOCK =
  /^(?:if|elif|else|try|except|finally|with|for|while|match|case|async[ \t]+(?:with|for))\b/;
/** Statements that open a block: the module-level ones, and `def` and `class`. */
const HEADER =
  /^(?:if|elif|else|try|except|finally|with|for|while|match|case|def|class|async[ \t]+(?:def|with|for))\b/;

/** One logical line of Python: its indentation and its text, strings emptied, no comments. */
interface LogicalLine {
  readonly indent: number;
  readonly text: string;
}

/**
 * The module's logical lines, as Python's tokenizer joins them: lines inside brackets and after
 * a backslash are one, every string literal is emptied (`"..."` → `""`, so no `def`, bracket,
 * `#` or `:` in a string or docstring is read as code) and comments are dropped. Indentation
 * counts a tab to the next multiple of 8, as Python does.
 */
function logicalLines(source: string): LogicalLine[] {
  // Python reads \r\n and a lone \r as line ends too.
  const code = source.includes("\r") ? source.replace(/\r\n?/g, "\n") : source;
  const out: LogicalLine[] = [];
  let text = "";
  let indent = -1;
  let column = 0;
  let depth = 0;
  const end = () => {
    const t = text.trim();
    if (t) out.push({ indent: Math.max(indent, 0), text: t });
    text = "";
    indent = -1;
    column = 0;
    depth = 0;
  };
  for (let i = 0; i < code.length; ) {
    const c = code[i] as string;
    if (indent < 0) {
      if (c === " " || c === "\t" || c === "\f") {
        column = c === " " ? column + 1 : c === "\t" ? column + 8 - (column % 8) : 0;
        i++;
        continue;
      }
      if (c === "\n") {
        column = 0;
        i++;
        continue;
      }
      if (c !== "#") indent = column;
    }
    if (c === "#") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (c === "\\" && code[i + 1] === "\n") {
      text += " ";
      i += 2;
      continue;
    }
    if (c === "\n") {
      if (depth > 0) text += " ";
      else end();
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const quote = code.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      const end = stringEnd(code, i, /[fF]/.test(stringPrefix(code, i)));
      // Emptied, but for the main guard's "__main__", which moduleLevel looks for.
      const main = code.slice(i + quote.length, end - quote.length) === "__main__";
      text += main ? `${quote}__main__${quote}` : quote + quote;
      i = end;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    text += c;
    i++;
  }
  end();
  return out;
}

/** The prefix letters of the string literal whose quote is at `i` (`rb`, `f`, ...). */
function stringPrefix(code: string, i: number): string {
  let k = i;
  while (k > 0 && i - k < 2 && /[rRbBuUfF]/.test(code[k - 1] as string)) k--;
  return k > 0 && /\w/.test(code[k - 1] as string) ? "" : code.slice(k, i);
}

/**
 * Where the string literal whose quote is at `i` ends (after its closing quote; at the line end
 * when a one-line string is not closed). In an f-string, the expressions in braces may hold
 * strings of their own, with the same quote since Python 3.12 (`f"{d["key"]}"`).
 */
function stringEnd(code: string, i: number, f: boolean): number {
  const c = code[i] as string;
  const quote = code.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
  // The replacement fields open at this point: brackets open in its expression, and whether
  // its format spec (after a top-level `:`, where quotes are plain text) has begun.
  const fields: { depth: number; spec: boolean }[] = [];
  let j = i + quote.length;
  while (j < code.length) {
    const ch = code[j] as string;
    const field = fields[fields.length - 1];
    const inExpression = field !== undefined && !field.spec;
    if (!inExpression && code.startsWith(quote, j) && fields.length === 0) return j + quote.length;
    if (ch === "\\" && !inExpression) {
      // A backslash escapes the next character, but never a brace of an f-string (rf"\{{").
      j += f && (code[j + 1] === "{" || code[j + 1] === "}") ? 1 : 2;
      continue;
    }
    if (ch === "\n" && quote.length === 1 && fields.length === 0) return j;
    if (!f) {
      j++;
      continue;
    }
    if (inExpression) {
      if (ch === '"' || ch === "'") {
        j = stringEnd(code, j, /[fF]/.test(stringPrefix(code, j)));
        continue;
      }
      if (ch === "(" || ch === "[" || ch === "{") field.depth++;
      else if ((ch === ")" || ch === "]" || ch === "}") && field.depth > 0) field.depth--;
      else if (ch === "}") fields.pop();
      else if (ch === ":" && field.depth === 0) field.spec = true;
    } else if (ch === "{" || ch === "}") {
      if (fields.length === 0 && code[j + 1] === ch)
        j++; // {{ and }}: literal braces
      else if (ch === "{") fields.push({ depth: 0, spec: false });
      else fields.pop();
    }
    j++;
  }
  return j;
}

/**
 * The positions in `text` (a logical line, strings emptied) at bracket depth 0 where `at` holds;
 * only the first one when `first` is set.
 */
function atDepthZero(text: string, at: (i: number) => boolean, first = false): number[] {
  const out: number[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (depth === 0 && at(i)) {
      out.push(i);
      if (first) break;
    }
  }
  return out;
}

/**
 * The statements of top-level function `name`'s own body, outside the functions and classes
 * defined in it (strings emptied, comments dropped); null when no such function is defined.
 */
function ownStatements(source: string, name: string): { own: string[]; last: string } | null {
  const lines = logicalLines(source);
  const def = new RegExp(topLevel(name).def);
  const at = lines.findIndex((l) => l.indent === 0 && def.test(l.text));
  const head = lines[at];
  if (head === undefined) return null;
  const inline = head.text.slice(headerColon(head.text) + 1).trim();
  const body = inline !== "" ? [{ indent: 1, text: inline }] : [];
  for (let i = at + 1; i < lines.length && (lines[i]?.indent ?? 0) > 0; i++) {
    body.push(lines[i] as LogicalLine);
  }
  const own: string[] = [];
  // The body's last statement of its own level: a `raise` there means it never returns.
  const base = body[0]?.indent ?? 1;
  const last = [...body].reverse().find((l) => l.indent === base)?.text ?? "";
  let nested = -1;
  for (const line of body) {
    if (nested >= 0 && line.indent > nested) continue;
    nested = -1;
    if (/^(?:async\s+def|def|class)\b/.test(line.text)) {
      nested = line.indent;
      continue;
    }
    const colon = HEADER.test(line.text) ? headerColon(line.text) : -1;
    // A block's header (`with mlflow.start_run() as run`) is a statement of its own here.
    if (colon >= 0) own.push(line.text.slice(0, colon));
    own.push(...statements(colon >= 0 ? line.text.slice(colon + 1) : line.text));
  }
  return { own, last };
}

/**
 * Whether top-level function `name` starts an MLflow run of its own, not nested
 * (`with mlflow.start_run():`, `mlflow.start_run(run_name=...)`): inside the run a task with
 * `mlflow: true` runs it in, MLflow refuses it ("Run ... is already active").
 */
export function startsOwnMlflowRun(source: string, name: string): boolean {
  const body = ownStatements(source, name);
  if (body === null) return false;
  for (const text of body.own) {
    for (const m of text.matchAll(/(?:^|[^\w.])(?:mlflow\.)?start_run\s*\(/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      const end = closes(text.slice(open));
      const args = end < 0 ? text.slice(open) : text.slice(open, open + end + 1);
      // start_run(run_id=...) too: MLflow refuses any second run but a nested one.
      if (!/\bnested\s*=\s*True\b/.test(args)) return true;
    }
  }
  return false;
}

/** What a function returns, as far as its text says: nothing, or only tuples. */
type ReturnShape = "nothing" | "tuple";

/**
 * Whether top-level function `name` returns no value (no `return` statement gives one: it
 * returns None) or only tuples (`return a, b`), outside the functions and classes defined in it;
 * null for anything else, and for a generator (a `yield`).
 */
export function returnShape(source: string, name: string): ReturnShape | null {
  const body = ownStatements(source, name);
  if (body === null) return null;
  const { own, last } = body;
  if (own.some((t) => /(?:^|[^\w.])yield\b/.test(t))) return null;
  const values = own
    .filter((t) => /^return\b/.test(t))
    .map((t) => t.slice("return".length).trim())
    .filter((v) => v !== "" && v !== "None");
  // A stub that only raises (`raise NotImplementedError`) returns nothing, and never gets there;
  // one with a bare `return` does return None.
  const stub = /^raise\b/.test(last) && !own.some((t) => /^return\b/.test(t));
  if (values.length === 0) return stub ? null : "nothing";
  const commas = (t: string) => atDepthZero(t, (i) => t[i] === ",", true).length > 0;
  // `return a, b`, or `return (a, b)`: one pair of parentheses around the whole value.
  const tuple = (v: string) =>
    commas(v) || (v.startsWith("(") && closes(v) === v.length - 1 && commas(v.slice(1, -1)));
  return values.every(tuple) ? "tuple" : null;
}

/** Where the bracket opening `text` closes, or -1. */
function closes(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if ((c === ")" || c === "]" || c === "}") && --depth === 0) return i;
  }
  return -1;
}

/** Where a block statement's own colon is: the first at bracket depth 0 that is no `:=`. */
function headerColon(text: string): number {
  return atDepthZero(text, (i) => text[i] === ":" && text[i + 1] !== "=", true)[0] ?? -1;
}

/** The simple statements of a logical line: `a = 1; b = 2` is two. */
function statements(text: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (const at of [...atDepthZero(text, (i) => text[i] === ";"), text.length]) {
    out.push(text.slice(from, at).trim());
    from = at + 1;
  }
  return out.filter((t) => t !== "");
}

/**
 * The statements that run at module level, one per line at column 0: those at top level and in
 * the blocks of top-level `if`, `try`, `with`, `match` and loops (a one-line body too:
 * `try: from fast import f`), with the header lines of `def` and `class` at that level; nothing
 * from inside a function or class body. Strings are emptied and comments dropped (logicalLines).
 */
function moduleLevel(code: string): string {
  const out: string[] = [];
  const blocks: { indent: number; module: boolean }[] = [];
  for (const { indent, text } of logicalLines(code)) {
    while (
      blocks.length > 0 &&
      (blocks[blocks.length - 1] as { indent: number }).indent >= indent
    ) {
      blocks.pop();
    }
    const inModule = blocks.every((b) => b.module);
    const colon = HEADER.test(text) ? headerColon(text) : -1;
    if (colon < 0) {
      if (inModule) out.push(...statements(text));
      continue;
    }
    // `if __name__ == "__main__":` never runs when the module is imported.
    const module =
      inModule &&
      MODULE_BLOCK.test(text) &&
      !/^if\s+__name__\s*==\s*(["'])__main__\1\s*:/.test(text);
    if (inModule) out.push(text.slice(0, colon + 1));
    const body = text.slice(colon + 1).trim();
    if (body === "") blocks.push({ indent, module });
    else if (module) out.push(...statements(body));
  }
  return out.join("\n");
}

/** An attribute or subscript target: `a.b`, `a["k"]`, `a.b[0].c`. */
const ATTRIBUTE_TARGET = /^\s*[A-Za-z_]\w*(?:\s*(?:\.\s*[A-Za-z_]\w*|\[[^=]*\]))+\s*$/;
/** A target list of plain names: `a`, `a, b`, `(a, [b, *c])`. */
const TARGETS = /^[\s([]*\*?[A-Za-z_]\w*(?:[\s)\]]*,[\s([]*\*?[A-Za-z_]\w*)*[\s,)\]]*$/;

/**
 * The names a statement assigns to: `a = b = 1` (both), `a, (b, *c) = ...`, `a: int = 1`;
 * not attributes, subscripts or the keyword arguments of a call. One pass over the line.
 */
function assignedNames(statement: string): string[] {
  // `=` alone: not `==`, `<=`, `:=`, `+=`, ...
  const cuts = atDepthZero(
    statement,
    (i) =>
      statement[i] === "=" &&
      statement[i + 1] !== "=" &&
      !"=!<>:+-*/%&|^@".includes(statement[i - 1] ?? ""),
  );
  const names: string[] = [];
  let from = 0;
  for (const cut of cuts) {
    let target = statement.slice(from, cut);
    from = cut + 1;
    const annotated = /^\s*([A-Za-z_]\w*)\s*:/.exec(target);
    if (annotated && target === statement.slice(0, cut)) target = annotated[1] as string;
    if (TARGETS.test(target)) names.push(...(target.match(/[A-Za-z_]\w*/g) ?? []));
    // An attribute or an item (`base.dialect = dialect = ...`) binds no name of the module.
    else if (!ATTRIBUTE_TARGET.test(target)) break; // the value itself (a lambda's default, ...)
  }
  return names;
}

/** Whether a statement of `code` (one per line) assigns to `name`. */
function assignsTo(code: string, name: string): boolean {
  for (const line of code.split("\n")) {
    if (line.includes(name) && line.includes("=") && assignedNames(line).includes(name)) {
      return true;
    }
  }
  return false;
}

/** The functions and classes a module already through moduleLevel defines at top level. */
function definedNames(code: string): string[] {
  return [...code.matchAll(/^(?:(?:async[ \t]+)?def|class)[ \t]+([A-Za-z_]\w*)/gm)].map(
    (m) => m[1] as string,
  );
}

/** definesFunction on a module already through moduleLevel. */
function bindsName(code: string, name: string): boolean {
  const { escaped, def } = topLevel(name);
  if (new RegExp(def, "m").test(code) || assignsTo(code, name)) return true;
  if (new RegExp(`^class[ \\t]+${escaped}\\b`, "m").test(code)) return true;
  if (/^from[ \t]+[\w.][\w. \t]*?\bimport[ \t]*\*/m.test(code)) return true;
  for (const m of code.matchAll(/^from[ \t]+[\w.][\w. \t]*?\bimport[ \t]*(\([^)]*\)|[^\n]*)/gm)) {
    const names = (m[1] ?? "").replace(/[()\\]|#[^\n]*/g, " ").split(",");
    for (const item of names) {
      const parts = item.trim().split(/\s+/);
      const bound = parts.length === 3 && parts[1] === "as" ? parts[2] : parts[0];
      if (bound === name) return true;
    }
  }
  return false;
}

/**
 * What is wrong with a function's module path, or null: a path Python cannot import from
 * (`./tasks/x.py`, a keyword as a folder), or one whose first part the standard library or an
 * installed package has (said once per name: `shadowed` remembers).
 */
function modulePathProblem(
  ref: { readonly module: string; readonly function: string },
  shadowed: Set<string>,
): { reason: string; hint: string } | null {
  const segments = ref.module.replace(/\.py$/, "").split("/");
  if (!MODULE_PATH.test(ref.module) || segments.some((s) => HARD_KEYWORDS.has(s))) {
    return {
      reason: ref.module.startsWith("./")
        ? "it starts with './': fn paths are written from the project root without one"
        : "it must be a relative path to a .py file whose parts are Python identifiers (not keywords)",
      hint: ref.module.startsWith("./")
        ? `write fn as '${ref.module.replace(/^(\.\/)+/, "")}:${ref.function}'`
        : "write fn as 'tasks/train.py:train_model', relative to the project root",
    };
  }
  const top = segments[0] ?? "";
  if (shadowed.has(top) || !(PYTHON_STDLIB.has(top) || INSTALLED.has(top))) return null;
  shadowed.add(top);
  const root = segments.length === 1;
  return {
    reason: `Python finds ${PYTHON_STDLIB.has(top) ? "its standard library's" : "the installed"} '${top}' first: Airflow appends the DAG folder to sys.path, after the standard library and the installed packages (and kfp's executor has imported much of the standard library before the task's module), so 'from ${moduleName(ref.module)} import ${ref.function}' imports the wrong module and the task fails`,
    hint: root
      ? `rename it (e.g. '${top}_tasks.py') or move it into a folder of your own: fn: 'tasks/${top}.py:${ref.function}'`
      : `rename the folder '${top}' (e.g. '${top}_tasks')`,
  };
}

/**
 * Each Python task's module exists in `modules` (path → source, read by the caller) and
 * defines the function at top level.
 */
export function checkModules(
  ir: Pipeline,
  modules: ReadonlyMap<string, string | null>,
  ctx: PassContext,
): void {
  const moduleCode = new Map<string, string>();
  const functions = new Map<
    string,
    {
      binds: boolean;
      params: Parameters | null;
      reads: readonly string[];
      returns: ReturnShape | null;
    }
  >();
  const byId = new Map(ir.tasks.map((t) => [t.id, t]));
  /** Top-level names already said to be shadowed (once each). */
  const shadowed = new Set<string>();
  /** Callbacks already said missing, by where they were set: once each, not once per task. */
  const saidCallbacks = new Set<string>();
  const readsSkipped = skippedReads(ir);
  /**
   * The outputs among `values` that `task` reads as None when a branch takes the side their
   * task is not on (a mapped task's output is a list, empty then: not one of them).
   */
  const skippedRefs = (task: Task, values: readonly (readonly [string, Value | Scalar])[]) =>
    values.flatMap(([label, value]) => {
      if (typeof value !== "object" || value === null || value.kind !== "ref") return [];
      const producer = byId.get(value.task);
      if (producer?.kind === "python" && producer.map) return [];
      const skipped = readsSkipped(task, value.task, value.output);
      return skipped ? [{ label, ref: value, skipped }] : [];
    });
  for (const task of ir.tasks) {
    // A condition after a branch compares None for an output of the side that did not run;
    // against a literal null, that is what it asks about.
    if (
      (task.kind === "branch" || task.kind === "short_circuit") &&
      task.condition.right !== null
    ) {
      const { left, op, right } = task.condition;
      for (const { ref, skipped } of skippedRefs(task, [
        ["left", left],
        ["right", right],
      ])) {
        ctx.report(
          diagnostic(
            "MLG1038",
            {
              task: task.id,
              output: ref.output,
              source: ref.task,
              branch: skipped.branch,
              other: skipped.other,
              rule: skipped.rule,
              outcome:
                op === "==" || op === "!="
                  ? `makes the comparison ${op === "==" ? "false" : "true"} on those runs`
                  : "Python does not order: the task fails",
              hint: skipped.otherOutput
                ? `compare whichever side ran: a python task that takes oneOf(${outputHandle(ref.task, ref.output)}, ${skipped.otherOutput}) and returns it, and a condition on that; or branch on the side's output from a task on its side`
                : `put the condition on the side of '${ref.task}' (after it, before the join), or read the output in a python task that returns a value when it is None, and compare that`,
            },
            taskPlace(ctx, ir.id, task.id),
          ),
        );
      }
    }
    // A trigger after a branch sends null for an output of the side that did not run.
    if (task.kind === "trigger") {
      for (const { label: key, ref, skipped } of skippedRefs(task, Object.entries(task.conf))) {
        ctx.report(
          diagnostic(
            "MLG1035",
            {
              task: task.id,
              output: ref.output,
              source: ref.task,
              key,
              branch: skipped.branch,
              other: skipped.other,
              rule: skipped.rule,
              hint: `start pipeline '${task.dag}' from the side of '${ref.task}' (a trigger after it, and one on the other side with what that side gives), or send a value every run has`,
            },
            taskPlace(ctx, ir.id, task.id),
          ),
        );
      }
    }
  }
  // The pipeline's own alerts (a run's end): their module and function exist.
  for (const [where, list] of [
    ["onSuccess", ir.alerts?.onSuccess ?? []],
    ["onFailure", ir.alerts?.onFailure ?? []],
    ["deadline", (ir.deadlines ?? []).flatMap((d) => d.alerts)],
  ] as const) {
    for (const ref of list) {
      if (ref.kind !== "callable") continue;
      const args = {
        module: ref.module,
        function: ref.function,
        user: `the ${where} alert of pipeline '${ir.id}'`,
        field: `callback('${ref.module}:${ref.function}')`,
      };
      const place = { pipeline: ir.id, location: ctx.sourceMap.pipeline };
      const wrongPath = modulePathProblem(ref, shadowed);
      if (wrongPath !== null) {
        const what = `module path '${ref.module}' of the ${where} alert of pipeline '${ir.id}'`;
        ctx.report(diagnostic("MLG1011", { what, ...wrongPath }, place));
        continue;
      }
      const source = modules.get(ref.module);
      if (source === undefined || source === null) {
        ctx.report(diagnostic("MLG1007", args, place));
      } else if (!bindsName(moduleLevel(source), ref.function)) {
        const suggestion = suggest(closestName(ref.function, definedNames(moduleLevel(source))));
        ctx.report(diagnostic("MLG1008", { ...args, suggestion }, place));
      } else if (signature(moduleLevel(source), ref.function)?.isAsync) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `function '${ref.function}' of the ${where} alert of pipeline '${ir.id}'`,
              reason:
                "it is an async def: the callback calls it without awaiting it, so it gets a coroutine and the body never runs",
              hint: `make ${ref.function} a plain def, and run the async code inside it with asyncio.run(...)`,
            },
            place,
          ),
        );
      }
    }
  }
  for (const task of ir.tasks) {
    const taskAt = taskPlace(ctx, ir.id, task.id);
    for (const { ref, where } of functionRefs(ir, task)) {
      if (!ref.function) continue;
      // A callback set in the defaults or a group is every task's: said where it was set.
      const origin = where === "fn" ? null : callbackOrigin(ir, task, where, ref);
      const place =
        origin?.group === null ? { pipeline: ir.id, location: ctx.sourceMap.pipeline } : taskAt;
      const args = {
        module: ref.module,
        function: ref.function,
        user:
          where === "fn"
            ? `task '${task.id}'`
            : `the ${where} callback of ${origin?.label ?? `task '${task.id}'`}`,
        field:
          where === "fn"
            ? `fn: '${ref.module}:${ref.function}'`
            : `callback('${ref.module}:${ref.function}')`,
      };
      const said = `${origin?.label ?? task.id}\0${where}\0${ref.module}:${ref.function}`;
      const wrongPath = modulePathProblem(ref, shadowed);
      if (wrongPath !== null) {
        ctx.report(
          diagnostic(
            "MLG1011",
            { what: `module path '${ref.module}' of task '${task.id}' (${where})`, ...wrongPath },
            place,
          ),
        );
        continue;
      }
      const source = modules.get(ref.module);
      if (source === undefined || source === null) {
        if (!saidCallbacks.has(said)) ctx.report(diagnostic("MLG1007", args, place));
        if (where !== "fn") saidCallbacks.add(said);
        continue;
      }
      // Read once per module, however many tasks call into it.
      let code = moduleCode.get(source);
      if (code === undefined) {
        code = moduleLevel(source);
        moduleCode.set(source, code);
      }
      // And each function once, however many tasks call it.
      const factKey = `${ref.module}\u0000${ref.function}`;
      let fact = functions.get(factKey);
      if (fact === undefined) {
        const binds = bindsName(code, ref.function);
        const params = binds ? signature(code, ref.function) : null;
        const reads = params?.varKeyword
          ? contextReads(source, ref.function, params.varKeyword)
          : [];
        // What it returns, for a plain single definition (as signature reads it) only.
        const returns = params ? returnShape(source, ref.function) : null;
        fact = { binds, params, reads, returns };
        functions.set(factKey, fact);
      }
      if (!fact.binds) {
        if (!saidCallbacks.has(said)) {
          const suggestion = suggest(closestName(ref.function, definedNames(code)));
          ctx.report(diagnostic("MLG1008", { ...args, suggestion }, place));
        }
        if (where !== "fn") saidCallbacks.add(said);
        continue;
      }
      const params = fact.params;
      const outputs = task.kind === "python" && where === "fn" ? Object.keys(task.outputs) : [];
      const returned =
        fact.returns === "nothing"
          ? "no value (no return statement gives one)"
          : fact.returns === "tuple" && outputs.length > 1
            ? "a tuple"
            : null;
      if (outputs.length > 0 && returned !== null && !params?.isAsync) {
        const shown = outputs.map((o) => `'${o}'`).join(", ");
        ctx.report(
          diagnostic(
            "MLG1042",
            {
              function: ref.function,
              returned,
              task: task.id,
              outputs: shown,
              hint:
                outputs.length === 1
                  ? `return the value of '${outputs[0]}' (or a dict holding it under that key), or declare no outputs`
                  : `return a dict holding each: return {${outputs.map((o) => `"${o}": ...`).join(", ")}}`,
            },
            place,
          ),
        );
      }
      if (
        task.kind === "python" &&
        where === "fn" &&
        task.mlflow !== null &&
        startsOwnMlflowRun(source, ref.function)
      ) {
        ctx.report(diagnostic("MLG1044", { function: ref.function, task: task.id }, place));
      }
      if (params?.isAsync) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `function '${ref.function}' of task '${task.id}' (${where})`,
              reason: `it is an async def: the generated task calls it without awaiting it, so it gets a coroutine and the body never runs`,
              hint: `make ${ref.function} a plain def, and run the async code inside it with asyncio.run(...)`,
            },
            place,
          ),
        );
      } else if (where === "fn") {
        const inputs = taskFunction(task)?.inputs ?? {};
        const map = task.kind === "python" ? task.map : null;
        const passed = [...Object.keys(inputs), ...(map ? [map.input] : [])];
        // Each input against its parameter's annotation.
        for (const [name, value] of Object.entries(inputs)) {
          const annotation = params?.named.find((p) => p.name === name)?.annotation ?? null;
          if (annotation === null) continue;
          const input = { name, value, annotation, fn: ref.function };
          integerIntoFloat(ir, input, ctx, place);
          valueIntoAnnotation(ir, byId, input, ctx, place);
        }
        for (const [name, value] of Object.entries(inputs)) {
          const skipped =
            value.kind === "ref" ? readsSkipped(task, value.task, value.output) : null;
          if (skipped === null || value.kind !== "ref") continue;
          const param = params?.named.find((p) => p.name === name);
          const annotation = param?.annotation ?? null;
          // An annotation that takes None, or a default of None, says the function expects it.
          if (param?.noneDefault) continue;
          if (annotation !== null && /\b(?:None|Optional|Any)\b/.test(annotation)) continue;
          const typed = annotation ?? PYTHON_TYPES[skipped.type ?? "string"];
          ctx.report(
            diagnostic(
              "MLG1033",
              {
                task: task.id,
                output: value.output,
                source: value.task,
                branch: skipped.branch,
                other: skipped.other,
                rule: skipped.rule,
                function: ref.function,
                parameter: name,
                hint: skipped.otherOutput
                  ? `read whichever side ran: inputs: { ${name}: oneOf(${outputHandle(value.task, value.output)}, ${skipped.otherOutput}) }; or annotate the parameter as optional (${name}: ${typed} | None) and handle None`
                  : `annotate the parameter as optional (${name}: ${typed} | None) and handle None, or read the output in a task on the side of '${value.task}'`,
              },
              place,
            ),
          );
        }
        const reads = fact.reads.filter((name) => !passed.includes(name));
        if (reads.length > 0 && params?.varKeyword) {
          const kw = params.varKeyword;
          ctx.report(
            diagnostic(
              "MLG1031",
              {
                function: ref.function,
                task: task.id,
                param: kw,
                reads: reads.map((r) => `${kw}["${r}"]`).join(", "),
                example: reads
                  .map((r) =>
                    r === "params"
                      ? "a param as p.params.name"
                      : CONTEXT_TEMPLATES.has(r)
                        ? `${r}: template("{{ ${r} }}")`
                        : `what it needs of ${r}`,
                  )
                  .join(", "),
              },
              place,
            ),
          );
        }
        // kfp's artifacts (Input[Dataset], Output[Model], OutputPath(str)): said as such, not as
        // a missing input, and left out of the call check.
        const artifacts = (params?.named ?? []).filter(
          (p) => p.annotation !== null && KFP_ARTIFACT.test(p.annotation),
        );
        for (const p of artifacts) {
          const output = /^(?:(?:kfp\.)?dsl\.)?Output(?:Path)?\b/.test(p.annotation as string);
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `parameter '${p.name}: ${p.annotation}' of ${ref.function}() (task '${task.id}')`,
                reason: `it is a kfp artifact, and mlgen hands a task's function values, never artifacts: on Kubeflow and on Airflow alike it would get ${output ? "nothing for it" : "the value passed (text), where it reads .path or .uri"}`,
                hint: output
                  ? `return what it writes instead: its value, or the path or URI the function wrote it to (outputs: { ${p.name}_uri: "string" }), and drop the parameter`
                  : `take the artifact's path or URI as text (${p.name}: str) and pass it as the input (an output of the task that wrote it, a param)`,
              },
              place,
            ),
          );
        }
        const problem = callProblem(
          params && artifacts.length > 0
            ? { ...params, named: params.named.filter((p) => !artifacts.includes(p)) }
            : params,
          passed.filter((n) => !artifacts.some((p) => p.name === n)),
        );
        if (problem) {
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `inputs of task '${task.id}'`,
                reason: `${ref.function}() ${problem}; the task calls it with ${passed.length > 0 ? passed.map((n) => `${n}=`).join(", ") : "no arguments"}`,
                hint: contextHint(params, passed, ref.function),
              },
              place,
            ),
          );
        }
      }
    }
  }
}

/**
 * kfp's artifact annotations of a parameter: `Input[Dataset]`, `dsl.Output[Model]`,
 * `kfp.dsl.InputPath(str)`. Not a bare class name (`cfg: Model` may be the project's own).
 */
const KFP_ARTIFACT = /^(?:(?:kfp\.)?dsl\.)?(?:(?:Input|Output)\[|(?:Input|Output)Path\b)/;

/** The Python type a declared output type is: an annotation a hint or a component writes. */
export const PYTHON_TYPES: Readonly<Record<OutputType, string>> = {
  string: "str",
  int: "int",
  float: "float",
  bool: "bool",
  list: "list",
  dict: "dict",
};

/**
 * Trigger rules that run a task when an upstream task was skipped: each of them (`true`), or
 * when another upstream task succeeded (or, for one_done, ended) (`false`).
 */
const RUNS_AFTER_SKIP: ReadonlyMap<string, boolean> = new Map([
  ["none_failed", true],
  ["all_done", true],
  ["always", true],
  ["none_failed_min_one_success", false],
  ["all_done_min_one_success", false],
  ["one_success", false],
  ["one_done", false],
]);

/**
 * For a reader and the task whose output it reads: the branch that skips the producer while
 * the reader still runs (it joins the sides, so mlgen gives it none_failed_min_one_success,
 * or its own trigger rule runs it after a skip), or null. Airflow then hands the function None.
 */
function skippedReads(ir: Pipeline): (
  reader: Task,
  producer: string,
  output: string,
) => {
  branch: string;
  other: string;
  rule: string;
  /** An output of the same type on the other side (`inc.out.model`), for the hint's oneOf. */
  otherOutput: string | null;
  /** The type the producer declares for the output. */
  type: OutputType | undefined;
} | null {
  if (!ir.tasks.some((t) => t.kind === "branch")) return () => null;
  const { sides, joins } = branchSides(ir);
  const byId = new Map(ir.tasks.map((t) => [t.id, t] as const));
  return (reader, producer, output) => {
    const own = effectiveOptions(ir, reader).triggerRule;
    // A join whose rule is unset (or all_success from the defaults) gets
    // none_failed_min_one_success (branchJoins); all_success set on it is MLG1025's.
    const joined =
      joins.has(reader.id) &&
      (own === null || (own === "all_success" && reader.options.triggerRule == null));
    const rule = joined ? "none_failed_min_one_success" : own;
    const always = rule === null ? undefined : RUNS_AFTER_SKIP.get(rule);
    if (rule === null || always === undefined) return null;
    const from = byId.get(producer);
    if (!from) return null;
    for (const [branch, side] of sides.get(producer) ?? []) {
      const b = byId.get(branch);
      if (b?.kind !== "branch") continue;
      // A task the branch names (or a group it names holds) is skipped with the side not
      // taken, whatever its trigger rule: Airflow skips the branch's direct followers itself.
      const names = [reader.id];
      for (let g = reader.group; g !== null; g = ir.groups[g]?.parent ?? null) names.push(g);
      if ([...b.ifTrue, ...b.ifFalse].some((n) => names.includes(n))) continue;
      // Run by another upstream task that the side's skip does not skip.
      const runs = always || reader.upstream.some((u) => sides.get(u)?.get(branch) !== side);
      if (!runs) continue;
      const others = side ? b.ifFalse : b.ifTrue;
      // The same output, by name first, of a task the other side starts with.
      const type = taskOutputs(from)[output];
      let otherOutput: string | null = null;
      for (const id of others) {
        const t = byId.get(id);
        if (!t) continue;
        const outs = Object.entries(taskOutputs(t)).filter(([, ty]) => ty === type);
        const pick = outs.find(([n]) => n === output) ?? outs[0];
        if (pick) {
          otherOutput = outputHandle(id, pick[0]);
          break;
        }
      }
      return {
        branch,
        other: others.length ? others.map((o) => `'${o}'`).join(", ") : "no side",
        rule,
        otherOutput,
        type,
      };
    }
    return null;
  };
}

/**
 * Where a task's callback was set: on the task (null), in one of its groups, or in the pipeline
 * defaults (`group: null`), with how a message names it.
 */
function callbackOrigin(
  ir: Pipeline,
  task: Task,
  where: string,
  ref: { readonly module: string; readonly function: string | null },
): { readonly group: string | null; readonly label: string } | null {
  type Lists = Partial<
    Record<string, readonly { kind: string; module?: string; function?: string | null }[] | null>
  >;
  const has = (options: unknown) =>
    ((options as Lists)[where] ?? []).some(
      (a) => a.kind === "callable" && a.module === ref.module && a.function === ref.function,
    );
  if (has(task.options)) return null;
  for (let g = task.group; g !== null; g = ir.groups[g]?.parent ?? null) {
    if (has(ir.groups[g]?.options ?? {})) return { group: g, label: `group '${g}'` };
  }
  return { group: null, label: "the pipeline defaults" };
}

/** Each kind of value: as a message says it, as Python annotates it, as a DSL param types it. */
export const KINDS: Readonly<
  Record<OutputType, { readonly said: string; readonly py: string; readonly param?: string }>
> = {
  string: { said: "a string", py: "str", param: "string" },
  int: { said: "an int", py: "int", param: "integer" },
  float: { said: "a float", py: "float", param: "number" },
  bool: { said: "a bool", py: "bool", param: "boolean" },
  list: { said: "a list", py: "list", param: "array" },
  dict: { said: "a dict", py: "dict", param: "object" },
};

/** The kinds a plain annotation takes (an int is a float, a bool an int, as in Python's typing). */
export const ANNOTATION_KINDS: Readonly<Record<string, readonly OutputType[]>> = {
  str: ["string"],
  int: ["int", "bool"],
  float: ["float", "int", "bool"],
  bool: ["bool"],
  list: ["list"],
  List: ["list"],
  dict: ["dict"],
  Dict: ["dict"],
};

/** The plain type an annotation names (`Optional[list[str]]` → `list`), or null for any other. */
export function annotationBase(annotation: string): string | null {
  const text = annotation.trim();
  const optional =
    /^(?:typing\.)?Optional\[(.*)\]$/s.exec(text)?.[1] ??
    /^(.*?)\s*\|\s*None$/s.exec(text)?.[1] ??
    /^None\s*\|\s*(.*)$/s.exec(text)?.[1] ??
    text;
  const base = /^(?:typing\.)?([A-Za-z_]\w*)\s*(?:\[.*\])?$/s.exec(optional.trim())?.[1];
  return base !== undefined && Object.hasOwn(ANNOTATION_KINDS, base) ? base : null;
}

/**
 * A task output or param passed to a parameter whose annotation refuses its kind: a `list`
 * output into `lr: float`. Neither Airflow nor the Kubeflow launcher converts a value to the
 * annotation, so the function gets the other kind (an integer param into a float is MLG1024's).
 */
function valueIntoAnnotation(
  ir: Pipeline,
  byId: ReadonlyMap<string, Task>,
  { name, value, annotation, fn }: AnnotatedInput,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  const base = annotationBase(annotation);
  if (base === null) return;
  const wanted = ANNOTATION_KINDS[base]?.[0] as OutputType;
  let kind: OutputType | undefined;
  let what: string;
  let declare: string | null = null;
  // A oneOf's outputs share one type (checkOneOf): the first stands for all.
  if (value.kind === "oneOf" && value.refs[0]) value = value.refs[0];
  if (value.kind === "ref") {
    const producer = byId.get(value.task);
    if (!producer) return;
    // A mapped task's readers get the list of every mapped run's value.
    const collected = producer.kind === "python" && producer.map !== null;
    kind = collected ? "list" : taskOutputs(producer)[value.output];
    what = `output '${value.output}' of task '${value.task}'${collected ? " (collected from every mapped run)" : ""}`;
    if (!collected)
      declare =
        value.output === OPERATOR_OUTPUT
          ? `give '${value.task}' returns: "${wanted}"`
          : `declare output '${value.output}' of '${value.task}' as "${wanted}"`;
  } else if (value.kind === "param") {
    const type = ir.params[value.name]?.type;
    kind = type === undefined ? undefined : PARAM_OUTPUT_TYPES[type];
    what = `param '${value.name}'`;
    const param = KINDS[wanted].param;
    if (param) declare = `give param '${value.name}' type: "${param}"`;
  } else if (value.kind === "literal" || value.kind === "list" || value.kind === "object") {
    // A literal of another kind (`"5"` for `n: int`): kfp's own compiler refuses it.
    const v = value.kind === "literal" ? value.value : null;
    if (value.kind === "literal" && v === null) return;
    kind =
      value.kind === "list"
        ? "list"
        : value.kind === "object"
          ? "dict"
          : typeof v === "string"
            ? "string"
            : typeof v === "boolean"
              ? "bool"
              : Number.isInteger(v)
                ? "int"
                : "float";
    const text = value.kind === "literal" ? JSON.stringify(v) : `literal ${KINDS[kind].py}`;
    what =
      value.kind === "literal"
        ? `the literal ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`
        : `a ${text}`;
    declare = `pass ${KINDS[wanted].said} there`;
  } else {
    return;
  }
  if (kind === undefined || ANNOTATION_KINDS[base]?.includes(kind)) return;
  const annotate = `annotate '${name}' as ${KINDS[kind].py}`;
  ctx.report(
    diagnostic(
      "MLG1026",
      {
        what,
        kind: KINDS[kind].said,
        parameter: name,
        annotation,
        function: fn,
        hint: declare ? `${declare}, or ${annotate}` : annotate,
      },
      place,
    ),
  );
}

/**
 * A param whose default is a whole number (so an integer param) passed to a parameter annotated
 * float: JavaScript reads `lr: 1.0` as 1, and the runs that give it a fraction are refused.
 */
function integerIntoFloat(
  ir: Pipeline,
  { name, value, annotation, fn }: AnnotatedInput,
  ctx: PassContext,
  place: DiagnosticPlace,
): void {
  if (value.kind !== "param") return;
  const param = ir.params[value.name];
  // An optional param's type was written out: no whole default was read as an integer.
  if (param?.type !== "integer" || param.default === null) return;
  if (!/^(?:float|Optional\[float\]|float\s*\|\s*None|None\s*\|\s*float)$/.test(annotation)) return;
  ctx.report(
    diagnostic(
      "MLG1024",
      {
        param: value.name,
        value: String(param.default),
        parameter: name,
        function: fn,
        hint: `declare it a number param, ${value.name}: { default: ${String(param.default)}, type: "number" } (JavaScript reads ${String(param.default)}.0 as ${String(param.default)})`,
      },
      place,
    ),
  );
}

/** A task input passed to a parameter with an annotation. */
interface AnnotatedInput {
  readonly name: string;
  readonly value: Value;
  readonly annotation: string;
  readonly fn: string;
}

interface Parameters {
  /**
   * Parameters a keyword argument can set, whether each has a default, and its annotation's
   * text (`int`, `dict[str, float]`; null when it has none, or it is a string).
   */
  readonly named: readonly {
    readonly name: string;
    readonly optional: boolean;
    /** Its default is None (`model=None`, `model: str = None`). */
    readonly noneDefault?: true;
    readonly annotation: string | null;
  }[];
  /** `**kwargs`: any keyword is taken. */
  readonly anyKeyword: boolean;
  /** The name of the `**` parameter (`kwargs`, `context`), or null. */
  readonly varKeyword: string | null;
  /** `async def`: a call gives a coroutine, and the body never runs unless it is awaited. */
  readonly isAsync: boolean;
}

/**
 * A signature's parameter texts, split at top-level commas, or null when it does not close.
 * `code` is moduleLevel's: strings are emptied and comments gone, so only brackets count.
 */
function signatureParts(code: string, from: number): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = from; i < code.length; i++) {
    const c = code[i] as string;
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) return [...parts, current];
      depth--;
    } else if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  return null;
}

/**
 * The parameters of the top-level `def name(...)` in `source`, or null when it is not a plain
 * def (a re-export, an assignment) or its signature cannot be read.
 */
export function parameters(source: string, name: string): Parameters | null {
  // Asked once per task (a thousand tasks may call one function): read once per function.
  let byName = signatures.get(source);
  if (byName === undefined) {
    if (signatures.size >= 64) signatures.clear();
    byName = new Map();
    signatures.set(source, byName);
  }
  let params = byName.get(name);
  if (params === undefined) {
    params = signature(cachedLevel(source), name);
    byName.set(name, params);
  }
  return params;
}

/** The signatures asked of the modules read last, by their source and the function's name. */
const signatures = new Map<string, Map<string, Parameters | null>>();

/**
 * Whether a statement binds the name (its regex source) otherwise than by a def or an
 * assignment: an import, a class, a loop target, `with ... as`, `del`, `:=`, an augmented
 * assignment. Line by line, each test linear in the line.
 */
function reboundElsewhere(code: string, escaped: string): boolean {
  const word = new RegExp(`\\b${escaped}\\b`);
  const forms = new RegExp(
    `^(?:from|import|del)\\b|^class[ \\t]+${escaped}\\b|\\bas[ \\t]+${escaped}\\b|\\b${escaped}[ \\t]*(?::=|(?:\\*\\*|//|>>|<<|[-+*/%&|^@])=)`,
  );
  for (const line of code.split("\n")) {
    if (!word.test(line)) continue;
    if (forms.test(line)) return true;
    const loop = /^(?:async[ \t]+)?for[ \t]+(.*?)[ \t]+in\b/.exec(line);
    if (loop && word.test(loop[1] ?? "")) return true;
  }
  return false;
}

/** parameters on a module already through moduleLevel. */
function signature(code: string, name: string): Parameters | null {
  const { escaped, def } = topLevel(name);
  const defs = [...code.matchAll(new RegExp(def, "gm"))];
  const m = defs[0];
  // Only a plain, single definition says what the call takes: not one defined again (typing
  // overloads; the last def wins), rebound (functools.partial) or decorated (a decorator may
  // supply or change parameters).
  if (!m || defs.length > 1) return null;
  if (reboundElsewhere(code, escaped) || assignsTo(code, name)) return null;
  if (/(^|\n)@[^\n]*$/.test(code.slice(0, m.index).trimEnd())) return null;
  const parts = signatureParts(code, m.index + m[0].length);
  if (!parts || parts.some((p) => /\blambda\b/.test(p))) return null;
  const named: {
    name: string;
    optional: boolean;
    noneDefault?: true;
    annotation: string | null;
  }[] = [];
  let anyKeyword = false;
  let varKeyword: string | null = null;
  for (const raw of parts) {
    const p = raw.trim();
    if (p === "/") {
      named.length = 0; // positional-only: no keyword argument reaches them
      continue;
    }
    if (p.startsWith("**")) {
      anyKeyword = true;
      varKeyword = /^\*\*\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(p)?.[1] ?? null;
    }
    if (p === "" || p.startsWith("*")) continue;
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(p);
    if (!id) return null;
    // A default is an `=` outside brackets: not one in `Annotated[int, Field(gt=0)]`.
    const eq = atDepthZero(p, (i) => p[i] === "=", true)[0];
    const head = p.slice(id[0].length, eq ?? p.length).trim();
    // moduleLevel emptied strings: a string annotation ("int") reads as "" and counts as none.
    const annotation = head.startsWith(":") ? head.slice(1).trim() : "";
    named.push({
      name: id[0],
      optional: eq !== undefined,
      ...(eq !== undefined && p.slice(eq + 1).trim() === "None" ? { noneDefault: true } : {}),
      annotation: /^[A-Za-z_]/.test(annotation) ? annotation : null,
    });
  }
  return { named, anyKeyword, varKeyword, isAsync: m[0].startsWith("async") };
}

/** Why calling a function with these keyword arguments fails, or null. */
/**
 * Names of Airflow's task context, which PythonOperator hands a callable by its parameter
 * names: a function written for Airflow (`def extract(ds, ti, out_dir)`) expects them.
 */
const AIRFLOW_CONTEXT_NAMES: ReadonlySet<string> = new Set([
  "ds",
  "ds_nodash",
  "ts",
  "ts_nodash",
  "ti",
  "task_instance",
  "logical_date",
  "execution_date",
  "data_interval_start",
  "data_interval_end",
  "run_id",
  "dag_run",
  "dag",
  "task",
  "params",
  "macros",
  "var",
  "conn",
  "next_ds",
  "prev_ds",
  "yesterday_ds",
  "tomorrow_ds",
]);

/** Context names whose value a template renders as text (`{{ ds }}`). */
const CONTEXT_TEMPLATES: ReadonlySet<string> = new Set([
  "ds",
  "ds_nodash",
  "ts",
  "ts_nodash",
  "logical_date",
  "execution_date",
  "data_interval_start",
  "data_interval_end",
  "run_id",
  "next_ds",
  "prev_ds",
  "yesterday_ds",
  "tomorrow_ds",
]);

/**
 * The Airflow context names the body of top-level function `name` reads from its `**` parameter
 * `kw` (`context["ds"]`, `kwargs.get("ti")`), in order, once each. Read from the source as
 * written: the body is the lines after the def that are indented or blank.
 */
function contextReads(source: string, name: string, kw: string): string[] {
  const { def } = topLevel(name);
  const at = new RegExp(def, "m").exec(source);
  if (!at) return [];
  const rest = source.slice(at.index + at[0].length);
  const end = /\n(?=[^\s#])/.exec(rest);
  const body = end ? rest.slice(0, end.index) : rest;
  const read = new RegExp(
    `\\b${kw}\\s*(?:\\[\\s*(["'])(\\w+)\\1\\s*\\]|\\.get\\(\\s*(["'])(\\w+)\\3)`,
    "g",
  );
  const found: string[] = [];
  for (const m of body.matchAll(read)) {
    const key = m[2] ?? m[4] ?? "";
    if (AIRFLOW_CONTEXT_NAMES.has(key) && !found.includes(key)) found.push(key);
  }
  return found;
}

/** The fix of a call that does not match the function; for Airflow's context names, how to pass them. */
function contextHint(params: Parameters | null, passed: readonly string[], fn: string): string {
  const context = (params?.named ?? [])
    .filter((p) => !p.optional && !passed.includes(p.name) && AIRFLOW_CONTEXT_NAMES.has(p.name))
    .map((p) => p.name);
  if (context.length === 0)
    return `give the task one input per parameter of ${fn} (or add **kwargs to it)`;
  return (
    `${fn} is called with the task's inputs only, not with Airflow's context (${context.join(", ")}): ` +
    `pass what it reads as inputs (ds: template("{{ ds }}"), run_id: template("{{ run_id }}"), a param as p.params.name) ` +
    `and drop the rest (ti, dag_run) from its parameters; its outputs are pushed for it`
  );
}

function callProblem(params: Parameters | null, passed: readonly string[]): string | null {
  if (!params) return null;
  const names = new Set(params.named.map((p) => p.name));
  if (!params.anyKeyword) {
    const unknown = passed.filter((n) => !names.has(n));
    if (unknown.length > 0) {
      const takes = params.named.map((p) => p.name).join(", ") || "no keyword arguments";
      return `has no parameter ${unknown.map((n) => `'${n}'`).join(", ")} (it takes ${takes})`;
    }
  }
  const missing = params.named.filter((p) => !p.optional && !passed.includes(p.name));
  if (missing.length > 0) {
    return `needs ${missing.map((p) => `'${p.name}'`).join(", ")}, which ${missing.length === 1 ? "has" : "have"} no default`;
  }
  return null;
}

/** One import statement of a module: `import a.b` or `from ..a import b, c`. */
export interface ModuleImport {
  /** The leading dots of a relative import (`from ..a import b`: 2); 0 when absolute. */
  readonly level: number;
  /** The dotted module after the dots (`a.b`), or "" (`from . import x`). */
  readonly module: string;
  /** The names of a from-import (each may be a submodule), `*` for all; empty for `import a.b`. */
  readonly names: readonly string[];
}

/**
 * Code that finds modules by other means than an import statement (`importlib.import_module`,
 * `__import__`, `runpy`, `pkgutil`, the builtin `exec()`/`eval()`, a changed `sys.path`): what it loads cannot be read.
 */
const DYNAMIC_IMPORT =
  /\b(?:importlib|__import__|runpy|pkgutil)\b|(?<![.\w])(?:exec|eval)\s*\(|\bsys\s*\.\s*path\b/;

/**
 * Every import statement of a module, at any depth (a function's imports run when it is
 * called), or null when the module also loads modules in ways that cannot be read
 * (DYNAMIC_IMPORT). Strings are emptied and comments dropped first, so neither counts.
 * `staticOnly`: the import statements even then (what can be read still has to travel).
 */
export function moduleImports(source: string, staticOnly = false): ModuleImport[] | null {
  const out: ModuleImport[] = [];
  for (const { text } of logicalLines(source)) {
    if (!staticOnly && DYNAMIC_IMPORT.test(text)) return null;
    if (!/\bimport\b/.test(text)) continue;
    const colon = HEADER.test(text) ? headerColon(text) : -1;
    for (const statement of statements(colon < 0 ? text : text.slice(colon + 1))) {
      const plain = /^import\s+(.+)$/s.exec(statement);
      if (plain) {
        for (const item of (plain[1] as string).split(",")) {
          const module = item.trim().split(/\s+/)[0] ?? "";
          if (module) out.push({ level: 0, module: module.replace(/\s+/g, ""), names: [] });
        }
        continue;
      }
      const from = /^from\s+(\.*)\s*([\w.\s]*?)\s+import\s*(.+)$/s.exec(statement);
      if (!from) continue;
      const names = (from[3] as string)
        .replace(/[()]/g, " ")
        .split(",")
        .map((n) => n.trim().split(/\s+/)[0] ?? "")
        .filter((n) => n !== "");
      out.push({
        level: (from[1] as string).length,
        module: (from[2] as string).replace(/\s+/g, ""),
        names,
      });
    }
  }
  return out;
}
