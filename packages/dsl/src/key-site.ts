/**
 * Where an option is written: a diagnostic about one option (a typo, MLG1022) points at the
 * line that holds it, not at the call that took it, which may start many lines above.
 */
import { readFileSync } from "node:fs";
import type { SourceLocation } from "@mlgen/core";

/** The call's source, by file: a pipeline with several typos reads its file once. */
const sources = new Map<string, string | null>();

function source(file: string): string | null {
  let text = sources.get(file);
  if (text === undefined) {
    try {
      text = readFileSync(file, "utf8");
    } catch {
      text = null;
    }
    sources.set(file, text);
  }
  return text;
}

/** The offset of a 1-based line and column in `text`. */
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

/**
 * Where `key` is written as a property name (`key:`, `"key":`) inside the call at `site`, when
 * it is written there exactly once; otherwise `site`. The call runs from its `(` to the
 * matching `)`, strings, template texts and comments skipped.
 */
export function keySite(site: SourceLocation | undefined, key: string): SourceLocation | undefined {
  if (!site?.line || !site.column) return site;
  const text = source(site.file);
  if (text === null) return site;
  // The site is a call's name (`python` of `p.python(`): anything else is a position in code
  // other than the file's (a test runner's transformed module), where the call is not.
  const at = offsetOf(text, site.line, site.column);
  const call = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*\s*(?:<[^()]*>\s*)?\(/u.exec(
    text.slice(at, at + 400),
  );
  if (at < 0 || !call || IDENT.test(text[at - 1] ?? "")) return site;
  const start = at + call[0].length - 1;
  const found: number[] = [];
  /** A property name ends at `end`: it is one when a `:` follows (a ternary's `? key :` too). */
  const named = (name: string, at: number, end: number) => {
    if (name !== key) return;
    let i = end;
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (text[i] === ":") found.push(at);
  };
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "(" || c === "{" || c === "[") depth++;
    else if (c === ")" || c === "}" || c === "]") {
      if (--depth === 0) break;
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
      if (i < 0) break;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
      if (i <= 0) break;
    } else if (c === '"' || c === "'" || c === "`") {
      // A template's ${...} is skipped with its text: an option is not written in one.
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      named(text.slice(i + 1, j), i, j + 1);
      i = j;
    } else if (IDENT.test(c) && !IDENT.test(text[i - 1] ?? "") && text[i - 1] !== ".") {
      let j = i + 1;
      while (j < text.length && IDENT.test(text[j] as string)) j++;
      named(text.slice(i, j), i, j);
      i = j - 1;
    }
  }
  if (found.length !== 1) return site;
  const before = text.slice(0, found[0]);
  const line = before.split("\n").length;
  return { file: site.file, line, column: before.length - before.lastIndexOf("\n") };
}
