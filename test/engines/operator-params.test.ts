// Facts about Airflow that core lists and the linter's invalid-argument rule relies on, read from
// the pinned Airflow 3 and Airflow 2 (each list is the union of both versions'):
// - the keyword arguments of Airflow's classic operators and the two provider operators
//   (AIRFLOW_OPERATOR_PARAMS, which operator calls are checked against), read from the real
//   classes with inspect.signature (test/python/operator_params.py);
// - the task context keys (AIRFLOW_CONTEXT_KEYS: a TaskFlow function's parameters named for one
//   need no argument when the @task decorator binds a call), KNOWN_CONTEXT_KEYS of the real
//   modules (test/python/context_keys.py).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AIRFLOW_CONTEXT_KEYS,
  AIRFLOW_CONTEXT_KEYS_OF,
  AIRFLOW_OPERATOR_PARAMS,
} from "../../packages/core/src/index.js";
import { UNRENDERED_ARGS } from "../../packages/lint/src/rules/unrendered-template.js";
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

/** The JSON line a script of test/python prints, run by one engine venv's Python. */
function read<T>(python: string, name: string, script: string): T {
  const home = join(work, `${name}-${script}`);
  const r = runEngine(
    python,
    [join(ROOT, "test/python", script)],
    airflowEnv(home, join(home, "dags")),
  );
  expect(r.status, r.output).toBe(0);
  const line =
    r.output
      .trim()
      .split("\n")
      .find((l) => l.startsWith("{") || l.startsWith("[")) ?? "null";
  return JSON.parse(line) as T;
}

describe("Airflow's classic operators' keyword arguments", () => {
  it("are what core lists: Airflow 3's and Airflow 2's together", () => {
    type Params = Record<string, string[]>;
    const three = read<Params>(PYTHON, "3", "operator_params.py");
    const two = read<Params>(AIRFLOW2_PYTHON, "2", "operator_params.py");
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

describe("Airflow's task context keys", () => {
  it("are what core lists: Airflow 3's and Airflow 2's KNOWN_CONTEXT_KEYS, each and together", () => {
    const three = read<string[]>(PYTHON, "3", "context_keys.py");
    const two = read<string[]>(AIRFLOW2_PYTHON, "2", "context_keys.py");
    expect([...AIRFLOW_CONTEXT_KEYS_OF[3]].sort()).toEqual(three);
    expect([...AIRFLOW_CONTEXT_KEYS_OF[2]].sort()).toEqual(two);
    expect([...AIRFLOW_CONTEXT_KEYS].sort()).toEqual([...new Set([...three, ...two])].sort());
    // Read from the modules, not empty: each version's own keys are in.
    expect(three).toContain("triggering_asset_events");
    expect(two).toContain("execution_date");
  });
});

describe("the arguments no operator renders", () => {
  it("are in no operator's template_fields, in Airflow 3 or 2 and their providers (unrendered-template)", () => {
    type Fields = Record<string, string[]>;
    for (const [python, name] of [
      [PYTHON, "3"],
      [AIRFLOW2_PYTHON, "2"],
    ] as const) {
      const fields = read<Fields>(python, name, "template_fields.py");
      // Read from the classes, not empty: BashOperator renders its command.
      const bash = Object.keys(fields).find((k) =>
        k.endsWith("standard/operators/bash.py:BashOperator"),
      );
      expect(bash && fields[bash], name).toContain("bash_command");
      // Only the lineage entity User (no operator) has a field of that name: its email.
      const rendering = Object.keys(fields).filter((k) =>
        (fields[k] ?? []).some((f) => UNRENDERED_ARGS.includes(f)),
      );
      for (const k of rendering) expect(k, name).toMatch(/lineage\/entities\.py:User$/);
    }
  });
});
