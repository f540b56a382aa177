import type { Finding } from "../finding.js";

/**
 * `--format json`: an array of findings with the stable fields, in a fixed key order; `dag`
 * and `task` (the DAG id and the full task id the finding is about) follow `fix` when it is
 * about one, and are absent otherwise.
 */
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
    ...(f.dag !== undefined ? { dag: f.dag } : {}),
    ...(f.task !== undefined ? { task: f.task } : {}),
  }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
