export {
  type LintedFile,
  lintPythonFile,
  lintPythonFiles,
  mightHoldDag,
  type PythonFile,
} from "./files.js";
export { compareFindings, type Finding, type Located, pointSpan, type Span } from "./finding.js";
export { formatJson } from "./format/json.js";
export { formatSarif } from "./format/sarif.js";
export { codeFrame, formatText, type TextOptions } from "./format/text.js";
export { type LintOptions, lintPipeline, lintPythonSource, type SharedDefaults } from "./lint.js";
export { localPaths } from "./paths.js";
export { analyzeDagFile } from "./python/analyze.js";
export type { DagFile, DagTask, TemplateRef, TemplateText } from "./python/model.js";
export {
  findPythonSyntaxError,
  loadPythonSyntaxCheck,
  type PythonSyntaxError,
  pythonSyntaxError,
} from "./python/syntax.js";
export type { TemplateFiles } from "./python/templates.js";
export type { PipelineLintInput, Rule, RuleSettings, RuleSeverity } from "./rule.js";
export { RULE_IDS, RULES } from "./rules/index.js";
export { applySuppressions, unknownSuppressions } from "./suppress.js";
