export { type LowerInput, type LowerResult, lowerPipeline } from "./compile.js";
export { jinjaString } from "./escape/jinja.js";
export { HARD_KEYWORDS, PyCode, py, pyComment, pyLiteral, pyString } from "./escape/python.js";
export { airflowIdProblem, checkDuplicateIds, checkGraph } from "./passes/check-graph.js";
export {
  checkModules,
  definesFunction,
  moduleImports,
  moduleName,
} from "./passes/check-modules.js";
export { checkPipelineIds } from "./passes/check-pipeline-ids.js";
export {
  cronProblem,
  SCHEDULE_PRESETS,
  startDateProblem,
  timezoneProblem,
} from "./passes/check-schedule.js";
export type { PassContext } from "./passes/context.js";
export { importCandidates } from "./passes/imports.js";
export { inferDependencies } from "./passes/infer-dependencies.js";
export { orderTasks } from "./passes/order-tasks.js";
export { resolveRefs } from "./passes/resolve-refs.js";
export type { EmittedFile, Target, TargetInput } from "./target.js";
export {
  type AirflowDagShape,
  type AirflowTaskShape,
  airflowDagShape,
  airflowTarget,
  dagFileName,
  renderDag,
  TEMPLATE_HELPERS,
} from "./targets/airflow/index.js";

import type { Target } from "./target.js";
import { airflowTarget } from "./targets/airflow/index.js";
import { kubeflowTarget } from "./targets/kubeflow/index.js";

export { shQuote } from "./escape/shell.js";
export { celString, yamlComment, yamlDocuments } from "./escape/yaml.js";
export type { TargetSettings } from "./target.js";
export { MLGEN_VERSION } from "./target.js";
export {
  KUBEFLOW_DEFAULTS,
  type KubeflowSettings,
  kubeflowFileName,
  kubeflowTarget,
  renderPipelineSpec,
} from "./targets/kubeflow/index.js";
export { k8sName } from "./targets/kubeflow/names.js";

/** Every target by name; the CLI looks targets up here and never branches on a name. */
export const TARGETS: Readonly<Record<string, Target>> = {
  airflow: airflowTarget,
  kubeflow: kubeflowTarget,
};
export {
  dotString,
  GRAPH_FORMATS,
  type GraphFormat,
  type GraphModel,
  graphModel,
  htmlText,
  mermaidText,
  renderDot,
  renderGraph,
  renderHtml,
  renderMermaid,
  scriptJson,
} from "./targets/graph/index.js";
