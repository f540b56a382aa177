/**
 * A @dag function the file never calls builds no DAG: Airflow imports the file (its body never
 * runs) and its DagBag holds only the DAGs the file does build (Airflow 3.3.2 and 2.11.2). The
 * rules that say Airflow refuses the file, or that speak of how the DAG runs, hold back in such
 * a function: dag-never-called is the finding there. Their findings in the DAG the file calls
 * stay.
 */
import { describe, expect, it } from "vitest";
import { findingsAcrossFiles, lintPythonDag, lintPythonSource } from "../src/lint.js";
import { RULE_IDS } from "../src/rules/index.js";

const HEAD = `import pendulum
from datetime import timedelta
from airflow.sdk import DAG, TaskGroup, dag, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor

default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}
START = pendulum.datetime(2025, 1, 1)
`;

/** `rule line` of each finding of `rules` in HEAD + body, lines counted from the body's first. */
function lint(body: string, rules: readonly string[]): string[] {
  const only = Object.fromEntries(RULE_IDS.map((id) => [id, rules.includes(id) ? "error" : "off"]));
  const offset = HEAD.split("\n").length - 1;
  return lintPythonSource("dags/d.py", HEAD + body, { rules: only as never, dagFolder: true }).map(
    (f) => `${f.ruleId} ${f.line - offset}`,
  );
}

/** The same body in a @dag function never called, then in one the file calls. */
const both = (body: string, args = "schedule=None, start_date=START, default_args=default_args") =>
  `@dag(${args})
def never():
${body}

@dag(${args})
def built():
${body}

built()
`;
/** The line of the called function's copy of the body's line `n` (both's layout). */
const builtLine = (body: string, n: number) => n + body.split("\n").length + 3;

describe("a @dag function never called: no finding that says Airflow refuses the file", () => {
  it("dependency-cycle: a cycle in its body does not fail the file", () => {
    const body = `    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b2", bash_command="echo b")
    a >> b
    b >> a`;
    // Two DAGs' tasks share no id here (b and b2): the analysis reads both DAGs' graphs.
    const named = both(body)
      .replace(/b2/, "b")
      .replace(/task_id="a"/, 'task_id="x"');
    expect(lint(named, ["dag-never-called", "dependency-cycle"])).toEqual([
      "dag-never-called 2",
      `dependency-cycle ${builtLine(body, 6)}`,
    ]);
  });

  it("dependency-cycle: only in the never-called function, nothing but dag-never-called", () => {
    const out = lint(
      `@dag(schedule=None, start_date=START, default_args=default_args)
def never():
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b")
    a >> b >> a
`,
      ["dag-never-called", "dependency-cycle"],
    );
    expect(out).toEqual(["dag-never-called 2"]);
  });

  it("duplicate-task-id: two tasks of one id there do not fail the file", () => {
    const body = `    BashOperator(task_id="load", bash_command="echo a")
    BashOperator(task_id="load", bash_command="echo b")`;
    expect(lint(both(body), ["dag-never-called", "duplicate-task-id"])).toEqual([
      "dag-never-called 2",
      `duplicate-task-id ${builtLine(body, 4)}`,
    ]);
  });

  it("invalid-argument: its decorator's, its tasks', its groups' and its dependencies' do not fail the file", () => {
    const body = `    with TaskGroup("load.eu"):
        a = BashOperator(task_id="load orders", bash_command="echo a", trigger_rule="all_sucess")
    b = BashOperator(task_id="b", bash_command="echo b", retires=3, execution_timeout=3600)
    c = BashOperator(task_id="c", bash_command="echo c")
    d = BashOperator(task_id="d", bash_command="echo d")
    [a, b] >> [c, d]
    fit(lr=1)
    fit.expand(x="abc")
    PythonOperator(task_id="p", python_callable=make())`;
    const head = `def make():
    return 1


@task
def fit(x, ds="2025-01-01"):
    return x


@task
def only_never(ds="2025-01-01"):
    return 1


`;
    const args = 'schedule="0 25 * * *", start_date="2025-01-01", default_args=default_args';
    const never = `@dag(${args})
def never():
${body}
    only_never()
`;
    const built = `@dag(${args})
def built():
${body}


built()
`;
    const out = lint(`${head}${never}\n${built}`, ["dag-never-called", "invalid-argument"]);
    // Every finding is in the called DAG's decorator and body, or on fit()'s default (line 6:
    // the called DAG calls fit); none in never(), none on only_never()'s default (line 11),
    // which only never() calls.
    const neverStart = head.split("\n").length;
    const neverEnd = neverStart + never.split("\n").length - 1;
    expect(out).toContain(`dag-never-called ${neverStart + 1}`);
    const lines = out
      .filter((f) => f.startsWith("invalid-argument"))
      .map((f) => Number(f.split(" ")[1]));
    expect(lines.filter((l) => l >= neverStart && l < neverEnd)).toEqual([]);
    expect(lines).not.toContain(11);
    expect(lines.filter((l) => l === 6)).toHaveLength(1);
    // The called DAG's: its schedule and start date, its group's id, its task's id and trigger
    // rule, retires= and execution_timeout=3600, the lists shifted, fit(lr=1), the expand, the
    // python_callable.
    const b = neverEnd + 1;
    expect(lines.filter((l) => l >= neverEnd)).toEqual(
      [0, 0, 2, 3, 3, 4, 4, 7, 8, 9, 10].map((n) => b + n),
    );
  });

  it("invalid-argument: a file whose only @dag function is never called has none", () => {
    const out = lint(
      `@dag(schedule="@dialy", start_date=START, default_args=default_args)
def never():
    BashOperator(task_id="load orders", bash_command="echo a", trigger_rule="all_sucess")
`,
      ["dag-never-called", "invalid-argument"],
    );
    expect(out).toEqual(["dag-never-called 2"]);
  });
});

