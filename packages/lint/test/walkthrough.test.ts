/**
 * What a new user's walkthrough of `mlgen lint` on a team's hand-written DAG folder found
 * (test/.tmp/qa-lint): findings that did not say which DAG and task they are about, messages
 * that did not say what Airflow does, and warnings on tasks of a DAG Airflow never builds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lowerPipeline } from "@mlgen/compiler";
import { hours, pipeline } from "@mlgen/dsl";
import { describe, expect, it } from "vitest";
import { lintPythonFiles } from "../src/files.js";
import {
  formatJson,
  formatSarif,
  type LintOptions,
  lintPipeline,
  lintPythonSource,
  RULES,
} from "../src/index.js";
import { RULE_IDS } from "../src/rules/index.js";

const HEAD = `import pendulum
from datetime import timedelta
from airflow.sdk import DAG, TaskGroup, dag, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor

default_args = {"retries": 2, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}
START = pendulum.datetime(2025, 1, 1)
`;

/** The findings of `rules` only (all rules when none are given), in a DAG file HEAD + body. */
function lint(body: string, rules?: readonly string[], options: LintOptions = {}) {
  const only =
    rules && Object.fromEntries(RULE_IDS.map((id) => [id, rules.includes(id) ? "error" : "off"]));
  return lintPythonSource("dags/d.py", HEAD + body, {
    ...options,
    ...(only ? { rules: only as never } : {}),
  });
}

describe("what a finding is about: its DAG and task, in JSON and SARIF", () => {
  const body = `with DAG("etl", schedule=None, start_date=START, default_args=default_args):
    with TaskGroup("load"):
        a = BashOperator(task_id="copy", bash_command="cp /home/jdoe/x.csv .")
    b = BashOperator(task_id="b", bash_command="echo {{ ti.xcom_pull(task_ids='load.copy', key='rows') }}")
    a >> b
with DAG("report", schedule=None, start_date=START, default_args={"retries": 1}):
    BashOperator(task_id="b", bash_command="echo")
`;
  const findings = lint(body);
  const about = findings.map((f) => `${f.ruleId} ${f.dag ?? "-"} ${f.task ?? "-"}`).sort();

  it("a task's finding names its full task id (the group's prefix too) and its DAG's id; a DAG's finding its DAG", () => {
    expect(about).toEqual([
      "hardcoded-path etl load.copy",
      "missing-timeout report b",
      "missing-xcom-key etl b",
      "no-failure-alert report -",
    ]);
  });

  it("JSON keeps the stable fields in their order, and adds dag and task after them when known", () => {
    const rows = JSON.parse(formatJson(findings)) as Record<string, unknown>[];
    const stable = [
      "ruleId",
      "code",
      "severity",
      "file",
      "line",
      "column",
      "endLine",
      "endColumn",
      "message",
      "fix",
    ];
    for (const row of rows) expect(Object.keys(row).slice(0, stable.length)).toEqual(stable);
    const xcom = rows.find((r) => r.ruleId === "missing-xcom-key");
    expect(Object.keys(xcom ?? {}).slice(stable.length)).toEqual(["dag", "task"]);
    expect(xcom).toMatchObject({ dag: "etl", task: "b" });
    const alert = rows.find((r) => r.ruleId === "no-failure-alert");
    expect(alert).toMatchObject({ dag: "report" });
    expect(alert).not.toHaveProperty("task");
  });

  it("SARIF has them as the result's properties and its location's logical location", () => {
    const log = JSON.parse(formatSarif(findings, RULES, { version: "0.1.0" }));
    const results = log.runs[0].results as {
      ruleId: string;
      properties: Record<string, string>;
      locations: { logicalLocations?: unknown[] }[];
    }[];
    const copy = results.find((r) => r.ruleId === "hardcoded-path");
    expect(copy?.properties).toEqual({ code: "MLG2002", dag: "etl", task: "load.copy" });
    expect(copy?.locations[0]?.logicalLocations).toEqual([
      { name: "load.copy", fullyQualifiedName: "etl/load.copy", kind: "task" },
    ]);
    const alert = results.find((r) => r.ruleId === "no-failure-alert");
    expect(alert?.locations[0]?.logicalLocations).toEqual([
      { name: "report", fullyQualifiedName: "report", kind: "dag" },
    ]);
  });

  it("a finding about no DAG or task has neither, in JSON and in SARIF", () => {
    const top = lint(
      `from airflow.models import Variable
X = Variable.get("x")
`,
      ["top-level-code"],
    );
    expect(top).toHaveLength(1);
    const [row] = JSON.parse(formatJson(top));
    expect(row).not.toHaveProperty("dag");
    expect(row).not.toHaveProperty("task");
    const [result] = JSON.parse(formatSarif(top, RULES, { version: "0.1.0" })).runs[0].results;
    expect(result.properties).toEqual({ code: "MLG2009" });
    expect(result.locations[0]).not.toHaveProperty("logicalLocations");
  });

  it("a DAG whose id is computed, or a task id made in a loop, is left out rather than guessed", () => {
    const out = lint(
      `for name in ["a", "b"]:
    with DAG(f"sync_{name}", schedule=None, start_date=START, default_args={"execution_timeout": timedelta(hours=1)}):
        BashOperator(task_id=f"copy_{name}", bash_command="echo")
`,
      ["missing-retries"],
    );
    expect(out.map((f) => [f.dag, f.task])).toEqual([[undefined, undefined]]);
  });

  it("a sensor's external-task-missing finding names the sensor and its DAG (within a file)", () => {
    const out = lint(
      `with DAG("etl", schedule="@daily", start_date=START, default_args=default_args):
    with TaskGroup("load"):
        BashOperator(task_id="refresh", bash_command="echo")
with DAG("report", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait", external_dag_id="etl", external_task_id="refresh", timeout=600)
`,
      ["external-task-missing"],
    );
    expect(out.map((f) => [f.dag, f.task])).toEqual([["report", "wait"]]);
  });
});

