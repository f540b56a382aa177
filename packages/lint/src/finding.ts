import type { DiagnosticCode, Severity } from "@mlgen/core";

/** A place in a file: 1-based lines and columns; the end column is exclusive (as in SARIF). */
export interface Span {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * A span in the file being linted, or in a file it reads (`file`: a template file of a task,
 * named as findings name files).
 */
export interface Located extends Span {
  readonly file?: string;
}

/** One lint result. The field set is the stable `--format json` contract. */
export interface Finding extends Span {
  readonly ruleId: string;
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** As given to the linter (the CLI passes paths relative to the working folder). */
  readonly file: string;
  readonly message: string;
  readonly fix: string;
}

/** A point span: DSL locations come from stack frames, which have no end. */
export function pointSpan(line = 1, column = 1): Span {
  return { line, column, endLine: line, endColumn: column };
}

/** Sorted by file, line, column, then rule, so output is stable. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
