// The task context keys core lists (AIRFLOW_CONTEXT_KEYS: a TaskFlow function's parameters named
// for one of them need no argument, which the linter's invalid-argument rule relies on when it
// binds a @task call) are the pinned Airflow 3's and Airflow 2's KNOWN_CONTEXT_KEYS together, read
// from the real modules (test/python/context_keys.py).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AIRFLOW_CONTEXT_KEYS } from "../../packages/core/src/index.js";
import {
  AIRFLOW2_PYTHON,
  airflowEnv,
  ensureEngines,
  PYTHON,
  ROOT,
  runEngine,
  tempDir,
} from "./harness.js";

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("context-keys");
}, 900_000);

function read(python: string, name: string): string[] {
  const home = join(work, name);
  const r = runEngine(
    python,
    [join(ROOT, "test/python/context_keys.py")],
    airflowEnv(home, join(home, "dags")),
  );
  expect(r.status, r.output).toBe(0);
  const line =
    r.output
      .trim()
      .split("\n")
      .find((l) => l.startsWith("[")) ?? "[]";
  return JSON.parse(line) as string[];
}

describe("Airflow's task context keys", () => {
  it("are what core lists: Airflow 3's and Airflow 2's KNOWN_CONTEXT_KEYS together", () => {
    const three = read(PYTHON, "3");
    const two = read(AIRFLOW2_PYTHON, "2");
    expect([...AIRFLOW_CONTEXT_KEYS].sort()).toEqual([...new Set([...three, ...two])].sort());
    // Read from the modules, not empty: each version's own keys are in.
    expect(three).toContain("triggering_asset_events");
    expect(two).toContain("execution_date");
  });
});
