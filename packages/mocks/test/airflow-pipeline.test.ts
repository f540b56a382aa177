import { pipeline, seconds } from "@mlgen/dsl";
import { describe, expect, it } from "vitest";
import production from "../../../examples/production-pipeline/pipelines/production.pipeline.js";
import runtime from "../../../test/fixtures/pipelines/runtime.pipeline.js";
import setupTeardown from "../../../test/fixtures/pipelines/setup-teardown.pipeline.js";
import { SETUP_TEARDOWN_RUNS } from "../../../test/support/setup-teardown-runs.js";
import { createManualClock } from "../src/clock.js";
import { createAirflowFake } from "../src/index.js";
import { airflowDagOf } from "../src/pipeline.js";
import { loggedIn } from "./airflow-login.js";

// The fake's DAG of a pipeline, from the compiler's description of the file it writes. That the
// description is the DAG real Airflow imports, for every example and fixture, is checked in
// test/engines/airflow-dags.test.ts; here, that the fake runs it as the pipeline says.

async function runOf(spec: ReturnType<typeof airflowDagOf>, conf: Record<string, unknown> = {}) {
  const clock = createManualClock("2025-06-01T00:00:00Z");
  const fake = createAirflowFake({ clock });
  fake.addDag(spec);
  const call = await loggedIn(fake);
  const runs = `/api/v2/dags/${spec.dagId}/dagRuns`;
  const trigger = await call("POST", runs, { dag_run_id: "r1", logical_date: null, conf });
  expect(trigger.status).toBe(200);
  fake.settle();
  const tis = (await call("GET", `${runs}/r1/taskInstances?limit=100`)).body.task_instances as {
    task_id: string;
    map_index: number;
    state: string;
  }[];
  const states: Record<string, string> = {};
  for (const t of tis)
    states[t.map_index < 0 ? t.task_id : `${t.task_id}[${t.map_index}]`] = t.state;
  return { fake, call, states, run: (await call("GET", `${runs}/r1`)).body };
}

