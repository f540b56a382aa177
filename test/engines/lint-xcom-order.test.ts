/**
 * missing-xcom-key on a pull from a task that runs after the reader (`read >> produce`, `read`
 * pulling `produce`): no race, the value is never there when the reader reads it. Real Airflow
 * 3 and 2 give the reader None on the run, and, when the reader runs again in that run (a run
 * cleared and run again), the value the source pushed the time before: an XCom is cleared only
 * when the task that pushed it starts again. The fix the finding gives makes the reader get the
 * run's own value.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lintPythonSource } from "../../packages/lint/src/index.js";
import { RULE_IDS } from "../../packages/lint/src/rules/index.js";
import { AIRFLOW2_VENV, airflowEnv, ensureEngines, runEngine, tempDir, VENV } from "./harness.js";

/** The DAG file; `edges` sets its dependencies. `read` prints what it pulls from `produce`. */
const dagFile = (edges: string) => `import pendulum

try:
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG
except ImportError:
    from airflow import DAG
    from airflow.operators.python import PythonOperator


def read(ti):
    value = ti.xcom_pull(task_ids="produce")
    print(f"MLGEN_READ={value!r}")


def produce():
    return 42


with DAG("pull_order", schedule=None, start_date=pendulum.datetime(2025, 1, 1), catchup=False):
    r = PythonOperator(task_id="read", python_callable=read)
    p = PythonOperator(task_id="produce", python_callable=produce)
    ${edges}
`;

/**
 * Runs the DAG once with dag.test() (a logical date in the past: Airflow 2's `tasks test`
 * refuses one in the future), then, when `again`, its task `read` again in the same run with
 * `airflow tasks test`. What `read` printed each time.
 */
const RUN_ONCE = `
import sys
import pendulum
try:
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(sys.argv[1])
    date = "logical_date"
except ImportError:
    from airflow.models.dagbag import DagBag
    bag = DagBag(sys.argv[1], include_examples=False)
    date = "execution_date"
assert not bag.import_errors, bag.import_errors
run = bag.dags["pull_order"].test(**{date: pendulum.datetime(2025, 6, 1, tz="UTC")})
print("MLGEN_RUN_ID=" + run.run_id)
for ti in run.get_task_instances():
    print(f"MLGEN_STATE={ti.task_id}:{ti.state}")
`;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-xcom-order");
}, 900_000);

function runs(version: 2 | 3, name: string, source: string, again: boolean) {
  const venv = version === 3 ? VENV : AIRFLOW2_VENV;
  const dags = join(work, `${name}-${version}`, "dags");
  mkdirSync(dags, { recursive: true });
  writeFileSync(join(dags, "pull_order.py"), source);
  const env = airflowEnv(join(work, `${name}-${version}`, "home"), dags);
  const migrate = runEngine(join(venv, "bin", "airflow"), ["db", "migrate"], env);
  if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.output}`);
  const first = runEngine(join(venv, "bin", "python"), ["-c", RUN_ONCE, dags], env);
  if (first.status !== 0) throw new Error(`dag.test failed:\n${first.output.slice(-3000)}`);
  const states = [...first.output.matchAll(/MLGEN_STATE=(\w+):(\w+)/g)].map(
    (m) => `${m[1]} ${m[2]}`,
  );
  const read = [/MLGEN_READ=(\S+)/.exec(first.output)?.[1]];
  if (again) {
    const runId = /MLGEN_RUN_ID=(\S+)/.exec(first.output)?.[1] as string;
    const second = runEngine(
      join(venv, "bin", "airflow"),
      ["tasks", "test", "pull_order", "read", runId],
      env,
    );
    if (second.status !== 0) throw new Error(`tasks test failed:\n${second.output.slice(-3000)}`);
    read.push(/MLGEN_READ=(\S+)/.exec(second.output)?.[1]);
  }
  return { states: states.sort(), read };
}

const lint = (version: 2 | 3, source: string) =>
  lintPythonSource("dags/pull_order.py", source, {
    airflowVersion: version,
    rules: Object.fromEntries(
      RULE_IDS.map((id) => [id, id === "missing-xcom-key" ? "error" : "off"]),
    ) as never,
  });

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("a pull from a task downstream of the reader: None on the run, the earlier value when the reader runs again; the fix reads the run's own", () => {
    const written = dagFile("r >> p");
    const [finding, ...more] = lint(version, written);
    expect(more).toEqual([]);
    expect(finding?.message).toContain(
      "but 'produce' runs after it ('produce' is downstream of 'read'), so the value is never there when it reads it: the pull returns None (and, in a run cleared and run again, the value 'produce' pushed the time before)",
    );
    expect(finding?.message).not.toContain("race");
    expect(finding?.fix).toContain("produce >> read in place of read >> produce");

    const real = runs(version, "downstream", written, true);
    expect(real.states).toEqual(["produce success", "read success"]);
    // The run: 'read' runs first and gets None. Again in that run: what 'produce' pushed then.
    expect(real.read).toEqual(["None", "42"]);

    const fixed = dagFile("p >> r");
    expect(lint(version, fixed)).toEqual([]);
    expect(runs(version, "fixed", fixed, false).read).toEqual(["42"]);
  }, 600_000);
});
