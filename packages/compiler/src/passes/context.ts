import { type Diagnostic, type DiagnosticPlace, type SourceMap, taskKey } from "@mlgen/core";

/** What every pass may read besides the IR. Passes report through `report`, never throw. */
export interface PassContext {
  readonly sourceMap: SourceMap;
  readonly report: (d: Diagnostic) => void;
}

/** "did you mean 'x'? Or " before a fix (MLG1003, MLG1008, MLG1013), or nothing. */
export const suggest = (name: string | undefined) => (name ? `did you mean '${name}'? Or ` : "");

/**
 * Where a diagnostic about a task points. The location is looked up only when a diagnostic
 * reads it: resolving a call site formats a stack, which no pass should pay for per task.
 */
export function taskPlace(ctx: PassContext, pipeline: string, task: string): DiagnosticPlace {
  return {
    pipeline,
    task,
    get location() {
      return ctx.sourceMap[taskKey(task)];
    },
  };
}

/** Where a diagnostic about the pipeline itself points, looked up only when read (as above). */
export function pipelinePlace(ctx: PassContext, pipeline: string): DiagnosticPlace {
  return {
    pipeline,
    get location() {
      return ctx.sourceMap.pipeline;
    },
  };
}

/** Where a diagnostic about a task group points, looked up only when read (as above). */
export function groupPlace(ctx: PassContext, pipeline: string, group: string): DiagnosticPlace {
  return {
    pipeline,
    task: group,
    get location() {
      return ctx.sourceMap[`group:${group}`];
    },
  };
}
