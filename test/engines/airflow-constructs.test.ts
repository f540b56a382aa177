/**
 * The constructs that only a run proves, on real Airflow 3 with `airflow dags test`: mapping and
 * fan-in, short-circuits, a branch into a group and its join, a file sensor that succeeds and one
 * that times out, a Slack alert (to a local HTTP server standing in for Slack) on an injected
 * failure, and the production example end to end against a real MLflow server — both sides of
 * its branch. The runtime fixture's two runs (both sides of its branch, the alerts) run on real
 * Airflow 2 too, compiled with --airflow-version 2, in an Airflow 2 home of their own. Servers
 * started here are stopped here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { airflowTarget } from "../../packages/compiler/src/index.js";
import { lintPythonSource } from "../../packages/lint/src/index.js";
import { lowerFile, ROOT } from "../support/pipelines.js";
import {
  AIRFLOW2_PYTHON,
  AIRFLOW2_VENV,
  airflowEnv,
  alertConnections,
  bin,
  ensureEngines,
  FIXTURE_OPERATORS,
  freePort,
  isAlive,
  jsonLines,
  type MlflowServer,
  mlgenHere,
  PYTHON,
  runEngine,
  startMlflow,
  tempDir,
} from "./harness.js";

let work = "";
let airflowHome = "";
let runtimeDags = "";
/** The Airflow 2 dialect's engine: its own home (migrated by Airflow 2) and compiled DAGs. */
let airflow2Home = "";
let runtimeDags2 = "";

/** Each engine the runtime fixture runs on: its python, `airflow` command and home. */
const ENGINES = {
  3: { python: PYTHON, airflow: () => bin("airflow"), home: () => airflowHome },
  2: {
    python: AIRFLOW2_PYTHON,
    airflow: () => join(AIRFLOW2_VENV, "bin", "airflow"),
    home: () => airflow2Home,
  },
} as const;
type Version = keyof typeof ENGINES;
let mlflow: MlflowServer;
/** Stand-ins for Slack and SMTP run in their own processes: `dags test` blocks this one. */
let slack: ChildProcess;
let slackFile = "";
let slackUrl = "";
let smtp: ChildProcess;
let smtpFile = "";
let smtpPort = 0;

const mails = () => jsonLines<{ from: string; to: string[]; data: string }>(smtpFile);

/** Stops a stand-in by PID and checks it is gone. */
async function stopChild(child: ChildProcess | undefined) {
  if (child?.pid === undefined || child.exitCode !== null) return;
  const pid = child.pid;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  await exited;
  expect(isAlive(pid)).toBe(false);
}

const slackMessages = () => jsonLines<{ path: string; body: { text?: string } }>(slackFile);

interface RunStates {
  logical_date: string | null;
  state: string;
  conf: Record<string, unknown>;
  tasks: Record<string, string>;
  /** Each mapped instance's name (rendered_map_index), by `task[index]`. */
  labels: Record<string, string | null>;
}

/** Every run of a DAG with a logical date, keyed by it (YYYY-MM-DD), from the Airflow metadata DB. */
function runStates(
  dagId: string,
  dags = runtimeDags,
  version: Version = 3,
): Record<string, RunStates> {
  const out = join(work, `${dagId}-states.json`);
  const engine = ENGINES[version];
  const r = runEngine(
    engine.python,
    [join(ROOT, "test/python/ti_states.py"), dagId, out],
    airflowEnv(engine.home(), dags),
  );
  if (r.status !== 0) throw new Error(`ti_states.py failed:\n${r.output.slice(-3000)}`);
  const runs = JSON.parse(readFileSync(out, "utf8")) as Record<string, RunStates>;
  // Runs without a logical date (DAG.test(logical_date=None)) have no key here.
  return Object.fromEntries(
    Object.values(runs).flatMap((v) => (v.logical_date ? [[v.logical_date.slice(0, 10), v]] : [])),
  );
}

function env(dags: string, extra: Record<string, string> = {}, home = airflowHome) {
  return airflowEnv(home, dags, {
    AIRFLOW_VAR_RUNTIME_DIR: join(work, "runtime"),
    AIRFLOW_CONN_FS_DEFAULT: JSON.stringify({ conn_type: "fs" }),
    ...alertConnections(slackUrl, smtpPort),
    MLFLOW_TRACKING_URI: mlflow.url,
    ...extra,
  });
}

function dagsTest(
  dagId: string,
  date: string,
  dags: string,
  conf?: object,
  extra = {},
  version: Version = 3,
) {
  const args = ["dags", "test", dagId, date, ...(conf ? ["-c", JSON.stringify(conf)] : [])];
  const engine = ENGINES[version];
  return runEngine(engine.airflow(), args, env(dags, extra, engine.home()));
}

/** A fixture pipeline compiled for one Airflow into a folder of its own; the folder. */
async function compileFixture(name: string, version: Version): Promise<string> {
  const dags = join(work, `${name}-dags-${version}`);
  const file = join(ROOT, `test/fixtures/pipelines/${name}.pipeline.ts`);
  const args = ["compile", file, "--root", join(ROOT, "test/fixtures"), "--out", dags];
  if ((await mlgenHere(...args, "--airflow-version", String(version))) !== 0)
    throw new Error(`compiling the ${name} fixture for Airflow ${version} failed`);
  return dags;
}

