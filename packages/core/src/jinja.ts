/** Reading Jinja templates, as the compiler (generated DAGs) and the linter (hand-written) do. */

/** Whether a templated string may hold Jinja code at all (most strings do not). */
export const mayHoldJinja = (text: string) =>
  text.includes("{{") || text.includes("{%") || text.includes("{#");

/**
 * A template's tags in order, as Jinja's lexer finds them: `kind` is `{`, `%` or `#`, `open`
 * the offset of the tag, `close` that of its closing delimiter (past the string literals in the
 * code of `{{ }}` and `{% %}`), or -1 for a tag never closed, which ends the walk. The text of
 * `{% raw %}...{% endraw %}` is passed over (its `close` is -1 when there is no endraw).
 */
function* jinjaTags(
  text: string,
): Generator<{ kind: string; open: number; close: number; raw: boolean }> {
  for (let at = text.indexOf("{"); at >= 0 && at < text.length - 1; at = text.indexOf("{", at)) {
    const kind = text[at + 1] as string;
    const end = kind === "{" ? "}}" : kind === "%" ? "%}" : kind === "#" ? "#}" : null;
    if (end === null) {
      at++;
      continue;
    }
    const close = kind === "#" ? text.indexOf(end, at + 2) : tagEnd(text, at + 2, end);
    if (close < 0) {
      yield { kind, open: at, close, raw: false };
      return;
    }
    const open = at;
    at = close + 2;
    // `{% raw %}...{% endraw %}`: Jinja outputs the text between as it is, code-like or not.
    if (kind === "%" && RAW.test(text.slice(open + 2, close))) {
      ENDRAW.lastIndex = at;
      const endraw = ENDRAW.exec(text);
      yield { kind, open, close: endraw ? close : -1, raw: true };
      if (!endraw) return;
      at = endraw.index + endraw[0].length;
      continue;
    }
    yield { kind, open, close, raw: false };
  }
}

/**
 * The code of a template's `{{ ... }}` expressions and `{% ... %}` statements (`{% set v =
 * ti.xcom_pull(...) %}` runs too), each with the offset where it starts in `text`; `{# ... #}`
 * comments are left out, as Jinja renders nothing of them.
 */
export function* jinjaCode(text: string): Generator<{ base: number; inner: string }> {
  for (const tag of jinjaTags(text)) {
    if (tag.close < 0) return;
    if (tag.kind !== "#" && !tag.raw) {
      yield { base: tag.open + 2, inner: text.slice(tag.open + 2, tag.close) };
    }
  }
}

/**
 * Why Jinja cannot parse `text` for want of a closing delimiter (a `{{`, `{%` or `{#` never
 * closed, a `{% raw %}` with no `{% endraw %}`), with where the opening one is; null otherwise.
 * Airflow renders the text when the task runs, and a text that does not parse fails it every
 * time: bash's `${#ARR[@]}` opens a Jinja comment.
 */
export function jinjaDelimiterProblem(text: string): { at: number; message: string } | null {
  for (const { kind, open, close, raw } of jinjaTags(text)) {
    if (close >= 0) continue;
    if (raw) return { at: open, message: "'{% raw %}' is never closed with '{% endraw %}'" };
    const what = kind === "{" ? "an expression" : kind === "%" ? "a statement" : "a comment";
    const end = kind === "{" ? "}}" : `${kind}}`;
    return { at: open, message: `${what} opened with '{${kind}' is never closed with '${end}'` };
  }
  return null;
}

/** Where `end` closes a tag's code from `from` on, past its string literals (`{{ '}}' }}`). */
function tagEnd(text: string, from: number, end: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
      continue;
    }
    if (c === end[0] && text[i + 1] === end[1]) return i;
  }
  return -1;
}

const RAW = /^[-+]?\s*raw\s*[-+]?$/;
const ENDRAW = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;

/** Jinja's own words, which are never context variables. */
const JINJA_WORDS = new Set(
  "and or not in is if else elif endif for endfor set endset with endwith macro endmacro call endcall filter endfilter block endblock include import from as recursive true false none True False None do autoescape endautoescape extends ignore missing context without scoped required".split(
    " ",
  ),
);

