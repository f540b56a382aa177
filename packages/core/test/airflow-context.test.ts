import { describe, expect, it } from "vitest";
import {
  AIRFLOW_OCCASIONAL_CONTEXT_OF,
  AIRFLOW_TEMPLATE_CONTEXT,
  AIRFLOW3_REMOVED_CONTEXT,
  humanDuration,
  removedContextHint,
} from "../src/index.js";

describe("AIRFLOW3_REMOVED_CONTEXT", () => {
  // The template contexts are held to real Airflow 3 and 2 (test/engines/jinja-context.test.ts):
  // every name a task's template had on Airflow 2 and has not on 3 (a template reading it fails
  // there, StrictUndefined) must be one airflow3-removed knows, with what replaces it.
  it("holds every name Airflow 2's template context has and Airflow 3's lacks", () => {
    const gone = [...AIRFLOW_TEMPLATE_CONTEXT[2]].filter(
      (n) => !AIRFLOW_TEMPLATE_CONTEXT[3].has(n) && !AIRFLOW_OCCASIONAL_CONTEXT_OF[3].has(n),
    );
    expect(gone).toContain("test_mode");
    // Airflow 3 renders a mapped task without it too (its task runner never sets it).
    expect(gone).toContain("expanded_ti_count");
    expect(gone.filter((n) => !(n in AIRFLOW3_REMOVED_CONTEXT))).toEqual([]);
    for (const n of gone) {
      expect(removedContextHint(n, true), n).toMatch(/\S/);
      expect(removedContextHint(n, false), n).toMatch(/\S/);
    }
  });

  it("names nothing Airflow 3's context still has", () => {
    expect(
      Object.keys(AIRFLOW3_REMOVED_CONTEXT).filter((n) => AIRFLOW_TEMPLATE_CONTEXT[3].has(n)),
    ).toEqual([]);
  });
});

describe("humanDuration", () => {
  it("says one unit in the singular and others in the plural", () => {
    expect([1, 2, 60, 120, 3600, 7200, 86400, 604800, 90].map(humanDuration)).toEqual([
      "1 second",
      "2 seconds",
      "1 minute",
      "2 minutes",
      "1 hour",
      "2 hours",
      "1 day",
      "7 days",
      "90 seconds",
    ]);
  });
});
