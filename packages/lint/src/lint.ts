import { type DiagnosticCode, diagnostic } from "@mlgen/core/light";
import { compareFindings, type Finding, pointSpan, type Span } from "./finding.js";
import { analyzeDagFile } from "./python/analyze.js";
import type { PipelineLintInput, Rule, RuleSettings } from "./rule.js";
import { RULES } from "./rules/index.js";
import { applySuppressions } from "./suppress.js";

export interface LintOptions {
  /** Severity per rule id; `off` disables a rule. Unlisted rules use their default. */
  readonly rules?: RuleSettings;
}

function active(options: LintOptions) {
  const out: { rule: Rule; severity: Finding["severity"] }[] = [];
  for (const rule of RULES) {
    const s = options.rules?.[rule.id] ?? rule.defaultSeverity;
    if (s !== "off") out.push({ rule, severity: s });
  }
  return out;
}

function finding(
  rule: Rule,
  severity: Finding["severity"],
  file: string,
  at: Span,
  args: unknown,
): Finding {
  const d = diagnostic(rule.code as DiagnosticCode, args as never);
  return {
    ruleId: rule.id,
    code: rule.code,
    severity,
    file,
    ...at,
    message: d.message,
    fix: d.fix,
  };
}

/**
 * Lints a lowered DSL pipeline. Findings point at the TypeScript call that defined the task
 * (or the pipeline); suppression comments are applied by the caller, who has the sources.
 */
export function lintPipeline(input: PipelineLintInput, options: LintOptions = {}): Finding[] {
  const out: Finding[] = [];
  for (const { rule, severity } of active(options)) {
    rule.checkPipeline?.(input, (args, key) => {
      const loc = input.sourceMap[key] ?? input.sourceMap.pipeline;
      const file = loc?.file ?? input.file;
      out.push(finding(rule, severity, file, pointSpan(loc?.line, loc?.column), args));
    });
  }
  return out.sort(compareFindings);
}

/** Lints one hand-written Airflow DAG file; `# mlgen: disable=...` comments are honored. */
export function lintPythonSource(
  file: string,
  source: string,
  options: LintOptions = {},
): Finding[] {
  const dag = analyzeDagFile(source);
  const out: Finding[] = [];
  for (const { rule, severity } of active(options)) {
    rule.checkPython?.(dag, (args, at) => {
      out.push(finding(rule, severity, file, at, args));
    });
  }
  // Every suppression comment contains "mlgen": without one, no finding can be silenced.
  const kept =
    out.length > 0 && source.includes("mlgen")
      ? applySuppressions(out, new Map([[file, source]]))
      : out;
  return kept.sort(compareFindings);
}
