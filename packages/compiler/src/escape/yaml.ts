/**
 * The one place where text becomes YAML (and the CEL string literals inside it).
 *
 * The readers are PyYAML (the kfp SDK, a YAML 1.1 parser) and the KFP backend's Go parser, so
 * every scalar is written in a style both read back exactly: plain only for identifier-like
 * text that no YAML 1.1 resolver turns into a bool, null, number or date; a `|` block for
 * multi-line text without characters that YAML treats as line breaks; otherwise a
 * double-quoted scalar with every control and line-breaking character escaped. Documents are
 * JSON-shaped data (maps, lists, strings, numbers, booleans, null) with keys sorted, as kfp
 * writes them. Property tests check the output against PyYAML and the `yaml` library.
 */
import { bidiControl } from "./python.js";

/** What yamlDocuments met while writing the documents (not the comments). */
export interface YamlFacts {
  /** A string or key held an unpaired UTF-16 surrogate, which it wrote escaped (`\ud800`). */
  loneSurrogate: boolean;
}

/**
 * `docs` as a YAML stream with sorted keys (as kfp writes them), after the comment lines; what
 * it met is noted in `facts` when given.
 */
export function yamlDocuments(
  docs: readonly unknown[],
  comments: readonly string[],
  facts?: YamlFacts,
): string {
  // One list of pieces joined once: a 1,000-task spec is about 5 MB of YAML.
  const out: string[] = [];
  for (const c of comments) out.push(yamlComment(c), "\n");
  reuse = { texts: new Map(), seen: new WeakSet(), values: new WeakMap() };
  noted = facts ?? null;
  try {
    docs.forEach((doc, i) => {
      if (i > 0) out.push("---\n");
      block(out, doc, "");
    });
  } finally {
    reuse = null;
    noted = null;
  }
  return out.join("");
}

/** The facts of the documents being written, if the caller asked for them. */
let noted: YamlFacts | null = null;

/** A `# ...` comment line whose text cannot end the comment or start a new line. */
export function yamlComment(text: string): string {
  const flat = text.replace(LINE_BREAKING, " ").trimEnd();
  return flat === "" ? "#" : `# ${flat}`;
}

const LINE_BREAKING =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ufffe\uffff]+/g;
/** What may not appear raw in a block scalar: controls but tab and newline, YAML 1.1 line
 * breaks (NEL, LS, PS), BOM, bidirectional controls; lone surrogates are checked apart
 * (String#isWellFormed). */
const NOT_IN_BLOCK =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ufffe\uffff]/;

/** A line of white space only (it would be read as part of the indentation). */
const BLANK_LINE = /(?:^|\n)[^\S\n]+(?:\n|$)/;
/** The start of every non-empty line (the other line breaks are refused before it is used). */
const LINE_START = /^(?=[^\n])/gm;
/** Plain in every YAML 1.1 and 1.2 schema: starts with a letter or `_`, then `[A-Za-z0-9_./-]`. */
const PLAIN = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** YAML 1.1 booleans and nulls that PLAIN would let through. */
const KEYWORD = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

/** A scalar that reads back as exactly `value` in PyYAML and in YAML 1.2 parsers. */
export function yamlScalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return yamlNumber(value);
  if (typeof value !== "string") throw new TypeError(`not a YAML scalar: ${typeof value}`);
  if (PLAIN.test(value) && !KEYWORD.test(value)) return value;
  return quoted(value);
}

function yamlNumber(n: number): string {
  if (Number.isNaN(n)) return ".nan";
  if (!Number.isFinite(n)) return n > 0 ? ".inf" : "-.inf";
  if (Object.is(n, -0)) return "-0.0";
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  // PyYAML's float needs a dot: 1e+21 would read as a string.
  const text = String(n);
  return text.includes(".") ? text : text.replace(/e/, ".0e");
}

const ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\t": "\\t",
  "\r": "\\r",
};

function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const named = ESCAPES[ch];
    if (named) {
      out += named;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
      } else {
        if (noted) noted.loneSurrogate = true;
        out += `\\u${code.toString(16).padStart(4, "0")}`;
      }
    } else if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      bidiControl(code) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0xfeff ||
      code === 0xfffe ||
      code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
      if (noted && code >= 0xd800 && code <= 0xdfff) noted.loneSurrogate = true;
      out +=
        code <= 0xff
          ? `\\x${code.toString(16).padStart(2, "0")}`
          : `\\u${code.toString(16).padStart(4, "0")}`;
    } else {
      out += ch;
    }
  }
  return `${out}"`;
}

/**
 * What this document already wrote, to write again without redoing it: a Kubeflow spec repeats
 * the same task module, launcher and project files (`texts`, long strings) and shares one
 * container between the tasks that run the same code (`values`, maps and lists met more than
 * once: `seen` holds those met once). Each by indentation, as the text depends on it.
 */
let reuse: {
  readonly texts: Map<string, Map<string, string | null>>;
  readonly seen: WeakSet<object>;
  readonly values: WeakMap<object, Map<string, string | null>>;
} | null = null;
const REUSED_FROM = 256;

