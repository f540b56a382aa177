/** The helpers' option and result types, checked by `tsc` in the types project. */
import { describe, expectTypeOf, it } from "vitest";
import type { WaitResult } from "../src/index.js";

describe("waitForDagRun", () => {
  it("resolves only with a run that ended: success or failed", () => {
    expectTypeOf<WaitResult["state"]>().toEqualTypeOf<"success" | "failed">();
  });
});