beforeAll(async () => {
  ensureEngines();
  work = tempDir("constructs-run");
  airflowHome = join(work, "airflow");
  mkdirSync(airflowHome);
  mkdirSync(join(work, "runtime"));
  const port = await freePort();
  slackFile = join(work, "slack.jsonl");
  slack = spawn(PYTHON, [join(ROOT, "test/python/webhook_sink.py"), String(port), slackFile], {
    stdio: "ignore",
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch {
      if (i > 100) throw new Error("the webhook sink did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  slackUrl = `http://127.0.0.1:${port}/services/T000/B000/XXXX`;
  smtpPort = await freePort();
  smtpFile = join(work, "mail.jsonl");
  smtp = spawn(PYTHON, [join(ROOT, "test/python/smtp_sink.py"), String(smtpPort), smtpFile], {
    stdio: "ignore",
  });
  mlflow = await startMlflow(join(work, "mlflow"));
  runtimeDags = join(work, "runtime-dags");
  const file = join(ROOT, "test/fixtures/pipelines/runtime.pipeline.ts");
  const root = join(ROOT, "test/fixtures");
  const code = await mlgenHere("compile", file, "--root", root, "--out", runtimeDags);
  if (code !== 0) throw new Error(`compiling the runtime fixture failed with ${code}`);
  const migrate = runEngine(bin("airflow"), ["db", "migrate"], env(join(work, "none")));
  if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.output}`);
  // The same fixture compiled for Airflow 2, run by Airflow 2 in a home of its own.
  runtimeDags2 = join(work, "runtime-dags-airflow2");
  const code2 = await mlgenHere(
    "compile",
    file,
    "--root",
    root,
    "--out",
    runtimeDags2,
    "--airflow-version",
    "2",
  );
  if (code2 !== 0) throw new Error(`compiling the runtime fixture for Airflow 2 failed (${code2})`);
  airflow2Home = join(work, "airflow2");
  mkdirSync(airflow2Home);
  const migrate2 = runEngine(
    ENGINES[2].airflow(),
    ["db", "migrate"],
    env(join(work, "none"), {}, airflow2Home),
  );
  if (migrate2.status !== 0) throw new Error(`Airflow 2 db migrate failed:\n${migrate2.output}`);
});

afterAll(async () => {
  await stopChild(slack);
  await stopChild(smtp);
  if (mlflow) {
    const pid = mlflow.pid;
    await mlflow.stop();
    expect(isAlive(pid)).toBe(false);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The runtime fixture's DAGs folder for an engine (compiled for its dialect). */
const runtimeFor = (version: Version) => (version === 3 ? runtimeDags : runtimeDags2);

/**
 * Tasks whose functions return model objects (`bad_`: a fitted estimator, an instance of a plain
 * class, a tuple holding one, through a PythonOperator) and near misses (`ok_`: a URI, metrics,
 * a dataclass, a class with serialize(), do_xcom_push=False): unserializable-return's proof.
 */
const MODEL_RETURNS = `import json
from dataclasses import dataclass

import pendulum

try:
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import dag, task
except ImportError:
    from airflow.decorators import dag, task
    from airflow.operators.python import PythonOperator


class Model:
    def __init__(self, lr=0.1):
        self.lr = lr

    def fit(self, xs, ys):
        return self


@dataclass
class Report:
    auc: float


class Portable:
    def __init__(self, uri):
        self.uri = uri

    def serialize(self):
        return {"uri": self.uri}

    @staticmethod
    def deserialize(data, version):
        return Portable(data["uri"])


def fit_model():
    model = Model(0.3).fit([1, 2], [0, 1])
    return model


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1), catchup=False)
def model_returns():
    @task
    def bad_fit():
        return Model().fit([1], [0])

    @task
    def bad_instance():
        m = Model(0.5)
        m.fit([1], [0])
        return m

    @task
    def bad_tuple():
        model = Model().fit([1], [0])
        return model, {"auc": 0.9}

    @task
    def ok_uri():
        model = Model().fit([1], [0])
        return f"s3://models/{id(model)}"

    @task
    def ok_dataclass():
        return Report(auc=0.91)

    @task
    def ok_serialize():
        return Portable("s3://models/1")

    @task
    def ok_metrics():
        model = Model().fit([1], [0])
        return {"auc": 0.9, "lr": model.lr}

    @task(do_xcom_push=False)
    def ok_no_push():
        return Model().fit([1], [0])

    bad_fit()
    bad_instance()
    bad_tuple()
    ok_uri()
    ok_dataclass()
    ok_serialize()
    ok_metrics()
    ok_no_push()

    # Instances of the file's own classes are stored, but a task reading one fails: Airflow
    # imports the DAG file under a made-up module name that no allow list names.
    @task
    def ok_report_made():
        return Report(auc=0.5)

    @task
    def bad_reads_report(report):
        return report.auc

    @task
    def ok_portable_made():
        portable = Portable("s3://models/2")
        return portable

    @task
    def bad_pulls_portable(ti=None):
        return ti.xcom_pull(task_ids="ok_portable_made").uri

    bad_reads_report(ok_report_made())
    ok_portable_made() >> bad_pulls_portable()
    PythonOperator(task_id="bad_operator", python_callable=fit_model)
    PythonOperator(task_id="ok_operator_no_push", python_callable=fit_model, do_xcom_push=False)


model_returns()
`;

/**
 * Tasks that record the value they got for the run's date (2025-03-01): `bad_` ones are given a
 * template where Airflow never renders it, `ok_` ones where it does. Each writes one file,
 * named after the task that holds the template (a mapped task's after the task whose return
 * value it runs).
 */
const UNRENDERED = `import functools
import os

import pendulum

try:
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk import DAG, task
except ImportError:
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.bash import BashOperator
    from airflow.operators.python import PythonOperator

OUT = os.environ["UNRENDERED_OUT"]
QUERY = "SELECT * FROM events WHERE day = '{{ ds }}'"


def record(name, value):
    with open(os.path.join(OUT, name), "w") as f:
        f.write(value.replace("SELECT * FROM events WHERE day = ", "").strip("'"))


def operator_body():
    record("bad_operator_body", "{{ ds }}")


def operator_default(day="{{ ds }}"):
    record("bad_operator_default", day)


def bound(day):
    record("bad_partial", day)


def operator_kwargs(day, templates_dict=None):
    record("ok_op_kwargs", day)
    record("ok_templates_dict", templates_dict["day"])


with DAG(
    "unrendered",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    params={"day": "{{ ds }}"},
):

    @task
    def bad_body():
        path = "s3://events/{{ ds }}/x.csv"
        record("bad_body", path.split("/")[3])

    @task
    def bad_fstring(region="eu"):
        record("bad_fstring", f"{{{{ ds }}}}{region[:0]}")

    @task
    def bad_module_string():
        record("bad_module_string", QUERY)

    @task
    def bad_default(run_date="{{ ds }}"):
        record("bad_default", run_date)

    @task(params={"day": "{{ ds }}"})
    def bad_decorator_params(params=None):
        record("bad_decorator_params", params["day"])

    @task
    def bad_returned():
        return [f"echo -n '{{{{ ds }}}}' > {OUT}/bad_returned"]

    @task
    def ok_call_arg(day):
        record("ok_call_arg", day)

    @task
    def ok_context(ds=None):
        record("ok_context", ds)

    @task
    def ok_default_passed(day="{{ ds }}"):
        record("ok_default_passed", day)

    @task
    def ok_env():
        return [{"DAY_FILE": f"{OUT}/ok_env"}]

    bad_body()
    bad_fstring()
    bad_module_string()
    bad_default()
    bad_decorator_params()
    BashOperator.partial(task_id="bad_returned_run").expand(bash_command=bad_returned())
    ok_call_arg("{{ ds }}")
    ok_context()
    ok_default_passed(day="{{ ds }}")
    BashOperator.partial(task_id="ok_env_run", bash_command="echo -n '{{ ds }}' > $DAY_FILE").expand(
        env=ok_env()
    )
    BashOperator(
        task_id="bad_params",
        bash_command="echo -n '{{ params.day }}' > " + OUT + "/bad_params",
        params={"day": "{{ ds }}"},
    )
    BashOperator(
        task_id="bad_dag_params",
        bash_command="echo -n '{{ params.day }}' > " + OUT + "/bad_dag_params",
    )
    BashOperator(
        task_id="bad_owner",
        bash_command="echo -n '{{ task.owner }}' > " + OUT + "/bad_owner",
        owner="{{ ds }}",
    )
    BashOperator(
        task_id="bad_email",
        bash_command="echo -n '{{ task.email }}' > " + OUT + "/bad_email",
        email="{{ ds }}",
    )
    BashOperator(
        task_id="bad_queue",
        bash_command="echo -n '{{ task.queue }}' > " + OUT + "/bad_queue",
        queue="{{ ds }}",
    )
    PythonOperator(task_id="bad_operator_body", python_callable=operator_body)
    PythonOperator(task_id="bad_operator_default", python_callable=operator_default)
    PythonOperator(
        task_id="bad_partial", python_callable=functools.partial(bound, day="{{ ds }}")
    )
    PythonOperator(
        task_id="ok_op_kwargs",
        python_callable=operator_kwargs,
        op_kwargs={"day": "{{ ds }}"},
        templates_dict={"day": "{{ ds }}"},
    )
`;

describe.each([3, 2] as const)("runtime constructs on real Airflow %i", (version) => {
  it("a task whose function returns a model object fails as Airflow pushes it, exactly the tasks mlgen lint reports (unserializable-return)", () => {
    const dags = join(work, `model-returns-${version}`);
    mkdirSync(dags);
    writeFileSync(join(dags, "model_returns.py"), MODEL_RETURNS);
    const r = dagsTest("model_returns", "2025-03-01", dags, undefined, {}, version);
    const tasks = runStates("model_returns", dags, version)["2025-03-01"]?.tasks ?? {};
    const failed = Object.keys(tasks)
      .filter((id) => tasks[id] === "failed")
      .sort();
    const reported = lintPythonSource("model_returns.py", MODEL_RETURNS, {
      airflowVersion: version,
    })
      .filter((f) => f.ruleId === "unserializable-return")
      // The task that fails: the one returning a model, or those reading a class of the file.
      .flatMap((f) => {
        const readers = /so tasks? (.*?), reading it/.exec(f.message)?.[1];
        return readers
          ? [...readers.matchAll(/'([^']+)'/g)].map((m) => m[1])
          : [/of task '([^']+)'/.exec(f.message)?.[1]];
      })
      .sort();
    expect(failed, r.output.slice(-3000)).toEqual([
      "bad_fit",
      "bad_instance",
      "bad_operator",
      "bad_pulls_portable",
      "bad_reads_report",
      "bad_tuple",
    ]);
    expect(reported).toEqual(failed);
    // Every near miss ran and pushed (or, told not to, did not).
    const ok = Object.keys(tasks).filter((id) => id.startsWith("ok_"));
    expect(ok).toHaveLength(8);
    for (const id of ok) expect(tasks[id], id).toBe("success");
    expect(r.output).toMatch(/[Cc]annot serialize object of type/);
    // The readers fail loading the file's classes (Airflow 3 wraps the line in its traceback).
    expect(r.output).toMatch(/was not found in allow list for\s+deserialization imports/);
  });

  it("a template where Airflow never renders it reaches the task as text, in exactly the tasks mlgen lint reports (unrendered-template); the near misses get the date", () => {
    const dags = join(work, `unrendered-${version}`);
    const out = join(work, `unrendered-out-${version}`);
    mkdirSync(dags);
    mkdirSync(out);
    writeFileSync(join(dags, "unrendered.py"), UNRENDERED);
    const r = dagsTest(
      "unrendered",
      "2025-03-01",
      dags,
      undefined,
      { UNRENDERED_OUT: out },
      version,
    );
    expect(r.status, r.output.slice(-3000)).toBe(0);
    const got = Object.fromEntries(
      readdirSync(out).map((name) => [name, readFileSync(join(out, name), "utf8")]),
    );
    // Every task wrote what it got: the date, or the template's text.
    expect(Object.keys(got).sort()).toEqual([
      "bad_body",
      "bad_dag_params",
      "bad_decorator_params",
      "bad_default",
      "bad_email",
      "bad_fstring",
      "bad_module_string",
      "bad_operator_body",
      "bad_operator_default",
      "bad_owner",
      "bad_params",
      "bad_partial",
      "bad_queue",
      "bad_returned",
      "ok_call_arg",
      "ok_context",
      "ok_default_passed",
      "ok_env",
      "ok_op_kwargs",
      "ok_templates_dict",
    ]);
    const unrendered = Object.keys(got)
      .filter((name) => got[name] !== "2025-03-01")
      .sort();
    for (const name of unrendered) expect(got[name], name).toBe("{{ ds }}");
    // A finding names its task, or the DAG for the DAG's params (read by bad_dag_params).
    const reported = lintPythonSource("unrendered.py", UNRENDERED, { airflowVersion: version })
      .filter((f) => f.ruleId === "unrendered-template")
      .map((f) =>
        /of DAG 'unrendered'/.test(f.message)
          ? "bad_dag_params"
          : /\(?task '([^']+)'/.exec(f.message)?.[1],
      )
      .sort();
    expect(reported).toEqual(unrendered);
    expect(unrendered.every((name) => name.startsWith("bad_"))).toBe(true);
  });

  it("maps one instance per item, fans in every result in order, short-circuits, branches into a group and joins", () => {
    writeFileSync(join(work, "runtime", "ready.flag"), "");
    const dags = runtimeFor(version);
    const r = dagsTest("runtime_constructs", "2025-02-01", dags, undefined, {}, version);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const states = runStates("runtime_constructs", dags, version)["2025-02-01"];
    expect(states?.state).toBe("success");
    const tasks = states?.tasks ?? {};
    // One instance per item of the upstream list, and of the literal list.
    expect(Object.keys(tasks).filter((k) => k.startsWith("upper["))).toEqual([
      "upper[0]",
      "upper[1]",
      "upper[2]",
    ]);
    expect(Object.keys(tasks).filter((k) => k.startsWith("square["))).toHaveLength(4);
    // Over a list param: the list task returned the param's default, one instance per item.
    expect(
      Object.keys(tasks)
        .filter((k) => k.startsWith("scale"))
        .sort(),
    ).toEqual(["scale[0]", "scale[1]", "scale_items"]);
    expect(r.output).toContain("scaled [5, 6] to [25, 36]");
    // Each instance is named by its item in the grid and the API (map_index_template).
    expect(states?.labels).toEqual({
      "upper[0]": "alpha",
      "upper[1]": "beta",
      "upper[2]": "gamma",
      "square[0]": "1",
      "square[1]": "2",
      "square[2]": "3",
      "square[3]": "4",
      "scale[0]": "5",
      "scale[1]": "6",
      "full.cube[0]": "5",
      "full.cube[1]": "6",
    });
    expect(r.output).toContain("fan-in received ALPHA!,BETA!,GAMMA!");
    expect(r.output).toContain("squares [1, 4, 9, 16]");
    expect(r.output).toContain(
      'words=ALPHA!,BETA!,GAMMA! shouts=["ALPHA!", "BETA!", "GAMMA!"] ratio=0.5',
    );
    expect(tasks).toMatchObject({
      gate_open: "success",
      after_open_gate: "success",
      gate_closed: "success",
      after_closed_gate: "skipped",
      route: "success",
      "full.first": "success",
      "full.second": "success",
      "full.cube_items_2": "success",
      "full.cube_items.count": "success",
      "full.cube[0]": "success",
      "full.cube[1]": "success",
      quick: "skipped",
      join: "success",
      wait_for_flag: "success",
      wait_for_words: "success",
      after_words: "success",
      fail_on_request: "success",
    });
    // The python sensor got the upstream output and the rendered template, was rescheduled
    // after its first check and was done on its second.
    expect(r.output).toContain("check 1 of 2 for ALPHA!,BETA!,GAMMA!");
    expect(r.output).toContain("check 2 of 2 for ALPHA!,BETA!,GAMMA!");
    expect(r.output).not.toContain("check 3 of 2");
  });

  it("takes the other side of the branch; an injected failure sends a Slack alert (dag, task, logical date, exception, log URL), an email and calls the user callback", () => {
    writeFileSync(join(work, "runtime", "ready.flag"), "");
    const before = slackMessages().length;
    const dags = runtimeFor(version);
    // ratio: a number param given a whole number reaches the task as a float (2.0), or
    // fail_on_request raises a TypeError instead of the injected failure the alert shows.
    const conf = { mode: "quick", fail: true, sizes: [7, 8, 9], ratio: 2 };
    const r = dagsTest("runtime_constructs", "2025-02-02", dags, conf, {}, version);
    expect(r.status).not.toBe(0);
    const tasks = runStates("runtime_constructs", dags, version)["2025-02-02"]?.tasks ?? {};
    // The run's own list, from its conf.
    expect(Object.keys(tasks).filter((k) => k.startsWith("scale["))).toHaveLength(3);
    expect(r.output).toContain("scaled [7, 8, 9] to [49, 64, 81]");
    expect(r.output).toContain("ratio=2.0");
    expect(tasks).toMatchObject({
      route: "success",
      "full.first": "skipped",
      "full.second": "skipped",
      "full.cube_items_2": "skipped",
      "full.cube_items.count": "skipped",
      "full.cube": "skipped",
      quick: "success",
      join: "success",
      fail_on_request: "failed",
    });
    const alerts = slackMessages().slice(before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.path).toBe("/services/T000/B000/XXXX");
    const text = alerts[0]?.body.text ?? "";
    expect(text).toContain("Task fail_on_request in DAG runtime_constructs failed");
    expect(text).toMatch(/\nRun: \S+\n/);
    expect(text).toContain("Logical date: 2025-02-02 00:00:00+00:00");
    expect(text).toContain("Try: 1");
    expect(text).toContain("Exception: injected failure for the alert test");
    // Each version's own log URL: Airflow 3's run and task pages, Airflow 2's grid view.
    expect(text).toMatch(
      version === 3
        ? /Log: http:\/\/\S+\/dags\/runtime_constructs\/runs\/\S+\/tasks\/fail_on_request/
        : /Log: http:\/\/\S+\/dags\/runtime_constructs\/grid\?dag_run_id=\S+&task_id=fail_on_request&\S*tab=logs/,
    );
    // The email alert went through the smtp connection, and the user's callback ran.
    const mail = mails().find((m) => m.data.includes("failed: fail_on_request"));
    expect(mail?.to).toEqual(["oncall@example.com"]);
    expect(mail?.from).toBe("mlgen-alerts@example.com");
    expect(r.output).toContain(
      "callback saw fail_on_request fail: injected failure for the alert test",
    );
  });
});

// Airflow 2 has no run without a logical date, and runs a killed task's callbacks in the task's
// own process: these two are Airflow 3's. The sensor timeout runs on Airflow 3 only to keep the
// suite short (its generated sensor is the same in both dialects).
describe("runtime constructs on real Airflow 3 only", () => {
  it("alerts for a run without a logical date too (asset-triggered, or triggered with logical_date null)", () => {
    // `airflow dags test` always sets a logical date; DAG.test(logical_date=None) runs as the
    // scheduler runs an asset-triggered run. Airflow 3 then leaves logical_date, ds and ts out of
    // the context, and a default text that named them would fail to render: no alert at all.
    writeFileSync(join(work, "runtime", "ready.flag"), "");
    const before = slackMessages().length;
    const script = [
      "import sys",
      "from airflow.dag_processing.dagbag import DagBag",
      "dag = DagBag(dag_folder=sys.argv[1]).get_dag('runtime_constructs')",
      "run = dag.test(logical_date=None, run_conf={'mode': 'quick', 'fail': True})",
      "print('mlgen-run', run.run_id, run.state, run.logical_date)",
    ].join("\n");
    const r = runEngine(PYTHON, ["-c", script, runtimeDags], env(runtimeDags));
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const [, runId, state, logicalDate] = /mlgen-run (\S+) (\S+) (\S+)/.exec(r.output) ?? [];
    expect([state, logicalDate]).toEqual(["failed", "None"]);
    const alerts = slackMessages().slice(before);
    expect(alerts, r.output.slice(-5000)).toHaveLength(1);
    const text = alerts[0]?.body.text ?? "";
    expect(text).toContain("Task fail_on_request in DAG runtime_constructs failed");
    expect(text).toContain(`Run: ${runId}\nLogical date: None`);
    expect(text).toContain("Exception: injected failure for the alert test");
  });

  it("the default Slack text renders without an exception (Airflow 3 runs a killed task's callbacks in the DAG processor, whose context has none)", () => {
    // The DAG processor's context (dag_processing/processor.py) has ti, dag, run_id, dag_run and
    // no `exception`; the notifier renders with the DAG's StrictUndefined environment.
    const script = [
      "import sys, types",
      "from airflow.dag_processing.dagbag import DagBag",
      "dag = DagBag(dag_folder=sys.argv[1]).get_dag('runtime_constructs')",
      "callbacks = dag.get_task('fail_on_request').on_failure_callback",
      "callbacks = callbacks if isinstance(callbacks, list) else [callbacks]",
      "notifier = next(c for c in callbacks if type(c).__name__ == 'SlackWebhookNotifier')",
      "ti = types.SimpleNamespace(task_id='fail_on_request', try_number=2, log_url='http://log')",
      "context = {'ti': ti, 'dag': dag, 'run_id': 'r1', 'dag_run': types.SimpleNamespace(logical_date=None)}",
      "notifier.render_template_fields(context, jinja_env=dag.get_template_env())",
      "print('mlgen-text', repr(notifier.text))",
    ].join("\n");
    const r = runEngine(PYTHON, ["-c", script, runtimeDags], env(runtimeDags));
    expect(r.status, r.output.slice(-3000)).toBe(0);
    expect(r.output).toContain("Task fail_on_request in DAG runtime_constructs failed");
    expect(r.output).toContain("Try: 2\\nException: none: the task was killed or lost its worker");
  });

  it("the file sensor times out cleanly when the file never comes (6 s timeout)", () => {
    rmSync(join(work, "runtime", "ready.flag"), { force: true });
    const before = slackMessages().length;
    const started = Date.now();
    const r = dagsTest("runtime_constructs", "2025-02-03", runtimeDags);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(r.status).not.toBe(0);
    const tasks = runStates("runtime_constructs")["2025-02-03"]?.tasks ?? {};
    expect(tasks.wait_for_flag).toBe("failed");
    expect(tasks.fail_on_request).toBe("upstream_failed");
    expect(r.output).toMatch(/Sensor has timed out/);
    const alert = slackMessages()
      .slice(before)
      .map((m) => m.body.text ?? "");
    expect(alert.some((t) => t.includes("Task wait_for_flag") && t.includes("timed out"))).toBe(
      true,
    );
  });
});

describe.each([3, 2] as const)("oneOf after a branch on real Airflow %i", (version) => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("one-of", version);
  });

  it.each([
    ["left", "right", "2025-04-01", "took side='left' score=1.0"],
    ["right", "left", "2025-04-02", "took side='right' score=2.5"],
  ])(
    "the task after both sides gets the outputs of the side that ran (%s)",
    (ran, skipped, date, line) => {
      const r = dagsTest("one_of_sides", date, dags, { pick: ran }, {}, version);
      expect(r.status, r.output.slice(-5000)).toBe(0);
      const states = runStates("one_of_sides", dags, version)[date];
      expect(states?.state).toBe("success");
      expect(states?.tasks).toEqual({
        choose: "success",
        [ran]: "success",
        [skipped]: "skipped",
        took: "success",
      });
      // Both outputs from the side that ran; the whole float 1.0 read back as a float.
      expect(r.output).toContain(line);
    },
  );
});

describe.each([3, 2] as const)(
  "conditions against a param or another output on real Airflow %i",
  (version) => {
    let dags = "";
    beforeAll(async () => {
      dags = await compileFixture("branch-params", version);
    });
    const GATED = {
      beats_baseline: "report",
      above_floor: "keep",
      enough_rows: "train_more",
      same_mode: "compare_runs",
    };

    it.each([
      // The defaults: accuracy 0.92 >= threshold 0.9 > baseline 0.91... every condition holds.
      [{}, "2025-06-01", "deploy", "retrain", "success"],
      // Each param moved so that its condition fails: a float, an int and a string param.
      [
        { accuracy: 0.85, floor: 1, min_rows: 500, mode: "fast" },
        "2025-06-02",
        "retrain",
        "deploy",
        "skipped",
      ],
    ])(
      "each condition reads its right side when it runs (conf %j)",
      (conf, date, ran, skipped, gated) => {
        const r = dagsTest("branch_on_params", date, dags, conf, {}, version);
        expect(r.status, r.output.slice(-5000)).toBe(0);
        const states = runStates("branch_on_params", dags, version)[date];
        expect(states?.state).toBe("success");
        expect(states?.tasks).toEqual({
          evaluate: "success",
          good_enough: "success",
          [ran]: "success",
          [skipped]: "skipped",
          ...Object.fromEntries(
            Object.entries(GATED).flatMap(([gate, after]) => [
              [gate, "success"],
              [after, gated],
            ]),
          ),
        });
      },
    );
  },
);

describe.each([3, 2] as const)(
  "joins that also wait off the branch on real Airflow %i",
  (version) => {
    let dags = "";
    beforeAll(async () => {
      dags = await compileFixture("join-skips", version);
    });

    it.each([
      // Everything found: each join runs, whichever side of `choose` ran.
      [
        { pick: "left", fresh: true, landed: true },
        "2025-05-01",
        ["right", "reuse", "outer_other", "inner_alt"],
        [],
      ],
      // The sensor soft-fails, and `refresh` takes the other side: the joins waiting for them
      // are skipped, though a side of `choose` ran (they ran with Airflow's join rule on all
      // their upstream tasks); the join of both branches' sides still runs.
      [
        { pick: "right", fresh: false, landed: false },
        "2025-05-02",
        ["left", "reload", "landed", "inner", "inner_alt"],
        ["took", "retrain"],
      ],
    ] as const)(
      "a skip off the joined sides still skips the join; a branch into a join follows it (%j)",
      (conf, date, skippedSides, skippedJoins) => {
        const r = dagsTest("join_skips", date, dags, conf, {}, version);
        expect(r.status, r.output.slice(-5000)).toBe(0);
        const states = runStates("join_skips", dags, version)[date];
        expect(states?.state).toBe("success");
        const skipped = new Set<string>([...skippedSides, ...skippedJoins]);
        const tasks = Object.fromEntries(
          Object.keys(states?.tasks ?? {}).map((t) => [t, skipped.has(t) ? "skipped" : "success"]),
        );
        expect(states?.tasks).toEqual(tasks);
        // The empty join tasks, the joins and the branches: all of them ran or were skipped.
        expect(Object.keys(tasks).sort()).toEqual(
          [
            "choose",
            "landed",
            "left",
            "refresh",
            "reload",
            "retrain",
            "retrain_join",
            "reuse",
            "right",
            "summary",
            "took",
            "took_join",
            // Both runs: the join of `outer`'s sides and the task off them, whichever side ran.
            "plain",
            "outer",
            "outer_other",
            "inner",
            "inner_alt",
            "deep_join",
            "deep",
          ].sort(),
        );
        expect(r.output).toContain(`took side='${conf.pick}'`);
      },
    );
  },
);

describe.each([3, 2] as const)("a trigger rule after a gate on real Airflow %i", (version) => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("gate-rules", version);
  });

  it("the short-circuit skips its all_done task too (MLG1045); after a one-sided branch it runs", () => {
    const r = dagsTest("gate_rules", "2025-06-01", dags, undefined, {}, version);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(runStates("gate_rules", dags, version)["2025-06-01"]?.tasks).toEqual({
      gate: "success",
      gated: "skipped",
      gated_cleanup: "skipped",
      branch: "success",
      branched: "skipped",
      branched_cleanup: "success",
    });
  });
});

describe.each([3, 2] as const)(
  "a DAG deployed in a subfolder of the DAG folder, on real Airflow %i",
  (version) => {
    it("its tasks still import their modules (Airflow puts only the folder's root on sys.path)", async () => {
      // A team's dags copied under the DAG folder, as git-sync or a shared bundle deploys them.
      const compiled = await compileFixture("gate-rules", version);
      const root = join(work, `deployed-${version}`);
      mkdirSync(root);
      cpSync(compiled, join(root, "team"), { recursive: true });
      const r = dagsTest("gate_rules", "2025-06-01", root, undefined, {}, version);
      expect(r.output).not.toContain("No module named");
      expect(r.status, r.output.slice(-5000)).toBe(0);
      // The tasks that call the project's functions ran them.
      const states = runStates("gate_rules", root, version)["2025-06-01"]?.tasks ?? {};
      expect(states.gate).toBe("success");
      expect(states.branch).toBe("success");
      expect(states.branched_cleanup).toBe("success");
    });
  },
);

describe.each([3, 2] as const)(
  "Airflow operators given by their import paths (p.operator), on real Airflow %i",
  (version) => {
    it("run with their arguments: computed ones rendered where the operator templates them, literals as a hand-written DAG has them; what one returns reaches the tasks reading it", async () => {
      const dags = await compileFixture("operators", version);
      const channel = `ops-${version}`;
      const r = dagsTest(
        "operators",
        "2025-08-01",
        dags,
        { table: channel },
        FIXTURE_OPERATORS,
        version,
      );
      expect(r.status, r.output.slice(-5000)).toBe(0);
      expect(runStates("operators", dags, version)["2025-08-01"]?.tasks).toEqual({
        count: "success",
        notify: "success",
        mail: "success",
        rows: "success",
        label: "success",
        "describe[0]": "success",
        "describe[1]": "success",
        "describe[2]": "success",
        total: "success",
        announce: "success",
        after_rows: "success",
      });
      expect(r.output).toContain("after rows: [['a', 1], ['b', 2], ['c', 4]]");
      // The operator's list: mapped over (one instance per row), and taken whole with the
      // mapped task's lines and the other operator's text; the text in a command's env.
      expect(r.output).toContain("rows of the day: 7 in 3 rows; ['a has 1', 'b has 2', 'c has 4']");
      expect(r.output).toContain("label: rows of the day");
      // SlackWebhookOperator posted the count task's output to the run's channel (a param).
      const rows = String(channel.length * 100);
      const posted = slackMessages().filter(
        (m) => (m.body as { channel?: string }).channel === channel,
      );
      expect(posted.map((m) => m.body)).toEqual([
        expect.objectContaining({ text: `${rows} rows in ${channel}`, channel, username: "mlgen" }),
      ]);
      // EmailOperator rendered its template() subject and the Jinja in its literal body.
      const sent = mails().filter((m) => m.data.includes(`Loaded ${channel}`));
      expect(sent).toHaveLength(1);
      expect(sent[0]?.to).toEqual(["ml@example.com"]);
      // The body, base64 in its MIME part.
      const body = /Content-Transfer-Encoding: base64\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(
        sent[0]?.data ?? "",
      )?.[1];
      expect(Buffer.from(body ?? "", "base64").toString("utf8")).toBe(
        `<p>${channel}: ${rows} rows</p>`,
      );
    });

    it("an operator that returns a value of another type than its returns fails, and the tasks reading it do not run", async () => {
      const dags = await compileFixture("operators", version);
      const conf = { table: `bad-${version}`, payload: '{"a": 1}' };
      const r = dagsTest("operators", "2025-08-05", dags, conf, FIXTURE_OPERATORS, version);
      expect(r.status).not.toBe(0);
      expect(runStates("operators", dags, version)["2025-08-05"]?.tasks).toMatchObject({
        rows: "failed",
        label: "success",
        describe: "upstream_failed",
        total: "upstream_failed",
        announce: "success",
        // It runs after the failure, and reads None: Airflow 2 had pushed the refused value
        // before the check, which replaces it.
        after_rows: "success",
      });
      expect(r.output).toContain("after rows: None");
      // (Airflow's log wraps long lines, and colors the exception.)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI color codes
      const plain = r.output.replace(/\u001b\[[0-9;]*m/g, "").replace(/\s+/g, " ");
      expect(plain).toContain(
        "TypeError: task 'rows': the operator returned dict {'a': 1}, and the task's returns says list",
      );
    });

    it("the check takes a value as Airflow pushes it: no whole float for an int, no path for a string, a tuple for a list", async () => {
      const dags = await compileFixture("operators", version);
      const code = `
import importlib.util, pathlib, sys, types
spec = importlib.util.spec_from_file_location("dag", sys.argv[1])
dag = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag)

class TI:
    task_id = "rows"
    def xcom_push(self, key, value):
        print("PUSHED", key, repr(value))

for type_name, value in [("int", 3.0), ("string", pathlib.Path("/x")), ("int", True), ("list", (1, 2)), ("float", 2), ("dict", {"a": 1})]:
    try:
        dag._returns(type_name)({"ti": TI()}, value)
        print("TAKEN", type_name, repr(value))
    except TypeError as e:
        print("REFUSED", e)
`;
      const engine = ENGINES[version];
      const r = runEngine(
        engine.python,
        ["-c", code, join(dags, "operators.py")],
        env(dags, FIXTURE_OPERATORS, engine.home()),
      );
      expect(r.status, r.output.slice(-3000)).toBe(0);
      const lines = r.output.split("\n").filter((l) => /^(TAKEN|REFUSED|PUSHED)/.test(l));
      expect(lines).toEqual([
        "PUSHED return_value None",
        "REFUSED task 'rows': the operator returned float 3.0, and the task's returns says int",
        "PUSHED return_value None",
        "REFUSED task 'rows': the operator returned PosixPath PosixPath('/x'), and the task's returns says string",
        "PUSHED return_value None",
        "REFUSED task 'rows': the operator returned bool True, and the task's returns says int",
        "TAKEN list (1, 2)",
        "TAKEN float 2",
        "TAKEN dict {'a': 1}",
      ]);
    });

    it("a run given a param outside its enum or bounds is refused by Airflow's check", async () => {
      const dags = await compileFixture("operators", version);
      for (const [i, conf] of [{ mode: "bogus" }, { limit: 0 }, { table: "" }].entries()) {
        const date = `2025-08-1${i}`;
        const r = dagsTest("operators", date, dags, conf, FIXTURE_OPERATORS, version);
        expect(r.status, JSON.stringify(conf)).not.toBe(0);
        expect(r.output).toMatch(/ParamValidationError|Invalid input for param/);
        // No task ran.
        expect(runStates("operators", dags, version)[date]?.tasks.count).not.toBe("success");
      }
    });

    it("a computed value in an argument the operator does not render stops the DAG file at parse, naming it", async () => {
      const dags = await compileFixture("operator-untemplated", version);
      const r = dagsTest("operator_untemplated", "2025-08-01", dags, undefined, {}, version);
      expect(r.status).not.toBe(0);
      // (Airflow's log wraps long lines, and colors the exception.)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI color codes
      const plain = r.output.replace(/\u001b\[[0-9;]*m/g, "").replace(/\s+/g, " ");
      expect(plain).toContain(
        "SlackWebhookOperator does not render templates in 'icon_emoji' (it renders message, attachments, blocks, channel, username, proxy, slack_webhook_conn_id)",
      );
    });
  },
);

// On Airflow 3, test/engines/dagrun-timeout.test.ts: its `dags test` renders a DAG callback's
// notifier against the serialized DAG, which has no template env (the DAG processor's is real).
describe.each([2] as const)(
  "the pipeline's own alerts, once per run, on real Airflow %i",
  (version) => {
    it("a run that succeeds sends the onSuccess alert once; one that fails, each onFailure alert once", async () => {
      const dags = await compileFixture("run-alerts", version);
      const about =
        (day: string) =>
        (text = "") =>
          text.includes("DAG run_alerts") && text.includes(`Logical date: 2025-09-${day}`);
      dagsTest("run_alerts", "2025-09-01", dags, { fail: false }, {}, version);
      dagsTest("run_alerts", "2025-09-02", dags, { fail: true }, {}, version);
      const states = runStates("run_alerts", dags, version);
      expect(states["2025-09-01"]?.state).toBe("success");
      expect(states["2025-09-02"]?.state).toBe("failed");
      expect(states["2025-09-02"]?.tasks).toMatchObject({
        first: "failed",
        second: "upstream_failed",
      });
      // One message per run, though the run has two tasks.
      const succeeded = slackMessages()
        .map((m) => m.body.text)
        .filter(about("01"));
      expect(succeeded).toHaveLength(1);
      expect(succeeded[0]).toMatch(
        /^:large_green_circle: DAG run_alerts succeeded\nRun: \S+2025-09-01/,
      );
      const failed = slackMessages()
        .map((m) => m.body.text)
        .filter(about("02"));
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatch(/^:red_circle: DAG run_alerts failed/);
      const mailed = mails().filter(
        (m) => m.data.includes("Subject: DAG run_alerts: run") && m.data.includes("2025-09-02"),
      );
      expect(mailed).toHaveLength(1);
      expect(mailed[0]?.to).toEqual(["ml-oncall@example.com"]);
      expect(mailed[0]?.data).toMatch(/Subject: DAG run_alerts: run \S+2025-09-02\S* failed/);
      // The success run sent no mail.
      expect(
        mails().filter((m) => m.data.includes("run_alerts") && m.data.includes("2025-09-01")),
      ).toEqual([]);
    });
  },
);

describe.each([3, 2] as const)("params read in templates on real Airflow %i", (version) => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("param-reads", version);
  });

  it("an undeclared param fails the render unless the run's conf gives it (MLG3002 says so); a read with a default or a test renders", async () => {
    const file = join(ROOT, "test/fixtures/pipelines/param-reads.pipeline.ts");
    const lowered = await lowerFile(file, join(ROOT, "test/fixtures"));
    const said = airflowTarget.validate({
      ...lowered,
      sourceFile: file,
      sourceMap: {},
      pythonFiles: [],
      settings: { airflowVersion: version },
    });
    expect(said.map((d) => `${d.code} ${d.task}`)).toEqual(["MLG3002 typo"]);
    expect(said[0]?.message).toContain("the pipeline declares no param 'regoin'");
    const bare = dagsTest("param_reads", "2025-07-01", dags, undefined, {}, version);
    expect(runStates("param_reads", dags, version)["2025-07-01"]?.tasks).toEqual({
      guarded: "success",
      typo: "failed",
    });
    expect(bare.output).toContain("region=eu size=1 extra=none got=2");
    expect(bare.output).toMatch(/UndefinedError: .*'regoin'/);
    const given = dagsTest("param_reads", "2025-07-02", dags, { regoin: "us" }, {}, version);
    expect(given.status, given.output.slice(-5000)).toBe(0);
    expect(runStates("param_reads", dags, version)["2025-07-02"]?.tasks).toEqual({
      guarded: "success",
      typo: "success",
    });
    expect(given.output).toContain("region=us");
  });
});

describe.each([3, 2] as const)("task groups on real Airflow %i", (version) => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("group-order", version);
  });

  it("a group's mapped task reads a list made outside it, before or after the group's first task; a task after a group runs after its last tasks: every task runs, in its group", () => {
    const r = dagsTest("group_order", "2025-06-01", dags, {}, {}, version);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const states = runStates("group_order", dags, version)["2025-06-01"];
    expect(states?.state).toBe("success");
    // Each task in its group (the id says it), the group entered again for the last two.
    expect(states?.tasks).toEqual({
      list_items: "success",
      "batches.announce": "success",
      "batches.shout[0]": "success",
      "batches.shout[1]": "success",
      "batches.shout[2]": "success",
      "batches.report": "success",
      "parts.nested.sizes": "success",
      "double[0]": "success",
      "double[1]": "success",
      "double[2]": "success",
      "parts.nested.square_doubled[0]": "success",
      "parts.nested.square_doubled[1]": "success",
      "parts.nested.square_doubled[2]": "success",
      "parts.nested.report_squares": "success",
      // After the group: after its last tasks, the groups its branch goes to, not the branch.
      "checks.gate": "success",
      "checks.inner.after_gate": "success",
      "checks.route": "success",
      "checks.side_a.pick": "success",
      "checks.side_b.pick": "skipped",
      after_checks: "success",
    });
    expect(r.output).toContain('batches shouted ["ALPHA?", "BETA?", "GAMMA?"]');
    expect(r.output).toContain("squares of the doubled sizes: [4, 16, 36]");
    expect(r.output).toContain("after the checks, side A");
  });
});

describe("maps over mapped outputs on real Airflow 3", () => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("kfp-eq-loop-body", 3);
  });

  it("each instance gets what the instance of the map before it with its index returned, and the task after gets the lists in that order (the values the Kubeflow loop computes)", () => {
    const r = dagsTest("kfp_eq_loop_body", "2025-06-02", dags, { threshold: 0.25 });
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const states = runStates("kfp_eq_loop_body", dags)["2025-06-02"];
    expect(Object.keys(states?.tasks ?? {}).filter((k) => k.startsWith("tag_model["))).toEqual([
      "tag_model[0]",
      "tag_model[1]",
      "tag_model[2]",
    ]);
    // The same line as the kfp.local run of this pipeline prints (kubeflow-target.test.ts).
    expect(r.output).toContain(
      "loop body: models=['model-a', 'model-b', 'model-c'] scores=[0.25, 0.5, 0.75] tags=['fail', 'fail', 'pass'] best=model-c",
    );
  });
});

describe("an If/Elif/Else chain on real Airflow 3", () => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("kfp-eq-elif", 3);
  });

  it("runs the one side whose branch is followed, the ones before it not followed, and the join reads its message (the sides kfp.local runs)", () => {
    for (const [date, accuracy, side] of [
      ["2025-06-03", 0.6, "retry"],
      ["2025-06-04", 0.2, "alert"],
    ] as const) {
      const r = dagsTest("kfp_eq_elif", date, dags, { accuracy });
      expect(r.status, r.output.slice(-5000)).toBe(0);
      const tasks = runStates("kfp_eq_elif", dags)[date]?.tasks ?? {};
      const ran = ["ship", "stage", "retry", "alert"].filter((t) => tasks[t] === "success");
      expect(ran, `accuracy ${accuracy}`).toEqual([side]);
      expect(tasks.report_verdict).toBe("success");
      expect(r.output).toContain(`verdict: hello ${side}`);
    }
  });
});

describe.each([3, 2] as const)("a python sensor's outputs on real Airflow %i", (version) => {
  let dags = "";
  beforeAll(async () => {
    dags = await compileFixture("sensor-outputs", version);
  });

  it("the task after the sensors gets what they found: a dict on the poke that was done, one output's value itself", () => {
    const r = dagsTest("sensor_outputs", "2025-05-01", dags, {}, {}, version);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const states = runStates("sensor_outputs", dags, version)["2025-05-01"];
    expect(states?.state).toBe("success");
    expect(states?.tasks).toEqual({
      wait_partition: "success",
      wait_count: "success",
      use: "success",
    });
    // Not ready on the first check: pushed nothing then, its outputs on the second.
    expect(r.output).toContain("check 2 of events");
    expect(r.output).toContain("used path='/data/events/part-0.csv' rows=42 count=7");
  });
});

describe("joins after a branch, and Airflow Variables, on real Airflow 3", () => {
  let dags = "";
  beforeAll(async () => {
    dags = join(work, "joins-dags");
    const file = join(ROOT, "test/fixtures/pipelines/joins.pipeline.ts");
    const args = ["compile", file, "--root", join(ROOT, "test/fixtures"), "--out", dags];
    if ((await mlgenHere(...args, "--target", "airflow")) !== 0)
      throw new Error("compiling the joins fixture failed");
  });

  it("a join reads None from the skipped side; numpy and pandas outputs cross XCom as lists and numbers; rendered values stay values; a missing variable fails its task by name", () => {
    const r = dagsTest("joins_and_variables", "2025-03-01", dags, { pick: "right" });
    // read_missing fails, so the run does.
    expect(r.status).not.toBe(0);
    const tasks = runStates("joins_and_variables", dags)["2025-03-01"]?.tasks ?? {};
    expect(tasks).toMatchObject({
      choose: "success",
      left: "skipped",
      right: "success",
      report: "success",
      read_present: "success",
      read_missing: "failed",
      // A mapped float output (1.0, 2.0) mapped over again arrives as floats.
      "exact_float[0]": "success",
      "exact_float[1]": "success",
    });
    expect(r.output).toContain("report left=None right='right'");
    // Whole floats of a mapped task in a bash env: floats, where Airflow 3 hands back ints.
    expect(r.output).toContain("ratios=[1.0, 2.0]");
    // The one-sided branch is a short-circuit that skips its side only.
    expect(tasks).toMatchObject({
      gate_left: "success",
      only_left: "skipped",
      after_left: "skipped",
      anyway: "success",
    });
    const source = readFileSync(join(dags, "joins_and_variables.py"), "utf8");
    expect(source).toMatch(
      /gate_left = ShortCircuitOperator\([^)]*ignore_downstream_trigger_rules=False/s,
    );
    // The failed instance leaves None in its place in both lists: nothing pairs up wrongly.
    expect(tasks).toMatchObject({
      "measure[0]": "success",
      "measure[1]": "failed",
      "measure[2]": "success",
      pair_up: "success",
    });
    expect(r.output).toContain("pairs [('a', 1), (None, None), ('c', 1)]");
    // A map over an empty list is skipped whole; the join after it gets empty lists.
    expect(tasks).toMatchObject({
      no_items: "success",
      each_item: "skipped",
      pair_none: "success",
    });
    expect(r.output).toContain("pairs []");
    // Each instance has an MLflow run of its own, told apart by name and tag.
    const code = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
e = c.get_experiment_by_name("joins")
runs = c.search_runs([e.experiment_id])
print(json.dumps(sorted([r.info.run_name, r.info.status, r.data.tags.get("airflow.map_index"), r.data.tags.get("airflow.task_id")] for r in runs)))
`;
    const found = runEngine(PYTHON, ["-c", code, mlflow.url], process.env);
    expect(JSON.parse(found.output.trim().split("\n").pop() ?? "null")).toEqual([
      ["measure[0]", "FINISHED", "0", "measure"],
      ["measure[1]", "FAILED", "1", "measure"],
      ["measure[2]", "FINISHED", "2", "measure"],
    ]);
    expect(tasks).toMatchObject({
      arrays: "success",
      show_arrays: "success",
      flag_set: "success",
      when_flag: "success",
    });
    expect(r.output).toContain("arrays values=[0.5, 1.5, 2.5] mean=1.5 count=3 column=[1, 2, 3]");
    expect(r.output).toContain("script=runs/2025-03-01/train.sh flag=true");
    expect(r.output).toContain("variable value='{{ ds }}'");
    expect(r.output).toContain("variable value='{# note #}'");
    expect(r.output).toContain(
      `variable value=${JSON.stringify(join(work, "runtime")).replace(/"/g, "'")}`,
    );
    // Airflow 3's accessor gives NOTSET for a missing variable: it must never reach the task.
    expect(r.output).not.toContain("variable value=NOTSET");
    // (Airflow's log wraps long lines, and colors the exception.)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI color codes
    const plain = r.output.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toContain(
      "RuntimeError: Airflow Variable 'mlgen_no_such_variable' does not exist",
    );
  });
});

