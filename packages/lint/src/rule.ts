import type { DiagnosticArgs, DiagnosticCode, Pipeline, Severity, SourceMap } from "@mlgen/core";
import type { Located } from "./finding.js";
import type { DagFile } from "./python/model.js";

/** A pipeline as the DSL defined it, lowered by `lowerPipeline` (so `upstream` is filled). */
export interface PipelineLintInput {
  readonly ir: Pipeline;
  /** `pipeline`, `task:<id>`, `group:<id>` → where the user's TypeScript call is. */
  readonly sourceMap: SourceMap;
  /** The pipeline module, for findings whose node has no recorded place. */
  readonly file: string;
  /** Set when the project compiles for Kubeflow too (config `target: kubeflow` or `all`). */
  readonly kubeflow?: { readonly timeouts: boolean };
}

/** Reports a finding on a DSL pipeline at a source-map key (`task:<id>`, `pipeline`, ...). */
export type PipelineReport<C extends DiagnosticCode> = (
  args: DiagnosticArgs<C>,
  at: string,
) => void;
/**
 * Reports a finding in a Python file at a span. `refused`: what it reports makes Airflow 3
 * refuse the whole DAG file when it parses it (an error then, see LintOptions.airflowVersion);
 * `alsoAirflow2`: Airflow 2 refuses it too (an error there as well); `onlyAirflow2`: only
 * Airflow 2 refuses it, and Airflow 3 takes it as it is (no finding when linting for 3);
 * `onlyAirflow3`: only Airflow 3 refuses it (no finding when linting for 2).
 */
export type PythonReport<C extends DiagnosticCode> = (
  args: DiagnosticArgs<C>,
  /** In the DAG file, or in a template file of a task (`file` set). */
  at: Located,
  how?: {
    readonly refused?: boolean;
    readonly alsoAirflow2?: boolean;
    readonly onlyAirflow2?: boolean;
    readonly onlyAirflow3?: boolean;
  },
) => void;

export interface Rule<C extends DiagnosticCode = DiagnosticCode> {
  /** kebab-case, what users write in config and suppression comments. */
  readonly id: string;
  readonly code: C;
  readonly defaultSeverity: Severity;
  /** One line: what the rule catches. */
  readonly description: string;
  readonly checkPipeline?: (input: PipelineLintInput, report: PipelineReport<C>) => void;
  readonly checkPython?: (file: DagFile, report: PythonReport<C>) => void;
}

/** Keeps each rule's code and its report arguments tied together for the type checker. */
export function defineRule<C extends DiagnosticCode>(rule: Rule<C>): Rule<C> {
  return rule;
}

/** Per-rule severities from `lint.rules` in mlgen.config.ts. */
export type RuleSeverity = Severity | "off";
export type RuleSettings = Readonly<Record<string, RuleSeverity>>;
