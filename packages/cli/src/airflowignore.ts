/**
 * `.airflowignore`, read the way Airflow's DAG processor reads it, so that `mlgen lint` skips
 * exactly the files and folders Airflow never parses (helper modules, tests, vendored code).
 *
 * Airflow 3: airflow/_shared/module_loading/file_discovery.py; Airflow 2: airflow/utils/file.py.
 * - Every `.airflowignore` in the DAG folder or below applies to its own folder and everything
 *   under it, after the rules of the files above it. A folder that matches is not entered.
 * - On each line, everything from the first `#` (and the spaces before it) is dropped; empty
 *   lines are skipped.
 * - `glob` syntax (the default since Airflow 3) is gitignore's, as the `pathspec` package
 *   translates it: a pattern with no `/` but at its end matches a file or folder name at any
 *   depth, one with a `/` at its start or middle matches the path relative to the folder of the
 *   `.airflowignore` that holds it; a trailing `/` matches folders only; `!` re-includes, and the
 *   last rule that matches wins.
 * - `regexp` syntax (the default of Airflow 2) searches each line, as a regular expression,
 *   anywhere in the path relative to the DAG folder: Python's `re` in Airflow 3, RE2 in Airflow 2
 *   (no lookaround, no backreferences). A pattern the engine refuses is skipped, with a warning.
 * - Airflow 2 reads globs a little differently: a rule that repeats one above it is dropped, a
 *   pattern must match from the start of the path, and nothing is for folders only.
 *
 * No library implements this: gitignore matchers (the `ignore` package, git itself) test a path
 * together with its parent folders and across files differently, and glob libraries
 * (picomatch, minimatch) have other anchoring rules. The translation below follows pathspec's
 * GitIgnoreSpecPattern, which is what Airflow calls, and test/engines/airflowignore.test.ts checks
 * it against pathspec and against Airflow's own file discovery.
 */
import { readFile } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";

export const IGNORE_FILE = ".airflowignore";

export type IgnoreSyntax = "glob" | "regexp";

export const IGNORE_SYNTAXES: readonly IgnoreSyntax[] = ["glob", "regexp"];

/** How patterns are read: the syntax, and the Airflow whose reading of it is followed. */
export interface IgnoreDialect {
  readonly syntax: IgnoreSyntax;
  readonly airflow: 2 | 3;
}

interface GlobRule {
  readonly regex: RegExp;
  /** The line as Airflow keeps it (after the comment): Airflow 2 drops a rule met again. */
  readonly raw: string;
  /** true: the match ignores the path; false (`!pattern`): it re-includes it. */
  readonly ignore: boolean;
  readonly dirOnly: boolean;
  /** Airflow 2: a folder's path gets its `/` only for a pattern that ends with one. */
  readonly slashForDirs: boolean;
  /** Matched against the path relative to this folder; null: against the name alone. */
  readonly relativeTo: string | null;
}

export interface IgnoreFile {
  readonly path: string;
  readonly dir: string;
  readonly dialect: IgnoreDialect;
  readonly glob: readonly GlobRule[];
  readonly regexps: readonly RegExp[];
}

/** A pattern of an `.airflowignore` that is left out, and why. */
export interface IgnoreProblem {
  readonly file: string;
  /** 0 when the file itself cannot be read. */
  readonly line: number;
  readonly pattern: string;
  readonly reason: string;
  /**
   * skipped: Airflow skips it too (an invalid regular expression, with a warning); fatal:
   * Airflow stops listing DAG files on it; unread: Airflow reads it but mlgen cannot.
   */
  readonly kind: "skipped" | "fatal" | "unread";
}

const toPosix = (p: string) => (sep === "/" ? p : p.split(sep).join("/"));

