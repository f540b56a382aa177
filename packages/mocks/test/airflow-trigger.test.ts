import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// A TriggerDagRunOperator task, as Airflow 3.3.2's task runner runs one
// (_handle_trigger_dag_run): it starts an operator_triggered run of another DAG, pushes
// trigger_run_id, and with wait_for_completion checks that run's state every poke interval.
// The parity test (test/engines/mocks-airflow-parity.test.ts) runs the same against a real
// Airflow.

async function setup(trigger: AirflowTaskSpec, childScript: Record<string, "failed"> = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({
    dagId: "deploy",
    params: { model: { default: "m0", schema: { type: "string" } } },
    tasks: [{ taskId: "push", durationMs: 30_000 }],
    script: childScript,
  });
  fake.addDag({ dagId: "train", tasks: [trigger] });
  const call = await loggedIn(fake);
  const start = async (runId: string) => {
    await call("POST", "/api/v2/dags/train/dagRuns", { dag_run_id: runId, logical_date: null });
  };
  const ti = async (runId: string, taskId: string) =>
    (await call("GET", `/api/v2/dags/train/dagRuns/${runId}/taskInstances/${taskId}`)).body;
  const xcomKeys = async (runId: string, taskId: string) =>
    (
      await call("GET", `/api/v2/dags/train/dagRuns/${runId}/taskInstances/${taskId}/xcomEntries`)
    ).body.xcom_entries.map((x: { key: string }) => x.key);
  return { clock, fake, call, start, ti, xcomKeys };
}

const TRIGGER = { taskId: "start", operator: "TriggerDagRunOperator" } as const;

