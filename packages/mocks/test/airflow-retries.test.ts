import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Retries and a task instance's tries as Airflow 3.3.2 keeps them: a failed try with retries
// left goes up_for_retry, is archived in task_instance_history as failed, and the next try is
// scheduled once the retry delay is over (routes/public/task_instances.py get_task_instance_tries
// and get_task_instance_try_details; models/taskinstancehistory.py record_ti). The parity test
// (test/engines/mocks-airflow-parity.test.ts) runs the same against a real Airflow.

const RUN = "/api/v2/dags/flaky/dagRuns/r1";
const TI = `${RUN}/taskInstances/fetch`;

async function setup(retries: number, script: ("failed" | "success")[]) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({
    dagId: "flaky",
    tasks: [
      {
        taskId: "fetch",
        retries,
        retryDelayMs: 10_000,
        xcomOnFailure: { partial: 1 },
        xcom: { return_value: "ok" },
      },
      { taskId: "load", upstream: ["fetch"] },
    ],
    script: { fetch: script },
  });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/flaky/dagRuns", { dag_run_id: "r1", logical_date: null });
  return { clock, fake, call };
}

/** Steps the fake's clock until the task instance is in `state` (at most a minute). */
async function until(
  clock: ReturnType<typeof createManualClock>,
  call: Awaited<ReturnType<typeof setup>>["call"],
  state: string,
) {
  for (let i = 0; i < 600; i++) {
    const ti = (await call("GET", TI)).body;
    if (ti.state === state) return ti;
    clock.advance(100);
  }
  throw new Error(`fetch never got to ${state}`);
}