describe("what a finding is about, across files and in DSL pipelines", () => {
  it("a sensor naming a task of a DAG in another file: the sensor and its DAG", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgen-subject-"));
    try {
      writeFileSync(
        join(dir, "etl.py"),
        `${HEAD}with DAG("etl", schedule="@daily", start_date=START, default_args=default_args):
    with TaskGroup("load"):
        BashOperator(task_id="refresh", bash_command="echo")
`,
      );
      writeFileSync(
        join(dir, "report.py"),
        `${HEAD}with DAG("report", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait", external_dag_id="etl", external_task_id="refresh", mode="reschedule", timeout=6 * 3600)
`,
      );
      const files = ["etl.py", "report.py"].map((file) => ({ file, path: join(dir, file) }));
      const linted = await lintPythonFiles(files, {}, 0);
      const found = linted
        .flatMap((r) => r.findings)
        .filter((f) => f.ruleId === "external-task-missing");
      expect(found.map((f) => [f.file, f.dag, f.task])).toEqual([["report.py", "report", "wait"]]);
      expect(found[0]?.message).toContain("pokes until its timeout (6 hours) and fails");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a DSL pipeline's finding: the pipeline's id (its DAG's) and the task's", () => {
    const def = pipeline("nightly", { defaults: { executionTimeout: hours(1) } }, (p) => {
      p.bash("clean", { command: "true" });
    });
    const lowered = lowerPipeline({ ir: def.ir, sourceMap: def.sourceMap, modules: new Map() });
    if (!lowered.ok) throw new Error(lowered.diagnostics.map((d) => d.message).join("\n"));
    const found = lintPipeline({ ir: lowered.ir, sourceMap: def.sourceMap, file: "p.ts" });
    const retries = found.find((f) => f.ruleId === "missing-retries");
    expect([retries?.dag, retries?.task]).toEqual(["nightly", "clean"]);
    const alert = found.find((f) => f.ruleId === "no-failure-alert");
    expect([alert?.dag, alert?.task]).toEqual(["nightly", undefined]);
  });
});

describe("external-task-missing says how long the sensor really pokes", () => {
  const TARGET = `with DAG("etl", schedule="@daily", start_date=START, default_args=default_args):
    with TaskGroup("load"):
        BashOperator(task_id="refresh", bash_command="echo")
`;
  /** The wait the finding on a sensor given `args` (and its DAG `defaults`) names. */
  const waitOf = (args: string, defaults = "default_args") => {
    const out = lint(
      `${TARGET}with DAG("report", schedule="@daily", start_date=START, default_args=${defaults}):
    ExternalTaskSensor(task_id="wait", external_dag_id="etl", external_task_id="refresh"${args})
`,
      ["external-task-missing"],
    );
    expect(out).toHaveLength(1);
    return /the sensor pokes (.*) and fails, on every run$/.exec(out[0]?.message ?? "")?.[1];
  };

  it("its own timeout, in seconds or as a timedelta, in any mode", () => {
    expect(waitOf(`, mode="reschedule", poke_interval=300, timeout=6 * 3600`)).toBe(
      "until its timeout (6 hours)",
    );
    expect(waitOf(`, mode="reschedule", timeout=timedelta(minutes=90)`)).toBe(
      "until its timeout (90 minutes)",
    );
    // In poke mode an execution_timeout longer than the timeout changes nothing.
    expect(waitOf(`, timeout=600`)).toBe("until its timeout (10 minutes)");
  });

  it("default_args' timeout, the DAG's or its group's", () => {
    expect(waitOf(`, mode="reschedule"`, `{"retries": 1, "timeout": timedelta(hours=2)}`)).toBe(
      "until its timeout (2 hours)",
    );
  });

  it("Airflow's default (7 days, [sensors] default_timeout) when none is set", () => {
    expect(waitOf(`, mode="reschedule"`)).toBe("until its timeout (Airflow's default, 7 days)");
  });

  it("in poke mode, an execution_timeout shorter than the timeout ends each try, and each retry waits again", () => {
    // default_args: retries 2, execution_timeout 1 hour.
    expect(waitOf(``)).toBe(
      "for 3 hours (3 tries of its execution_timeout of 1 hour, which ends each try before its default timeout of 7 days)",
    );
    expect(waitOf(`, timeout=timedelta(hours=6), retries=0`)).toBe(
      "for 1 hour (one try of its execution_timeout of 1 hour, which ends each try before its timeout of 6 hours)",
    );
    // In reschedule mode the execution timeout ends one poke, not the wait.
    expect(waitOf(`, mode="reschedule", timeout=timedelta(hours=6)`)).toBe(
      "until its timeout (6 hours)",
    );
  });

  it("a timeout the file does not show, or a deferrable sensor, gets no number", () => {
    expect(waitOf(`, timeout=WAIT`)).toBe("until its timeout");
    expect(waitOf(`, deferrable=True`)).toBe("until its timeout");
    expect(waitOf(`, mode="reschedule"`, "SHARED_DEFAULTS")).toBe("until its timeout");
  });

  it("a task group it lacks: Airflow 2's wait is the sensor's", () => {
    const out = lint(
      `${TARGET}with DAG("report", schedule="@daily", start_date=START, default_args=default_args):
    ExternalTaskSensor(task_id="wait", external_dag_id="etl", external_task_group_id="lod", mode="reschedule", timeout=1800)
`,
      ["external-task-missing"],
    );
    expect(out.map((f) => f.message)).toEqual([
      "sensor 'wait' waits for the task group 'lod' of DAG 'etl', which has none by that id: the sensor fails on every run: Airflow 3 fails it at its first poke ('Task group ... not found in DAG'), Airflow 2 pokes until its timeout (30 minutes) and fails",
    ]);
  });
});

describe("missing-xcom-key: a pull from a task that runs after the reader is no race", () => {
  const pulls = (edges: string) =>
    lint(
      `def read(ti):
    return ti.xcom_pull(task_ids="produce")


def produce():
    return 1


with DAG("fn12", schedule="@daily", start_date=START, default_args=default_args):
    r = PythonOperator(task_id="read", python_callable=read)
    p = PythonOperator(task_id="produce", python_callable=produce)
    m = BashOperator(task_id="middle", bash_command="echo")
${edges}`,
      ["missing-xcom-key"],
    ).map((f) => `${f.message} | ${f.fix}`);

  it("directly downstream: never there when read, and the dependency to turn around", () => {
    expect(pulls("    r >> p\n")).toEqual([
      "task 'read' reads XCom 'return_value' of task 'produce', but 'produce' runs after it ('produce' is downstream of 'read'), so the value is never there when it reads it: the pull returns None (and, in a run cleared and run again, the value 'produce' pushed the time before) | pull from a task upstream of 'read'; or make 'produce' run first: produce >> read in place of read >> produce",
    ]);
  });

  it("downstream through another task: the dependencies that put it after the reader must go", () => {
    expect(pulls("    r >> m >> p\n")).toEqual([
      "task 'read' reads XCom 'return_value' of task 'produce', but 'produce' runs after it ('produce' is downstream of 'read'), so the value is never there when it reads it: the pull returns None (and, in a run cleared and run again, the value 'produce' pushed the time before) | pull from a task upstream of 'read'; or make 'produce' run first (produce >> read), once no dependency puts it after 'read' (with both, the DAG has a cycle)",
    ]);
  });

  it("neither upstream nor downstream: still a race; upstream: no finding", () => {
    expect(pulls("    r >> m\n")).toEqual([
      "task 'read' reads XCom 'return_value' of task 'produce', but 'produce' is not upstream of it, so the value may not exist yet (a race) | make 'produce' run first: produce >> read",
    ]);
    expect(pulls("    p >> m >> r\n")).toEqual([]);
  });
});

describe("a @dag function never called: dag-never-called, not warnings on its tasks", () => {
  const body = `@dag(schedule=None, start_date=START)
def never():
    @task
    def t():
        return 1

    t()
    BashOperator(task_id="b", bash_command="echo")


@dag(schedule=None, start_date=START)
def built():
    BashOperator(task_id="c", bash_command="echo")


built()
`;

  it("missing-retries and missing-timeout hold back for its tasks, and still report the called DAG's", () => {
    const out = lint(body, ["dag-never-called", "missing-retries", "missing-timeout"]);
    expect(out.map((f) => `${f.ruleId} ${f.task ?? "-"}`)).toEqual([
      "dag-never-called -",
      "missing-retries c",
      "missing-timeout c",
    ]);
  });

  it("a timeout written as a number is no refused file there: the body never runs", () => {
    const out = lint(
      `@dag(schedule=None, start_date=START)
def never():
    BashOperator(task_id="b", bash_command="echo", execution_timeout=3600)
`,
      ["missing-timeout"],
    );
    expect(out).toEqual([]);
  });
});

describe("missing-xcom-key: a task id named without its task group's prefix", () => {
  it("the fix names the grouped id (xcom_pull adds no prefix, even from the same group)", () => {
    const out = lint(
      `with DAG("fn02", schedule="@daily", start_date=START, default_args=default_args):
    with TaskGroup("load"):
        a = BashOperator(task_id="load_orders", bash_command="echo 42")
        b = BashOperator(task_id="count", bash_command="echo {{ ti.xcom_pull(task_ids='load_orders') }}")
        a >> b
`,
      ["missing-xcom-key"],
    );
    expect(out.map((f) => `${f.message} | ${f.fix}`)).toEqual([
      "task 'load.count' reads XCom 'return_value' of task 'load_orders', but DAG 'fn02' has no task 'load_orders' | pull task_ids='load.load_orders': inside a task group, a task's id starts with the group's ('load.'), and xcom_pull adds no prefix, even from a task of that group",
    ]);
  });
});
