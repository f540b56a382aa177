import type { SourceLocation } from "./diagnostics.js";

/**
 * Where each node was written, keyed by `pipeline` or `task:<id>`. Kept beside the IR,
 * not in it, so that moving a line does not change the IR hash or the generated files.
 */
export type SourceMap = Readonly<Record<string, SourceLocation>>;

export function taskKey(taskId: string): string {
  return `task:${taskId}`;
}