describe("the built-in data validation", () => {
  /** What the production example's `_validate_table` raises for `csv` (its kwargs as Python). */
  function validateTable(csv: string, kwargs: string): string {
    const code = `
import importlib.util, sys
spec = importlib.util.spec_from_file_location("dag", sys.argv[1])
dag = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag)
try:
    dag._validate_table(
        sys.argv[2],
        ${kwargs}
    )
except ValueError as e:
    print("RAISED:", e)
`;
    const dag = join(ROOT, "examples/production-pipeline/dags/production_pipeline.py");
    const r = runEngine(PYTHON, ["-c", code, dag, csv], env(join(work, "none")));
    expect(r.status, r.output).toBe(0);
    return r.output.split("\n").find((l) => l.startsWith("RAISED:")) ?? "";
  }

  it("fails with one message that lists every violated check", () => {
    const csv = join(work, "bad.csv");
    // 3 rows (minimum 200), no feature_3, 1 of 3 feature_0 null (limit 5%), a null label, and
    // a text label where an int is declared.
    writeFileSync(csv, "feature_0,feature_1,feature_2,label\n1,2,3,a\n,2,3,b\n1,2,3,\n");
    const line = validateTable(
      csv,
      `required_columns=["feature_0", "feature_3", "label"],
        min_rows=200,
        max_null_fraction={"feature_0": 0.05},
        target="label",
        dtypes={"label": "int"},`,
    );
    expect(line).toContain(`data validation failed for ${csv}`);
    expect(line).toContain("missing required columns ['feature_3']");
    expect(line).toContain("3 rows, fewer than the minimum of 200");
    expect(line).toContain("column 'feature_0' is 33.3% null, above the limit of 5.0%");
    expect(line).toContain("target column 'label' has 1 null values");
    expect(line).toMatch(/column 'label' has dtype \S+, expected int/);
  });

  it("judges a CSV column's dtype by its values: dates are text there, and a missing value makes ints float", () => {
    // read_csv gives `when` str (a CSV has no dates), `n` float64 (a value is missing), `ok`
    // object (true/false with a gap) and `empty` float64 (no values): each holds what is
    // declared. `bad_when`, `half` and `word` do not.
    const csv = join(work, "typed.csv");
    writeFileSync(
      csv,
      "when,n,ok,empty,bad_when,half,word\n" +
        "2025-01-01 10:00:00,1,true,,2025-01-01,1.5,yes\n" +
        "2025-01-02T11:00:00Z,,,,not a date,2,no\n" +
        "2025-01-03,3,false,,2025-01-03,3,yes\n",
    );
    const line = validateTable(
      csv,
      `dtypes={"when": "datetime", "n": "int", "ok": "bool", "empty": "datetime",
                "bad_when": "datetime", "half": "int", "word": "bool"},`,
    );
    const failed = [...line.matchAll(/column '(\w+)' has dtype/g)].map((m) => m[1]);
    expect(failed).toEqual(["bad_when", "half", "word"]);
  });
});

