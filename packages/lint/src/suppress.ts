import type { Finding } from "./finding.js";

// Text may follow the list: a reason, or another tool's comment (`# noqa: E501`).
const PY = /#\s*mlgen:\s*disable\b(?:\s*=([^#]*))?/;
const TS = /\/\/\s*mlgen-disable-next-line\b([^/]*)/;

/** The rule ids of a list: words that look like ids, up to the first that does not. */
const ids = (list: string | undefined) => {
  const out: string[] = [];
  for (const word of (list ?? "").split(/[\s,]+/)) {
    if (word === "") continue;
    if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
    out.push(word);
  }
  return out;
};

/**
 * Drops findings silenced in the source: `# mlgen: disable=rule-a,rule-b` on the finding's
 * line or alone on the line above (Python), `// mlgen-disable-next-line rule-a` on the line
 * above (TypeScript). No rule ids silences every rule.
 */
export function applySuppressions(
  findings: readonly Finding[],
  sources: ReadonlyMap<string, string>,
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
      return list.length === 0 || list.includes(f.ruleId);
    };
    if (f.file.endsWith(".py")) {
      const same = lines[f.line - 1];
      const above = lines[f.line - 2];
      return !(silenced(same, PY) || (above?.trimStart().startsWith("#") && silenced(above, PY)));
    }
    return !silenced(lines[f.line - 2], TS);
  });
}