describe("Airflow fake: a task that starts a run of another DAG", () => {
  it("starts an operator_triggered run with its conf, and pushes trigger_run_id and its link", async () => {
    const { fake, call, start, ti, xcomKeys } = await setup({
      ...TRIGGER,
      triggers: { dagId: "deploy", runId: "deploy_1", conf: { model: "m7" } },
    });
    await start("r1");
    fake.settle();
    expect((await ti("r1", "start")).state).toBe("success");
    const child = (await call("GET", "/api/v2/dags/deploy/dagRuns/deploy_1")).body;
    expect(child).toMatchObject({
      state: "success",
      run_type: "operator_triggered",
      triggered_by: "operator",
      triggering_user_name: "admin",
      conf: { model: "m7" },
    });
    // Its logical date is when the task started it.
    expect(child.logical_date).toBe(child.run_after);
    expect(await xcomKeys("r1", "start")).toEqual(["_link_TriggerDagRunLink", "trigger_run_id"]);
    const link = await call(
      "GET",
      "/api/v2/dags/train/dagRuns/r1/taskInstances/start/xcomEntries/_link_TriggerDagRunLink",
    );
    expect(link.body.value).toBe("/dags/deploy/runs/deploy_1");
    const byType = await call("GET", "/api/v2/dags/deploy/dagRuns?run_type=operator_triggered");
    expect(byType.body.total_entries).toBe(1);
    const manual = await call("GET", "/api/v2/dags/deploy/dagRuns?run_type=manual");
    expect(manual.body.total_entries).toBe(0);
  });

  it("without a run id, names the run manual__<the time it starts>", async () => {
    const { fake, call, start } = await setup({ ...TRIGGER, triggers: { dagId: "deploy" } });
    await start("r1");
    fake.settle();
    const runs = (await call("GET", "/api/v2/dags/deploy/dagRuns")).body.dag_runs;
    expect(runs).toHaveLength(1);
    const [{ dag_run_id: id, logical_date: at }] = runs;
    // Its id holds its logical date, as Python prints it.
    expect(id).toMatch(/^manual__2025-01-01T00:00:\d\d(\.\d{6})?\+00:00$/);
    expect(Date.parse(id.slice("manual__".length))).toBe(Date.parse(at));
  });

  it("with wait, runs until the run is done: success with it, failed with it (retried, and the retry finds the run there)", async () => {
    const waits = { ...TRIGGER, retries: 1, retryDelayMs: 1_000 };
    const ok = await setup({
      ...waits,
      triggers: { dagId: "deploy", runId: "d", wait: { pokeIntervalMs: 5_000 } },
    });
    await ok.start("r1");
    ok.clock.advance(10_000);
    ok.fake.tick();
    expect((await ok.ti("r1", "start")).state).toBe("running");
    ok.fake.settle();
    expect((await ok.ti("r1", "start")).state).toBe("success");

    const bad = await setup(
      { ...waits, triggers: { dagId: "deploy", runId: "d", wait: true } },
      { push: "failed" },
    );
    await bad.start("r1");
    bad.fake.settle();
    const failed = await bad.ti("r1", "start");
    // The retry (try 2) found the run there: failed at once, not retried again.
    expect([failed.state, failed.try_number]).toEqual(["failed", 2]);
  });

  it("a run id the DAG has fails the task without a retry, or skips it with skipWhenExists", async () => {
    for (const skipWhenExists of [false, true]) {
      const { fake, start, ti, xcomKeys } = await setup({
        ...TRIGGER,
        retries: 2,
        triggers: { dagId: "deploy", runId: "deploy_1", skipWhenExists },
      });
      await start("r1");
      fake.settle();
      await start("r2");
      fake.settle();
      const second = await ti("r2", "start");
      expect([second.state, second.try_number]).toEqual([skipWhenExists ? "skipped" : "failed", 1]);
      // The link was pushed before the run was asked for; no run id.
      expect(await xcomKeys("r2", "start")).toEqual(["_link_TriggerDagRunLink"]);
    }
  });

  it("a DAG the fake does not have, or a conf its params refuse, fails the try (retried as any failure)", async () => {
    for (const triggers of [
      { dagId: "nowhere" },
      { dagId: "deploy", conf: { model: 3 } },
    ] as const) {
      const { fake, call, start, ti } = await setup({
        ...TRIGGER,
        retries: 1,
        retryDelayMs: 1_000,
        triggers,
      });
      await start("r1");
      fake.settle();
      const t = await ti("r1", "start");
      expect([t.state, t.try_number]).toEqual(["failed", 2]);
      expect((await call("GET", "/api/v2/dags/deploy/dagRuns")).body.total_entries).toBe(0);
    }
  });

  it("two runs started in one millisecond get ids a microsecond apart, as Airflow's utcnow() gives", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
    fake.addDag({ dagId: "deploy", tasks: [{ taskId: "push" }] });
    fake.addDag({
      dagId: "train",
      tasks: [
        { ...TRIGGER, taskId: "a", triggers: { dagId: "deploy" } },
        { ...TRIGGER, taskId: "b", triggers: { dagId: "deploy" } },
      ],
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/train/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const runs = (await call("GET", "/api/v2/dags/deploy/dagRuns")).body.dag_runs as {
      dag_run_id: string;
      logical_date: string;
    }[];
    expect(runs).toHaveLength(2);
    const [first, second] = runs.map((r) => r.dag_run_id);
    expect(second).toBe(first?.replace(/(\.\d{3})000\+/, "$1001+"));
    expect(runs[1]?.logical_date).toMatch(/\.\d{3}001Z$/);
    const tis = (await call("GET", "/api/v2/dags/train/dagRuns/r1/taskInstances")).body;
    expect(tis.task_instances.map((t: { state: string }) => t.state)).toEqual([
      "success",
      "success",
    ]);
  });

  it("a waited-for run that is deleted fails the try (the API's 404), retried; an empty allowedStates is the default", async () => {
    const gone = await setup({
      ...TRIGGER,
      retries: 1,
      retryDelayMs: 1_000,
      triggers: { dagId: "deploy", wait: { pokeIntervalMs: 5_000 } },
    });
    await gone.call("PATCH", "/api/v2/dags/deploy", { is_paused: true });
    await gone.start("r1");
    gone.clock.advance(3_000);
    gone.fake.tick();
    const queued = (await gone.call("GET", "/api/v2/dags/deploy/dagRuns")).body.dag_runs;
    expect(queued.map((r: { state: string }) => r.state)).toEqual(["queued"]);
    await gone.call("DELETE", `/api/v2/dags/deploy/dagRuns/${queued[0].dag_run_id}`);
    // The try ended at 1 s and checks every 5 s: at 6 s it finds the run gone.
    gone.clock.advance(3_500);
    gone.fake.tick();
    const t = await gone.ti("r1", "start");
    expect([t.state, t.try_number]).toEqual(["up_for_retry", 1]);

    const empty = await setup({
      ...TRIGGER,
      triggers: { dagId: "deploy", runId: "d", wait: { pokeIntervalMs: 5_000, allowedStates: [] } },
    });
    await empty.start("r1");
    empty.fake.settle();
    expect((await empty.ti("r1", "start")).state).toBe("success");
  });

  it("the run already there is found before the conf is checked: failed without a retry, not the conf's retried failure", async () => {
    const { fake, call, start, ti } = await setup({
      ...TRIGGER,
      retries: 2,
      triggers: { dagId: "deploy", runId: "deploy_1", conf: { model: 3 } },
    });
    await call("POST", "/api/v2/dags/deploy/dagRuns", {
      dag_run_id: "deploy_1",
      logical_date: null,
    });
    await start("r1");
    fake.settle();
    const t = await ti("r1", "start");
    expect([t.state, t.try_number]).toEqual(["failed", 1]);
  });

  it("a try that found the run there and was cleared before it ended leaves the next try its retries", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 10_000 });
    fake.addDag({ dagId: "deploy", tasks: [{ taskId: "push" }] });
    fake.addDag({
      dagId: "train",
      tasks: [
        {
          ...TRIGGER,
          retries: 1,
          retryDelayMs: 1_000,
          triggers: { dagId: "deploy", runId: "deploy_1" },
        },
      ],
      // The second try fails by itself: retried.
      script: { start: ["success", "failed", "failed"] },
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/deploy/dagRuns", {
      dag_run_id: "deploy_1",
      logical_date: null,
    });
    await call("POST", "/api/v2/dags/train/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(2_000);
    fake.tick();
    const ti = "/api/v2/dags/train/dagRuns/r1/taskInstances/start";
    expect((await call("GET", ti)).body.state).toBe("running");
    await call("POST", "/api/v2/dags/train/clearTaskInstances", {
      dag_run_id: "r1",
      task_ids: ["start"],
      dry_run: false,
      only_failed: false,
    });
    clock.advance(10_500);
    fake.tick();
    const after = (await call("GET", ti)).body;
    expect([after.state, after.try_number]).toEqual(["up_for_retry", 2]);
  });

  it("a run id Airflow refuses fails the try when it runs; a scheduled__ prefix is no manual run's and is taken", async () => {
    const bad = await setup({
      ...TRIGGER,
      retries: 1,
      retryDelayMs: 1_000,
      triggers: { dagId: "deploy", runId: (run) => `../${run.runId}` },
    });
    await bad.start("r1");
    bad.fake.settle();
    const t = await bad.ti("r1", "start");
    expect([t.state, t.try_number]).toEqual(["failed", 2]);
    const log = await bad.call("GET", "/api/v2/dags/train/dagRuns/r1/taskInstances/start/logs/2");
    expect(JSON.stringify(log.body)).toContain("AirflowRuntimeError");

    const prefixed = await setup({
      ...TRIGGER,
      triggers: { dagId: "deploy", runId: "scheduled__x" },
    });
    await prefixed.start("r1");
    prefixed.fake.settle();
    expect((await prefixed.ti("r1", "start")).state).toBe("success");
  });

  it("addDag refuses a trigger it cannot run", () => {
    const fake = createAirflowFake();
    const add = (triggers: unknown) => () =>
      fake.addDag({ dagId: "x", tasks: [{ taskId: "t", triggers } as AirflowTaskSpec] });
    expect(add({})).toThrow(/needs the dagId of the DAG it starts/);
    expect(add({ dagId: "d", runId: 3 })).toThrow(/runId must be a string or a function/);
    expect(add({ dagId: "d", wait: { allowedStates: ["done"] } })).toThrow(
      /allowedStates holds "done", not a DAG run state/,
    );
    expect(add({ dagId: "d", conf: [1] })).toThrow(/conf must be an object/);
  });
});