describe("a python task's outputs", () => {
  /** Runs `calls` (Python) beside the production example's _push, with a TI that prints pushes. */
  function withPush(calls: string): string {
    const code = `
import importlib.util, pathlib, sys
spec = importlib.util.spec_from_file_location("dag", sys.argv[1])
dag = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag)

class TI:
    map_index = -1
    def xcom_push(self, key, value):
        print("PUSHED", key, repr(value))

${calls}
`;
    const dag = join(ROOT, "examples/production-pipeline/dags/production_pipeline.py");
    const r = runEngine(PYTHON, ["-c", code, dag], env(join(work, "none")));
    expect(r.status, r.output).toBe(0);
    return r.output;
  }

  it("a string output returned as a pathlib.Path is pushed as the path it names", () => {
    const output = withPush(
      `dag._push(TI(), "t", {"path": pathlib.Path("/data") / "x.csv", "rows": 3}, {"path": "string", "rows": "int"})`,
    );
    expect(output).toContain("PUSHED path '/data/x.csv'");
    expect(output).toContain("PUSHED rows 3");
  });

  it("outputs are checked as on Kubeflow: a whole float is an int output, a tuple a list, numpy inside a list plain; 2.5 as an int is refused", () => {
    const output = withPush(`import numpy
dag._push(TI(), "t", {"n": 44.0, "xs": (1, 2), "ys": [numpy.float64(0.5)]}, {"n": "int", "xs": "list", "ys": "list"})
try:
    dag._push(TI(), "t", {"n": 2.5}, {"n": "int"})
except TypeError as e:
    print("RAISED", e)`);
    expect(output).toContain("PUSHED n 44\n");
    expect(output).toContain("PUSHED xs [1, 2]\n");
    expect(output).toContain("PUSHED ys [0.5]\n");
    expect(output).toContain(
      "RAISED task 't': the function returned float 2.5 as output 'n', which is declared int",
    );
  });

  it("one output returned in a dict under another key is said as such (a typo), not as a type; a dict output is the value itself", () => {
    const output = withPush(`dag._push(TI(), "t", {"endpont": 5}, {"config": "dict"})
try:
    dag._push(TI(), "t", {"endpont": 5}, {"endpoint": "string"})
except KeyError as e:
    print("RAISED", e)`);
    expect(output).toContain("PUSHED config {'endpont': 5}");
    expect(output).toContain(
      "RAISED \"task 't': the function returned a dict without 'endpoint' (its keys: ['endpont']); return 'endpoint' in it, or the value itself\"",
    );
  });
});

