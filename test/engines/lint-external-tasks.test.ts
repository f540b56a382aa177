import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runFolderOnce } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
except ImportError:
    from airflow.sensors.external_task import ExternalTaskSensor
`;

const TARGETS_FILE = `${HEAD}
with DAG("etl", schedule="@daily", start_date=START, catchup=False):
    with TaskGroup("warehouse"):
        EmptyOperator(task_id="load")
        with TaskGroup("checks"):
            EmptyOperator(task_id="rows")
    with TaskGroup("flat", prefix_group_id=False):
        EmptyOperator(task_id="export")
    EmptyOperator(task_id="extract")

    @task
    def publish():
        return 1

    publish()
    publish()
    publish.override(task_id="announce")()

    @task_group
    def quality():
        EmptyOperator(task_id="nulls")

    quality()
`;

/** The sensors of DAG `train`: task id → arguments after external_dag_id. */
const SENSORS: Record<string, string> = {
  never_bare: `"etl", external_task_id="load"`,
  never_nested: `"etl", external_task_id="warehouse.rows"`,
  ok_nested: `"etl", external_task_id="warehouse.checks.rows"`,
  ok_flat: `"etl", external_task_id="export"`,
  ok_copy: `"etl", external_task_id="publish__1"`,
  ok_override: `"etl", external_task_id="announce"`,
  never_typo: `"etl", external_task_id="publsh"`,
  ok_ids: `"etl", external_task_ids=["extract", "warehouse.load"]`,
  never_ids: `"etl", external_task_ids=["extract", "load"]`,
  ok_group: `"etl", external_task_group_id="warehouse"`,
  ok_nested_group: `"etl", external_task_group_id="warehouse.checks"`,
  ok_taskflow_group: `"etl", external_task_group_id="quality"`,
  never_group_typo: `"etl", external_task_group_id="warehous"`,
  never_group_is_task: `"etl", external_task_group_id="extract"`,
  never_task_is_group: `"etl", external_task_id="warehouse"`,
  never_unknown: `"etl", external_task_id="train_model"`,
  never_same_file: `"features", external_task_id="join"`,
  ok_same_file: `"features", external_task_id="build.join"`,
};

/** The sensors' file; `fixed` replaces a sensor's arguments (the fixes). */
function sensorsFile(fixed: Record<string, string> = {}): string {
  const sensors = Object.entries(SENSORS)
    .map(
      ([task, args]) =>
        `    ExternalTaskSensor(task_id="${task}", external_dag_id=${fixed[task] ?? args}, mode="poke", poke_interval=1, timeout=2)\n`,
    )
    .join("");
  return `${HEAD}
with DAG("features", schedule="@daily", start_date=START, catchup=False):
    with TaskGroup("build"):
        EmptyOperator(task_id="join")

