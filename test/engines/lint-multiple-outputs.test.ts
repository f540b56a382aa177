/**
 * multiple-outputs (MLG2034) against real Airflow: a task pushing one XCom per key
 * (multiple_outputs=True, or a @task annotated to return a dict) whose function returns a
 * tuple, a list, a number or a dict with a key that is no string fails when Airflow pushes the
 * value; the near misses (a dict, None, an annotation that is no plain Mapping, no push) run;
 * each fix the finding gives, written back, makes the task run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runDagOnce } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator


`;

/** Function name → its definition; a name starting with ok_ is a near miss. */
const FUNCTIONS: Readonly<Record<string, string>> = {
  tupled: `@task(multiple_outputs=True)
def tupled():
    uri = "s3://models/churn/7"
    auc = 0.91
    return uri, auc`,
  listed: `@task
def listed() -> dict[str, float]:
    return [0.9, 0.8]`,
  keyed: `@task(multiple_outputs=True)
def keyed():
    return {1: "a", "b": 2}`,
  ok_dict: `@task(multiple_outputs=True)
def ok_dict():
    return {"uri": "s3://m", "auc": 0.9}`,
  ok_none: `@task(multiple_outputs=True)
def ok_none():
    return None`,
  ok_optional: `@task
def ok_optional() -> dict | None:
    return (1, 2)`,
  ok_unpushed: `@task(multiple_outputs=True, do_xcom_push=False)
def ok_unpushed():
    return 1, 2`,
};

/** A PythonOperator given multiple_outputs=True over a function returning a tuple. */
const OPERATOR = `def shards():
    return (1, 2)
`;

function dagFile(functions: Readonly<Record<string, string>>, operator = OPERATOR): string {
  return `${HEAD}${Object.values(functions).join("\n\n\n")}


${operator}

with DAG("outs", schedule=None, start_date=START, catchup=False):
${Object.keys(functions)
  .map((name) => `    ${name}()\n`)
  .join("")}    PythonOperator(task_id="shards", python_callable=shards, multiple_outputs=True)
`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-multiple-outputs");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("fails exactly the tasks multiple-outputs reports, runs the near misses, and runs each with its fix", async () => {
    const source = dagFile(FUNCTIONS);
    const expected = Object.fromEntries(
      [...Object.keys(FUNCTIONS), "shards"].map((id) => [
        id,
        id.startsWith("ok_") ? "success" : "failed",
      ]),
    );
    expect(runDagOnce(work, version, "as-written", "outs", source)).toEqual(expected);
    const findings = await lintTogether(work, version, { "outs.py": source }, "multiple-outputs");
    expect(findings.map((f) => `${f.message} | ${f.fix}`)).toEqual([
      `task 'tupled' pushes one XCom per key of what tupled() returns (multiple_outputs=True), and it returns a tuple: the task fails on every run, after its work ('Returned output was type <class 'tuple'> expected dictionary for multiple_outputs') | return a dict that names each value (return {"uri": uri, "auc": auc}: each key becomes an XCom of its own), or drop multiple_outputs and read the tuple from return_value`,
      "task 'listed' pushes one XCom per key of what listed() returns (listed() is annotated to return dict[str, float], from which @task infers multiple_outputs=True), and it returns a list: the task fails on every run, after its work ('Returned output was type <class 'list'> expected dictionary for multiple_outputs') | annotate listed() with what it returns, or return a dict",
      "task 'keyed' pushes one XCom per key of what keyed() returns (multiple_outputs=True), and it returns a dict with a number as a key: the task fails on every run, after its work ('Returned dictionary keys must be strings when using multiple_outputs') | give the dict string keys (each is an XCom key), or drop multiple_outputs and read the whole dict from return_value",
      "task 'shards' pushes one XCom per key of what shards() returns (multiple_outputs=True), and it returns a tuple: the task fails on every run, after its work ('Returned output was type <class 'tuple'> expected dictionary for multiple_outputs') | return a dict that names each value (return {\"model_uri\": uri, \"score\": score}: each key becomes an XCom of its own), or drop multiple_outputs and read the tuple from return_value",
    ]);
    // The fixes: the dict the finding writes, the annotation of what it returns, string keys,
    // and multiple_outputs dropped.
    const fixed = dagFile(
      {
        ...FUNCTIONS,
        tupled: (FUNCTIONS.tupled as string).replace(
          "return uri, auc",
          'return {"uri": uri, "auc": auc}',
        ),
        listed: (FUNCTIONS.listed as string).replace("dict[str, float]", "list[float]"),
        keyed: (FUNCTIONS.keyed as string).replace("{1: ", '{"1": '),
      },
      OPERATOR,
    ).replace(", multiple_outputs=True)\n", ")\n");
    expect(await lintTogether(work, version, { "outs.py": fixed }, "multiple-outputs")).toEqual([]);
    const after = runDagOnce(work, version, "fixed", "outs", fixed);
    expect(after).toEqual(Object.fromEntries(Object.keys(expected).map((id) => [id, "success"])));
  });
});