describe("a task's MLflow run (the generated _mlflow_run, a real MLflow server)", () => {
  /**
   * Runs `body` inside the production example's _mlflow_run for a task instance of try `tryNumber`
   * in a process of its own, with `handler` as the SIGTERM handler Airflow set before the task:
   * Airflow 3's task runner only calls the operator's on_kill (the supervisor sends SIGKILL 5 s
   * later), Airflow 2's raises AirflowTaskTerminated, and none is the default (the process dies).
   */
  function inRun(body: string, handler: "airflow3" | "airflow2" | "none", tryNumber = 1) {
    const code = `
import importlib.util, os, signal, sys, time
spec = importlib.util.spec_from_file_location("dag", sys.argv[1])
dag = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag)

class TI:
    dag_id, run_id, task_id, map_index, try_number = "kill_dag", "manual__1", "train", 1, ${tryNumber}
    log_url = "http://airflow.example/dags/kill_dag/runs/manual__1/tasks/train/mapped/1?try_number=${tryNumber}"

class Terminated(Exception):
    pass

def airflow3(signum, frame):
    print("on_kill", flush=True)

def airflow2(signum, frame):
    raise Terminated("Task received SIGTERM signal")

if "${handler}" != "none":
    signal.signal(signal.SIGTERM, ${handler === "none" ? "None" : handler})
with dag._mlflow_run(TI(), "kill-test", sys.argv[2]) as run:
    print("RUN", run.info.run_id, flush=True)
${body
  .split("\n")
  .map((l) => `    ${l}`)
  .join("\n")}
`;
    const dagFile = join(ROOT, "examples/production-pipeline/dags/production_pipeline.py");
    const r = runEngine(PYTHON, ["-c", code, dagFile, mlflow.url], env(join(work, "none")));
    const id = /RUN (\w+)/.exec(r.output)?.[1];
    if (!id) throw new Error(r.output.slice(-3000));
    const look = runEngine(
      PYTHON,
      [
        "-c",
        "import sys; from mlflow import MlflowClient; r = MlflowClient(sys.argv[1]).get_run(sys.argv[2]); print('NOTE', r.data.tags.get('mlflow.note.content')); print('URL', r.data.tags.get('airflow.log_url')); print('STATUS', r.info.status, r.info.run_name)",
        mlflow.url,
        id,
      ],
      process.env,
    );
    return {
      status: r.status,
      signal: r.signal,
      output: r.output,
      run: look.output.trim().split("\n").pop(),
      looked: look.output,
    };
  }

  it("ends KILLED when Airflow stops the task: Airflow 3's SIGTERM then SIGKILL, Airflow 2's raise, no handler", () => {
    const three = inRun(
      "os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(0.2)\nos.kill(os.getpid(), signal.SIGKILL)",
      "airflow3",
    );
    expect(three.output).toContain("on_kill");
    expect(three.signal).toBe("SIGKILL");
    expect(three.run).toBe("STATUS KILLED train[1]");
    const two = inRun("os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(5)", "airflow2");
    expect(two.output).toContain("Task received SIGTERM signal");
    expect(two.run).toBe("STATUS KILLED train[1]");
    const none = inRun("os.kill(os.getpid(), signal.SIGTERM)\ntime.sleep(5)", "none");
    expect(none.signal).toBe("SIGTERM");
    expect(none.run).toBe("STATUS KILLED train[1]");
  });

  it("a run the function starts itself fails the task (MLG1044 says so at compile); a nested one is the task run's child", () => {
    const own = inRun("import mlflow\nwith mlflow.start_run():\n    pass", "airflow3");
    expect(own.output).toMatch(/Run with UUID \w+ is already active/);
    expect(own.run).toBe("STATUS FAILED train[1]");
    const child = inRun(
      "import mlflow\nwith mlflow.start_run(nested=True) as child:\n    print('PARENT', child.data.tags.get('mlflow.parentRunId'))",
      "airflow3",
    );
    const id = /RUN (\w+)/.exec(child.output)?.[1];
    expect(child.output).toContain(`PARENT ${id}`);
    expect(child.run).toBe("STATUS FINISHED train[1]");
  });

  it("ends FINISHED, FAILED when the task raises; a retry's run says its try", () => {
    expect(inRun("pass", "airflow3").run).toBe("STATUS FINISHED train[1]");
    // A multiprocessing pool's workers are sent SIGTERM when it closes: not the task's end.
    const pooled = inRun(
      [
        "import multiprocessing, mlflow",
        "with multiprocessing.get_context('fork').Pool(2) as pool:",
        "    print('POOL', pool.map(abs, [-1, -2]))",
        "print('MID', mlflow.MlflowClient().get_run(run.info.run_id).info.status)",
      ].join("\n"),
      "none",
    );
    expect(pooled.output).toContain("POOL [1, 2]");
    expect(pooled.output).toContain("MID RUNNING");
    expect(pooled.run).toBe("STATUS FINISHED train[1]");
    const failed = inRun("raise ValueError('bad data')", "airflow3");
    expect(failed.output).toContain("ValueError: bad data");
    expect(failed.run).toBe("STATUS FAILED train[1]");
    const retry = inRun("pass", "airflow3", 2);
    expect(retry.run).toBe("STATUS FINISHED train[1] (try 2)");
    // From the run to the task's log: the tag, and a link in the run's description.
    const url =
      "http://airflow.example/dags/kill_dag/runs/manual__1/tasks/train/mapped/1?try_number=2";
    expect(retry.looked).toContain(`URL ${url}\n`);
    expect(retry.looked).toContain(
      `NOTE Logged by Airflow task [train[1] (try 2)](${url}) of DAG run \`manual__1\`.\n`,
    );
  });
});