/** `text` with each match of `re` replaced by spaces of the same length, so offsets still hold. */
const blank = (text: string, re: RegExp) => text.replace(re, (m) => " ".repeat(m.length));

/** A name a template reads from its context, where it is in the text. */
export interface JinjaNameUse {
  readonly name: string;
  /** Offsets of the name in the text. */
  readonly from: number;
  readonly to: number;
  /**
   * Whether the read is guarded, so the template renders without the name in the context: the
   * name is tested or defaulted in the same block (`{{ x | default(1) }}`, `{{ x if x is defined
   * else 1 }}`), or the read sits in `{% if x is defined %}` (or the else of `is not defined`).
   */
  readonly guarded: boolean;
}

/** Names tested with `is [not] defined` or defaulted with `| default` / `| d` in Jinja code. */
const GUARD = /(?<![.\w])([A-Za-z_]\w*)\s*(?:\|\s*(?:default|d)\b|is\s+(not\s+)?defined\b)/g;

/**
 * The names a Jinja text reads from the context: identifiers in `{{ }}` and `{% %}`, outside
 * string literals, comments and raw blocks; not after a dot (`dag_run.logical_date` is an
 * attribute), not filters (`| ds`), tests (`is defined`) or keyword arguments, and not names
 * the template sets itself (`{% set %}`, `{% for %}`, `{% with %}`, a macro's parameters).
 */
export function jinjaNameUses(text: string): JinjaNameUse[] {
  const out: JinjaNameUse[] = [];
  if (!mayHoldJinja(text)) return out;
  const rendered = blank(text, /\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g);
  const blocks = [...jinjaCode(rendered)].map(({ base, inner }) => ({
    base,
    statement: rendered[base - 1] === "%",
    code: blank(inner, /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g),
  }));
  const local = new Set<string>();
  for (const { code } of blocks) {
    const m = /^-?\s*(?:set|for)\s+([\w\s,]+?)\s*(?:=|\bin\b)/.exec(code);
    for (const n of m?.[1]?.split(",") ?? []) local.add(n.trim());
    // `{% set name %}...{% endset %}` (a block: what it renders is the value), filters allowed.
    const block = /^-?\s*set\s+([A-Za-z_]\w*)\s*(?:\|[^=]*)?-?\s*$/.exec(code);
    if (block?.[1]) local.add(block[1]);
    if (/^-?\s*with\b/.test(code)) {
      for (const w of code.matchAll(/\b([A-Za-z_]\w*)\s*=(?!=)/g)) local.add(w[1] as string);
    }
    const macro = /^-?\s*macro\s+([A-Za-z_]\w*)\s*\(([^)]*)\)/.exec(code);
    if (macro) {
      local.add(macro[1] as string);
      for (const p of (macro[2] as string).split(",")) {
        const name = /^\s*([A-Za-z_]\w*)/.exec(p)?.[1];
        if (name) local.add(name);
      }
    }
  }
  /** `{% if %}` blocks open around the current one: the names guarded in the branch taken. */
  const ifs: { current: Set<string>; otherwise: Set<string> }[] = [];
  const guards = (code: string, negated: boolean) => {
    const names = new Set<string>();
    for (const g of code.matchAll(GUARD)) if (!!g[2] === negated) names.add(g[1] as string);
    return names;
  };
  for (const { base, statement, code } of blocks) {
    if (statement) {
      const keyword = /^-?\s*(if|elif|else|endif)\b/.exec(code)?.[1];
      if (keyword === "if")
        ifs.push({ current: guards(code, false), otherwise: guards(code, true) });
      else if (keyword === "elif" && ifs.length > 0) {
        const top = ifs[ifs.length - 1] as { current: Set<string>; otherwise: Set<string> };
        top.current = guards(code, false);
      } else if (keyword === "else" && ifs.length > 0) {
        const top = ifs[ifs.length - 1] as { current: Set<string>; otherwise: Set<string> };
        top.current = top.otherwise;
      } else if (keyword === "endif") ifs.pop();
    }
    // Names tested or defaulted anywhere in this block are guarded everywhere in it.
    const own = new Set([...code.matchAll(GUARD)].map((g) => g[1] as string));
    const names = blank(
      blank(
        blank(blank(code, /\|\s*[A-Za-z_]\w*/g), /\bis(?:\s+not)?\s+[A-Za-z_]\w*/g),
        /\b[A-Za-z_]\w*\s*=(?!=)/g,
      ),
      // `{% filter upper %}` names a filter, `{% block name %}` a block: neither is read.
      /^[-+]?\s*(?:filter|block|endblock)\s+[A-Za-z_]\w*/,
    );
    for (const n of names.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)) {
      if (local.has(n[0]) || JINJA_WORDS.has(n[0])) continue;
      const from = base + (n.index ?? 0);
      const guarded = own.has(n[0]) || ifs.some((f) => f.current.has(n[0]));
      out.push({ name: n[0], from, to: from + n[0].length, guarded });
    }
  }
  return out;
}