describe("airflowDagOf: the fake's DAG of a pipeline", () => {
  it("the production example: its tasks, edges, branch, join, sensor, retries and params", () => {
    const spec = airflowDagOf(production);
    expect(spec.tasks.map((t) => t.taskId)).toEqual([
      "wait_for_data",
      "validate_data",
      "build_features",
      "train.gradient_boosting",
      "train.logistic_regression",
      "train.random_forest",
      "select_best",
      "evaluate",
      "check_accuracy",
      "deploy",
      "request_retraining",
      "report",
    ]);
    const task = (id: string) => spec.tasks.find((t) => t.taskId === id);
    expect(task("wait_for_data")).toMatchObject({
      operator: "FileSensor",
      pokeIntervalMs: 300_000,
      retries: 2,
      retryDelayMs: 120_000,
    });
    expect(task("check_accuracy")).toMatchObject({
      operator: "BranchPythonOperator",
      skips: "branch",
      upstream: ["evaluate"],
    });
    expect(task("report")).toMatchObject({
      operator: "BashOperator",
      // It reads evaluate's and select_best's outputs too.
      upstream: ["deploy", "evaluate", "request_retraining", "select_best"],
      triggerRule: "none_failed_min_one_success",
    });
    expect(spec).toMatchObject({
      dagId: "production_pipeline",
      owners: ["ml-platform"],
      tags: ["example", "production"],
      schedule: "0 4 * * *",
      maxActiveRuns: 1,
      startDate: Date.parse("2025-01-01T00:00:00Z"),
      params: {
        model_name: {
          default: "production-classifier",
          schema: { type: "string" },
          description: "Registered model name.",
        },
      },
    });
  });

  it("a sensor that never finds its file times out after the pipeline's timeout: failed without its retries, or skipped with softFail", async () => {
    // wait_for_data: timeout 6 h, poke interval 5 min, retries 2, reschedule mode.
    expect(airflowDagOf(production).tasks[0]).toMatchObject({
      timeoutMs: 6 * 3_600_000,
      softFail: false,
    });
    const never = { wait_for_data: { reschedules: Number.POSITIVE_INFINITY } };
    const late = await runOf(airflowDagOf(production, { taskSpecs: never }));
    expect(late.states).toMatchObject({
      wait_for_data: "failed",
      validate_data: "upstream_failed",
      report: "upstream_failed",
    });
    expect(late.run.state).toBe("failed");
    const sensor = "/api/v2/dags/production_pipeline/dagRuns/r1/taskInstances/wait_for_data";
    const ti = (await late.call("GET", sensor)).body;
    // One try, over six hours after its first poke.
    expect(ti.try_number).toBe(1);
    expect(Date.parse(ti.end_date) - Date.parse(ti.start_date)).toBeLessThan(60_000);
    expect(Date.parse(ti.end_date) - Date.parse("2025-06-01T00:00:00Z")).toBeGreaterThan(
      6 * 3_600_000,
    );
    const soft = await runOf(
      airflowDagOf(production, {
        taskSpecs: { wait_for_data: { reschedules: Number.POSITIVE_INFINITY, softFail: true } },
      }),
    );
    expect(soft.states).toMatchObject({ wait_for_data: "skipped", validate_data: "skipped" });
  });

  it("runs the pipeline: the branch's ifTrue side by default, the other when its condition does not hold", async () => {
    const deployed = await runOf(
      airflowDagOf(production, { outputs: { evaluate: { accuracy: 0.93 } } }),
    );
    expect(deployed.states).toMatchObject({
      check_accuracy: "success",
      deploy: "success",
      request_retraining: "skipped",
      report: "success",
    });
    expect(deployed.run.state).toBe("success");
    const value = await deployed.call(
      "GET",
      "/api/v2/dags/production_pipeline/dagRuns/r1/taskInstances/evaluate/xcomEntries/accuracy",
    );
    expect(value.body.value).toBe(0.93);
    // Declared outputs not given: a stand-in of their type.
    const runId = await deployed.call(
      "GET",
      "/api/v2/dags/production_pipeline/dagRuns/r1/taskInstances/select_best/xcomEntries/run_id",
    );
    expect(runId.body.value).toBe("select_best.run_id");

    const retrained = await runOf(
      airflowDagOf(production, { conditions: { check_accuracy: false } }),
    );
    expect(retrained.states).toMatchObject({
      deploy: "skipped",
      request_retraining: "success",
      report: "success",
    });
  });

  it("mapped tasks (over a task's list, a literal list and a param), short-circuits, a branch into a group and its join", async () => {
    const spec = airflowDagOf(runtime, {
      outputs: { list_items: { items: ["a", "b", "c"], count: 3 } },
      conditions: { gate_closed: false },
      taskSpecs: { wait_for_words: { reschedules: 1 } },
    });
    const ids = spec.tasks.map((t) => t.taskId);
    // The tasks the compiler adds: a param's list before the tasks mapped over it.
    expect(ids).toContain("scale_items");
    expect(ids).toContain("full.cube_items_2");
    const { states, run } = await runOf(spec);
    expect(states).toMatchObject({
      "upper[0]": "success",
      "upper[2]": "success",
      "square[3]": "success",
      // The param's default, [5, 6]: two instances.
      "scale[1]": "success",
      join_words: "success",
      after_open_gate: "success",
      after_closed_gate: "skipped",
      route: "success",
      "full.first": "success",
      "full.cube[0]": "success",
      quick: "skipped",
      join: "success",
      wait_for_words: "success",
    });
    expect(states["upper[3]"]).toBeUndefined();
    expect(states["scale[2]"]).toBeUndefined();
    expect(run.state).toBe("success");
  });

  it("each mapped instance pushes its map index where the DAG reads mapped outputs", async () => {
    const spec = airflowDagOf(runtime, {
      outputs: { list_items: { items: ["a", "b"], count: 2 } },
    });
    const { call } = await runOf(spec);
    const xcom = (key: string, mapIndex: number) =>
      call(
        "GET",
        `/api/v2/dags/runtime_constructs/dagRuns/r1/taskInstances/upper/xcomEntries/${key}?map_index=${mapIndex}`,
      );
    expect((await xcom("mlgen_map_index", 1)).body.value).toBe(1);
    expect((await xcom("shout", 1)).body.value).toBe("upper.shout");
  });

  it("a start date in a time zone is the instant Airflow (pendulum) reads, across daylight-saving changes", () => {
    // As real Airflow 3.3.2's DagBag gave them: an hour skipped moves forward, an hour repeated
    // is its second occurrence.
    for (const [startDate, timezone, instant] of [
      ["2025-03-09T02:30:00", "America/New_York", "2025-03-09T07:30:00Z"],
      ["2025-11-02T01:30:00", "America/New_York", "2025-11-02T06:30:00Z"],
      ["2018-11-04", "America/Sao_Paulo", "2018-11-04T03:00:00Z"],
      ["2025-03-30T02:30:00", "Europe/Berlin", "2025-03-30T01:30:00Z"],
      ["2025-06-01", "Europe/Berlin", "2025-05-31T22:00:00Z"],
      ["2025-06-01T06:00:00+02:00", null, "2025-06-01T04:00:00Z"],
    ] as const) {
      const def = pipeline("zoned", { startDate, ...(timezone ? { timezone } : {}) }, (p) => {
        p.bash("a", { command: "echo a" });
      });
      expect([startDate, airflowDagOf(def).startDate]).toEqual([startDate, Date.parse(instant)]);
    }
  });

  it("setups and teardowns run as real Airflow 3.3.2 ran the same pipeline (test/engines/setup-teardown.test.ts)", async () => {
    const { ok, failWork, failSetup } = SETUP_TEARDOWN_RUNS;
    const allWell = await runOf(airflowDagOf(setupTeardown));
    expect([allWell.run.state, allWell.states]).toEqual([ok.state, ok.tasks]);
    const workFailed = await runOf(
      airflowDagOf(setupTeardown, { script: { work: "failed", "batch.step": "failed" } }),
    );
    expect([workFailed.run.state, workFailed.states]).toEqual([failWork.state, failWork.tasks]);
    const setupFailed = await runOf(
      airflowDagOf(setupTeardown, { script: { create_scratch: "failed" } }),
    );
    expect([setupFailed.run.state, setupFailed.states]).toEqual([failSetup.state, failSetup.tasks]);
  });

  it("a trigger task starts its pipeline's run in the fake: conf as the run gives it, its run id template with the run's id, the wait", async () => {
    const deploy = pipeline(
      "deploy_model",
      { params: { model: "none", threshold: 0.5, notify: false, scores: [0.1] } },
      (p) => {
        p.bash("push", { command: "echo push" });
      },
    );
    const train = pipeline("train_model", { params: { threshold: 0.8 } }, (p) => {
      const fit = p.python("fit", { fn: "tasks/t.py:fit", outputs: { uri: "string" } });
      const each = p.map("score", {
        fn: "tasks/t.py:score",
        over: [1, 2],
        as: "n",
        outputs: { score: "float" },
      });
      p.trigger("start_deploy", {
        pipeline: deploy,
        // A mapped task's list of outputs is left out: the run takes the param's default.
        conf: {
          model: fit.out.uri,
          threshold: p.params.threshold,
          notify: true,
          scores: each.out.score,
        },
        runId: "deploy__{{ run_id }}",
        wait: { pokeInterval: seconds(30) },
      });
    });
    const spec = airflowDagOf(train, { outputs: { fit: { uri: "models:/churn/3" } } });
    expect(spec.tasks.find((t) => t.taskId === "start_deploy")?.triggers).toEqual({
      dagId: "deploy_model",
      conf: { model: "models:/churn/3", threshold: 0.8, notify: true },
      runId: expect.any(Function),
      wait: { pokeIntervalMs: 30_000 },
    });
    const clock = createManualClock("2025-06-01T00:00:00Z");
    const fake = createAirflowFake({ clock });
    fake.addDag(airflowDagOf(deploy));
    fake.addDag(spec);
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/train_model/dagRuns", {
      dag_run_id: "r1",
      logical_date: null,
    });
    fake.settle();
    const child = (await call("GET", "/api/v2/dags/deploy_model/dagRuns/deploy__r1")).body;
    expect([child.state, child.run_type, child.conf]).toEqual([
      "success",
      "operator_triggered",
      { model: "models:/churn/3", threshold: 0.8, notify: true },
    ]);
    const started = (
      await call("GET", "/api/v2/dags/train_model/dagRuns/r1/taskInstances/start_deploy")
    ).body;
    expect(started.state).toBe("success");
  });

  it("refuses options that would do nothing", () => {
    expect(() => airflowDagOf(production, { conditions: { evaluate: false } })).toThrow(
      "task 'evaluate' is not a branch, short-circuit or latest-only gate",
    );
    expect(() => airflowDagOf(production, { outputs: { evaluate: { acuracy: 0.9 } } })).toThrow(
      "task 'evaluate' pushes no 'acuracy' (it pushes 'accuracy')",
    );
    // A bash task's last line of output is its return value.
    const report = airflowDagOf(production, { outputs: { report: { return_value: "done" } } });
    expect(report.tasks.find((t) => t.taskId === "report")?.xcom).toEqual({
      return_value: "done",
    });
    expect(() =>
      airflowDagOf(runtime, { taskSpecs: { wait_for_flag: { reschedules: 1 } } }),
    ).toThrow("task 'wait_for_flag' is a sensor in poke mode");
    // Pokes are a poke-mode sensor's: the reschedule-mode one is given reschedules.
    expect(() => airflowDagOf(production, { taskSpecs: { wait_for_data: { pokes: 1 } } })).toThrow(
      "task 'wait_for_data' is a sensor in reschedule mode",
    );
    const poking = airflowDagOf(runtime, { taskSpecs: { wait_for_flag: { pokes: 1 } } });
    expect(poking.tasks.find((t) => t.taskId === "wait_for_flag")?.pokes).toBe(1);
  });

  it("refuses what does not compile, and names what is wrong; takes setups and teardowns", () => {
    expect(() => airflowDagOf(production, { conditions: { nope: false } })).toThrow(
      "conditions names 'nope', which the DAG has no task of",
    );
    const teardown = pipeline("with_teardown", {}, (p) => {
      const up = p.bash("create", { command: "echo up", setup: true });
      const work = p.bash("work", { command: "echo work" }).after(up);
      p.bash("delete", { command: "echo down", teardown: up }).after(work);
    });
    // Setups and teardowns are the fake's too.
    expect(airflowDagOf(teardown).tasks).toMatchObject([
      { taskId: "create", setup: true },
      { taskId: "work" },
      { taskId: "delete", teardown: true, triggerRule: "all_done_setup_success" },
    ]);
    const broken = pipeline("broken", {}, (p) => {
      p.bash("a", { command: "echo a" }).after("missing" as never);
    });
    expect(() => airflowDagOf(broken)).toThrow("airflowDagOf: the pipeline does not compile");
    // What only the Airflow target refuses (MLG3001): Airflow 3 has no execution_date.
    const old = pipeline("old_names", {}, (p) => {
      p.bash("b", { command: "echo {{ execution_date }}" });
    });
    expect(() => airflowDagOf(old)).toThrow(/does not compile[\s\S]*execution_date/);
  });
});
