import type { Finding } from "./finding.js";

// Text may follow the list: a reason, or another tool's comment (`# noqa: E501`). The `=` may be
// left out (`# mlgen: disable hardcoded-path`): the words are still the list, never "all rules".
const PY = /#\s*mlgen:\s*disable\b\s*=?([^#]*)/;
const TS = /\/\/\s*mlgen-disable-next-line\b([^/]*)/;
/**
 * In a template file (SQL, shell): `mlgen: disable=...` in a comment of its language (`--`,
 * `#`, `/*`) or in a Jinja comment (`{# ... #}`), on the finding's line or alone above it.
 */
const TEMPLATE = /(?:--|#|\/\*|\{#)\s*mlgen:\s*disable\b\s*=?(.*?)\s*(?:#\}|\*\/)?\s*$/;
/** The template files the linter reads (TemplateRef.readable): SQL and shell scripts. */
export const isTemplateFile = (file: string): boolean => /\.(?:sql|hql|sh|bash)$/i.test(file);

const ID = "(?:[a-z][a-z0-9-]*|MLG\\d{4})";
/** Rule ids or codes joined by commas, at the start of the text after `disable`. */
const LIST = new RegExp(`^\\s*(${ID}(?:\\s*,\\s*${ID})*)(?![\\w-])`);

/**
 * The rules of a list: rule ids (`hardcoded-path`) or codes (`MLG2002`) joined by commas; the
 * first word not joined by a comma starts the reason (`disable=hardcoded-path shared NFS mount`).
 */
const parseList = (list = ""): { ids: string[]; reason: string } => {
  const m = LIST.exec(list);
  if (m) return { ids: (m[1] as string).split(/\s*,\s*/), reason: list.slice(m[0].length) };
  // A first word that is no rule id (`Hardcoded-Path`) silences nothing, and is reported; only
  // no word at all (or a reason in parentheses) silences every rule.
  const word = /^\s*([^\s,(]+)/.exec(list);
  return { ids: word ? [word[1] as string] : [], reason: "" };
};
const ids = (list: string | undefined): string[] => parseList(list).ids;

/**
 * Where a Python line's comment starts: its first `#` outside a quoted string (quotes opened on
 * the line; a line inside a multi-line string is read as code), or -1.
 */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== null) {
      if (c === "\\") i++;
      else if (line.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
    } else if (c === "#") return i;
    else if (c === '"' || c === "'") {
      quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    }
  }
  return -1;
}

/**
 * Words of suppression comments that name no rule (`hardcoded-paths` for `hardcoded-path`):
 * such a comment silences nothing, which its author should hear about.
 */
export function unknownSuppressions(
  sources: ReadonlyMap<string, string>,
  known: ReadonlySet<string>,
): { file: string; line: number; id: string; inReason?: true }[] {
  const out: { file: string; line: number; id: string; inReason?: true }[] = [];
  for (const [file, text] of sources) {
    if (!text.includes("mlgen")) continue;
    const python = file.endsWith(".py");
    const re = python ? PY : isTemplateFile(file) ? TEMPLATE : TS;
    text.split(/\r?\n/).forEach((line, i) => {
      // The words inside a string (`bash_command="echo '# mlgen: disable'"`) are no comment.
      const m = re.exec(python ? line.slice(Math.max(0, commentStart(line))) : line);
      if (python && commentStart(line) < 0) return;
      if (!m) return;
      const { ids: list, reason } = parseList(m[1]);
      for (const id of list) {
        if (!known.has(id)) out.push({ file, line: i + 1, id });
      }
      // A rule id after the list without a comma (`disable=a b`) is read as the reason.
      for (const word of reason.split(/[\s,]+/)) {
        if (known.has(word) && !list.includes(word)) {
          out.push({ file, line: i + 1, id: word, inReason: true });
        }
      }
    });
  }
  return out;
}

/**
 * Drops findings silenced in the source: `# mlgen: disable=rule-a,rule-b` on the finding's
 * line or alone on the line above (Python), `// mlgen-disable-next-line rule-a` on the line
 * above (TypeScript; for a call chained on the lines below the statement's start, also the line
 * above the statement), with rule ids or codes (MLG2002). No list silences every rule. `mlgen
 * compile` silences its warnings with it too (by code: MLG3002), which it passes as findings.
 */
export function applySuppressions<F extends Pick<Finding, "file" | "line" | "ruleId" | "code">>(
  findings: readonly F[],
  sources: ReadonlyMap<string, string>,
  /**
   * For Python files, their comments that mention mlgen by line (DagFile.mlgenComments): only
   * a real comment silences, not the same words inside a string.
   */
  comments?: ReadonlyMap<string, ReadonlyMap<number, string>>,
  /**
   * For Python files, lines inside multi-line strings with the line their statement starts on
   * (DagFile.stringStatements): a finding there is silenced by a comment on the statement's
   * lines before it, or alone on the line above the statement.
   */
  stringStatements?: ReadonlyMap<string, ReadonlyMap<number, readonly [number, number, number]>>,
): F[] {
  const cache = new Map<string, string[]>();
  const linesOf = (file: string) => {
    let lines = cache.get(file);
    if (!lines) {
      lines = (sources.get(file) ?? "").split(/\r?\n/);
      cache.set(file, lines);
    }
    return lines;
  };
  return findings.filter((f) => {
    if (!sources.has(f.file)) return true;
    const lines = linesOf(f.file);
    const silenced = (text: string | undefined, re: RegExp) => {
      const m = text === undefined ? null : re.exec(text);
      if (!m) return false;
      const list = ids(m[1]);
      return list.length === 0 || list.includes(f.ruleId) || list.includes(f.code);
    };
    if (f.file.endsWith(".py")) {
      const known = comments?.get(f.file);
      const at = (line: number) => (known ? known.get(line) : lines[line - 1]);
      const alone = (line: number) => {
        const text = known ? known.get(line) && lines[line - 1] : lines[line - 1];
        return text?.trimStart().startsWith("#") ? text : undefined;
      };
      if (silenced(at(f.line), PY) || silenced(alone(f.line - 1), PY)) return false;
      // Inside a string that spans lines, where no comment can be: a comment on the statement's
      // lines before the string, after the string on its last line, or alone above the statement.
      const inStrings = stringStatements?.get(f.file);
      const string = inStrings?.get(f.line);
      if (string === undefined) return true;
      const [start, first, last] = string;
      for (let line = start; line < first; line++) {
        // A comment after another string of the statement (on its last line) is about that one.
        if (!inStrings?.has(line) && silenced(at(line), PY)) return false;
      }
      return !(silenced(at(last), PY) || silenced(alone(start - 1), PY));
    }
    if (isTemplateFile(f.file)) {
      const above = lines[f.line - 2];
      const alone = above !== undefined && /^\s*(?:--|#|\/\*|\{#)/.test(above);
      return !(silenced(lines[f.line - 1], TEMPLATE) || (alone && silenced(above, TEMPLATE)));
    }
    if (silenced(lines[f.line - 2], TS)) return false;
    // A call chained on the lines below its start (`const d = p` / `.python(...)`, as the
    // examples and `mlgen init` write it): the comment above the statement counts too.
    let start = f.line;
    while (start > 1 && /^\s*\??\./.test(lines[start - 1] ?? "")) start--;
    return start === f.line || !silenced(lines[start - 2], TS);
  });
}
