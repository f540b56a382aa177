/**
 * callable-arguments (MLG2033) against real Airflow: a PythonOperator's op_kwargs key its
 * function has no parameter for is dropped (the function runs with its default, here a check
 * that fails on it), a required parameter nothing fills and too many op_args fail the task;
 * the near misses run; each fix, written back, makes the task run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runDagOnce } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.python import PythonOperator, ShortCircuitOperator
except ImportError:
    from airflow.operators.python import PythonOperator, ShortCircuitOperator


def train(data_path, epochs=1):
    # The default is what a dropped key leaves: fail on it, so the run shows the drop.
    assert epochs != 1, f"trained {data_path} with the default epochs={epochs}"


def gate(table, threshold, ds=None):
    return len(table) < threshold and ds is not None


def anything(path, **context):
    assert context["ti"] is not None and context["extra"] == 2


def with_context(path, ti=None, params=None, ds=None):
    assert ti is not None and ds is not None


`;

/** Task id → the operator call's arguments (after task_id). */
const TASKS: Readonly<Record<string, string>> = {
  dropped_key: `python_callable=train, op_kwargs={"data_path": "s3://x", "epoch": 3}`,
  missing_arg: `python_callable=train`,
  too_many: `python_callable=train, op_args=["s3://x", 2, 3]`,
  gate_typo: `python_callable=gate, op_kwargs={"table": "t", "treshold": 5}`,
  ok_kwargs: `python_callable=train, op_kwargs={"data_path": "s3://x", "epochs": 3}`,
  ok_args: `python_callable=train, op_args=["s3://x", 2]`,
  ok_wildcard: `python_callable=anything, op_kwargs={"path": "p", "extra": 2}`,
  ok_context: `python_callable=with_context, op_args=["p"]`,
};

const operator = (id: string) =>
  id.startsWith("gate") ? "ShortCircuitOperator" : "PythonOperator";

function dagFile(tasks: Readonly<Record<string, string>>): string {
  return `${HEAD}with DAG("calls", schedule=None, start_date=START, catchup=False):
${Object.entries(tasks)
  .map(([id, args]) => `    ${operator(id)}(task_id="${id}", ${args})\n`)
  .join("")}`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-callables");
}, 900_000);

const runs = (version: 2 | 3, name: string, source: string) =>
  runDagOnce(work, version, name, "calls", source);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("fails exactly the tasks callable-arguments reports, runs the near misses, and runs each with its fix", async () => {
    const source = dagFile(TASKS);
    expect(runs(version, "as-written", source)).toEqual(
      Object.fromEntries(
        Object.keys(TASKS).map((id) => [id, id.startsWith("ok_") ? "success" : "failed"]),
      ),
    );
    const findings = await lintTogether(
      work,
      version,
      { "calls.py": source },
      "callable-arguments",
    );
    expect(findings.map((f) => f.message)).toEqual([
      "task 'dropped_key' calls train() with op_kwargs key 'epoch', which it has no parameter for: Airflow drops the key without a word, and train() runs without the value (with the default of 'epochs')",
      "task 'missing_arg' calls train() without its required argument 'data_path', which no op_args, op_kwargs or context variable gives it: the task fails on every run (TypeError: missing a required argument: 'data_path')",
      "task 'too_many' calls train() with 3 op_args, more than its 2 positional parameters: the task fails on every run (TypeError: too many positional arguments)",
      "task 'gate_typo' calls gate() without its required argument 'threshold', which no op_args, op_kwargs or context variable gives it: the task fails on every run (TypeError: missing a required argument: 'threshold')",
      "task 'gate_typo' calls gate() with op_kwargs key 'treshold', which it has no parameter for: Airflow drops the key without a word, and gate() runs without the value",
    ]);
    // The fixes: the names the findings say, the argument given, the extra op_args removed.
    const fixed = dagFile({
      ...TASKS,
      dropped_key: (TASKS.dropped_key as string).replace('"epoch"', '"epochs"'),
      missing_arg: `python_callable=train, op_kwargs={"data_path": "s3://x", "epochs": 2}`,
      too_many: `python_callable=train, op_args=["s3://x", 2]`,
      gate_typo: (TASKS.gate_typo as string).replace('"treshold"', '"threshold"'),
    });
    expect(await lintTogether(work, version, { "calls.py": fixed }, "callable-arguments")).toEqual(
      [],
    );
    const after = runs(version, "fixed", fixed);
    expect(Object.values(after).every((s) => s === "success")).toBe(true);
  });
});