/** Jinja statements that open a block, and the statement that ends each. */
const BLOCKS: Readonly<Record<string, string>> = {
  if: "endif",
  for: "endfor",
  macro: "endmacro",
  call: "endcall",
  filter: "endfilter",
  block: "endblock",
  with: "endwith",
  autoescape: "endautoescape",
  set: "endset",
};
/** Statements that stand alone (with Airflow's `do` extension), and those inside a block. */
const SINGLE_STATEMENTS = new Set(["include", "import", "from", "extends", "do", "set"]);
const MIDDLES: Readonly<Record<string, readonly string[]>> = { elif: ["if"], else: ["if", "for"] };
/** Statements whose code must follow the keyword. */
const NEEDS_CODE = new Set([
  "if",
  "elif",
  "for",
  "set",
  "do",
  "include",
  "import",
  "from",
  "extends",
  "filter",
  "macro",
  "call",
  "block",
  "autoescape",
]);

/** A place in a template that Jinja refuses when it compiles it, and why. */
export interface JinjaProblem {
  /** Offset in the text. */
  readonly at: number;
  readonly message: string;
}

/**
 * What Jinja refuses when it compiles `text` (before anything renders), past the unclosed
 * delimiters of jinjaDelimiterProblem: a statement it does not know (`{% break %}`, not
 * enabled in Airflow's environment), a block never ended or ended by the wrong statement, an
 * empty `{{ }}` or condition, and a filter or test the environment lacks (`filters`, `tests`).
 * Empty when none; the text's names are jinjaNameUses' concern.
 */
export function jinjaCompileProblems(
  text: string,
  env: { readonly filters: ReadonlySet<string>; readonly tests: ReadonlySet<string> },
): JinjaProblem[] {
  const out: JinjaProblem[] = [];
  if (!mayHoldJinja(text) || jinjaDelimiterProblem(text) !== null) return out;
  const open: { keyword: string; at: number }[] = [];
  for (const { base, inner } of jinjaCode(text)) {
    const at = base - 2;
    const statement = text[base - 1] === "%";
    // String literals keep their quotes (a string is an expression) and lose their text.
    const code = inner.replace(
      /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g,
      (m) => `${m[0]}${" ".repeat(m.length - 2)}${m[0]}`,
    );
    const body = code.replace(/^[-+]?\s*/, "").replace(/\s*[-+]?$/, "");
    if (!statement) {
      if (body === "") out.push({ at, message: "'{{ }}' holds no expression" });
    } else {
      const keyword = /^[A-Za-z_]\w*/.exec(body)?.[0];
      const rest = keyword === undefined ? body : body.slice(keyword.length).trim();
      if (keyword === undefined) {
        out.push({ at, message: "'{% %}' holds no statement" });
        continue;
      }
      if (NEEDS_CODE.has(keyword) && rest === "") {
        out.push({ at, message: `'{% ${keyword} %}' needs what follows the word` });
        continue;
      }
      // `{% set x = ... %}` stands alone; `{% set x %}...{% endset %}` is a block.
      const setBlock = keyword === "set" && !/(?<![=!<>])=(?!=)/.test(rest);
      if (keyword in BLOCKS && (keyword !== "set" || setBlock)) {
        open.push({ keyword, at });
      } else if (keyword in MIDDLES) {
        const top = open[open.length - 1];
        if (!top || !(MIDDLES[keyword] as readonly string[]).includes(top.keyword)) {
          out.push({
            at,
            message: `'{% ${keyword} %}' is outside an '{% if %}'${keyword === "else" ? " or '{% for %}'" : ""} block`,
          });
        }
      } else if (keyword.startsWith("end") && Object.values(BLOCKS).includes(keyword)) {
        const top = open.pop();
        if (!top) out.push({ at, message: `'{% ${keyword} %}' ends no block` });
        else if (BLOCKS[top.keyword] !== keyword) {
          out.push({
            at,
            message: `'{% ${keyword} %}' ends the '{% ${top.keyword} %}' block, which needs '{% ${BLOCKS[top.keyword]} %}'`,
          });
          return out;
        }
      } else if (!SINGLE_STATEMENTS.has(keyword)) {
        out.push({ at, message: `'{% ${keyword} %}' is not a statement Jinja knows here` });
      }
      if (keyword === "filter") {
        const name = /^[A-Za-z_]\w*/.exec(rest)?.[0];
        if (name && !env.filters.has(name))
          out.push({ at, message: `there is no filter named '${name}'` });
      }
    }
    for (const m of code.matchAll(/\|\s*([A-Za-z_]\w*)/g)) {
      const name = m[1] as string;
      if (!env.filters.has(name)) out.push({ at, message: `there is no filter named '${name}'` });
    }
    for (const m of code.matchAll(/(?<![\w.])is\s+(?:not\s+)?([A-Za-z_]\w*)/g)) {
      const name = m[1] as string;
      if (!env.tests.has(name)) out.push({ at, message: `there is no test named '${name}'` });
    }
  }
  for (const b of open) {
    out.push({
      at: b.at,
      message: `'{% ${b.keyword} %}' is never ended with '{% ${BLOCKS[b.keyword]} %}'`,
    });
  }
  return out;
}

