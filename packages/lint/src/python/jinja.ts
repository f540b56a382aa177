import { AIRFLOW3_REMOVED_CONTEXT, jinjaCode, jinjaNameUses, mayHoldJinja } from "@mlgen/core";
/** A `xcom_pull(...)` found in text: offsets into that text; null ids or key: not literal. */
export interface TextPull {
  readonly from: number;
  readonly to: number;
  readonly taskIds: readonly string[] | null;
  /** Given explicitly or Airflow's default `return_value`; null when computed. */
  readonly key: string | null;
  /** `dag_id=` given: the pull reads another DAG, which a file-local check cannot judge. */
  readonly otherDag: boolean;
  /** `include_prior_dates=` (not False) or `run_id=` given: it may read an earlier run. */
  readonly otherRuns: boolean;
  /**
   * No task ids (none given, or None): Airflow 3 reads the calling task's own XCom, where
   * Airflow 2 searched every task of the run.
   */
  readonly ownTask: boolean;
}

/**
 * A Python string literal's source text, for reading the templates in it: a quote that Python
 * escapes (`task_ids=\\"a\\"`) is a plain quote to Jinja. Its backslash becomes a space outside
 * the Jinja string it opens or closes (`task_ids= "a" `), so the text keeps its length and
 * offsets into it stay offsets into the source. Raw strings keep their backslashes.
 */
export function templateSource(raw: string): string {
  if (!raw.includes("\\") || /^[A-Za-z]*[rR]/.test(raw)) return raw;
  const chars = [...raw];
  let code = false; // inside {{ }} or {% %}
  let quote: string | null = null; // the Jinja string open there
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    const next = chars[i + 1];
    if (!code) {
      if (c === "\\") i++;
      else if (c === "{" && (next === "{" || next === "%")) {
        code = true;
        quote = null;
        i++;
      }
      continue;
    }
    if (quote === null && (c === "}" || c === "%") && next === "}") {
      code = false;
      i++;
    } else if (c === "\\" && (next === '"' || next === "'")) {
      if (quote === null) {
        chars[i] = " "; // an opening quote: the space goes before it
        quote = next;
      } else if (quote === next) {
        chars[i] = next; // a closing quote: the space goes after it
        chars[i + 1] = " ";
        quote = null;
      }
      i++;
    } else if (c === "\\") i++;
    else if (c === '"' || c === "'") {
      if (quote === null) quote = c;
      else if (quote === c) quote = null;
    }
  }
  return chars.join("");
}

const LITERAL = /^\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*$/s;

function literal(text: string): string | null {
  const m = LITERAL.exec(text);
  if (!m) return null;
  return m[1] ?? m[2] ?? null;
}

/** A literal string, or a list/tuple of them; null otherwise. */
function literalIds(text: string): string[] | null {
  const one = literal(text);
  if (one !== null) return [one];
  const m = /^\s*[[(](.*)[\])]\s*$/s.exec(text);
  if (!m) return null;
  const items = splitTopLevel(m[1] ?? "").filter((s) => s.trim() !== "");
  const out: string[] = [];
  for (const item of items) {
    const v = literal(item);
    if (v === null) return null;
    out.push(v);
  }
  return out;
}

/** Splits call arguments on commas outside brackets and quotes. */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
    else if (ch === "," && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The closing parenthesis matching the one at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i;
  }
  return -1;
}

/**
 * Interprets xcom_pull's arguments: (task_ids=None, dag_id=None, key="return_value", ...).
 * `constant` gives the string a bare name holds (Python code's module-level constants, never a
 * template's names), for a key or a task id passed by name.
 */
export function pullArguments(
  args: readonly string[],
  constant: (name: string) => string | null = () => null,
): Omit<TextPull, "from" | "to"> {
  let ids: string | undefined;
  let key: string | undefined;
  let otherDag = false;
  let otherRuns = false;
  const positional: string[] = [];
  for (const arg of args) {
    const kw = /^\s*(\w+)\s*=(?!=)([\s\S]*)$/.exec(arg);
    if (!kw) {
      if (arg.trim() !== "") positional.push(arg);
      continue;
    }
    if (kw[1] === "task_ids") ids = kw[2];
    else if (kw[1] === "key") key = kw[2];
    else if (kw[1] === "dag_id") otherDag = !/^\s*None\s*$/.test(kw[2] ?? "");
    else if (kw[1] === "include_prior_dates") otherRuns ||= !/^\s*False\s*$/.test(kw[2] ?? "");
    else if (kw[1] === "run_id") otherRuns ||= !/^\s*None\s*$/.test(kw[2] ?? "");
  }
  // xcom_pull(task_ids, dag_id, key, include_prior_dates)
  if (positional[3] !== undefined && !/^\s*False\s*$/.test(positional[3])) otherRuns = true;
  ids ??= positional[0];
  if (positional[1] !== undefined && !/^\s*None\s*$/.test(positional[1])) otherDag = true;
  key ??= positional[2];
  const named = (text: string) => {
    const name = /^\s*([A-Za-z_]\w*)\s*$/.exec(text)?.[1];
    return name && name !== "None" ? constant(name) : null;
  };
  const namedId = ids === undefined ? null : named(ids);
  return {
    taskIds: ids === undefined ? null : namedId !== null ? [namedId] : literalIds(ids),
    key: key === undefined ? "return_value" : (literal(key) ?? named(key)),
    ownTask: ids === undefined || /^\s*None\s*$/.test(ids),
    otherDag,
    otherRuns,
  };
}