describe("a @dag function never called: no finding about how its DAG runs", () => {
  it("no-failure-alert", () => {
    const body = `    BashOperator(task_id="a", bash_command="echo a")`;
    const args = "schedule=None, start_date=START, default_args={'retries': 1}";
    expect(lint(both(body, args), ["dag-never-called", "no-failure-alert"])).toEqual([
      "dag-never-called 2",
      `no-failure-alert ${builtLine(body, 1)}`,
    ]);
  });

  it("sensor-poke-mode", () => {
    const body = `    FileSensor(task_id="wait", filepath="/data/x.csv", mode="poke", timeout=timedelta(hours=6))`;
    expect(lint(both(body), ["dag-never-called", "sensor-poke-mode"])).toEqual([
      "dag-never-called 2",
      `sensor-poke-mode ${builtLine(body, 3)}`,
    ]);
  });

  it("train-without-validation", () => {
    const body = `    BashOperator(task_id="train_model", bash_command="train")`;
    expect(lint(both(body), ["dag-never-called", "train-without-validation"])).toEqual([
      "dag-never-called 2",
      `train-without-validation ${builtLine(body, 3)}`,
    ]);
  });

  it("unused-output", () => {
    const body = `    @task
    def push_it(ti=None):
        ti.xcom_push(key="rows", value=1)

    push_it() >> BashOperator(task_id="after", bash_command="echo")`;
    const out = lint(both(body), ["dag-never-called", "unused-output"]);
    expect(out).toEqual(["dag-never-called 2", `unused-output ${builtLine(body, 5)}`]);
  });

  it("missing-xcom-key and external-task-missing still report there (bugs once it is called)", () => {
    const out = lint(
      `with DAG("etl", schedule=None, start_date=START, default_args=default_args):
    BashOperator(task_id="load", bash_command="echo")


@dag(schedule=None, start_date=START, default_args=default_args)
def never():
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a', key='path') }}")
    a >> b
    ExternalTaskSensor(task_id="w", external_dag_id="etl", external_task_id="lod", mode="reschedule", timeout=60)
`,
      ["missing-xcom-key", "external-task-missing"],
    );
    expect(out).toEqual(["missing-xcom-key 8", "external-task-missing 10"]);
  });
});

