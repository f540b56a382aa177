import { describe, expect, it } from "vitest";
import { lintPythonSource, RULE_IDS } from "../src/index.js";

const HEAD = `import pendulum
from datetime import timedelta
from airflow.sdk import DAG, task, TaskGroup, chain
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor

default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}
`;

/** `rule@line:col` of every finding of one rule in a DAG file built from HEAD + body. */
function found(rule: string, body: string, head = HEAD): string[] {
  const source = head + body;
  const offset = head.split("\n").length - 1;
  const only = Object.fromEntries(RULE_IDS.map((id) => [id, id === rule ? "warning" : "off"]));
  return lintPythonSource("dag.py", source, { rules: only as never }).map(
    (f) => `${f.line - offset}:${f.column}`,
  );
}

const dag = (body: string) =>
  `with DAG("d", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args):\n${body}`;

interface Case {
  readonly rule: string;
  readonly body: string;
  /** `line:column` of each finding, lines counted from the body's first line (1). */
  readonly want: readonly string[];
  readonly head?: string;
}

const cases: [string, Case][] = [
  // missing-xcom-key
  [
    "a Jinja pull of a key the upstream task never pushes",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo 1")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='a', key='path') }}")
    a >> b
`),
      want: ["3:57"],
    },
  ],
  [
    "a pull from a task that is not upstream (a race)",
    {
      rule: "missing-xcom-key",
      body: `def produce(ti):
    ti.xcom_push(key="path", value="s3://b/x")

def consume(ti):
    return ti.xcom_pull(task_ids="produce", key="path")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    c = PythonOperator(task_id="consume", python_callable=consume)
`)}`,
      want: ["5:12"],
    },
  ],
  [
    "the same pull with the edge set through chain() is clean",
    {
      rule: "missing-xcom-key",
      body: `def produce(ti):
    ti.xcom_push(key="path", value="s3://b/x")

def consume(ti):
    return ti.xcom_pull(task_ids="produce", key="path")

${dag(`    p = PythonOperator(task_id="produce", python_callable=produce)
    c = PythonOperator(task_id="consume", python_callable=consume)
    chain(p, c)
`)}`,
      want: [],
    },
  ],
  [
    "TaskFlow return values, set_upstream, task groups and a list on the left of >>",
    {
      rule: "missing-xcom-key",
      body: `@task
def load():
    return {"rows": 3}

@task
def report(ti=None):
    ti.xcom_pull(task_ids="prep.clean")
    ti.xcom_pull(task_ids="load")
    ti.xcom_pull(task_ids="load", key="rows")

${dag(`    with TaskGroup("prep"):
        clean = BashOperator(task_id="clean", bash_command="echo")
    l = load()
    r = report()
    r.set_upstream(l)
    [clean] >> r
`)}`,
      want: ["9:5"],
    },
  ],
  [
    "a pull naming a task the DAG does not have",
    {
      rule: "missing-xcom-key",
      body: dag(`    a = BashOperator(task_id="a", bash_command="echo {{ ti.xcom_pull(task_ids='clean') }}")
`),
      want: ["2:57"],
    },
  ],
  [
    "ids built in a loop hold the check back; other DAGs and computed keys are not judged",
    {
      rule: "missing-xcom-key",
      body: dag(`    for i in range(3):
        BashOperator(task_id=f"t_{i}", bash_command="echo")
    BashOperator(task_id="x", bash_command="{{ ti.xcom_pull(task_ids='t_9') }} {{ ti.xcom_pull(task_ids='a', dag_id='other') }}")
`),
      want: [],
    },
  ],
  [
    "an operator mlgen does not model may push anything",
    {
      rule: "missing-xcom-key",
      body: dag(`    q = SQLExecuteQueryOperator(task_id="q", sql="select 1")
    b = BashOperator(task_id="b", bash_command="{{ ti.xcom_pull(task_ids='q', key='rows') }}")
    q >> b
`),
      want: [],
    },
  ],
  // hardcoded-path
  [
    "local paths in operator arguments, env dicts and task code",
    {
      rule: "hardcoded-path",
      body: `@task
def train():
    open("/Users/me/data.csv")

${dag(`    BashOperator(task_id="a", bash_command="python /home/ana/job.py", env={"OUT": "/tmp/out"})
    FileSensor(task_id="w", filepath="s3://bucket/data/x.csv")
    FileSensor(task_id="v", filepath="/opt/airflow/data/x.csv")
    train()
`)}`,
      want: ["3:11", "6:52", "6:84"],
    },
  ],
  // missing-timeout
  [
    "tasks without execution_timeout anywhere, and a sensor without timeout",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={"retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
    BashOperator(task_id="b", bash_command="echo", execution_timeout=timedelta(minutes=5))
    FileSensor(task_id="w", filepath="x", execution_timeout=timedelta(minutes=5))
    with TaskGroup("g", default_args={"execution_timeout": timedelta(minutes=1)}):
        BashOperator(task_id="c", bash_command="echo")
`,
      want: ["2:5", "4:5"],
    },
  ],
  [
    "default_args built from another dict may hold it: no finding",
    {
      rule: "missing-timeout",
      body: `with DAG("d", schedule=None, default_args={**BASE, "retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
`,
      want: [],
    },
  ],
  // missing-retries
  [
    "retries from the task or default_args; explicit 0 is a choice",
    {
      rule: "missing-retries",
      body: `with DAG("d", schedule=None, default_args={"owner": "x"}):
    BashOperator(task_id="a", bash_command="echo")
    BashOperator(task_id="b", bash_command="echo", retries=0)
`,
      want: ["2:5"],
    },
  ],
  // sensor-poke-mode
  [
    "poke mode (the default) with a long or missing timeout",
    {
      rule: "sensor-poke-mode",
      body: dag(`    FileSensor(task_id="a", filepath="x", timeout=6 * 60 * 60)
    FileSensor(task_id="b", filepath="x", timeout=600)
    FileSensor(task_id="c", filepath="x", timeout=timedelta(hours=6), mode="reschedule")
    FileSensor(task_id="d", filepath="x", deferrable=True)
    FileSensor(task_id="e", filepath="x")
`),
      want: ["2:5", "6:5"],
    },
  ],
  // no-failure-alert
  [
    "a DAG with no failure callback anywhere",
    {
      rule: "no-failure-alert",
      body: `with DAG("quiet", schedule=None, default_args={"retries": 1}):
    BashOperator(task_id="a", bash_command="echo")
with DAG("mailed", schedule=None, default_args={"email": ["ml@x.io"]}):
    BashOperator(task_id="a", bash_command="echo")
`,
      want: ["1:6"],
    },
  ],
  // unused-output
  [
    "an explicitly pushed key nobody pulls",
    {
      rule: "unused-output",
      body: `def produce(ti):
    ti.xcom_push(key="path", value=1)
    ti.xcom_push(key="rows", value=1)

def consume(ti):
    ti.xcom_pull(task_ids="produce", key="path")

${dag(`    PythonOperator(task_id="produce", python_callable=produce) >> PythonOperator(task_id="consume", python_callable=consume)
`)}`,
      want: ["3:5"],
    },
  ],
  // train-without-validation
  [
    "a training task with no validation upstream",
    {
      rule: "train-without-validation",
      body: dag(`    BashOperator(task_id="train_model", bash_command="echo")
    v = BashOperator(task_id="validate_data", bash_command="echo")
    v >> BashOperator(task_id="retrain", bash_command="echo")
    BashOperator(task_id="constraint_check", bash_command="echo")
`),
      want: ["2:5"],
    },
  ],
  // top-level-code
  [
    "Variable.get, HTTP and heavy imports at module level; inside functions is fine",
    {
      rule: "top-level-code",
      body: `import pandas as pd
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    import numpy
import requests
CONFIG = requests.get("https://cfg")

def run():
    import torch
    return Variable.get("x")

${dag(`    BashOperator(task_id="a", bash_command=Variable.get("cmd"))
`)}`,
      want: ["1:1", "6:10", "13:44"],
    },
  ],
  // airflow3-removed
  [
    "schedule_interval, sla, removed imports and template variables",
    {
      rule: "airflow3-removed",
      head: "",
      body: `from airflow.operators.dummy_operator import DummyOperator
from airflow.utils.dates import days_ago
with DAG("d", schedule_interval="@daily"):
    BashOperator(task_id="a", bash_command="echo {{ execution_date }} {{ ds }}", sla=timedelta(hours=1))
`,
      want: ["1:1", "2:1", "3:15", "4:53", "4:82"],
    },
  ],
  // dynamic-start-date
  [
    "a start_date computed at parse time",
    {
      rule: "dynamic-start-date",
      head: "",
      body: `with DAG("d", start_date=datetime.now() - timedelta(days=1)):
    pass
with DAG("e", start_date=pendulum.datetime(2025, 1, 1)):
    pass
`,
      want: ["1:26"],
    },
  ],
];

describe("Python DAG rules", () => {
  it.each(cases)("%s", (_, c) => {
    expect(found(c.rule, c.body, c.head)).toEqual(c.want);
  });

  it("every rule has at least one case here", () => {
    expect(new Set(cases.map(([, c]) => c.rule))).toEqual(new Set(RULE_IDS));
  });
});

describe("suppression comments", () => {
  const src = (comment: string, above: boolean) =>
    `${HEAD}with DAG("d", schedule=None):\n${above ? `    ${comment}\n` : ""}    BashOperator(task_id="a", bash_command="cat /tmp/x")${above ? "" : `  ${comment}`}\n`;
  const rules = (source: string) =>
    [...new Set(lintPythonSource("d.py", source).map((f) => f.ruleId))].sort();

  it("on the same line or alone on the line above; a list; no ids silences all", () => {
    expect(rules(src("", false))).toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=hardcoded-path", false))).not.toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=hardcoded-path", true))).not.toContain("hardcoded-path");
    expect(rules(src("# mlgen: disable=missing-retries, hardcoded-path", true))).toEqual(
      rules(src("", false)).filter((r) => r !== "hardcoded-path" && r !== "missing-retries"),
    );
    expect(rules(src("# mlgen: disable", false))).toEqual(["no-failure-alert"]);
    expect(rules(src("# mlgen: disable=missing-retries", false))).toContain("hardcoded-path");
  });
});

describe("severity settings", () => {
  it("off drops a rule, and a rule can be raised to error", () => {
    const source = `${HEAD}${dag('    BashOperator(task_id="a", bash_command="cat /tmp/x")\n')}`;
    const a = lintPythonSource("d.py", source, { rules: { "hardcoded-path": "error" } });
    expect(a.find((f) => f.ruleId === "hardcoded-path")?.severity).toBe("error");
    const b = lintPythonSource("d.py", source, { rules: { "hardcoded-path": "off" } });
    expect(b.some((f) => f.ruleId === "hardcoded-path")).toBe(false);
  });
});
