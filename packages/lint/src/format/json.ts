import type { Finding } from "../finding.js";

/** `--format json`: an array of findings with the stable fields, in a fixed key order. */
export function formatJson(findings: readonly Finding[]): string {
  const rows = findings.map((f) => ({
    ruleId: f.ruleId,
    code: f.code,
    severity: f.severity,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    message: f.message,
    fix: f.fix,
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
