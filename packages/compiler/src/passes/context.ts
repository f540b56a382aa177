import type { Diagnostic, SourceMap } from "@mlgen/core";

/** What every pass may read besides the IR. Passes report through `report`, never throw. */
export interface PassContext {
  readonly sourceMap: SourceMap;
  readonly report: (d: Diagnostic) => void;
}