describe("Airflow fake: retries and tries", () => {
  it("a failed try with retries left is up_for_retry, its downstream waiting, and the retry is the next try after the delay", async () => {
    const { clock, call } = await setup(2, ["failed", "success"]);
    const first = await until(clock, call, "running");
    const waiting = await until(clock, call, "up_for_retry");
    // The failed try is archived, and the row that waits for the retry gets a new id.
    expect(waiting.id).not.toBe(first.id);
    expect(waiting).toMatchObject({ try_number: 1, max_tries: 2 });
    expect(waiting.end_date).not.toBeNull();
    expect((await call("GET", `${RUN}/taskInstances/load`)).body.state).toBeNull();
    expect((await call("GET", RUN)).body.state).toBe("running");
    // What the failed try pushed stays until the next try starts.
    expect((await call("GET", `${TI}/xcomEntries/partial`)).status).toBe(200);
    clock.advance(9_000);
    expect((await call("GET", TI)).body.state).toBe("up_for_retry");
    clock.advance(1_000);
    const again = (await call("GET", TI)).body;
    expect(again.try_number).toBe(2);
    expect(["scheduled", "queued", "running"]).toContain(again.state);
    const done = await until(clock, call, "success");
    expect(done).toMatchObject({ try_number: 2, max_tries: 2 });
    expect((await call("GET", `${TI}/xcomEntries/partial`)).status).toBe(404);
    expect((await call("GET", `${TI}/xcomEntries/return_value`)).status).toBe(200);

    const tries = (await call("GET", `${TI}/tries`)).body;
    expect(tries.total_entries).toBe(2);
    expect(
      tries.task_instances.map((t: Record<string, unknown>) => [t.try_number, t.state]),
    ).toEqual([
      [1, "failed"],
      [2, "success"],
    ]);
    expect(Object.keys(tries.task_instances[0]).sort()).toEqual(
      [
        "task_id",
        "dag_id",
        "dag_run_id",
        "map_index",
        "start_date",
        "end_date",
        "duration",
        "state",
        "try_number",
        "max_tries",
        "task_display_name",
        "dag_display_name",
        "hostname",
        "unixname",
        "pool",
        "pool_slots",
        "queue",
        "priority_weight",
        "operator",
        "operator_name",
        "queued_when",
        "scheduled_when",
        "pid",
        "executor",
        "executor_config",
        "dag_version",
      ].sort(),
    );
    expect((await call("GET", `${TI}/tries/1`)).body).toEqual(tries.task_instances[0]);
    expect((await call("GET", `${TI}/-1/tries/2`)).body).toEqual(tries.task_instances[1]);
    expect((await call("GET", `${TI}/-1/tries`)).body).toEqual(tries);
    // The run goes on after the retry succeeded.
    await until(clock, call, "success");
    for (let i = 0; i < 100 && (await call("GET", RUN)).body.state === "running"; i++) {
      clock.advance(1_000);
    }
    expect((await call("GET", RUN)).body.state).toBe("success");
  });

  it("while up for retry, the list holds the archived try alone, and the try by number is the row", async () => {
    const { clock, call } = await setup(1, ["failed", "failed"]);
    await until(clock, call, "up_for_retry");
    const tries = (await call("GET", `${TI}/tries`)).body;
    expect(tries.task_instances.map((t: Record<string, unknown>) => t.state)).toEqual(["failed"]);
    expect((await call("GET", `${TI}/tries/1`)).body.state).toBe("up_for_retry");
    // Out of retries: the last try fails the task, and what comes after it.
    await until(clock, call, "failed");
    expect((await call("GET", `${RUN}/taskInstances/load`)).body.state).toBe("upstream_failed");
    const after = (await call("GET", `${TI}/tries`)).body;
    expect(
      after.task_instances.map((t: Record<string, unknown>) => [t.try_number, t.state]),
    ).toEqual([
      [1, "failed"],
      [2, "failed"],
    ]);
  });

  it("a clear archives the try in its state and gives the task its retries again", async () => {
    const { clock, fake, call } = await setup(1, ["success", "failed", "success"]);
    fake.settle();
    const cleared = await call("POST", `${RUN}/clear`, { dry_run: false });
    expect(cleared.status).toBe(200);
    const ti = (await call("GET", TI)).body;
    expect(ti).toMatchObject({ state: null, try_number: 1, max_tries: 2 });
    // clear_task_instances deletes no XCom: the next try's start clears them.
    expect((await call("GET", `${TI}/xcomEntries/return_value`)).status).toBe(200);
    expect((await call("GET", `${TI}/tries`)).body.task_instances).toMatchObject([
      { try_number: 1, state: "success", max_tries: 1 },
      { try_number: 1, state: null, max_tries: 2 },
    ]);
    fake.settle();
    clock.advance(0);
    expect(
      (await call("GET", `${TI}/tries`)).body.task_instances.map((t: Record<string, unknown>) => [
        t.try_number,
        t.state,
      ]),
    ).toEqual([
      [1, "success"],
      [2, "failed"],
      [3, "success"],
    ]);
  });

  it("answers the server's 404 and 422", async () => {
    const { call } = await setup(0, ["success"]);
    expect(await call("GET", `${RUN}/taskInstances/nope/tries`)).toEqual({
      status: 404,
      body: {
        detail:
          "The Task Instance with dag_id: `flaky`, run_id: `r1`, task_id: `nope` and map_index: `-1` was not found",
      },
    });
    expect(await call("GET", `${TI}/tries/7`)).toEqual({
      status: 404,
      body: {
        detail:
          "The Task Instance with dag_id: `flaky`, run_id: `r1`, task_id: `fetch`, try_number: `7` and map_index: `-1` was not found",
      },
    });
    expect((await call("GET", `${TI}/3/tries`)).status).toBe(404);
    const bad = await call("GET", `${TI}/tries/x`);
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]).toMatchObject({
      type: "int_parsing",
      loc: ["path", "task_try_number"],
      input: "x",
    });
    const badMap = await call("GET", `${TI}/tries?map_index=a`);
    expect(badMap.status).toBe(422);
    expect(badMap.body.detail[0]).toMatchObject({ loc: ["query", "map_index"] });
    // The path's errors first, as FastAPI lists them.
    const both = await call("GET", `${TI}/tries/x?map_index=a`);
    expect(both.body.detail.map((d: { loc: string[] }) => d.loc)).toEqual([
      ["path", "task_try_number"],
      ["query", "map_index"],
    ]);
  });

  it("an earlier try's log is that try's own: its start and end, no output when it never started", async () => {
    const { clock, call } = await setup(1, ["failed", "success"]);
    await until(clock, call, "up_for_retry");
    clock.advance(60_000);
    await until(clock, call, "success");
    const [first] = (await call("GET", `${TI}/tries`)).body.task_instances;
    const log = (await call("GET", `${TI}/logs/1`)).body.content as Record<string, unknown>[];
    const failed = log.find((e) => e.event === "Task failed with exception");
    expect(failed?.timestamp).toBe(first.end_date);
    expect(Date.parse(first.end_date)).toBeLessThan(
      Date.parse((await call("GET", TI)).body.start_date),
    );
  });

  it("a retry whose delay passed while its run was set back to queued is scheduled when the run runs again", async () => {
    const { clock, call } = await setup(1, ["failed", "success"]);
    await until(clock, call, "up_for_retry");
    await call("PATCH", "/api/v2/dags/flaky", { is_paused: true });
    await call("PATCH", RUN, { state: "queued" });
    clock.advance(60_000);
    await call("PATCH", "/api/v2/dags/flaky", { is_paused: false });
    await until(clock, call, "success");
    const run = (await call("GET", RUN)).body;
    const ti = (await call("GET", TI)).body;
    expect(Date.parse(ti.scheduled_when)).toBeGreaterThanOrEqual(Date.parse(run.start_date));
  });

  it("up_for_retry lasts at least a millisecond, a zero delay too", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 10 });
    fake.addDag({
      dagId: "z",
      tasks: [{ taskId: "t", retries: 1, retryDelayMs: 0 }],
      script: { t: ["failed", "success"] },
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/z/dagRuns", { dag_run_id: "r", logical_date: null });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      seen.add((await call("GET", "/api/v2/dags/z/dagRuns/r/taskInstances/t")).body.state);
      clock.advance(1);
    }
    expect(seen).toContain("up_for_retry");
  });

  it("keeps creation order across the 4,096th id made in one millisecond (the list sorts by id after map_index)", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock });
    for (let i = 0; i < 4_093; i++) fake.addDag({ dagId: "pad", tasks: [{ taskId: "x" }] });
    fake.addDag({ dagId: "four", tasks: ["a", "b", "c", "d"].map((taskId) => ({ taskId })) });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/four/dagRuns", { dag_run_id: "r", logical_date: null });
    const listed = (await call("GET", "/api/v2/dags/four/dagRuns/r/taskInstances")).body;
    expect(listed.task_instances.map((t: Record<string, unknown>) => t.task_id)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("refuses retries it cannot model", () => {
    const fake = createAirflowFake();
    expect(() => fake.addDag({ dagId: "d", tasks: [{ taskId: "t", retries: 1.5 }] })).toThrow(
      "addDag(d): t needs a whole retries ≥ 0",
    );
    expect(() => fake.addDag({ dagId: "d", tasks: [{ taskId: "t", retryDelayMs: -1 }] })).toThrow(
      "addDag(d): t needs retryDelayMs ≥ 0",
    );
  });
});

