/**
 * Runs the examples end to end with `airflow dags test` (real Airflow 3) against a real
 * `mlflow server` started here on 127.0.0.1 and stopped by PID.
 */
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/pipelines.js";
import {
  airflowEnv,
  bin,
  ensureEngines,
  isAlive,
  type MlflowServer,
  mlgenHere,
  PYTHON,
  runEngine,
  startMlflow,
  tempDir,
} from "./harness.js";

let work = "";
let mlflow: MlflowServer;
let airflowHome = "";

interface MlflowReport {
  experiment: string | null;
  runs: {
    run_id: string;
    run_name: string;
    status: string;
    metrics: Record<string, number>;
    params: Record<string, string>;
    tags: Record<string, string>;
    logged_models: string[];
  }[];
}

function mlflowReport(experiment: string): MlflowReport {
  const out = join(work, `${experiment}.json`);
  const r = runEngine(
    PYTHON,
    [join(ROOT, "test/python/mlflow_report.py"), mlflow.url, experiment, out],
    process.env,
  );
  if (r.status !== 0) throw new Error(`mlflow_report.py failed:\n${r.output.slice(-3000)}`);
  return JSON.parse(readFileSync(out, "utf8")) as MlflowReport;
}

function dagsTest(dagId: string, dagsFolder: string, extra: Record<string, string>) {
  const env = airflowEnv(airflowHome, dagsFolder, { MLFLOW_TRACKING_URI: mlflow.url, ...extra });
  return runEngine(bin("airflow"), ["dags", "test", dagId], env);
}

beforeAll(async () => {
  ensureEngines();
  work = tempDir("e2e");
  airflowHome = join(work, "airflow");
  mkdirSync(airflowHome);
  mlflow = await startMlflow(join(work, "mlflow"));
  const migrate = runEngine(
    bin("airflow"),
    ["db", "migrate"],
    airflowEnv(airflowHome, join(work, "none")),
  );
  if (migrate.status !== 0)
    throw new Error(`airflow db migrate failed:\n${migrate.output.slice(-3000)}`);
});

afterAll(async () => {
  if (mlflow) {
    const pid = mlflow.pid;
    await mlflow.stop();
    expect(isAlive(pid)).toBe(false);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

function expectAirflowTags(tags: Record<string, string>, dagId: string, taskId: string) {
  expect(tags["airflow.dag_id"]).toBe(dagId);
  expect(tags["airflow.task_id"]).toBe(taskId);
  expect(tags["airflow.run_id"]).toMatch(/^manual__/);
  expect(tags["airflow.try_number"]).toBe("1");
}

describe("real Airflow runs the examples against a real MLflow server", () => {
  it("iris-quickstart: succeeds, and MLflow has the run with accuracy, Airflow tags and a logged model", () => {
    const r = dagsTest("iris_quickstart", join(ROOT, "examples/iris-quickstart/dags"), {
      AIRFLOW_VAR_IRIS_DATA_DIR: join(work, "iris-data"),
    });
    expect(r.output).not.toMatch(/Traceback/);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    const report = mlflowReport("iris-quickstart");
    expect(report.runs).toHaveLength(1);
    const [mlRun] = report.runs;
    expect(mlRun?.run_name).toBe("train_model");
    expect(mlRun?.status).toBe("FINISHED");
    expect(mlRun?.metrics.accuracy).toBeGreaterThan(0.85);
    expect(mlRun?.params).toMatchObject({ n_estimators: "100", test_size: "0.25" });
    expectAirflowTags(mlRun?.tags ?? {}, "iris_quickstart", "train_model");
    expect(mlRun?.logged_models).toHaveLength(1);
  });

  it("training-pipeline: validate → train → evaluate succeed; the MLflow run has the metric, tags and model", () => {
    const r = dagsTest("ml_training_pipeline", join(ROOT, "examples/training-pipeline/dags"), {
      TRAINING_DATA_DIR: join(work, "training-data"),
    });
    expect(r.output).not.toMatch(/Traceback/);
    expect(r.status, r.output.slice(-5000)).toBe(0);
    // The bash task got the model URI from the train task's XCom through its env.
    expect(r.output).toMatch(/training run \S+ finished: models:\/m-/);
    const report = mlflowReport("production-training");
    expect(report.runs).toHaveLength(1);
    const [mlRun] = report.runs;
    expect(mlRun?.run_name).toBe("train_model");
    expect(mlRun?.metrics.accuracy).toBeGreaterThan(0.8);
    expectAirflowTags(mlRun?.tags ?? {}, "ml_training_pipeline", "train_model");
    expect(mlRun?.logged_models).toHaveLength(1);
  });

  it("a task reads the files beside its module that taskFiles names (SQL, settings), copied into the dags folder", async () => {
    const out = join(work, "task-files-dags");
    const config = join(ROOT, "test/fixtures/task-files/mlgen.config.ts");
    expect(await mlgenHere("compile", "--config", config, "--out", out)).toBe(0);
    const r = dagsTest("task_files", out, {});
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(r.output).toContain(
      "task-files: SELECT count(*) FROM events WHERE kind = 'café' | threshold=0.9",
    );
  });

  it("the kitchen-sink fixture runs: every output type crosses XCom intact, '.sh' commands run", async () => {
    const out = join(work, "sink-dags");
    const file = join(ROOT, "test/fixtures/pipelines/kitchen-sink.pipeline.ts");
    const root = join(ROOT, "test/fixtures");
    expect(await mlgenHere("compile", file, "--root", root, "--out", out)).toBe(0);
    const r = dagsTest("kitchen_sink", out, {});
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(r.output).toContain('run "one":3 in /srv/sink/x for');
    expect(r.output).toContain("finished.sh");
    expect(r.output).toContain('script=setup.sh list=["a",1,{"b":true}]');
    expect(r.output).toContain("slashed=/srv/slashed/y/z.csv absolute=/abs/f.csv");
    // A whole float output in a bash env renders as a float, as on Airflow 2.
    expect(r.output).toContain("score=1.0");
    // List and object params reach a bash env as JSON.
    expect(r.output).toContain(
      'columns=["age", "income", "it\\u0027s \\u003cb\\u003e"] model={"depth": 3, "name": "rf", "weights": [0.5, 1]}',
    );
  });
});
