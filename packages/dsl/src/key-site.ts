/**
 * Where an option is written: a diagnostic about one option (a typo, MLG1022) points at the
 * line that holds it, not at the call that took it, which may start many lines above.
 */
import { readFileSync } from "node:fs";
import type { SourceLocation } from "@mlgen/core";

/** The offset of a 1-based line and column in `text`, or -1 past its end. */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", at);
    if (next < 0) return -1;
    at = next + 1;
  }
  return at + column - 1;
}

const IDENT = /[\p{ID_Continue}$\u200c\u200d]/u;
const CALL = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*\s*(?:<[^()]*>\s*)?\(/u;
const CLOSE: Readonly<Record<string, string>> = { ")": "(", "]": "[", "}": "{" };

/** A bracket the scan is inside: the property it is the value of, and whether it was spread. */
interface Frame {
  readonly bracket: string;
  readonly name: string | null;
  readonly spread: boolean;
}

/**
 * Where `key` is written as a property name (`key:`, `"key":`) of the options object of the
 * call at `site` (the first `{` among its arguments), or of the object `path` names inside it
 * (`["defaults"]`), counting objects spread in as written (`...{ key: 1 }`), when it is written
 * there exactly once; otherwise `site`. Strings, template texts, comments and regular
 * expressions are skipped; text the scan cannot follow (brackets that do not pair) leaves
 * `site` as it is. The file is read each time: it may have changed since the last compile.
 */
export function keySite(
  site: SourceLocation | undefined,
  key: string,
  path: readonly string[] = [],
): SourceLocation | undefined {
  if (!site?.line || !site.column) return site;
  let text: string;
  try {
    text = readFileSync(site.file, "utf8");
  } catch {
    return site;
  }
  // The site is a call's name (`python` of `p.python(`): anything else is a position in code
  // other than the file's (a test runner's transformed module), where the call is not.
  const at = offsetOf(text, site.line, site.column);
  const call = at < 0 ? null : CALL.exec(text.slice(at, at + 400));
  if (!call || IDENT.test(text[at - 1] ?? "")) return site;
  const found = scan(text, at + call[0].length - 1, key, path);
  if (found === null) return site;
  const before = text.slice(0, found);
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  // The key as written: a quoted one with its quotes.
  const width = /^["'`]/.test(text[found] ?? "") ? key.length + 2 : key.length;
  return { file: site.file, line, column, endColumn: column + width };
}

/** The offset of the one place `key` is written, from the call's `(` at `start`; or null. */
function scan(text: string, start: number, key: string, path: readonly string[]): number | null {
  const stack: Frame[] = [];
  const found: number[] = [];
  let options: Frame | null = null;
  /** The property name just read (`name:`), for the bracket that may follow it. */
  let pending: string | null = null;
  /** Whether the last token can end an expression (then `/` divides, else starts a regex). */
  let operand = false;
  /** Whether `...` was just read. */
  let spread = false;
  /** Which argument of the call the scan is in (the options are the second, after the id). */
  let argument = 0;
  /** Whether a name at `key` of the object on top of the stack is the one looked for. */
  const atTarget = () => {
    if (options === null) return false;
    const i = stack.indexOf(options);
    const objects = stack.slice(i + 1).filter((f) => !f.spread);
    if (objects.length !== path.length) return false;
    if (!objects.every((f, n) => f.name === path[n] && f.bracket === "{")) return false;
    return true;
  };
  const named = (name: string, from: number, end: number) => {
    let i = end;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text[i] !== ":" || text[i + 1] === ":") return;
    pending = name;
    if (name === key && stack[stack.length - 1]?.bracket === "{" && atTarget()) found.push(from);
  };
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) continue;
    const wasPending: string | null = pending;
    pending = null;
    const wasSpread = spread;
    spread = false;
    if (c === ":") {
      // `name:` then its value: the name stays for a `{` that follows.
      pending = wasPending;
      operand = false;
    } else if (c === "," && stack.length === 1) {
      argument++;
      operand = false;
    } else if (c === "(" || c === "{" || c === "[") {
      const parent = stack[stack.length - 1];
      const frame: Frame = {
        bracket: c,
        // A value that is an object (`defaults: {`) keeps its name.
        name: c === "{" ? wasPending : null,
        // `...{ a: 1 }`, `...({ a: 1 } as object)`: the spread object's keys are the object's.
        spread: wasSpread || (parent?.spread === true && parent.bracket === "("),
      };
      if (c === "{" && options === null && stack.length === 1 && argument === 1) options = frame;
      stack.push(frame);
      operand = false;
    } else if (c in CLOSE) {
      if (stack.pop()?.bracket !== CLOSE[c]) return null;
      if (stack.length === 0) break;
      operand = true;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      if (end < 0) return null;
      i = end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return null;
      i = end + 1;
    } else if (c === "/" && !operand) {
      // A regular expression: to its closing slash, outside a character class.
      let j = i + 1;
      let inClass = false;
      for (; j < text.length && text[j] !== "\n"; j++) {
        if (text[j] === "\\") j++;
        else if (text[j] === "[") inClass = true;
        else if (text[j] === "]") inClass = false;
        else if (text[j] === "/" && !inClass) break;
      }
      if (text[j] !== "/") return null;
      while (IDENT.test(text[j + 1] ?? "")) j++;
      i = j;
      operand = true;
    } else if (c === '"' || c === "'" || c === "`") {
      // A template's ${...} is skipped with its text: an option is not written in one.
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return null;
      named(text.slice(i + 1, j), i, j + 1);
      i = j;
      operand = true;
    } else if (c === "." && text.startsWith("...", i)) {
      spread = true;
      operand = false;
      i += 2;
    } else if (IDENT.test(c) && text[i - 1] !== ".") {
      let j = i + 1;
      while (j < text.length && IDENT.test(text[j] as string)) j++;
      const word = text.slice(i, j);
      named(word, i, j);
      i = j - 1;
      // After a keyword that takes an expression, `/` starts a regular expression.
      operand = !/^(?:return|typeof|case|in|of|new|delete|void|throw|yield|await)$/.test(word);
    } else {
      operand = false;
    }
  }
  return found.length === 1 ? (found[0] as number) : null;
}
