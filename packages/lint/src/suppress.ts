import type { Finding } from "./finding.js";

// Text may follow the list: a reason, or another tool's comment (`# noqa: E501`).
const PY = /#\s*mlgen:\s*disable\b(?:\s*=([^#]*))?/;
const TS = /\/\/\s*mlgen-disable-next-line\b([^/]*)/;

/**
 * The rules of a list: words that look like rule ids (`hardcoded-path`) or codes (`MLG2002`), up
 * to the first that does not.
 */
const ids = (list: string | undefined) => {
  const out: string[] = [];
  for (const word of (list ?? "").split(/[\s,]+/)) {
    if (word === "") continue;
    if (!/^[a-z][a-z0-9-]*$|^MLG\d{4}$/.test(word)) break;
    out.push(word);
  }
  return out;
};

/**
 * Words of suppression comments that name no rule (`hardcoded-paths` for `hardcoded-path`):
 * such a comment silences nothing, which its author should hear about.
 */
export function unknownSuppressions(
  sources: ReadonlyMap<string, string>,
  known: ReadonlySet<string>,
): { file: string; line: number; id: string }[] {
  const out: { file: string; line: number; id: string }[] = [];
  for (const [file, text] of sources) {
    if (!text.includes("mlgen")) continue;
    const re = file.endsWith(".py") ? PY : TS;
    text.split(/\r?\n/).forEach((line, i) => {
      const m = re.exec(line);
      for (const id of m ? ids(m[1]) : []) {
        if (!known.has(id)) out.push({ file, line: i + 1, id });
      }
    });
  }
  return out;
}

/**
 * Drops findings silenced in the source: `# mlgen: disable=rule-a,rule-b` on the finding's
 * line or alone on the line above (Python), `// mlgen-disable-next-line rule-a` on the line
 * above (TypeScript), with rule ids or codes (MLG2002). No list silences every rule.
 */
export function applySuppressions(
  findings: readonly Finding[],
  sources: ReadonlyMap<string, string>,
  /**
   * For Python files, their comments that mention mlgen by line (DagFile.mlgenComments): only
   * a real comment silences, not the same words inside a string.
   */
  comments?: ReadonlyMap<string, ReadonlyMap<number, string>>,
): Finding[] {
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
      const same = known ? known.get(f.line) : lines[f.line - 1];
      const above = known ? known.get(f.line - 1) && lines[f.line - 2] : lines[f.line - 2];
      return !(silenced(same, PY) || (above?.trimStart().startsWith("#") && silenced(above, PY)));
    }
    return !silenced(lines[f.line - 2], TS);
  });
}
