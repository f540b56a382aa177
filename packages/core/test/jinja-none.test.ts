import { describe, expect, it } from "vitest";
import { jinjaNoneGuard, jinjaParamReads } from "../src/jinja.js";
import { FAILS, RENDERS } from "./jinja-none-cases.js";

// What MLG1050 (compiler) and none-param-computed (lint) report: a read of a param that may be
// None, computed with where nothing guards it. The cases (jinja-none-cases.ts) are rendered by
// the pinned Airflow's template environment in test/engines/optional-params.test.ts.

/** The names a text computes with, unguarded, once each, in order. */
function computed(text: string): string[] {
  const guarded = jinjaNoneGuard(text);
  const out: string[] = [];
  for (const read of jinjaParamReads(text)) {
    if (read.operand && !guarded(read) && !out.includes(read.name)) out.push(read.name);
  }
  return out;
}

describe("computing with a param that may be None (MLG1050, none-param-computed)", () => {
  it.each(RENDERS)("renders: %s", (text) => {
    expect(computed(text)).toEqual([]);
  });
  it.each(FAILS)("fails: %s", (text, names) => {
    expect(computed(text)).toEqual(names);
  });
  it("a template binding params itself is not read", () => {
    expect(jinjaParamReads("{% set params = {'x': 1} %}{{ params.x + 1 }}")).toEqual([]);
    expect(jinjaParamReads("{% for params in runs %}{{ params.x + 1 }}{% endfor %}")).toEqual([]);
  });
});
