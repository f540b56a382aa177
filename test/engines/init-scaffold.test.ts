/**
 * `mlgen init` → `mlgen compile`: real Airflow 3 imports the scaffold's DAG with no import
 * error and sees its four tasks wired as the pipeline says; ruff's Airflow rules pass on the
 * DAG and on the scaffold's task module; the Kubeflow output loads with the real kfp SDK.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run as mlgen } from "../../packages/cli/src/run.js";
import { checkKfp, ensureKfp } from "../support/kfp.js";
import { bin, ensureEngines, inspectDags, ROOT, runEngine } from "./harness.js";

const TMP = join(ROOT, "test/.tmp");
let app = "";

async function cli(cwd: string, ...argv: string[]) {
  let out = "";
  const code = await mlgen(argv, {
    cwd,
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      out += t;
    },
    env: {},
  });
  return { code, out };
}

beforeAll(async () => {
  ensureEngines();
  ensureKfp();
  const { mkdirSync, mkdtempSync } = await import("node:fs");
  mkdirSync(TMP, { recursive: true });
  app = join(mkdtempSync(join(TMP, "init-")), "demand_forecast");
  const init = await cli(ROOT, "init", app, "--target", "all", "--yes");
  expect(init.code, init.out).toBe(0);
  const compile = await cli(app, "compile");
  expect(compile.code, compile.out).toBe(0);
});

describe("the mlgen init scaffold on the real engines", () => {
  it("imports in Airflow 3 with its tasks wired as the pipeline says", () => {
    const seen = inspectDags(join(app, "dags"));
    expect(seen.import_errors).toEqual({});
    const dag = seen.dags.demand_forecast;
    expect(dag).toBeDefined();
    const tasks = dag?.tasks ?? {};
    expect(Object.keys(tasks).sort()).toEqual([
      "evaluate_model",
      "prepare_data",
      "train_model",
      "validate_data",
    ]);
    expect(tasks.validate_data?.upstream).toEqual(["prepare_data"]);
    expect(tasks.train_model?.upstream.sort()).toEqual(["prepare_data", "validate_data"]);
    expect(tasks.evaluate_model?.upstream).toEqual(["train_model"]);
    for (const t of Object.values(tasks)) {
      expect(t.retries).toBe(2);
      expect(t.execution_timeout).toBe(3600);
      expect(t.has_on_failure_callback).toBe(true);
    }
  });

  it("passes ruff's Airflow rules (DAG and task module)", () => {
    const r = runEngine(
      bin("ruff"),
      [
        "check",
        "--no-cache",
        "--preview",
        "--select",
        "AIR,F,E9,I",
        join(app, "dags", "demand_forecast.py"),
        join(app, "tasks", "demand_forecast.py"),
      ],
      process.env,
    );
    expect(r.output).toContain("All checks passed");
    expect(r.status).toBe(0);
  });

  it("passes the kfp gate (strict protos, load_component_from_file, references)", async () => {
    const results = await checkKfp([join(app, "kubeflow", "demand_forecast.yaml")]);
    expect(results).toHaveLength(1);
    for (const r of results) expect(r).toMatchObject({ ok: true, errors: [] });
  });

  it("on Kubeflow: the tasks' libraries are installed, and the failure callback takes the run's context", async () => {
    const { readFileSync } = await import("node:fs");
    const yaml = readFileSync(join(app, "kubeflow", "demand_forecast.yaml"), "utf8");
    // The versions the tests run the tasks with (the engine lock), so the sample's pins move with it.
    const lock = readFileSync(join(ROOT, "test/python/requirements.lock"), "utf8");
    for (const name of ["scikit-learn", "pandas", "mlflow"]) {
      const pin = new RegExp(`^${name}==[^\\s;]+`, "m").exec(lock)?.[0];
      expect(pin).toBeDefined();
      expect(yaml).toContain(pin);
    }
    // What the Kubeflow exit handler passes (docs/kubeflow.md): no task_instance in it.
    const r = runEngine(
      bin("python"),
      [
        "-c",
        [
          "import sys; sys.path.insert(0, sys.argv[1])",
          "from tasks.demand_forecast import notify_failure",
          "notify_failure({'engine': 'kubeflow', 'pipeline_job_name': 'demand-forecast-x', 'state': 'FAILED', 'succeeded': False, 'error_code': 9, 'error_message': 'train_model failed'})",
        ].join("\n"),
        app,
      ],
      process.env,
    );
    expect(r.output).toContain("run demand-forecast-x ended FAILED: train_model failed");
    expect(r.status).toBe(0);
  });
});
