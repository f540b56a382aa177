// Python's layout rules, which tree-sitter-python does not enforce (it reads `x = 1\n    y = 2`
// without an error): an indented line must follow a line that ends with a colon, such a line
// must be followed by an indented one, a dedent must return to an enclosing level, and tabs and
// spaces must indent consistently. A tokenizer of its own, so strings (triple-quoted, f-strings
// with nested quotes), comments, brackets and backslash continuations do not count as layout.
// It gives no verdict (null) where it is unsure of a token: syntax.ts judges those files.

/** A layout error: the offset of the offending line's first token, and what is wrong. */
export interface LayoutError {
  readonly from: number;
  readonly to: number;
  readonly detail: string;
}

class Unsure extends Error {}
/** A compound statement's header: the keyword that Python names in "expected ':'". */
const HEADER = /^(?:async[ \t]+)?(def|class|if|elif|else|for|while|with|try|except|finally)\b/;
const UNSURE = new Unsure();

/** The first layout error of `source`, or null (none, or a token it could not read). */
export function layoutError(source: string): LayoutError | null {
  try {
    return scan(source);
  } catch (e) {
    if (e === UNSURE) return null;
    throw e;
  }
}

function scan(src: string): LayoutError | null {
  const len = src.length;
  /** Indentation levels: columns with tabs to multiples of 8, and with tabs as 1 (TabError). */
  const levels: [number, number][] = [[0, 0]];
  let p = 0;
  let depth = 0;
  let expectIndent = false;
  let headerAt = 0;
  /** The previous logical line: where it starts, where its last token ends, and whether it has
   * a colon outside brackets (a one-line `if x: y` has one; a header missing its colon has none). */
  let prevStart = -1;
  let prevEnd = 0;
  let prevColon = false;
  for (;;) {
    // The start of a logical line: measure its indentation.
    let col = 0;
    let alt = 0;
    for (;;) {
      const c = src.charCodeAt(p);
      if (c === 32) {
        col++;
        alt++;
      } else if (c === 9) {
        col = col + 8 - (col % 8);
        alt++;
      } else if (c === 12) {
        col = 0;
        alt = 0;
      } else break;
      p++;
    }
    const c = src.charCodeAt(p);
    if (p >= len) {
      if (expectIndent) {
        return {
          from: headerAt,
          to: headerAt,
          detail: "expected an indented block at the end of the file",
        };
      }
      return null;
    }
    if (c === 10 || c === 13 || c === 35) {
      // A blank or comment-only line has no layout.
      p = lineEnd(src, p);
      continue;
    }
    const [top, topAlt] = levels[levels.length - 1] as [number, number];
    if (col > top) {
      if (alt <= topAlt) return tabError(src, p);
      if (!expectIndent) {
        // `def f(x) -> dict` and then its body: Python says the header lacks its colon.
        const head = prevStart < 0 ? null : HEADER.exec(src.slice(prevStart, prevEnd));
        if (head && !prevColon) {
          return {
            from: prevEnd,
            to: prevEnd,
            detail: `expected ':' at the end of the ${head[1]} line`,
          };
        }
        return { from: p, to: tokenEnd(src, p), detail: "unexpected indent" };
      }
      levels.push([col, alt]);
    } else {
      if (expectIndent) {
        return {
          from: p,
          to: tokenEnd(src, p),
          detail: "expected an indented block after the line that ends with ':'",
        };
      }
      while (col < (levels[levels.length - 1] as [number, number])[0]) levels.pop();
      const [now, nowAlt] = levels[levels.length - 1] as [number, number];
      if (col !== now) {
        return {
          from: p,
          to: tokenEnd(src, p),
          detail: "unindent does not match any outer indentation level",
        };
      }
      if (alt !== nowAlt) return tabError(src, p);
    }
    // The tokens of the logical line, through brackets and backslash continuations.
    const start = p;
    let colon = false;
    let last = 0;
    let lastAt = p;
    for (;;) {
      const d = src.charCodeAt(p);
      if (p >= len) {
        if (depth > 0) throw UNSURE;
        break;
      }
      if (d === 10 || d === 13) {
        p += d === 13 && src.charCodeAt(p + 1) === 10 ? 2 : 1;
        if (depth === 0) break;
        continue;
      }
      if (d === 32 || d === 9 || d === 12) {
        p++;
        continue;
      }
      if (d === 35) {
        p = lineEnd(src, p);
        if (depth === 0) break;
        continue;
      }
      if (d === 92) {
        const n = src.charCodeAt(p + 1);
        if (n === 10) p += 2;
        else if (n === 13 && src.charCodeAt(p + 2) === 10) p += 3;
        else throw UNSURE;
        continue;
      }
      const s = stringStart(src, p);
      if (s !== null) {
        p = stringEnd(src, p + s.prefix, s.format);
        last = 0;
        continue;
      }
      if (d === 40 || d === 91 || d === 123) depth++;
      else if (d === 41 || d === 93 || d === 125) {
        depth--;
        if (depth < 0) throw UNSURE;
      }
      // `:=` and `::` are not a block's colon.
      last = d === 58 && src.charCodeAt(p + 1) !== 61 && src.charCodeAt(p - 1) !== 58 ? 58 : d;
      if (last === 58 && depth === 0) colon = true;
      lastAt = p;
      p++;
    }
    expectIndent = last === 58 && depth === 0;
    headerAt = lastAt;
    prevStart = start;
    prevEnd = lastAt + 1;
    prevColon = colon;
  }
}

