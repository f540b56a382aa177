import { diagnostic, functionRefs, type Pipeline } from "@mlgen/core";
import { HARD_KEYWORDS } from "../escape/python.js";
import { type PassContext, taskPlace } from "./context.js";

/** Module paths must be importable: relative, `.py`, every segment a Python identifier. */
const MODULE_PATH = /^(?:[A-Za-z_][A-Za-z0-9_]*\/)*[A-Za-z_][A-Za-z0-9_]*\.py$/;

export function moduleName(path: string): string {
  return path.slice(0, -".py".length).split("/").join(".");
}

/**
 * The source with each triple-quoted string that begins a line (a docstring, or a string
 * statement) blanked, newlines kept: a `def` shown in one is not the module's. A triple quote
 * elsewhere (inside another string, in a comment) is left alone.
 */
function blankDocstrings(source: string): string {
  return source.replace(/^([ \t]*[rRuUbB]{0,2})("""|''')[\s\S]*?\2/gm, (m) =>
    m.replace(/[^\n]/g, " "),
  );
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
  return bindsName(moduleLevel(blankDocstrings(source)), name);
}

/** `def name(` at column 0 (also async) and `name = ...` (also annotated), as regex sources. */
function topLevel(name: string) {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return {
    escaped,
    def: `^(?:async[ \\t]+)?def[ \\t]+${escaped}[ \\t]*\\(`,
    assigned: `^${escaped}[ \\t]*(?::[^=\\n]*)?=(?!=)`,
  };
}

/** Block statements whose body still runs at module level. */
const MODULE_BLOCK =
  /^(?:if|elif|else|try|except|finally|with|for|while|async[ \t]+(?:with|for))\b/;

/**
 * The module's code with the statements that run at module level moved to column 0 (those in
 * top-level `if`/`try`/`with`/loop blocks too) and every line inside a `def` or `class` body
 * blanked; lines inside brackets stay as they are. Indentation-based, like Python: good enough to
 * tell where a name is bound, on code whose docstrings are blanked.
 */
function moduleLevel(code: string): string {
  const lines = code.split("\n");
  const blocks: { indent: number; module: boolean }[] = [];
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const body = line.trimStart();
    // Strings and comments removed: what is left says whether brackets open or a block starts.
    const bare = body.replace(/(["'])(?:\\.|(?!\1).)*\1|#.*$/g, "");
    if (depth > 0 || body === "" || body.startsWith("#")) {
      depth = Math.max(0, depth + bracketDelta(bare));
      continue;
    }
    const indent = line.length - body.length;
    while (blocks.length && (blocks[blocks.length - 1] as { indent: number }).indent >= indent) {
      blocks.pop();
    }
    const inModule = blocks.every((b) => b.module);
    lines[i] = inModule ? body : "";
    depth = Math.max(0, bracketDelta(bare));
    if (depth === 0 && bare.trimEnd().endsWith(":")) {
      blocks.push({ indent, module: inModule && MODULE_BLOCK.test(body) });
    }
  }
  return lines.join("\n");
}

function bracketDelta(text: string): number {
  let d = 0;
  for (const c of text) {
    if (c === "(" || c === "[" || c === "{") d++;
    else if (c === ")" || c === "]" || c === "}") d--;
  }
  return d;
}

/** definesFunction on a module already through blankDocstrings and moduleLevel. */
function bindsName(code: string, name: string): boolean {
  const { escaped, def, assigned } = topLevel(name);
  if (new RegExp(def, "m").test(code) || new RegExp(assigned, "m").test(code)) return true;
  if (new RegExp(`^class[ \\t]+${escaped}\\b`, "m").test(code)) return true;
  if (/^from[ \t]+[\w.]+[ \t]+import[ \t]+\*/m.test(code)) return true;
  for (const m of code.matchAll(/^from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)/gm)) {
    const names = (m[1] ?? "").replace(/[()\\]|#[^\n]*/g, " ").split(",");
    for (const item of names) {
      const parts = item.trim().split(/\s+/);
      const bound = parts.length === 3 && parts[1] === "as" ? parts[2] : parts[0];
      if (bound === name) return true;
    }
  }
  // `a, name = ...` and `(a, name) = ...`
  for (const m of code.matchAll(/^([\w \t,()[\]*]*,[\w \t,()[\]*]*)=(?!=)/gm)) {
    if ((m[1] ?? "").split(/[\s,()[\]*]+/).includes(name)) return true;
  }
  return false;
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
  const blanked = new Map<string, string>();
  for (const task of ir.tasks) {
    const place = taskPlace(ctx, ir.id, task.id);
    for (const { ref, where } of functionRefs(ir, task)) {
      if (!ref.function) continue;
      const args = { module: ref.module, task: task.id, function: ref.function };
      const segments = ref.module.replace(/\.py$/, "").split("/");
      if (!MODULE_PATH.test(ref.module) || segments.some((s) => HARD_KEYWORDS.has(s))) {
        ctx.report(
          diagnostic(
            "MLG1011",
            {
              what: `module path '${ref.module}' of task '${task.id}' (${where})`,
              reason:
                "it must be a relative path to a .py file whose parts are Python identifiers (not keywords)",
              hint: "write fn as 'tasks/train.py:train_model', relative to the project root",
            },
            place,
          ),
        );
        continue;
      }
      const source = modules.get(ref.module);
      if (source === undefined || source === null) {
        ctx.report(diagnostic("MLG1007", args, place));
        continue;
      }
      // Read once per module, however many tasks call into it.
      let code = blanked.get(source);
      if (code === undefined) {
        code = moduleLevel(blankDocstrings(source));
        blanked.set(source, code);
      }
      if (!bindsName(code, ref.function)) {
        ctx.report(diagnostic("MLG1008", args, place));
      } else if (where === "fn" && task.kind === "python") {
        const passed = [...Object.keys(task.inputs), ...(task.map ? [task.map.input] : [])];
        const problem = callProblem(signature(code, ref.function), passed);
        if (problem) {
          ctx.report(
            diagnostic(
              "MLG1011",
              {
                what: `inputs of task '${task.id}'`,
                reason: `${ref.function}() ${problem}; the task calls it with ${passed.length > 0 ? passed.map((n) => `${n}=`).join(", ") : "no arguments"}`,
                hint: `give the task one input per parameter of ${ref.function} (or add **kwargs to it)`,
              },
              place,
            ),
          );
        }
      }
    }
  }
}

interface Parameters {
  /** Parameters a keyword argument can set, and whether each has a default. */
  readonly named: readonly { readonly name: string; readonly optional: boolean }[];
  /** `**kwargs`: any keyword is taken. */
  readonly anyKeyword: boolean;
}

/** A signature's parameter texts, split at top-level commas, or null when it does not close. */
function signatureParts(code: string, from: number): string[] | null {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (let i = from; i < code.length; i++) {
    const c = code[i] as string;
    if (quote) {
      if (c === "\\") {
        current += c + (code[i + 1] ?? "");
        i++;
        continue;
      }
      if (c === quote) quote = "";
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#") {
      while (i + 1 < code.length && code[i + 1] !== "\n") i++;
      continue;
    } else if (c === "(" || c === "[" || c === "{") depth++;
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
  return signature(moduleLevel(blankDocstrings(source)), name);
}

/** parameters on a module already through blankDocstrings and moduleLevel. */
function signature(code: string, name: string): Parameters | null {
  const { escaped, def, assigned } = topLevel(name);
  const defs = [...code.matchAll(new RegExp(def, "gm"))];
  const m = defs[0];
  // Only a plain, single definition says what the call takes: not one defined again (typing
  // overloads; the last def wins), rebound (functools.partial) or decorated (a decorator may
  // supply or change parameters).
  if (!m || defs.length > 1) return null;
  const rebound = new RegExp(`${assigned}|^from[ \\t][^\\n]*\\b${escaped}\\b`, "m");
  if (rebound.test(code)) return null;
  if (/(^|\n)@[^\n]*$/.test(code.slice(0, m.index).trimEnd())) return null;
  const parts = signatureParts(code, m.index + m[0].length);
  if (!parts || parts.some((p) => /\blambda\b/.test(p))) return null;
  const named: { name: string; optional: boolean }[] = [];
  let anyKeyword = false;
  for (const raw of parts) {
    const p = raw.trim();
    if (p === "/") {
      named.length = 0; // positional-only: no keyword argument reaches them
      continue;
    }
    if (p.startsWith("**")) anyKeyword = true;
    if (p === "" || p.startsWith("*")) continue;
    const id = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?(=)?/.exec(p);
    if (!id?.[1]) return null;
    named.push({ name: id[1], optional: id[2] === "=" });
  }
  return { named, anyKeyword };
}

/** Why calling a function with these keyword arguments fails, or null. */
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
