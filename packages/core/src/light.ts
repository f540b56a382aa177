/**
 * `@mlgen/core/light`: everything in `@mlgen/core` that works without zod — the diagnostics
 * table, graph utilities, the plain helpers over IR values and every IR type — for code that
 * reads IR or reports diagnostics but never validates IR (the linter of hand-written DAG files,
 * the CLI's fast paths). Loading zod and building the schemas costs about 0.2 s of a cold
 * process; `@mlgen/core` itself adds the schemas (`pipelineSchema`, ...) and canonical JSON.
 */
export * from "./airflow-context.js";
export * from "./airflow-operators.js";
export * from "./cron.js";
export * from "./diagnostics.js";
export * from "./diagnostics-doc.js";
export * from "./graph.js";
export type {
  Alert,
  BashTask,
  BranchTask,
  CompareOp,
  Condition,
  ContainerTask,
  Deadline,
  FunctionRef,
  Group,
  Json,
  MlflowTracking,
  OutputType,
  Param,
  ParamType,
  Pipeline,
  PythonTask,
  Resources,
  Scalar,
  Schedule,
  Sensor,
  SensorTask,
  ShortCircuitTask,
  Task,
  TaskKind,
  TaskMap,
  TaskOptions,
  TriggerRule,
  ValidateTask,
  Value,
} from "./ir.js";
export * from "./ir-utils.js";
export * from "./names.js";
export * from "./secrets.js";
export * from "./source-map.js";
export * from "./stack.js";