/**
 * Where the logical line that starts at `from` ends: just after its last token, through
 * brackets, strings and backslash continuations (a `with DAG(\n ...\n) as dag` header ends
 * after `dag`); null when a token there cannot be read.
 */
export function logicalLineEnd(src: string, from: number): number | null {
  let depth = 0;
  let end = from;
  let p = from;
  try {
    while (p < src.length) {
      const c = src.charCodeAt(p);
      if (c === 10 || c === 13) {
        if (depth === 0) break;
        p++;
      } else if (c === 32 || c === 9 || c === 12) p++;
      else if (c === 35) {
        while (p < src.length && src.charCodeAt(p) !== 10 && src.charCodeAt(p) !== 13) p++;
      } else if (c === 92) {
        p += src.charCodeAt(p + 1) === 13 && src.charCodeAt(p + 2) === 10 ? 3 : 2;
      } else {
        const s = stringStart(src, p);
        if (s !== null) p = stringEnd(src, p + s.prefix, s.format);
        else {
          if (c === 40 || c === 91 || c === 123) depth++;
          // An unmatched closing bracket: not a header whose end can be told.
          else if ((c === 41 || c === 93 || c === 125) && --depth < 0) return null;
          p++;
        }
        end = p;
      }
    }
  } catch (e) {
    if (e === UNSURE) return null;
    throw e;
  }
  return end;
}

function tabError(src: string, at: number): LayoutError {
  return {
    from: at,
    to: tokenEnd(src, at),
    detail: "inconsistent use of tabs and spaces in indentation",
  };
}

/** The end of the token at `p`: a name or number, else one character (for a code frame). */
function tokenEnd(src: string, p: number): number {
  let e = p;
  while (e < src.length && isIdChar(src.charCodeAt(e))) e++;
  return e > p ? e : p + 1;
}

/** Past the end of the line at `p`: its \n, \r\n or lone \r (old Mac line ends, still valid). */
function lineEnd(src: string, p: number): number {
  for (let i = p; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 10) return i + 1;
    if (c === 13) return src.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
  }
  return src.length;
}

const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdChar = (c: number) => isLetter(c) || (c >= 48 && c <= 57) || c >= 128;

/** A string literal at `p`: its prefix's length and whether it is an f-string (or t-string). */
function stringStart(src: string, p: number): { prefix: number; format: boolean } | null {
  let e = p;
  while (e - p < 3 && isLetter(src.charCodeAt(e))) e++;
  const q = src.charCodeAt(e);
  if (q !== 34 && q !== 39) return null;
  const prefix = src.slice(p, e);
  if (
    prefix !== "" &&
    (!/^(?:[rRuUbBfFtT]|[rR][bBfFtT]|[bBfFtT][rR])$/.test(prefix) ||
      isIdChar(src.charCodeAt(p - 1)))
  ) {
    return null;
  }
  return { prefix: e - p, format: /[fFtT]/.test(prefix) };
}

/** Past the end of the string whose quote is at `p`; inside an f-string, through its fields. */
function stringEnd(src: string, p: number, format: boolean): number {
  const q = src.charCodeAt(p);
  const triple = src.charCodeAt(p + 1) === q && src.charCodeAt(p + 2) === q;
  let i = p + (triple ? 3 : 1);
  for (;;) {
    if (i >= src.length) throw UNSURE;
    const c = src.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (!triple && (c === 10 || c === 13)) throw UNSURE;
    if (c === q && (!triple || (src.charCodeAt(i + 1) === q && src.charCodeAt(i + 2) === q))) {
      return i + (triple ? 3 : 1);
    }
    if (format && c === 123) {
      if (src.charCodeAt(i + 1) === 123) {
        i += 2;
        continue;
      }
      i = fieldEnd(src, i + 1);
      continue;
    }
    i++;
  }
}

/** Past the `}` that closes an f-string replacement field opened just before `p`. */
function fieldEnd(src: string, p: number): number {
  let depth = 0;
  let i = p;
  for (;;) {
    if (i >= src.length) throw UNSURE;
    const c = src.charCodeAt(i);
    const s = stringStart(src, i);
    if (s !== null) {
      i = stringEnd(src, i + s.prefix, s.format);
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93) depth--;
    else if (c === 125) {
      if (depth === 0) return i + 1;
      depth--;
    }
    i++;
  }
}