describe("how long a sensor waits, as its own settings say", () => {
  const messages = (rule: string, body: string) =>
    lintPythonSource("dags/d.py", HEAD + body, {
      rules: Object.fromEntries(RULE_IDS.map((id) => [id, id === rule ? "error" : "off"])) as never,
      dagFolder: true,
    }).map((f) => f.message);

  it("external-schedule-mismatch: the sensor's own timeout, not 7 days", () => {
    const body = `with DAG("features", schedule="30 1 * * *", start_date=START, default_args=default_args):
    BashOperator(task_id="build", bash_command="echo")
with DAG("daily", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait_features", external_dag_id="features", mode="reschedule", timeout=timedelta(hours=6))
with DAG("hourly", schedule="0 * * * *", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait_daily", external_dag_id="daily", execution_delta=timedelta(days=1), mode="reschedule", timeout=1800)
with DAG("plain", schedule="@daily", start_date=START):
    ExternalTaskSensor(task_id="wait_default", external_dag_id="features", mode="reschedule")
`;
    const out = messages("external-schedule-mismatch", body);
    expect(out).toHaveLength(3);
    expect(out[0]).toContain(
      "so no run of it ever has that logical date: the sensor pokes until its timeout (6 hours) and fails, on every run",
    );
    expect(out[1]).toContain(
      "so only 1 in 24 of this DAG's runs find one: in the others the sensor pokes until its timeout (30 minutes) and fails",
    );
    expect(out[2]).toContain(
      "the sensor pokes until its timeout (Airflow's default, 7 days) and fails, on every run",
    );
    for (const m of out) expect(m).not.toContain("7 days by default");
  });

  it("external-schedule-mismatch across files: the sensor's own timeout too", () => {
    const rules = Object.fromEntries(
      RULE_IDS.map((id) => [id, id === "external-schedule-mismatch" ? "error" : "off"]),
    ) as never;
    const a = lintPythonDag(
      "dags/a.py",
      `${HEAD}with DAG("features", schedule="30 1 * * *", start_date=START, default_args=default_args):
    BashOperator(task_id="build", bash_command="echo")
`,
      { rules },
    );
    const b = lintPythonDag(
      "dags/b.py",
      `${HEAD}with DAG("daily", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait_features", external_dag_id="features", mode="reschedule", timeout=timedelta(hours=2))
`,
      { rules },
    );
    const out = findingsAcrossFiles([a.across, b.across]).flat();
    expect(out.map((f) => f.message)).toEqual([
      expect.stringContaining(
        "the sensor pokes until its timeout (2 hours) and fails, on every run",
      ),
    ]);
  });

  it("missing-dag: the sensor's own timeout, not 7 days", () => {
    const body = `with DAG("ingest_churn", schedule="@daily", start_date=START, default_args=default_args):
    BashOperator(task_id="load", bash_command="echo")
with DAG("retrain", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait", external_dag_id="ingest_chrun", external_task_id="load", mode="reschedule", timeout=timedelta(hours=6))
    ExternalTaskSensor(task_id="wait_long", external_dag_id="ingest_chrun", external_task_id="load", mode="reschedule")
`;
    const out = messages("missing-dag", body);
    expect(out).toEqual([
      "task 'wait' waits for DAG 'ingest_chrun', which no linted file defines: Airflow finds no run of it, so the sensor pokes until its timeout (6 hours) and fails, on every run (Airflow 2 fails it at its first poke with check_existence=True; Airflow 3 ignores that argument)",
      "task 'wait_long' waits for DAG 'ingest_chrun', which no linted file defines: Airflow finds no run of it, so the sensor pokes until its timeout (Airflow's default, 7 days) and fails, on every run (Airflow 2 fails it at its first poke with check_existence=True; Airflow 3 ignores that argument)",
    ]);
  });
});
