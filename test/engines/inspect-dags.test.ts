/**
 * test/python/inspect_dags.py under both pinned engines: real Airflow 3 (.venv-engines) and
 * Airflow 2 (.venv-airflow2) import hand-written DAGs that use every construct the script
 * reports on (sensors, mapped tasks, task groups, branching, assets/datasets, Kubernetes,
 * callbacks), and the script reports the same authoring surface for both.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AIRFLOW2_PYTHON,
  ensureEngines,
  type InspectedDags,
  type InspectedTask,
  inspectDags,
  PYTHON,
  ROOT,
} from "./harness.js";

const FIXTURES = join(ROOT, "test/fixtures/handwritten-dags");
const MODEL = "s3://mlgen-fixtures/model.pkl";
const DATA = "s3://mlgen-fixtures/data.csv";

const engines = [
  {
    name: "Airflow 3",
    folder: join(FIXTURES, "airflow3"),
    python: PYTHON,
    version: /^3\.3\./,
    cronTimetable: "CronTriggerTimetable",
    assetTriggered: "AssetTriggeredTimetable",
    assetOrTime: "AssetOrTimeSchedule",
    // Airflow 2's BaseSensorOperator is a SkipMixin (for soft_fail); Airflow 3's is not.
    sensorsSkipMixin: false,
  },
  {
    name: "Airflow 2",
    folder: join(FIXTURES, "airflow2"),
    python: AIRFLOW2_PYTHON,
    version: /^2\.11\./,
    cronTimetable: "CronDataIntervalTimetable",
    assetTriggered: "DatasetTriggeredTimetable",
    assetOrTime: "DatasetOrTimeSchedule",
    sensorsSkipMixin: true,
  },
] as const;

const seen = new Map<string, InspectedDags>();

beforeAll(() => {
  ensureEngines();
  for (const e of engines) seen.set(e.name, inspectDags(e.folder, { python: e.python }));
});

/** What every task reports unless a test says otherwise (Airflow's defaults + default_args). */
const plain: InspectedTask = {
  operator: "",
  is_mapped: false,
  upstream: [],
  downstream: [],
  retries: 1,
  retry_delay: 300,
  retry_exponential_backoff: 0,
  max_retry_delay: null,
  execution_timeout: null,
  owner: "airflow",
  trigger_rule: "all_success",
  is_setup: false,
  is_teardown: false,
  group: null,
  pool: "default_pool",
  pool_slots: 1,
  queue: "default",
  priority_weight: 1,
  depends_on_past: false,
  max_active_tis_per_dag: null,
  max_active_tis_per_dagrun: null,
  mode: null,
  poke_interval: null,
  timeout: null,
  soft_fail: null,
  deferrable: null,
  outlets: [],
  has_on_failure_callback: true,
  has_on_retry_callback: false,
  has_on_success_callback: false,
  image: null,
  skip_mixin: false,
  ignore_downstream_trigger_rules: null,
  expand: null,
};