/** What Python's str.strip() removes: its white space, which JavaScript's trim() does not match. */
const PY_SPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`, "u");
const PY_COMMENT = new RegExp(`[${PY_SPACE}]*#.*`, "su");
const PY_LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`, "u");
const pyRstrip = (s: string) => s.replace(PY_TRAILING_SPACE, "");
const pyStrip = (s: string) => pyRstrip(s).replace(PY_LEADING_SPACE, "");

/** What a JavaScript regular expression (`u` flag) needs escaped to read a character as itself. */
const SYNTAX = new Set([..."\\^$.*+?()[]{}|/"]);
const literal = (c: string) => (SYNTAX.has(c) ? `\\${c}` : c);

/** What a set needs escaped to read a character as itself (a `-` makes ranges, as in Python). */
const CLASS_SYNTAX = new Set([..."\\]^["]);

const DIR_MARK = "(?:/)";

class PatternError extends Error {
  constructor(
    message: string,
    readonly kind: IgnoreProblem["kind"],
  ) {
    super(message);
  }
}

/** One path segment's glob (`*`, `?`, `[...]`, `\` escapes) as a regular expression. */
function segmentRegex(glob: string): string | null {
  let out = "";
  const chars = [...glob];
  for (let i = 0; i < chars.length; ) {
    const c = chars[i++] as string;
    if (c === "\\") {
      if (i >= chars.length) {
        throw new PatternError("it ends with an escaping backslash", "fatal");
      }
      out += literal(chars[i++] as string);
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      let j = i;
      if (chars[j] === "!" || chars[j] === "^") j++;
      if (chars[j] === "]") j++;
      while (j < chars.length && chars[j] !== "]") j++;
      // An unclosed bracket: git (and pathspec) discard the whole pattern.
      if (j >= chars.length) return null;
      let body = chars.slice(i, j);
      let negate = "";
      if (body[0] === "!" || body[0] === "^") {
        negate = "^";
        body = body.slice(1);
      }
      // Inside the set every character is itself, backslashes too (POSIX brackets), and a `-`
      // between two characters makes a range.
      out += `[${negate}${body.map((ch) => (CLASS_SYNTAX.has(ch) ? `\\${ch}` : ch)).join("")}]`;
      i = j + 1;
    } else out += literal(c);
  }
  return out;
}

/**
 * A gitignore pattern as a regular expression over a relative POSIX path (a folder's path
 * ending in `/`), searched as pathspec does; null when the pattern matches nothing.
 */
export function globRegex(pattern: string): { source: string; ignore: boolean } | null {
  let text = pattern.endsWith("\\ ") ? pattern : pyRstrip(pattern);
  if (text === "" || text.startsWith("#") || text === "/") return null;
  let ignore = true;
  if (text.startsWith("!")) {
    ignore = false;
    text = text.slice(1);
  }
  const segs = text.split("/");
  const dirPattern = segs[segs.length - 1] === "";
  if (segs[0] === "") segs.shift();
  else if ((segs.length === 1 || (segs.length === 2 && segs[1] === "")) && segs[0] !== "**") {
    segs.unshift("**");
  }
  if (segs.length === 0) throw new PatternError("it is only slashes", "fatal");
  if (segs[segs.length - 1] === "") segs[segs.length - 1] = "**";
  for (let i = segs.length - 1; i > 0; i--) {
    if (segs[i - 1] === "**" && segs[i] === "**") segs.splice(i, 1);
  }
  const n = segs.length;
  if (n === 1 && segs[0] === "**") return { source: dirPattern ? DIR_MARK : ".", ignore };
  if (n === 2 && segs[0] === "**" && segs[1] === "*") return { source: ".", ignore };
  if (n === 3 && segs[0] === "**" && segs[1] === "*" && segs[2] === "**") {
    return { source: dirPattern ? DIR_MARK : "/", ignore };
  }
  let out = "";
  let needSlash = false;
  for (let i = 0; i < n; i++) {
    const seg = segs[i] as string;
    if (seg === "**") {
      if (i === 0) out += "^(?:.+/)?";
      else if (i < n - 1) {
        out += "(?:/.+)?";
        needSlash = true;
      } else out += dirPattern ? DIR_MARK : "/";
      continue;
    }
    if (i === 0) out += "^";
    if (needSlash) out += "/";
    if (seg === "*") out += "[^/]+";
    else {
      const re = segmentRegex(seg);
      if (re === null) return null;
      out += re;
    }
    if (i === n - 1) out += `(?:${DIR_MARK}|$)`;
    needSlash = true;
  }
  return { source: out, ignore };
}

const PY_ESCAPES = new Set([..."abBdDfnrsStvwWxuUNAZ0123456789"]);
const RE2_ESCAPES = new Set([..."abBdDfnrsStvwWxpPQEzAC0123456789"]);
/** POSIX classes RE2 reads inside a set (`[[:alpha:]]`), as JavaScript ranges. */
const POSIX: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};
const PY_WORD = "\\p{L}\\p{N}_";
/** Python's \w, \d, \s (and their negations, and \b): for a str pattern, Unicode's. */
const PY_UNICODE_CLASSES: Readonly<Record<string, { inSet: string | null; outside: string }>> = {
  w: { inSet: PY_WORD, outside: `[${PY_WORD}]` },
  W: { inSet: null, outside: `[^${PY_WORD}]` },
  d: { inSet: "\\p{Nd}", outside: "\\p{Nd}" },
  D: { inSet: "\\P{Nd}", outside: "\\P{Nd}" },
  s: { inSet: PY_SPACE, outside: `[${PY_SPACE}]` },
  S: { inSet: null, outside: `[^${PY_SPACE}]` },
  b: {
    inSet: "\\x08",
    outside: `(?:(?<=[${PY_WORD}])(?![${PY_WORD}])|(?<![${PY_WORD}])(?=[${PY_WORD}]))`,
  },
  B: {
    inSet: null,
    outside: `(?:(?<=[${PY_WORD}])(?=[${PY_WORD}])|(?<![${PY_WORD}])(?![${PY_WORD}]))`,
  },
};
const GENERAL_CATEGORY = /^(?:L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;

/**
 * A regular expression of Python's `re` (Airflow 3) or RE2 (Airflow 2) as a JavaScript one with
 * the `u` flag, so that `.` and `[...]` take a whole character as they do. Throws a
 * PatternError of kind `skipped` for what the engine refuses (Airflow skips the pattern) and
 * `unread` for what it reads but JavaScript cannot (scoped flags, atomic groups, `\N{...}`).
 * Python's `\w`, `\d`, `\s` and `\b` also take non-ASCII letters and digits; here, as in RE2,
 * they are ASCII.
 */
export function translateRegex(pattern: string, engine: "re" | "re2"): RegExp {
  const python = engine === "re";
  const chars = [...pattern];
  const refused = (why: string) =>
    new PatternError(
      `${python ? "Python's re" : "RE2, Airflow 2's engine,"} refuses it: ${why}`,
      "skipped",
    );
  const unread = (why: string) => new PatternError(`JavaScript has no ${why}`, "unread");
  let flags = "u";
  let i = 0;
  // Flags for the whole expression, at its start (one group or several).
  for (let inline = /^\(\?([a-zA-Z]+)\)/u.exec(pattern); inline; ) {
    for (const f of inline[1] as string) {
      if (f === "i" || f === "m" || f === "s") flags += flags.includes(f) ? "" : f;
      else if (!(python && (f === "u" || f === "a")))
        throw unread(`inline flag (?${f}) in a path pattern`);
    }
    i += [...inline[0]].length;
    inline = /^\(\?([a-zA-Z]+)\)/u.exec(chars.slice(i).join(""));
  }
  let out = "";
  /** An escape, `\` at chars[i - 1]: the JavaScript text for it, in a set or not. */
  const escaped = (inSet: boolean): string => {
    const c = chars[i++];
    if (c === undefined) throw refused("it ends with a backslash");
    if (/[A-Za-z0-9]/.test(c)) {
      if (!(python ? PY_ESCAPES : RE2_ESCAPES).has(c)) throw refused(`\\${c} is no escape`);
      if (inSet && "AZzBCQEpPN".includes(c) && !(!python && (c === "p" || c === "P"))) {
        throw refused(`\\${c} is no escape inside a set`);
      }
      if (c === "A") return inSet ? "A" : "^";
      if (c === "Z" || c === "z") return inSet ? c : "$";
      if (c === "a") return "\\x07";
      if (c === "b" && inSet) return "\\x08";
      if (c === "N") throw unread("\\N{...} names");
      if (c === "C") throw unread("\\C (any byte)");
      if (c === "Q") {
        // RE2's quoting: everything up to \E is itself.
        let text = "";
        while (i < chars.length && !(chars[i] === "\\" && chars[i + 1] === "E"))
          text += literal(chars[i++] as string);
        i += 2;
        return text;
      }
      if (c === "E") return "";
      if (c === "U") {
        const hex = chars.slice(i, i + 8).join("");
        if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw refused("\\U needs 8 hex digits");
        i += 8;
        return `\\u{${hex}}`;
      }
      if (c === "p" || c === "P") {
        let name = chars[i] ?? "";
        if (name === "{") {
          const close = chars.indexOf("}", i);
          if (close < 0) throw refused("\\p{ is not closed");
          name = chars.slice(i + 1, close).join("");
          i = close + 1;
        } else i++;
        const neg = name.startsWith("^");
        const bare = neg ? name.slice(1) : name;
        const p = (c === "P") !== neg ? "P" : "p";
        return `\\${p}{${GENERAL_CATEGORY.test(bare) || bare === "Any" ? bare : `Script=${bare}`}}`;
      }
      if (/[0-9]/.test(c)) {
        // An octal character code (`\0`, `\012`; RE2 also `\12`), else a backreference.
        const digits = [c];
        while (
          digits.length < 3 &&
          /[0-7]/.test(chars[i] ?? "") &&
          /[0-7]/.test(digits[0] as string)
        )
          digits.push(chars[i++] as string);
        const text = digits.join("");
        const octal = python
          ? inSet
            ? /^[0-7]+$/.test(text)
            : c === "0" || (text.length === 3 && /^[0-3]/.test(text))
          : /^[0-7]+$/.test(text) && (c === "0" || text.length > 1);
        if (octal) return `\\u{${Number.parseInt(text, 8).toString(16)}}`;
        if (!python) throw refused("RE2 has no backreferences");
        throw unread("backreferences in a path pattern");
      }
      // Python's classes are Unicode's (\w: letters, digits, _); RE2's, like JavaScript's, ASCII.
      if (python && PY_UNICODE_CLASSES[c] !== undefined) {
        const cls = PY_UNICODE_CLASSES[c] as { inSet: string | null; outside: string };
        if (!inSet) return cls.outside;
        if (cls.inSet === null) throw unread(`\\${c} inside a set`);
        return cls.inSet;
      }
      return `\\${c}`;
    }
    // Any other character escaped is itself (RE2: ASCII punctuation only).
    if (!python && (c.codePointAt(0) as number) > 0x7f) throw refused(`\\${c} is no escape`);
    return inSet ? (CLASS_SYNTAX.has(c) || c === "-" ? `\\${c}` : c) : literal(c);
  };
  while (i < chars.length) {
    const c = chars[i++] as string;
    if (c === "\\") out += escaped(false);
    else if (c === "[") {
      let set = "[";
      if (chars[i] === "^") {
        set += "^";
        i++;
      }
      // A `]` first in the set is itself.
      if (chars[i] === "]") {
        set += "\\]";
        i++;
      }
      for (;;) {
        const d = chars[i++];
        if (d === undefined) throw refused("a [ is not closed");
        if (d === "]") break;
        if (d === "\\") set += escaped(true);
        else if (d === "[" && !python && chars[i] === ":") {
          const close = chars.indexOf(":", i + 1);
          const name =
            close > 0 && chars[close + 1] === "]" ? chars.slice(i + 1, close).join("") : "";
          const range = POSIX[name];
          if (range === undefined) throw unread(`POSIX class [:${name}:]`);
          set += range;
          i = close + 2;
        } else set += CLASS_SYNTAX.has(d) ? `\\${d}` : d;
      }
      out += `${set}]`;
    } else if (c === "(") {
      if (chars[i] !== "?") {
        out += "(";
        continue;
      }
      const rest = chars.slice(i, i + 4).join("");
      if (rest.startsWith("?P<")) {
        out += "(?<";
        i += 3;
      } else if (rest.startsWith("?P=")) {
        if (!python) throw refused("RE2 has no backreferences");
        const close = chars.indexOf(")", i);
        out += `\\k<${chars.slice(i + 3, close).join("")}>`;
        i = close + 1;
      } else if (rest.startsWith("?:")) {
        out += "(?:";
        i += 2;
      } else if (/^\?(?:[=!]|<[=!])/.test(rest)) {
        if (!python) throw refused("RE2 has no lookahead or lookbehind");
        out += "(";
      } else if (rest.startsWith("?#")) {
        if (!python) throw refused("RE2 has no (?#...) comments");
        const close = chars.indexOf(")", i);
        if (close < 0) throw refused("a (?# comment is not closed");
        i = close + 1;
      } else if (rest.startsWith("?>")) {
        if (!python) throw refused("RE2 has no atomic groups");
        throw unread("atomic groups");
      } else if (rest.startsWith("?<")) {
        if (python) throw refused("a named group is written (?P<name>...)");
        out += "(?<";
        i += 2;
      } else {
        // Flags inside the expression, global (`a(?i)b`) or on a group (`(?i:a)`).
        const head = chars.slice(i, chars.indexOf(")", i) + 1).join("");
        if (/^\?[a-zA-Z]+\)$/.test(head)) {
          if (python) throw refused("global flags must be at the start of the expression");
          throw unread("flags that start in the middle of an expression");
        }
        if (/^\?[a-zA-Z-]+:/.test(head)) throw unread("flags on a group ((?i:...))");
        throw refused(`(${head.slice(0, 2)} is no group`);
      }
    } else if (c === "{") {
      // A repeat when it reads as one (Python also reads {,n}); else the brace itself.
      const m = /^(\d*)(,?)(\d*)\}/.exec(chars.slice(i, i + 24).join(""));
      if (m && (python ? m[1] !== "" || m[2] !== "" : m[1] !== "")) {
        out += `{${m[1] === "" ? "0" : m[1]}${m[2]}${m[3]}}`;
        i += m[0].length;
        if (chars[i] === "+") {
          if (!python) throw refused("RE2 has no possessive repeats");
          throw unread("possessive repeats");
        }
      } else out += "\\{";
    } else if (c === "}" || c === "]") out += `\\${c}`;
    else if ((c === "*" || c === "+" || c === "?") && chars[i] === "+") {
      if (!python) throw refused("RE2 has no possessive repeats");
      throw unread("possessive repeats");
    } else out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch (e) {
    throw new PatternError(
      `JavaScript cannot read it (${(e as Error).message.replace(/^Invalid regular expression: /, "")})`,
      "unread",
    );
  }
}

/** The rules of one `.airflowignore`, as Airflow splits and strips its lines. */
export function parseIgnoreFile(
  path: string,
  text: string,
  dialect: IgnoreDialect,
  problems: IgnoreProblem[],
): IgnoreFile {
  const dir = dirname(path);
  const glob: GlobRule[] = [];
  const regexps: RegExp[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let k = 0; k < lines.length; k++) {
    const pattern = (lines[k] as string).replace(PY_COMMENT, "");
    if (pattern === "") continue;
    try {
      if (dialect.syntax === "regexp") {
        regexps.push(translateRegex(pattern, dialect.airflow === 2 ? "re2" : "re"));
        continue;
      }
      if (pyStrip(pattern) === "/") continue;
      const re = globRegex(pattern);
      if (re === null) continue;
      let regex: RegExp;
      try {
        // Airflow 2 matches from the start of the path (re.match), Airflow 3 anywhere in it.
        regex = new RegExp(dialect.airflow === 2 ? `^(?:${re.source})` : re.source, "u");
      } catch (e) {
        throw new PatternError(
          `pathspec makes a regular expression of it that Python refuses (${(e as Error).message.replace(/^Invalid regular expression: /, "")})`,
          "fatal",
        );
      }
      const bare = pyRstrip(pattern.replace(/^!+/, ""));
      glob.push({
        regex,
        raw: pattern,
        ignore: re.ignore,
        dirOnly: dialect.airflow === 3 && bare !== bare.replace(/\/+$/, ""),
        slashForDirs: dialect.airflow === 3 || pattern.endsWith("/"),
        relativeTo:
          pattern.startsWith("/") || pattern.replace(/\/+$/, "").includes("/") ? dir : null,
      });
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      problems.push({ file: path, line: k + 1, pattern, reason: e.message, kind: e.kind });
    }
  }
  return { path, dir, dialect, glob, regexps };
}

export async function readIgnoreFile(
  path: string,
  dialect: IgnoreDialect,
  problems: IgnoreProblem[],
): Promise<IgnoreFile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    problems.push({ file: path, line: 0, pattern: "", reason, kind: "fatal" });
    return null;
  }
  return parseIgnoreFile(path, text, dialect, problems);
}

/**
 * Whether the rules in effect (`chain`: the `.airflowignore` files from the outermost down)
 * exclude `path`, a file or a folder. Regular expressions see the path relative to the
 * outermost file's folder, which stands for the DAG folder (where Airflow's docs put it).
 */
export function isIgnored(path: string, isDir: boolean, chain: readonly IgnoreFile[]): boolean {
  if (chain.length === 0) return false;
  const first = chain[0] as IgnoreFile;
  if (first.dialect.syntax === "regexp") {
    const rel = toPosix(relative(first.dir, path));
    return chain.some((f) => f.regexps.some((r) => r.test(rel)));
  }
  const name = path.slice(path.lastIndexOf(sep) + 1);
  let ignored = false;
  // Airflow 2 keeps the first of equal rules (the same line, relative to the same folder).
  const seen = first.dialect.airflow === 2 ? new Set<string>() : null;
  for (const f of chain) {
    for (const rule of f.glob) {
      if (seen) {
        const key = `${rule.raw}\u0000${rule.relativeTo ?? ""}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      if (rule.dirOnly && !isDir) continue;
      const rel = rule.relativeTo === null ? name : toPosix(relative(rule.relativeTo, path));
      if (rule.regex.test(isDir && rule.slashForDirs ? `${rel}/` : rel)) ignored = rule.ignore;
    }
  }
  return ignored;
}
