// The keyword arguments core lists for Airflow's classic operators (AIRFLOW_OPERATOR_PARAMS,
// which the linter's invalid-argument rule checks calls against) are the ones the pinned
// Airflow 3 and Airflow 2 define: each list is the union of both versions' parameters, read
// from the real classes with inspect.signature (test/python/operator_params.py).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AIRFLOW_OPERATOR_PARAMS } from "../../packages/core/src/index.js";
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
  work = tempDir("operator-params");
}, 900_000);

function read(python: string, name: string): Record<string, string[]> {
  const home = join(work, name);
  const r = runEngine(
    python,
    [join(ROOT, "test/python/operator_params.py")],
    airflowEnv(home, join(home, "dags")),
  );
  expect(r.status, r.output).toBe(0);
  const line =
    r.output
      .trim()
      .split("\n")
      .find((l) => l.startsWith("{")) ?? "{}";
  return JSON.parse(line) as Record<string, string[]>;
}

describe("Airflow's classic operators' keyword arguments", () => {
  it("are what core lists: Airflow 3's and Airflow 2's together", () => {
    const three = read(PYTHON, "3");
    const two = read(AIRFLOW2_PYTHON, "2");
    expect(Object.keys(three).sort()).toEqual(Object.keys(AIRFLOW_OPERATOR_PARAMS).sort());
    for (const [operator, listed] of Object.entries(AIRFLOW_OPERATOR_PARAMS)) {
      const union = [...new Set([...(three[operator] ?? []), ...(two[operator] ?? [])])].sort();
      expect([...listed].sort(), operator).toEqual(union);
    }
    // Read from the classes, not empty: BaseOperator's retries, BashOperator's own command.
    expect(three.BaseOperator).toContain("retries");
    expect(two.BashOperator).toContain("bash_command");
  });
});