describe("the production example end to end (real Airflow 3 and a real MLflow server)", () => {
  const dags = join(ROOT, "examples/production-pipeline/dags");

  function production(date: string, quality: "high" | "low") {
    const dataDir = join(work, `production-${quality}`);
    mkdirSync(dataDir, { recursive: true });
    const made = runEngine(
      PYTHON,
      [join(ROOT, "test/python/make_dataset.py"), join(dataDir, `${date}.csv`), quality],
      process.env,
    );
    if (made.status !== 0) throw new Error(made.output);
    const r = runEngine(
      bin("airflow"),
      ["dags", "test", "production_pipeline", date],
      env(dags, { AIRFLOW_VAR_PRODUCTION_DATA_DIR: dataDir }),
    );
    const mine = runStates("production_pipeline", dags)[date];
    return { r, tasks: mine?.tasks ?? {}, state: mine?.state };
  }

  function champion(): { version: string; run_id: string } | null {
    const code = `
import json, sys
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
try:
    v = MlflowClient(sys.argv[1]).get_model_version_by_alias("production-classifier", "champion")
    print(json.dumps({"version": v.version, "run_id": v.run_id}))
except MlflowException:
    print("null")
`;
    const r = runEngine(PYTHON, ["-c", code, mlflow.url], process.env);
    return JSON.parse(r.output.trim().split("\n").pop() ?? "null");
  }

  it("high accuracy: waits for the file, validates, trains three models, deploys the best as `champion`", () => {
    const { r, tasks, state } = production("2025-03-01", "high");
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(state).toBe("success");
    expect(tasks).toEqual({
      wait_for_data: "success",
      validate_data: "success",
      build_features: "success",
      "train.logistic_regression": "success",
      "train.random_forest": "success",
      "train.gradient_boosting": "success",
      select_best: "success",
      evaluate: "success",
      check_accuracy: "success",
      deploy: "success",
      request_retraining: "skipped",
      report: "success",
    });
    expect(r.output).toMatch(/data validation passed for \S+2025-03-01\.csv: 600 rows, 5 columns/);
    const alias = champion();
    expect(alias?.version).toBe("1");
  });

  it("low accuracy: the branch asks for retraining instead, and the join still reports", () => {
    const { r, tasks, state } = production("2025-03-02", "low");
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(state).toBe("success");
    expect(tasks).toMatchObject({
      check_accuracy: "success",
      deploy: "skipped",
      request_retraining: "success",
      report: "success",
    });
    expect(r.output).toMatch(/retraining requested: best model \w+ reached accuracy 0\.\d+/);
    // The champion is still the version the high-accuracy run deployed.
    expect(champion()?.version).toBe("1");
  });

  it("a run without a logical date (asset-triggered) reads the file of the day it was due", () => {
    const dataDir = join(work, "production-asset");
    mkdirSync(dataDir, { recursive: true });
    const made = runEngine(
      PYTHON,
      [join(ROOT, "test/python/make_dataset.py"), join(dataDir, "2025-03-03.csv"), "high"],
      process.env,
    );
    expect(made.status, made.output).toBe(0);
    // What the scheduler does for an asset event: logical_date None, run_after when it was due.
    const script = [
      "import sys, pendulum",
      "from airflow.dag_processing.dagbag import DagBag",
      "dag = DagBag(dag_folder=sys.argv[1]).get_dag('production_pipeline')",
      "run = dag.test(logical_date=None, run_after=pendulum.datetime(2025, 3, 3, 4, tz='UTC'))",
      "print('mlgen-run', run.state, run.logical_date)",
    ].join("\n");
    const r = runEngine(
      PYTHON,
      ["-c", script, dags],
      env(dags, { AIRFLOW_VAR_PRODUCTION_DATA_DIR: dataDir }),
    );
    expect(r.output).not.toMatch(/UndefinedError/);
    expect(r.output, r.output.slice(-5000)).toMatch(/mlgen-run success None/);
    expect(r.output).toMatch(/data validation passed for \S+2025-03-03\.csv: 600 rows/);
    expect(r.output).toContain("production run 2025-03-03 finished");
    // It deployed its model: the champion moved on from the high-accuracy run's version.
    expect(champion()?.version).toBe("2");
  });
});