with DAG("train", schedule="@daily", start_date=START, catchup=False):
${sensors}`;
}

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-external-tasks");
}, 900_000);

/** Each sensor's [state, exception raised] after one run of every DAG of the folder, under a version. */
function runs(
  version: 2 | 3,
  name: string,
  sensors: string,
): Record<string, [string, string | null]> {
  const { states: all, output } = runFolderOnce(work, version, name, {
    "targets.py": TARGETS_FILE,
    "sensors.py": sensors,
  });
  // The DAGs waited for ran and succeeded: a sensor's failure is its own.
  for (const [key, state] of Object.entries(all)) {
    if (!key.startsWith("train.")) expect(state, key).toBe("success");
  }
  // What each task's run logged, from dag.test()'s "starting" line for it to the next one's.
  const logs = new Map<string, string>();
  const parts = output.split(/\[DAG TEST\] starting task_id=/);
  for (const part of parts.slice(1)) logs.set(/^\S+/.exec(part)?.[0] ?? "", part);
  return Object.fromEntries(
    Object.entries(all)
      .filter(([key]) => key.startsWith("train."))
      .map(([key, state]) => {
        const task = key.slice("train.".length);
        const log = logs.get(task) ?? "";
        const why = /AirflowSensorTimeout/.test(log)
          ? "timeout"
          : /Task group \S+ not found in DAG/.test(log)
            ? "group not found"
            : null;
        return [task, [state, why]];
      }),
  );
}

const lint = (version: 2 | 3, sensors: string) =>
  lintTogether(
    work,
    version,
    { "targets.py": TARGETS_FILE, "sensors.py": sensors },
    "external-task-missing",
  );

const sensorOf = (message: string) => /^sensor '([^']+)'/.exec(message)?.[1] as string;

/** The arguments a finding's fix gives the sensor, when it names one value to use. */
function fixedArgs(task: string, fix: string): string | undefined {
  const args = SENSORS[task] as string;
  const dag = args.split(",")[0] as string;
  const pass = /pass (external_task(?:_group)?_id)='([^']+)'/.exec(fix);
  if (pass) return `${dag}, ${pass[1]}="${pass[2]}"`;
  const swap = /name '([^']+)' in external_task_ids instead of '([^']+)'/.exec(fix);
  if (swap) return args.replace(`"${swap[2]}"`, `"${swap[1]}"`);
  return undefined;
}

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  // Airflow 2 takes a task group id it does not find for a task id: it waits for that task.
  const want = (task: string) =>
    version === 2 && task === "never_group_is_task" ? "ok" : task.split("_")[0];
  it("fails exactly the sensors mlgen lint reports, and succeeds them with the fixes", async () => {
    const real = runs(version, "as-written", sensorsFile());
    expect(Object.keys(real).sort()).toEqual(Object.keys(SENSORS).sort());
    const byAirflow = Object.fromEntries(
      Object.entries(real).map(([task, [state]]) => [task, state === "success" ? "ok" : "never"]),
    );
    expect(byAirflow).toEqual(Object.fromEntries(Object.keys(SENSORS).map((t) => [t, want(t)])));
    // A task id it lacks: Airflow pokes until the sensor's timeout. A task group it lacks:
    // Airflow 3 fails the sensor at its first poke (the execution API's 404), Airflow 2 pokes on.
    for (const [task, [state, why]] of Object.entries(real)) {
      if (state === "success") continue;
      const early = version === 3 && SENSORS[task]?.includes("external_task_group_id");
      expect(why, task).toBe(early ? "group not found" : "timeout");
    }

    const findings = await lint(version, sensorsFile());
    const reported = findings.map((f) => sensorOf(f.message)).sort();
    expect(reported).toEqual(
      Object.keys(SENSORS)
        .filter((t) => want(t) === "never")
        .sort(),
    );

    const fixes: Record<string, string> = {};
    for (const f of findings) {
      const task = sensorOf(f.message);
      const args = fixedArgs(task, f.fix ?? "");
      if (args) fixes[task] = args;
    }
    // Every finding but the one naming an id like none the DAG has gives the id to use.
    expect(Object.keys(fixes).sort()).toEqual(reported.filter((t) => t !== "never_unknown"));
    const fixed = runs(version, "fixed", sensorsFile(fixes));
    for (const task of Object.keys(fixes)) expect(fixed[task]?.[0], task).toBe("success");
    expect((await lint(version, sensorsFile(fixes))).map((f) => sensorOf(f.message))).toEqual([
      "never_unknown",
    ]);
  }, 600_000);

  it("judges a DAG whose task's callable calls a module from outside Airflow (it runs in the task, and makes no task): the sensor it reports fails, its fix succeeds", async () => {
    const upstream = `${HEAD}
try:
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow.operators.python import PythonOperator


def extract(**_):
    import requests

    requests.Session().close()


with DAG("upstream_etl", schedule="@daily", start_date=START, catchup=False):
    e = PythonOperator(task_id="extract", python_callable=extract)
    with TaskGroup("load"):
        r = EmptyOperator(task_id="refresh_daily_agg")
    e >> r
`;
    const downstream = (id: string) => `${HEAD}
with DAG("downstream_report", schedule="@daily", start_date=START, catchup=False):
    ExternalTaskSensor(task_id="wait_for_orders", external_dag_id="upstream_etl", external_task_id="${id}", mode="poke", poke_interval=1, timeout=2)
`;
    const files = (id: string) => ({ "upstream.py": upstream, "downstream.py": downstream(id) });
    const findings = await lintTogether(
      work,
      version,
      files("refresh_daily_agg"),
      "external-task-missing",
    );
    expect(findings.map((f) => `${f.file}:${f.line} ${f.fix}`)).toEqual([
      "downstream.py:24 pass external_task_id='load.refresh_daily_agg': inside a task group, a task's id starts with the group's ('load.')",
    ]);
    const written = runFolderOnce(work, version, "callable", files("refresh_daily_agg"));
    expect(written.states).toMatchObject({
      "upstream_etl.extract": "success",
      "upstream_etl.load.refresh_daily_agg": "success",
      "downstream_report.wait_for_orders": "failed",
    });
    expect(written.output).toContain("AirflowSensorTimeout");
    const fixed = files("load.refresh_daily_agg");
    expect(await lintTogether(work, version, fixed, "external-task-missing")).toEqual([]);
    const ran = runFolderOnce(work, version, "callable-fixed", fixed);
    expect(ran.states).toMatchObject({ "downstream_report.wait_for_orders": "success" });
  }, 600_000);
});
