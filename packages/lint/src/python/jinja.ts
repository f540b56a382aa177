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