describe("Airflow fake: a try that raises AirflowFailException", () => {
  // task_runner.run(): `except (AirflowFailException, AirflowSensorTimeout)` sets the try
  // FAILED at once, where another exception is up_for_retry while retries are left.
  it("fails the task without its retries; another exception is retried", async () => {
    for (const [error, tries] of [
      ["AirflowFailException: the input is corrupt, retrying will not help", 1],
      ["AirflowSensorTimeout: gave up", 1],
      ["AirflowTaskTerminated: Task was terminated by the executor", 1],
      ["ValueError: no rows", 3],
    ] as const) {
      const fake = createAirflowFake({ taskDurationMs: 1_000 });
      fake.addDag({
        dagId: "flaky",
        tasks: [{ taskId: "fetch", retries: 2, retryDelayMs: 1_000 }],
        script: { fetch: { state: "failed", error } },
      });
      const call = await loggedIn(fake);
      await call("POST", "/api/v2/dags/flaky/dagRuns", { dag_run_id: "r1", logical_date: null });
      fake.settle();
      expect((await call("GET", TI)).body).toMatchObject({ state: "failed", try_number: tries });
    }
  });
});

describe("Airflow fake: a failure the fake sets itself", () => {
  it("is retried whatever the script's error says: a trigger of a DAG the fake lacks", async () => {
    const fake = createAirflowFake({ taskDurationMs: 1_000 });
    fake.addDag({
      dagId: "flaky",
      tasks: [
        {
          taskId: "fetch",
          retries: 1,
          retryDelayMs: 1_000,
          operator: "TriggerDagRunOperator",
          triggers: { dagId: "missing" },
        },
      ],
      // A success as scripted: the trigger's API error fails it, not the script.
      script: { fetch: { state: "success", error: "AirflowFailException: not raised" } },
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/flaky/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    expect((await call("GET", TI)).body).toMatchObject({ state: "failed", try_number: 2 });
  });
});
