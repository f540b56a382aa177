export type { TriggerRule } from "@mlgen/core";
export { type Duration, days, hours, minutes, seconds } from "./duration.js";
export {
  type BashTaskSpec,
  type GroupSpec,
  isPipelineDefinition,
  type MlflowOptions,
  type Output,
  type OutputHandles,
  type Outputs,
  type OutputTypeMap,
  type ParamSpec,
  PIPELINE,
  type PipelineBuilder,
  type PipelineDefinition,
  type PipelineOptions,
  type PythonTaskHandle,
  type PythonTaskSpec,
  pipeline,
  type TaskHandle,
  type TaskOptionsInput,
} from "./pipeline.js";
export { env, type Input, type PathValue, type ValueHandle, variable } from "./values.js";
