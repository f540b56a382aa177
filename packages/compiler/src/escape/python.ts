/**
 * The one place where text becomes Python source. Templates receive only `PyCode`, which
 * is built here: literals through `pyString`/`pyLiteral`, fragments through the `py` tag,
 * which escapes every interpolated value that is not already `PyCode`.
 */
export class PyCode {
  readonly text: string;
  /** @internal use `py`, `pyCode.raw` or the literal builders. */
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, "0");
}

/** Bidirectional controls: shown raw, they reorder the text an editor displays (Trojan Source). */
export function bidiControl(code: number): boolean {
  return (
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * Characters that would be invisible, ambiguous or line-breaking in source text, and the
 * bidirectional controls that make an editor show code in another order than Python reads it
 * ("Trojan Source"; ruff's PLE2502).
 */
function needsEscape(code: number): boolean {
  return (
    code < 0x20 ||
    bidiControl(code) ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0xfeff ||
    code === 0xfffe ||
    code === 0xffff ||
    (code >= 0xd800 && code <= 0xdfff)
  );
}

/**
 * A double-quoted Python string literal whose value is exactly `s`. Printable Unicode stays
 * readable; control characters, line separators and lone surrogates become escapes.
 */
export function pyString(s: string): string {
  // Double quotes, as ruff format writes them, unless only single quotes avoid escapes.
  const quote = s.includes('"') && !s.includes("'") ? "'" : '"';
  return `${quote}${escapeBody(s, quote)}${quote}`;
}

function escapeBody(s: string, quote: "'" | '"'): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    if (ch === '"' && quote === "'") {
      out += ch;
      continue;
    }
    const named = NAMED_ESCAPES[ch];
    if (named) {
      out += named;
      continue;
    }
    const code = s.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s.slice(i, i + 2);
        i++;
        continue;
      }
    }
    if (needsEscape(code)) out += code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
    else out += ch;
  }
  return out;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue };

/** A Python literal (str, int, float, bool, None, list, dict) equal to the JSON value. */
export function pyLiteral(value: JsonValue): string {
  if (value === null) return "None";
  if (typeof value === "string") return pyString(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`${value} has no Python literal`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => pyLiteral(v)).join(", ")}]`;
  const entries = Object.entries(value as Record<string, JsonValue>);
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyLiteral(v)}`).join(", ")}}`;
}

/** A docstring: triple-quoted when the text is plain enough to read as is, else a string literal. */
export function pyDocstring(s: string): string {
  const literal = pyString(s);
  // No escapes were needed (so no quote, backslash or line break), and no edge spaces.
  if (literal === `"${s}"` && s.trim() === s && s.length > 0) return `"""${s}"""`;
  return literal;
}

/** A `#` comment line's text: anything that could end the line or hide text is escaped. */
export function pyComment(s: string): string {
  // `coding:` / `coding=` on line 1 or 2 would declare the file's encoding (PEP 263).
  return escapeBody(s, '"')
    .replace(/\\"/g, '"')
    .replace(/coding([:=])/g, (_m, sep: string) => `coding\\x${sep === ":" ? "3a" : "3d"}`);
}

type Interpolated = PyCode | string | number | boolean | null | readonly JsonValue[];

/** Tagged template: literal parts are code, interpolations are escaped unless `PyCode`. */
export function py(strings: TemplateStringsArray, ...values: Interpolated[]): PyCode {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += v instanceof PyCode ? v.text : pyLiteral(v as JsonValue);
    out += strings[i + 1] ?? "";
  });
  return new PyCode(out);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Keywords that can never be a name, even in an import path. */
export const HARD_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(
    " ",
  ),
);

/** Python 3 builtins: a module-level name must not shadow one the generated helpers call. */
export const PY_BUILTINS = new Set(
  "ArithmeticError AssertionError AttributeError BaseException BaseExceptionGroup BlockingIOError BrokenPipeError BufferError BytesWarning ChildProcessError ConnectionAbortedError ConnectionError ConnectionRefusedError ConnectionResetError DeprecationWarning EOFError Ellipsis EncodingWarning EnvironmentError Exception ExceptionGroup FileExistsError FileNotFoundError FloatingPointError FutureWarning GeneratorExit IOError ImportError ImportWarning IndentationError IndexError InterruptedError IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ModuleNotFoundError NameError NotADirectoryError NotImplemented NotImplementedError OSError OverflowError PendingDeprecationWarning PermissionError ProcessLookupError RecursionError ReferenceError ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration StopIteration SyntaxError SyntaxWarning SystemError SystemExit TabError TimeoutError TypeError UnboundLocalError UnicodeDecodeError UnicodeEncodeError UnicodeError UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ZeroDivisionError abs aiter all anext any ascii bin bool breakpoint bytearray bytes callable chr classmethod compile complex copyright credits delattr dict dir divmod enumerate eval exec exit filter float format frozenset getattr globals hasattr hash help hex id input int isinstance issubclass iter len license list locals map max memoryview min next object oct open ord pow print property quit range repr reversed round set setattr slice sorted staticmethod str sum super tuple type vars zip".split(
    " ",
  ),
);

export const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case type _".split(
    " ",
  ),
);

export function isPyIdentifier(name: string): boolean {
  return IDENTIFIER.test(name) && !PY_KEYWORDS.has(name);
}

/** An identifier, checked: a programmer error (not user input) when it is not one. */
export function pyIdent(name: string): PyCode {
  if (!isPyIdentifier(name)) throw new Error(`not a Python identifier: ${JSON.stringify(name)}`);
  return new PyCode(name);
}

export function joinCode(parts: readonly PyCode[], separator: string): PyCode {
  return new PyCode(parts.map((p) => p.text).join(separator));
}