/** The text `make` gives for `key` at `indent`, made once per document. */
function reused<K>(
  byKey: {
    get(key: K): Map<string, string | null> | undefined;
    set(key: K, v: Map<string, string | null>): unknown;
  },
  key: K,
  indent: string,
  make: () => string | null,
): string | null {
  let atIndent = byKey.get(key);
  if (atIndent === undefined) {
    atIndent = new Map();
    byKey.set(key, atIndent);
  }
  let text = atIndent.get(indent);
  if (text === undefined) {
    text = make();
    atIndent.set(indent, text);
  }
  return text;
}

/** Multi-line text as a `|` block (pushed onto `out`) when it reads back exactly; else false. */
function literalBlock(out: string[], s: string, indent: string): boolean {
  const text =
    reuse !== null && s.length >= REUSED_FROM
      ? reused(reuse.texts, s, indent, () => blockText(s, indent))
      : blockText(s, indent);
  if (text === null) return false;
  out.push(text);
  return true;
}

function blockText(s: string, indent: string): string | null {
  if (!s.includes("\n") || NOT_IN_BLOCK.test(s) || !isWellFormed(s)) return null;
  // Indentation is detected from the first non-empty line: it must not start with a space.
  let i = 0;
  while (s.charCodeAt(i) === 10) i++;
  if (i === s.length || s.charCodeAt(i) === 32) return null;
  if (BLANK_LINE.test(s)) return null;
  // Chomping: `-` when there is no final newline, `+` to keep trailing empty lines, none to keep
  // exactly one. The body is the text without its final newline (if any), each non-empty line
  // indented.
  const chomp = !s.endsWith("\n") ? "-" : s.endsWith("\n\n") ? "+" : "";
  const body = chomp === "-" ? s : s.slice(0, -1);
  return `|${chomp}\n${body.replace(LINE_START, `${indent}  `)}`;
}

/** No lone UTF-16 surrogate (`String.prototype.isWellFormed`, ES2024; Node 20 has it). */
export const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** The keys of `m` with a value, sorted by UTF-16 code units (as kfp's json.dumps sorts). */
function keysOf(m: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(m)) if (m[k] !== undefined) keys.push(k);
  return keys.sort();
}

/** A value in block style at `indent`, each line ending with a newline. */
function block(out: string[], value: unknown, indent: string): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(indent, "[]\n");
    else for (const item of value) entry(out, `${indent}-`, item, indent);
  } else if (isMap(value)) {
    mapBlock(out, value, keysOf(value), indent);
  } else {
    out.push(indent, yamlScalar(value), "\n");
  }
}

function mapBlock(out: string[], m: Record<string, unknown>, keys: string[], indent: string) {
  if (keys.length === 0) {
    out.push(indent, "{}\n");
    return;
  }
  for (const k of keys) {
    const key = yamlScalar(k);
    // YAML caps implicit keys at 1024 characters: longer ones take the explicit form.
    const lead = key.length > 1000 ? `${indent}? ${key}\n${indent}:` : `${indent}${key}:`;
    entry(out, lead, m[k], indent);
  }
}

/** `lead` (`key:` or `-`) followed by its value: inline when scalar or empty, else nested. */
function entry(out: string[], lead: string, value: unknown, indent: string): void {
  if (reuse !== null && value !== null && typeof value === "object") {
    // From the second time a map or list is met, the text written the first time.
    if (!reuse.seen.has(value)) reuse.seen.add(value);
    else {
      const text = reused(reuse.values, value, indent, () => {
        // What follows the lead, which is the first piece pushed.
        const own: string[] = [];
        entryValue(own, "", value, indent);
        return own.join("");
      });
      out.push(lead, text as string);
      return;
    }
  }
  entryValue(out, lead, value, indent);
}

function entryValue(out: string[], lead: string, value: unknown, indent: string): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(lead, " []\n");
    else {
      out.push(lead, "\n");
      block(out, value, `${indent}  `);
    }
    return;
  }
  if (isMap(value)) {
    const keys = keysOf(value);
    if (keys.length === 0) out.push(lead, " {}\n");
    else {
      out.push(lead, "\n");
      mapBlock(out, value, keys, `${indent}  `);
    }
    return;
  }
  out.push(lead, " ");
  if (typeof value === "string" && literalBlock(out, value, indent)) out.push("\n");
  else out.push(yamlScalar(value), "\n");
}

const CEL_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "'": "\\'",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A single-quoted CEL string literal whose value is exactly `s` (kfp itself does not escape). */
export function celString(s: string): string {
  let out = "";
  for (const ch of s) {
    const named = CEL_ESCAPES[ch];
    const code = ch.codePointAt(0) as number;
    if (named) out += named;
    else if (
      code < 0x20 ||
      (code >= 0x7f && code <= 0x9f) ||
      bidiControl(code) ||
      code === 0x2028 ||
      code === 0x2029
    )
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `'${out}'`;
}