describe.each(engines)("inspect_dags.py under $name", (engine) => {
  const get = () => {
    const r = seen.get(engine.name);
    if (!r) throw new Error(`no inspection for ${engine.name}`);
    return r;
  };
  const surface = () => {
    const dag = get().dags.authoring_surface;
    if (!dag) throw new Error("authoring_surface missing");
    return dag;
  };
  const task = (id: string) => {
    const t = surface().tasks[id];
    if (!t) throw new Error(`task ${id} missing`);
    return t;
  };

  it("imports the folder without errors and names the engine's version", () => {
    expect(get().import_errors).toEqual({});
    expect(get().airflow_version).toMatch(engine.version);
    expect(Object.keys(get().dags).sort()).toEqual([
      "asset_only",
      "asset_or_time",
      "authoring_surface",
    ]);
  });

  it("reports schedules, assets, timetables and DAG callbacks", () => {
    const { dags } = get();
    expect(surface()).toMatchObject({
      schedule: "@daily",
      assets: [],
      timetable: engine.cronTimetable,
      has_on_failure_callback: true,
      has_on_success_callback: false,
    });
    expect(dags.asset_only).toMatchObject({
      assets: [MODEL],
      timetable: engine.assetTriggered,
      has_on_failure_callback: false,
      has_on_success_callback: false,
    });
    expect(dags.asset_or_time).toMatchObject({
      assets: [DATA, MODEL],
      timetable: engine.assetOrTime,
      has_on_failure_callback: false,
      has_on_success_callback: true,
    });
  });

  it("reports every task of the hand-written DAG", () => {
    expect(Object.keys(surface().tasks).sort()).toEqual([
      "branch",
      "publish",
      "score",
      "skip",
      "train.fit",
      "train.prepare",
      "wait_file",
      "wait_parts",
      "wait_upstream",
    ]);
  });

  it("sensors: mode, poke interval, timeout and deferrable", () => {
    expect(task("wait_file")).toEqual({
      ...plain,
      operator: "FileSensor",
      skip_mixin: engine.sensorsSkipMixin,
      downstream: ["branch"],
      mode: "reschedule",
      poke_interval: 30,
      timeout: 600,
      soft_fail: false,
      deferrable: false,
    });
    expect(task("wait_upstream")).toEqual({
      ...plain,
      operator: "ExternalTaskSensor",
      skip_mixin: engine.sensorsSkipMixin,
      downstream: ["branch"],
      mode: "poke",
      poke_interval: 60,
      timeout: 3600,
      soft_fail: false,
      deferrable: false,
    });
  });

  it("mapped tasks: the mapped class, partial() arguments and inherited callbacks", () => {
    expect(task("wait_parts")).toEqual({
      ...plain,
      operator: "FileSensor",
      skip_mixin: engine.sensorsSkipMixin,
      is_mapped: true,
      expand: { length: 2 },
      downstream: ["branch"],
      mode: "reschedule",
      poke_interval: 45,
      timeout: 7 * 24 * 3600, // [sensors] default_timeout
      soft_fail: false,
      deferrable: false,
    });
    expect(task("train.fit")).toEqual({
      ...plain,
      operator: "PythonOperator",
      is_mapped: true,
      expand: { length: 3 },
      group: "train",
      upstream: ["train.prepare"],
      downstream: ["publish"],
      has_on_retry_callback: true,
    });
  });

  it("branching into a task group and the plain tasks around it", () => {
    expect(task("branch")).toEqual({
      ...plain,
      operator: "BranchPythonOperator",
      skip_mixin: true,
      upstream: ["wait_file", "wait_parts", "wait_upstream"],
      downstream: ["skip", "train.prepare"],
    });
    expect(task("train.prepare")).toEqual({
      ...plain,
      operator: "PythonOperator",
      group: "train",
      upstream: ["branch"],
      downstream: ["train.fit"],
    });
    expect(task("skip")).toEqual({
      ...plain,
      operator: "EmptyOperator",
      upstream: ["branch"],
      downstream: ["publish"],
    });
  });

  it("outlets, trigger rules and task callbacks", () => {
    expect(task("publish")).toEqual({
      ...plain,
      operator: "PythonOperator",
      upstream: ["skip", "train.fit"],
      downstream: ["score"],
      trigger_rule: "none_failed_min_one_success",
      outlets: [MODEL],
      has_on_success_callback: true,
    });
  });

  it("KubernetesPodOperator: image and deferrable (imported, never run)", () => {
    expect(task("score")).toEqual({
      ...plain,
      operator: "KubernetesPodOperator",
      upstream: ["publish"],
      image: "python:3.11-slim",
      deferrable: false,
    });
  });

  it("tasks of DAGs without default_args carry no callbacks", () => {
    for (const id of ["asset_only", "asset_or_time"]) {
      expect(get().dags[id]?.tasks.consume).toEqual({
        ...plain,
        operator: "EmptyOperator",
        retries: 0,
        has_on_failure_callback: false,
      });
    }
  });
});