/** Every `xcom_pull(...)` in the Jinja code of a templated string. */
export function templatePulls(text: string): TextPull[] {
  const out: TextPull[] = [];
  // Most strings have neither: skip the block search.
  if (!mayHoldJinja(text) || !text.includes("xcom_pull")) return out;
  for (const { base, inner } of jinjaCode(text)) {
    for (const m of inner.matchAll(/\bxcom_pull\s*\(/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      const close = closing(inner, open);
      if (close < 0) continue;
      const args = splitTopLevel(inner.slice(open + 1, close));
      const start = base + (m.index ?? 0);
      const owner = /(\w+)\s*\.\s*$/.exec(inner.slice(0, m.index ?? 0));
      const from = owner ? base + (owner.index ?? 0) : start;
      out.push({ from, to: base + close + 1, ...pullArguments(args) });
    }
  }
  return out;
}

/** Template variables that Airflow 3 no longer puts in the context. */
export const REMOVED_CONTEXT = Object.keys(AIRFLOW3_REMOVED_CONTEXT);

/** Any of the names Airflow 3 removed from the context, as a word. */
const REMOVED_NAME = new RegExp(`\\b(?:${Object.keys(AIRFLOW3_REMOVED_CONTEXT).join("|")})\\b`);

/**
 * Reads of removed context variables in a template (core's `jinjaNameUses`): offsets into
 * `text`. A guarded read (`{{ next_ds | default(ds) }}`, `is defined`) is code written for both
 * versions, and is left alone.
 */
export function removedContextUses(text: string): { from: number; to: number; name: string }[] {
  // A use spells the name out: most templates name none of them, and skip the full reading.
  if (!REMOVED_NAME.test(text)) return [];
  return jinjaNameUses(text).filter(
    (u) => !u.guarded && Object.hasOwn(AIRFLOW3_REMOVED_CONTEXT, u.name),
  );
}

/** Keys pushed by `{{ ti.xcom_push(key=...) }}` in a template; null for a computed key. */
export function templatePushes(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  if (!mayHoldJinja(text) || !text.includes("xcom_push")) return out;
  for (const { inner } of jinjaCode(text)) {
    for (const m of inner.matchAll(/\bxcom_push\s*\(/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      const close = closing(inner, open);
      const args = splitTopLevel(inner.slice(open + 1, close < 0 ? undefined : close));
      const kw = args.find((a) => /^\s*key\s*=/.test(a));
      const keyText = kw ? kw.replace(/^\s*key\s*=/, "") : args[0];
      out.push(keyText === undefined ? null : literal(keyText));
    }
  }
  return out;
}

const FORMAT_FIELD = /\{[^{}]*\}|%(?:\([^)]*\))?[sdr]/;

/**
 * A key in a template that still holds a Python formatting field (`'{MODEL_KEY}'` in an
 * f-string or a .format() template, `'%s'`, `'%(key)s'`): Python fills it in before Airflow
 * sees the template, so the key the task reads is not the text shown.
 */
export const formattedKey = (key: string): boolean => FORMAT_FIELD.test(key);

/** A template's `{% import %}` or `{% from ... import %}` statement. */
export interface JinjaImport {
  /** Offsets of the statement, `{%` to `%}`. */
  readonly from: number;
  readonly to: number;
  /** The file it imports, when a literal name; null for one in a variable. */
  readonly name: string | null;
  /** `with context`: the imported template sees the importing one's context. */
  readonly context: boolean;
  /** `{% import 'f' as m %}`: m; null for `{% from %}`. */
  readonly module: string | null;
  /** `{% from 'f' import a, b as c %}`: [a, a] and [b, c], each [name in f, name bound]. */
  readonly names: readonly (readonly [string, string])[];
}

const IMPORT_STATEMENT =
  /^[-+]?\s*import\s+(?:"([^"\\]*)"|'([^'\\]*)'|[\s\S]*?)\s+as\s+([A-Za-z_]\w*)\s*(?:(with|without)\s+context)?\s*[-+]?$/;
const FROM_STATEMENT =
  /^[-+]?\s*from\s+(?:"([^"\\]*)"|'([^'\\]*)'|[\s\S]*?)\s+import\s+([\s\S]*?)\s*(?:(with|without)\s+context)?\s*[-+]?$/;

/**
 * The `{% import 'f' as m %}` and `{% from 'f' import a, b as c %}` statements of a template
 * (`with context` or `without context`, Jinja's default, after either), outside comments and
 * raw blocks.
 */
export function templateImports(text: string): JinjaImport[] {
  const out: JinjaImport[] = [];
  if (!text.includes("import")) return out;
  for (const { base, inner } of jinjaCode(text)) {
    if (text[base - 1] !== "%") continue;
    const span = { from: base - 2, to: base + inner.length + 2 };
    const one = IMPORT_STATEMENT.exec(inner);
    if (one) {
      out.push({
        ...span,
        name: one[1] ?? one[2] ?? null,
        context: one[4] === "with",
        module: one[3] as string,
        names: [],
      });
      continue;
    }
    const some = FROM_STATEMENT.exec(inner);
    if (!some) continue;
    const names: [string, string][] = [];
    for (const item of (some[3] as string).split(",")) {
      const m = /^\s*([A-Za-z_]\w*)(?:\s+as\s+([A-Za-z_]\w*))?\s*$/.exec(item);
      if (m) names.push([m[1] as string, (m[2] ?? m[1]) as string]);
    }
    out.push({
      ...span,
      name: some[1] ?? some[2] ?? null,
      context: some[4] === "with",
      module: null,
      names,
    });
  }
  return out;
}

/**
 * The macros of an imported template that run when `importing` (a text with `imports`, the
 * statements that import it) renders: those it calls, `m.part(...)` for `{% import ... as m %}`
 * or a name bound by `{% from ... import part %}` that it reads; null when it cannot tell (the
 * module read otherwise than by an attribute, `{{ m }}`, `m[name]`).
 */
export function importedMacroCalls(
  importing: string,
  imports: readonly JinjaImport[],
): string[] | null {
  const out = new Set<string>();
  const within = (at: number) => imports.some((i) => at >= i.from && at < i.to);
  for (const use of jinjaNameUses(importing)) {
    if (within(use.from)) continue;
    for (const i of imports) {
      if (i.module === use.name) {
        const attr = /^\s*\.\s*([A-Za-z_]\w*)/.exec(importing.slice(use.to));
        if (!attr) return null;
        out.add(attr[1] as string);
      }
      for (const [name, bound] of i.names) if (bound === use.name) out.add(name);
    }
  }
  return [...out];
}

/**
 * The name uses (core's jinjaNameUses) in a template that run when it is imported and the
 * macros `runs` of it are called: those at its top level, which runs on import, and those in
 * the bodies of the macros that run (called, or called by one that runs, or at the top level).
 * `runs` null (which are called is not known): the top level only. Unguarded uses only, and
 * not the names its own imports bind.
 */
export function importedNameUses(
  text: string,
  runs: readonly string[] | null,
): { from: number; to: number; name: string }[] {
  // The macros at the top level, with where their bodies are.
  const macros: { name: string; from: number; to: number }[] = [];
  const calls: { name: string; at: number }[] = [];
  let open: { name: string; from: number } | null = null;
  let depth = 0;
  // `{% set x = ds %}` at the top level: an undefined value may be assigned (StrictUndefined
  // fails only where it is used), so its reads are not judged.
  const sets: { from: number; to: number }[] = [];
  for (const { base, inner } of jinjaCode(text)) {
    const code = inner.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, (m) => " ".repeat(m.length));
    if (text[base - 1] === "%" && depth === 0 && /^[-+]?\s*set\b/.test(code)) {
      sets.push({ from: base, to: base + inner.length });
    }
    if (text[base - 1] === "%") {
      const macro = /^[-+]?\s*macro\s+([A-Za-z_]\w*)/.exec(code);
      if (macro) {
        if (depth++ === 0) open = { name: macro[1] as string, from: base };
      } else if (/^[-+]?\s*endmacro\b/.test(code) && depth > 0 && --depth === 0 && open) {
        macros.push({ ...open, to: base });
        open = null;
      }
    }
    for (const c of code.matchAll(/(?<![.\w])([A-Za-z_]\w*)\s*\(/g)) {
      if (/macro\s+$/.test(code.slice(0, c.index))) continue;
      calls.push({ name: c[1] as string, at: base + (c.index ?? 0) });
    }
  }
  const around = (at: number) => macros.find((m) => at >= m.from && at < m.to);
  const running = new Set<string>(runs ?? []);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of calls) {
      if (running.has(c.name) || !macros.some((m) => m.name === c.name)) continue;
      const inside = around(c.at);
      if (!inside || running.has(inside.name)) {
        running.add(c.name);
        grew = true;
      }
    }
  }
  const imports = templateImports(text);
  const bound = new Set(imports.flatMap((i) => (i.module ? [i.module] : i.names.map((n) => n[1]))));
  return jinjaNameUses(text).filter((u) => {
    if (u.guarded || bound.has(u.name) || imports.some((i) => u.from >= i.from && u.from < i.to)) {
      return false;
    }
    const inside = around(u.from);
    if (!inside && sets.some((x) => u.from >= x.from && u.from < x.to)) return false;
    return !inside || running.has(inside.name);
  });
}
