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
 *   anywhere in the path relative to the DAG folder.
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

interface GlobRule {
  readonly regex: RegExp;
  /** true: the match ignores the path; false (`!pattern`): it re-includes it. */
  readonly ignore: boolean;
  readonly dirOnly: boolean;
  /** Matched against the path relative to this folder; null: against the name alone. */
  readonly relativeTo: string | null;
}

export interface IgnoreFile {
  readonly path: string;
  readonly dir: string;
  readonly syntax: IgnoreSyntax;
  readonly glob: readonly GlobRule[];
  readonly regexps: readonly RegExp[];
}

/** A pattern Airflow reads but mlgen cannot (reported, and the pattern left out). */
export interface IgnoreProblem {
  readonly file: string;
  readonly line: number;
  readonly pattern: string;
  readonly reason: string;
}

const toPosix = (p: string) => (sep === "/" ? p : p.split(sep).join("/"));

/** A literal character of a pattern, escaped for a JavaScript regular expression. */
const literal = (c: string) => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c);

const DIR_MARK = "(?:/)";

class PatternError extends Error {}

/** One path segment's glob (`*`, `?`, `[...]`, `\` escapes) as a regular expression. */
function segmentRegex(glob: string): string | null {
  let out = "";
  for (let i = 0; i < glob.length; ) {
    const c = glob[i++] as string;
    if (c === "\\") {
      if (i >= glob.length) throw new PatternError("it ends with an escaping backslash");
      out += literal(glob[i++] as string);
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      let j = i;
      if (glob[j] === "!" || glob[j] === "^") j++;
      if (glob[j] === "]") j++;
      while (j < glob.length && glob[j] !== "]") j++;
      // An unclosed bracket: git (and pathspec) discard the whole pattern.
      if (j >= glob.length) return null;
      let body = glob.slice(i, j);
      let negate = "";
      if (body.startsWith("!") || body.startsWith("^")) {
        negate = "^";
        body = body.slice(1);
      }
      // A `]` first in the set is a literal; so are backslashes (POSIX brackets).
      body = body.replace(/\\/g, "\\\\");
      if (body.startsWith("]")) body = `\\]${body.slice(1)}`;
      out += `[${negate}${body}]`;
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
  let text = pattern.endsWith("\\ ") ? pattern : pattern.trimEnd();
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
  if (segs.length === 0) throw new PatternError("it is only slashes");
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

/**
 * A Python regular expression as a JavaScript one, for the common differences: named groups
 * `(?P<name>...)` and `(?P=name)`, `\A` and `\Z`, and inline flags at the start. Throws when
 * JavaScript cannot read it.
 */
export function pythonRegex(pattern: string): RegExp {
  let text = pattern;
  let flags = "";
  const inline = /^\(\?([aiLmsux]+)\)/.exec(text);
  if (inline) {
    for (const f of inline[1] as string) {
      if (f === "i" || f === "m" || f === "s") flags += flags.includes(f) ? "" : f;
      else if (f !== "u" && f !== "a")
        throw new PatternError(`the inline flag (?${f}) has no JavaScript equivalent`);
    }
    text = text.slice(inline[0].length);
  }
  // One escape at a time, so that `\\A` (a backslash, then A) stays what it is.
  text = text.replace(/\\.|\(\?P<([A-Za-z_]\w*)>|\(\?P=([A-Za-z_]\w*)\)/g, (m, group, backref) =>
    group !== undefined
      ? `(?<${group}>`
      : backref !== undefined
        ? `\\k<${backref}>`
        : m === "\\A"
          ? "^"
          : m === "\\Z"
            ? "$"
            : m,
  );
  try {
    return new RegExp(text, flags);
  } catch (e) {
    throw new PatternError((e as Error).message.replace(/^Invalid regular expression: /, ""));
  }
}

/** The rules of one `.airflowignore`, as Airflow splits and strips its lines. */
export function parseIgnoreFile(
  path: string,
  text: string,
  syntax: IgnoreSyntax,
  problems: IgnoreProblem[],
): IgnoreFile {
  const dir = dirname(path);
  const glob: GlobRule[] = [];
  const regexps: RegExp[] = [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let k = 0; k < lines.length; k++) {
    const pattern = (lines[k] as string).replace(/\s*#.*/, "");
    if (pattern === "") continue;
    try {
      if (syntax === "regexp") {
        regexps.push(pythonRegex(pattern));
        continue;
      }
      if (pattern.trim() === "/") continue;
      const re = globRegex(pattern);
      if (re === null) continue;
      const bare = pattern.replace(/^!+/, "").trimEnd();
      glob.push({
        regex: new RegExp(re.source),
        ignore: re.ignore,
        dirOnly: bare !== bare.replace(/\/+$/, ""),
        relativeTo:
          pattern.startsWith("/") || pattern.replace(/\/+$/, "").includes("/") ? dir : null,
      });
    } catch (e) {
      if (!(e instanceof PatternError)) throw e;
      problems.push({ file: path, line: k + 1, pattern, reason: e.message });
    }
  }
  return { path, dir, syntax, glob, regexps };
}

export async function readIgnoreFile(
  path: string,
  syntax: IgnoreSyntax,
  problems: IgnoreProblem[],
): Promise<IgnoreFile> {
  return parseIgnoreFile(path, await readFile(path, "utf8"), syntax, problems);
}

/**
 * Whether the rules in effect (`chain`: the `.airflowignore` files from the outermost down)
 * exclude `path`, a file or a folder. Regular expressions see the path relative to the
 * outermost file's folder, which stands for the DAG folder (where Airflow's docs put it).
 */
export function isIgnored(path: string, isDir: boolean, chain: readonly IgnoreFile[]): boolean {
  if (chain.length === 0) return false;
  const first = chain[0] as IgnoreFile;
  if (first.syntax === "regexp") {
    const rel = toPosix(relative(first.dir, path));
    return chain.some((f) => f.regexps.some((r) => r.test(rel)));
  }
  const name = path.slice(path.lastIndexOf(sep) + 1);
  let ignored = false;
  for (const f of chain) {
    for (const rule of f.glob) {
      if (rule.dirOnly && !isDir) continue;
      const rel = rule.relativeTo === null ? name : toPosix(relative(rule.relativeTo, path));
      if (rule.regex.test(isDir ? `${rel}/` : rel)) ignored = rule.ignore;
    }
  }
  return ignored;
}