/** A param a template reads by name (`params.day`, `params['day']`), where it is in the text. */
export interface JinjaParamRead {
  readonly name: string;
  /** Offsets of the read (`params.day`) in the text. */
  readonly from: number;
  readonly to: number;
  /**
   * The template renders without it: the read is defaulted or tested (`params.day |
   * default('x')`, `params.day is defined`), or the text asks whether the run has it (`'day'
   * in params`, `params.get('day')`).
   */
  readonly guarded: boolean;
  /**
   * The read is all an expression prints (`{{ params.day }}`, also through `| default('x')`,
   * which replaces an undefined value and not None): a None value renders as the text `None`.
   */
  readonly printed: boolean;
  /**
   * The read is an operand of arithmetic or an ordering (`params.n + 1`, `2 * params.n`,
   * `-params.n`, `params.n > 3`): Python raises a TypeError on None there, and the task fails.
   */
  readonly operand: boolean;
}

/**
 * The params a Jinja text tests in an `{% if %}` or `{% elif %}` (`{% if params.day %}`), whose
 * prints the text may guard: a print of one is not said to render None.
 */
export function jinjaTestedParams(text: string): Set<string> {
  return new Set(
    [
      ...text.matchAll(
        /\{%-?\s*(?:el)?if\b(?:[^%]|%(?!\}))*?\bparams\s*(?:\.\s*(\w+)|\[\s*['"](\w+)['"]\s*\])/g,
      ),
    ].map((m) => (m[1] ?? m[2]) as string),
  );
}

/** A read of param `name` in a regex: `params.name` or `params['name']`. */
const paramRead = (name: string) => {
  const key = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return String.raw`\bparams\s*(?:\.\s*${key}\b|\[\s*['"]${key}['"]\s*\])`;
};

/** Whether a condition (an `if`'s, or a conjunct of one) holds only when the param is not None. */
function notNoneWhen(condition: string, name: string): boolean {
  const x = paramRead(name);
  return condition
    .split(/\band\b/)
    .some((part) =>
      new RegExp(
        String.raw`^\s*\(?\s*(?:${x}|${x}\s+is\s+not\s+none|${x}\s*!=\s*none|none\s*!=\s*${x}|not\s+${x}\s+is\s+none|${x}\s+is\s+(?:number|integer|float|string|mapping|sequence|iterable))\s*\)?\s*$`,
        "i",
      ).test(part),
    );
}

/** Whether a condition holds only when the param is None (its `else` then has a value). */
function noneWhen(condition: string, name: string): boolean {
  const x = paramRead(name);
  return new RegExp(
    String.raw`^\s*(?:${x}\s+is\s+none|not\s+${x}|${x}\s*==\s*none|none\s*==\s*${x})\s*$`,
    "i",
  ).test(condition);
}

/**
 * Whether a read of an optional param is guarded against None where it is: inside the branch
 * of an `{% if %}` (`{% elif %}`) whose condition holds only when it has a value (`params.n`,
 * `params.n is not none`, `params.n != none`, `params.n is number`, a conjunct of an `and`), or
 * the `{% else %}` of one that holds only when it is None; or by its own expression, which
 * tests it before it computes (`params.n and params.n > 3`, `params.n + 1 if params.n else 0`,
 * `params.n or 0`). A test elsewhere in the text guards nothing here.
 */
export function jinjaNoneGuard(text: string): (read: JinjaParamRead) => boolean {
  const blocks = [...jinjaCode(text)];
  return (read) => {
    const x = paramRead(read.name);
    const frames: { condition: string; branch: "if" | "else" }[] = [];
    for (const { base, inner } of blocks) {
      if (base + inner.length <= read.from) {
        if (text[base - 1] !== "%") continue;
        const tag = inner.replace(/^[-+]?\s*/, "").replace(/\s*[-+]?$/, "");
        const m = /^(if|elif|else|endif)\b\s*(.*)$/s.exec(tag);
        if (!m) continue;
        const top = frames[frames.length - 1];
        if (m[1] === "if") frames.push({ condition: m[2] as string, branch: "if" });
        else if (m[1] === "elif" && top) Object.assign(top, { condition: m[2], branch: "if" });
        else if (m[1] === "else" && top) top.branch = "else";
        else if (m[1] === "endif") frames.pop();
        continue;
      }
      if (base > read.from) break;
      // The read's own expression (or statement): a test that comes first there.
      const own = new RegExp(
        String.raw`${x}\s+(?:is\s+(?:not\s+)?none|and|or)\b|${x}\s*!=\s*none|${x}\s+is\s+(?:number|integer|float|string|mapping|sequence|iterable)\s+and\b|\b(?:if|not)\s+${x}\s*(?:-?%\}|\)|\b(?:and|else)\b|$)`,
        "i",
      );
      if (own.test(inner)) return true;
    }
    return frames.some((f) =>
      f.branch === "if" ? notNoneWhen(f.condition, read.name) : noneWhen(f.condition, read.name),
    );
  };
}

/** Filters that give a value for None (`int` 0, `float` 0.0, `string` 'None'). */
const NONE_SAFE_FILTERS: ReadonlySet<string> = new Set([
  "int",
  "float",
  "string",
  "lower",
  "upper",
]);
/** Filters that raise a TypeError on None. */
const NONE_FAILING_FILTERS: ReadonlySet<string> = new Set([
  "round",
  "abs",
  "length",
  "count",
  "first",
  "last",
  "join",
  "sum",
  "max",
  "min",
  "sort",
  "list",
  "unique",
  "reverse",
  "map",
  "select",
  "reject",
  "selectattr",
  "rejectattr",
  "items",
  "dictsort",
]);

/**
 * Whether a read, with the code before it in its tag and after it, is computed with: an operand
 * of arithmetic or an ordering (filters bind tighter, so `20 + params.n | int` is not, and
 * `params.n | default(1) + 1` is: default replaces an undefined value, not None), an attribute,
 * item or method of it (`params.s.upper()`, `params.l[0]`), or given to a filter that fails on
 * None (`| round`, `| length`). Concatenation (`~`), equality and `in` take None.
 */
function computedWith(before: string, after: string): boolean {
  // Whitespace control (`{{- x -}}`, `{%+ x +%}`) is no sign.
  let rest = after.replace(/[-+]\s*$/, "");
  for (;;) {
    const f = /^\s*\|\s*([A-Za-z_]\w*)\s*(\((?:'[^']*'|"[^"]*"|[^()'"])*\))?/.exec(rest);
    if (!f) break;
    const name = f[1] as string;
    if (NONE_FAILING_FILTERS.has(name)) return true;
    if (NONE_SAFE_FILTERS.has(name)) return false;
    // default(v, true) replaces None too; default(v) only an undefined value.
    if (name === "default" || name === "d") {
      if (/,\s*(?:true|True|1)\s*\)$/.test(f[2] ?? "")) return false;
    } else return false;
    rest = rest.slice(f[0].length);
  }
  if (/^\s*~/.test(rest)) return false;
  // The fallback of an `or` computed with: `(params.y or params.x) + 1`.
  if (/\bor\s*$/.test(before) && /^\s*\)\s*(?:\*\*|\/\/|[-+*/%]|[<>]=?)/.test(rest)) return true;
  if (/^\s*(?:\*\*|\/\/|[-+*/%]|[<>]=?|\.\s*[A-Za-z_]|\[)/.test(rest)) return true;
  const lead = before.replace(/^[-+]/, "");
  // `'%s' % params.x` renders None as text; another format (`%d`) fails.
  const format = /(['"])((?:(?!\1).)*)\1\s*%\s*$/.exec(lead);
  if (format) return /%(?!%|s|r)/.test((format[2] as string).replace(/%%/g, ""));
  return /(?:\*\*|\/\/|[-+*/%<>]|[<>]=)\s*$/.test(lead);
}

/**
 * The params a Jinja text reads by name. Not a method of the dict (`params.get(...)`,
 * `params.items()`), not in a string literal, and nothing when the template binds `params`
 * itself (`{% set params = ... %}`).
 */
export function jinjaParamReads(text: string): JinjaParamRead[] {
  const out: JinjaParamRead[] = [];
  if (!mayHoldJinja(text)) return out;
  const blocks = [...jinjaCode(text)];
  // A template that binds `params` itself (`{% set params = ... %}`, `{% for params in ... %}`);
  // a loop over a param (`{% for t in params.tables %}`) binds another name.
  if (
    blocks.some(
      (b) =>
        /^[-+]?\s*set\s+(?:\w+\s*,\s*)*params\b\s*[,=]/.test(b.inner) ||
        /^[-+]?\s*for\s+(?:\w+\s*,\s*)*params\b\s*(?:,|\bin\b)/.test(b.inner),
    )
  ) {
    return out;
  }
  const asked = new Set<string>();
  for (const { inner } of blocks) {
    for (const m of inner.matchAll(/(['"])(\w+)\1\s+in\s+params\b/g)) asked.add(m[2] as string);
    for (const m of inner.matchAll(/\bparams\s*\.\s*get\s*\(\s*(['"])(\w+)\1/g)) {
      asked.add(m[2] as string);
    }
  }
  for (const { base, inner } of blocks) {
    const strings = [...inner.matchAll(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g)].map((s) => [
      s.index,
      s.index + s[0].length,
    ]);
    const read =
      /(?<![.\w])params\s*(?:\.\s*([A-Za-z_]\w*)(?![\w(]|\s*\()|\[\s*(['"])([^'"\\]*)\2\s*\])/g;
    for (const m of inner.matchAll(read)) {
      const at = m.index;
      if (strings.some(([from, to]) => at >= (from as number) && at < (to as number))) continue;
      const name = (m[1] ?? m[3]) as string;
      const after = inner.slice(at + m[0].length);
      const key = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const guarded =
        asked.has(name) ||
        /^\s*(?:\|\s*(?:default|d)\b|is\s+(?:not\s+)?defined\b)/.test(after) ||
        blocks.some((b) =>
          new RegExp(
            `\\bparams\\s*(?:\\.\\s*${key}\\b|\\[\\s*['"]${key}['"]\\s*\\])\\s*is\\s+(?:not\\s+)?defined`,
          ).test(b.inner),
        );
      const printed =
        text[base - 1] === "{" &&
        /^-?\s*$/.test(inner.slice(0, at)) &&
        /^\s*(?:\|\s*(?:default|d)\s*\((?:'[^']*'|"[^"]*"|[^,()'"])*\)\s*)?-?\s*$/.test(after);
      const operand = computedWith(inner.slice(0, at), after);
      out.push({ name, from: base + at, to: base + at + m[0].length, guarded, printed, operand });
    }
  }
  return out;
}
