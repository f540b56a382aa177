import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowDagScript, type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// A sensor in reschedule mode as Airflow 3.3.2 runs it: a poke that finds nothing ends the
// run of the task (execution API ti_update_state, TIRescheduleStatePayload: up_for_reschedule,
// end_date and duration set), and the scheduler schedules it again after poke_interval with the
// same try number (dagrun.py schedule_tis). The parity test runs a real one.

const RUN = "/api/v2/dags/wait/dagRuns/r1";
const TI = `${RUN}/taskInstances/sensor`;

async function setup(script = {}, retries = 0) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({
    dagId: "wait",
    tasks: [
      {
        taskId: "sensor",
        operator: "FileSensor",
        reschedules: 2,
        pokeIntervalMs: 30_000,
        retries,
        retryDelayMs: 1_000,
      },
      { taskId: "load", upstream: ["sensor"] },
    ],
    script,
  });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/wait/dagRuns", { dag_run_id: "r1", logical_date: null });
  return { clock, fake, call };
}

/**
 * DAG `wait`: `sensor` (a FileSensor poking every 30 s, retried 1 s after a failed try, `sensor`
 * over that) and `load` after it, run r1 started on a manual clock; tasks run a second.
 */
async function sensorRun(sensor: Partial<AirflowTaskSpec>, script: AirflowDagScript = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({
    dagId: "wait",
    tasks: [
      {
        taskId: "sensor",
        operator: "FileSensor",
        pokeIntervalMs: 30_000,
        retryDelayMs: 1_000,
        ...sensor,
      },
      { taskId: "load", upstream: ["sensor"] },
    ],
    script,
  });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/wait/dagRuns", { dag_run_id: "r1", logical_date: null });
  return { clock, fake, call };
}

describe("Airflow fake: sensors in reschedule mode", () => {
  it("each poke that finds nothing is up_for_reschedule for the poke interval, then the same try pokes again", async () => {
    const { clock, fake, call } = await setup();
    clock.advance(1_100);
    const first = (await call("GET", TI)).body;
    expect(first).toMatchObject({ state: "up_for_reschedule", try_number: 1 });
    expect(first.end_date).not.toBeNull();
    expect(first.duration).toBeCloseTo(1, 1);
    expect((await call("GET", `${RUN}/taskInstances/load`)).body.state).toBeNull();
    // Its log so far: no exception, no continuation token (the task is not running).
    const log = (await call("GET", `${TI}/logs/1`)).body;
    expect([JSON.stringify(log).includes("error_detail"), log.continuation_token]).toEqual([
      false,
      null,
    ]);
    clock.advance(29_000);
    expect((await call("GET", TI)).body.state).toBe("up_for_reschedule");
    clock.advance(1_000);
    const again = (await call("GET", TI)).body;
    expect(["scheduled", "queued", "running"]).toContain(again.state);
    expect(again.try_number).toBe(1);
    expect(again.id).toBe(first.id);
    fake.settle();
    expect((await call("GET", TI)).body).toMatchObject({ state: "success", try_number: 1 });
    expect((await call("GET", RUN)).body.state).toBe("success");
    // Reschedules are not tries: the history has one.
    expect((await call("GET", `${TI}/tries`)).body.total_entries).toBe(1);
  });

  it("a run marked failed while its sensor waits gives the sensor that state (up_for_reschedule is a running state)", async () => {
    const { clock, call } = await setup();
    clock.advance(1_100);
    await call("PATCH", RUN, { state: "failed" });
    expect((await call("GET", TI)).body.state).toBe("failed");
    expect((await call("GET", `${RUN}/taskInstances/load`)).body.state).toBe("skipped");
  });

  it("a retry pokes again from the start: each try finds nothing as often", async () => {
    const { clock, fake, call } = await setup({ sensor: ["failed", "success"] }, 1);
    // Three pokes of try 1 (two rescheduled, the last fails), then the retry's three.
    clock.advance(1_100 + 30_000 + 1_100 + 30_000 + 1_100);
    expect((await call("GET", TI)).body).toMatchObject({ state: "up_for_retry", try_number: 1 });
    // The retry delay (1 s), then its first poke (1 s).
    clock.advance(2_100);
    const retry = (await call("GET", TI)).body;
    expect(retry).toMatchObject({ state: "up_for_reschedule", try_number: 2 });
    fake.settle();
    expect((await call("GET", TI)).body).toMatchObject({ state: "success", try_number: 2 });
  });
});

describe("Airflow fake: a sensor's log", () => {
  it("each poke appends its lines to the try's log; a try a clear stopped between pokes raised nothing", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
    fake.addDag({
      dagId: "wait",
      tasks: [{ taskId: "sensor", reschedules: 2, pokeIntervalMs: 30_000, log: ["poking"] }],
      script: { sensor: { state: "failed", error: "AirflowSensorTimeout: waited too long" } },
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/wait/dagRuns", { dag_run_id: "r1", logical_date: null });
    const events = async (n: number) =>
      ((await call("GET", `${TI}/logs/${n}`)).body.content as { event: string }[]).map(
        (c) => c.event,
      );
    // During the third poke: three pokes' lines.
    clock.advance(1_100 + 30_000 + 1_100 + 30_000 + 100);
    expect((await call("GET", TI)).body.state).toBe("running");
    expect((await events(1)).filter((e) => e === "poking")).toHaveLength(3);
    // Between pokes of the second try, the run cleared: that try raised nothing.
    fake.settle();
    await call("POST", `${RUN}/clear`, { dry_run: false });
    clock.advance(60_000);
    expect((await call("GET", TI)).body).toMatchObject({
      state: "up_for_reschedule",
      try_number: 2,
    });
    await call("POST", `${RUN}/clear`, { dry_run: false });
    const stopped = await events(2);
    // Two pokes found nothing before the clear (a minute: a poke, 30 s, a poke).
    expect(stopped.filter((e) => e === "poking")).toHaveLength(2);
    expect(stopped).not.toContain("Task failed with exception");
    // The first try, which ended by itself, did raise.
    expect(await events(1)).toContain("Task failed with exception");
  });
});

describe("Airflow fake: a sensor's timeout", () => {
  // BaseSensorOperator.execute in reschedule mode: the timeout counts from the first
  // task_reschedule row of the try (written when its first poke that found nothing ended), and
  // a poke that finds nothing past it raises AirflowSensorTimeout (failed, not retried: the
  // task runner's AirflowFailException branch) or, with soft_fail, AirflowSkipException.
  const timed = (
    sensor: { timeoutMs: number; softFail?: boolean; reschedules?: number; retries?: number },
    script: AirflowDagScript = {},
  ) => sensorRun({ reschedules: Number.POSITIVE_INFINITY, ...sensor }, script);
  const state = async (call: Awaited<ReturnType<typeof timed>>["call"], path: string) =>
    (await call("GET", path)).body;

  it("a sensor that never finds it fails once the timeout has passed, without the retries it has", async () => {
    const { clock, fake, call } = await timed({ timeoutMs: 60_000, retries: 2 });
    // Pokes end near 1 s, 32 s and 63 s: 31 s after the first is within the minute, 62 s is not.
    clock.advance(32_100);
    expect(await state(call, TI)).toMatchObject({ state: "up_for_reschedule", try_number: 1 });
    fake.settle();
    expect(await state(call, TI)).toMatchObject({ state: "failed", try_number: 1 });
    expect((await state(call, `${RUN}/taskInstances/load`)).state).toBe("upstream_failed");
    expect((await state(call, RUN)).state).toBe("failed");
    const events = ((await state(call, `${TI}/logs/1`)).content as { event: string }[]).map(
      (c) => c.event,
    );
    expect(events).toContain("Task failed with exception");
    const detail = JSON.stringify(await state(call, `${TI}/logs/1`));
    expect(detail).toContain("AirflowSensorTimeout");
    expect(detail).toMatch(
      /run duration of 62\.0\d* seconds exceeds the specified timeout of 60\.0\./,
    );
  });

  it("with softFail it is skipped, and what follows it too", async () => {
    const { fake, call } = await timed({ timeoutMs: 60_000, softFail: true, retries: 2 });
    fake.settle();
    expect(await state(call, TI)).toMatchObject({ state: "skipped", try_number: 1 });
    expect((await state(call, `${RUN}/taskInstances/load`)).state).toBe("skipped");
    expect((await state(call, RUN)).state).toBe("success");
  });

  it("its first poke counts from its own start: a timeout shorter than a poke, or 0, ends it there", async () => {
    for (const timeoutMs of [500, 0]) {
      const { clock, call } = await timed({ timeoutMs });
      clock.advance(1_100);
      expect(await state(call, TI)).toMatchObject({ state: "failed", try_number: 1 });
      // The run duration said is the poke's (a second), not 0.
      expect(JSON.stringify(await state(call, `${TI}/logs/1`))).toMatch(
        /run duration of 1\.0 seconds exceeds the specified timeout of (0\.5|0\.0)\./,
      );
    }
  });

  it("a retry counts from its own first poke, not the first try's", async () => {
    // Each try's pokes end near 1 s, 32 s, 63 s and 94 s after it starts; the first three
    // find nothing, 62 s at most after the try's first (within 70 s), and the fourth ends as
    // scripted (try 1 fails, try 2 succeeds). Try 2's third poke is over 120 s after try 1's
    // first: counted from there, it would time out.
    const { fake, call } = await timed(
      { timeoutMs: 70_000, reschedules: 3, retries: 1 },
      { sensor: ["failed", "success"] },
    );
    fake.settle();
    expect(await state(call, TI)).toMatchObject({ state: "success", try_number: 2 });
  });

  it("a sensor that times out pushes nothing, and with softFail its log says no exception: the poke its script fails is never reached", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
    fake.addDag({
      dagId: "wait",
      tasks: [
        {
          taskId: "sensor",
          reschedules: 3,
          pokeIntervalMs: 30_000,
          timeoutMs: 10_000,
          softFail: true,
          xcomOnFailure: { partial: 1 },
        },
        {
          taskId: "hard",
          reschedules: 3,
          pokeIntervalMs: 30_000,
          timeoutMs: 10_000,
          xcomOnFailure: { partial: 1 },
        },
      ],
      script: {
        sensor: { state: "failed", error: "OSError: boom" },
        hard: { state: "failed", error: "OSError: boom" },
      },
    });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/dags/wait/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const hard = `${RUN}/taskInstances/hard`;
    expect((await call("GET", TI)).body.state).toBe("skipped");
    expect((await call("GET", hard)).body.state).toBe("failed");
    const soft = JSON.stringify((await call("GET", `${TI}/logs/1`)).body);
    expect(soft).not.toContain("Task failed with exception");
    expect(soft).not.toContain("boom");
    const failed = JSON.stringify((await call("GET", `${hard}/logs/1`)).body);
    expect(failed).toContain("AirflowSensorTimeout");
    expect(failed).not.toContain("boom");
    for (const path of [TI, hard]) {
      expect((await call("GET", `${path}/xcomEntries`)).body.total_entries).toBe(0);
    }
  });

  it("refuses a timeout below 0 and a fractional reschedules", () => {
    const fake = createAirflowFake();
    expect(() =>
      fake.addDag({ dagId: "a", tasks: [{ taskId: "s", reschedules: 1, timeoutMs: -1 }] }),
    ).toThrow(/timeoutMs ≥ 0/);
    expect(() => fake.addDag({ dagId: "b", tasks: [{ taskId: "s", reschedules: 1.5 }] })).toThrow(
      /whole reschedules/,
    );
  });
});

describe("Airflow fake: a sensor in poke mode", () => {
  // BaseSensorOperator.execute in poke mode (Airflow 3.3.2, sdk/bases/sensor.py): one try
  // pokes, sleeps poke_interval and pokes again while it runs, its timeout counted from the
  // try's start (time.monotonic() as execute began); a poke that finds nothing past it raises
  // AirflowSensorTimeout (failed, not retried) or, with soft_fail, AirflowSkipException.
  const poking = (sensor: Partial<AirflowTaskSpec>, script: AirflowDagScript = {}) =>
    sensorRun({ log: ["poking"], ...sensor }, script);
  const body = async (call: Awaited<ReturnType<typeof poking>>["call"], path: string) =>
    (await call("GET", path)).body;

  it("runs through its pokes in one try: running all along, never up_for_reschedule, each poke in its log", async () => {
    const { clock, fake, call } = await poking({ pokes: 2 });
    // Pokes end near 1 s and 32 s (nothing found), the third near 63 s.
    clock.advance(40_000);
    expect(await body(call, TI)).toMatchObject({ state: "running", try_number: 1, end_date: null });
    clock.advance(22_000);
    expect((await body(call, TI)).state).toBe("running");
    clock.advance(2_000);
    expect(await body(call, TI)).toMatchObject({ state: "success", try_number: 1 });
    expect((await body(call, TI)).duration).toBeCloseTo(63, 0);
    fake.settle();
    expect((await body(call, RUN)).state).toBe("success");
    const lines = ((await body(call, `${TI}/logs/1`)).content as { event: string }[])
      .map((c) => c.event)
      .filter((e) => e === "poking");
    expect(lines).toHaveLength(3);
    // No task_reschedule rows: the API's list of a try's tries has the one.
    expect((await body(call, `${TI}/tries`)).total_entries).toBe(1);
  });

  it("one that never finds it fails at the first poke past the timeout, counted from the try's start, without its retries", async () => {
    const { clock, fake, call } = await poking({
      pokes: Number.POSITIVE_INFINITY,
      timeoutMs: 60_000,
      retries: 2,
    });
    // Pokes end near 1 s, 32 s and 63 s after the try's start: 63 s is past the minute.
    clock.advance(62_000);
    expect((await body(call, TI)).state).toBe("running");
    fake.settle();
    expect(await body(call, TI)).toMatchObject({ state: "failed", try_number: 1 });
    expect((await body(call, `${RUN}/taskInstances/load`)).state).toBe("upstream_failed");
    const log = JSON.stringify(await body(call, `${TI}/logs/1`));
    expect(log).toContain("AirflowSensorTimeout");
    expect(log).toContain(
      "Sensor has timed out; run duration of 63.0 seconds exceeds the specified timeout of 60.0.",
    );
    expect((await body(call, `${TI}/xcomEntries`)).total_entries).toBe(0);
  });

  it("with softFail it is skipped, and what follows it too; a retry's pokes count from the retry's start", async () => {
    const soft = await poking({
      pokes: Number.POSITIVE_INFINITY,
      timeoutMs: 60_000,
      softFail: true,
    });
    soft.fake.settle();
    expect((await body(soft.call, TI)).state).toBe("skipped");
    expect((await body(soft.call, `${RUN}/taskInstances/load`)).state).toBe("skipped");
    // Three empty pokes, the fourth as scripted, about 94 s into each try: within 100 s of the
    // retry's own start, though not of the first try's.
    const retried = await poking(
      { pokes: 3, timeoutMs: 100_000, retries: 1 },
      { sensor: ["failed", "success"] },
    );
    retried.fake.settle();
    expect(await body(retried.call, TI)).toMatchObject({ state: "success", try_number: 2 });
    // The retry poked four times again, its pokes counted from none.
    const lines = ((await body(retried.call, `${TI}/logs/2`)).content as { event: string }[])
      .map((c) => c.event)
      .filter((e) => e === "poking");
    expect(lines).toHaveLength(4);
    expect((await body(retried.call, TI)).duration).toBeCloseTo(94, 0);
  });

  it("refuses pokes beside reschedules, and a fractional pokes", () => {
    const fake = createAirflowFake();
    expect(() =>
      fake.addDag({ dagId: "a", tasks: [{ taskId: "s", pokes: 1, reschedules: 1 }] }),
    ).toThrow(/a sensor pokes in one mode/);
    expect(() => fake.addDag({ dagId: "b", tasks: [{ taskId: "s", pokes: 0.5 }] })).toThrow(
      /whole pokes/,
    );
  });
});

describe("Airflow fake: a soft_fail sensor whose poke raises", () => {
  // BaseSensorOperator.execute (Airflow 3.3.2): a poke raising AirflowSensorTimeout,
  // AirflowTaskTimeout or AirflowFailException raises AirflowSkipException with soft_fail;
  // any other exception is raised as it is (failed, retried).
  async function raising(error: string, softFail: boolean) {
    const { fake, call } = await sensorRun(
      { reschedules: 1, retries: 1, softFail, xcomOnFailure: { seen: 3 } },
      { sensor: { state: "failed", error } },
    );
    fake.settle();
    return call;
  }

  it("is skipped for AirflowFailException and the timeouts, on its first try, keeping what it pushed; its log says no exception", async () => {
    for (const error of [
      "AirflowFailException: the partition is corrupt",
      "AirflowSensorTimeout: gave up",
      "AirflowTaskTimeout: Timeout, PID: 12",
    ]) {
      const call = await raising(error, true);
      expect((await call("GET", TI)).body).toMatchObject({ state: "skipped", try_number: 1 });
      expect((await call("GET", `${RUN}/taskInstances/load`)).body.state).toBe("skipped");
      expect((await call("GET", `${TI}/xcomEntries`)).body.total_entries).toBe(1);
      const log = JSON.stringify((await call("GET", `${TI}/logs/1`)).body);
      expect(log).not.toContain("Task failed with exception");
    }
  });

  it("in poke mode too: the poke that raises after the empty ones is skipped", async () => {
    const { fake, call } = await sensorRun(
      { pokes: 2, pokeIntervalMs: 5_000, softFail: true },
      { sensor: { state: "failed", error: "AirflowFailException: corrupt" } },
    );
    fake.settle();
    expect((await call("GET", TI)).body).toMatchObject({ state: "skipped", try_number: 1 });
    expect((await call("GET", TI)).body.duration).toBeCloseTo(13, 0);
  });

  it("fails for any other exception, retried as usual; without softFail, AirflowFailException fails it without its retries", async () => {
    const other = await raising("ValueError: bad path", true);
    expect((await other("GET", TI)).body).toMatchObject({ state: "failed", try_number: 2 });
    const hard = await raising("AirflowFailException: the partition is corrupt", false);
    expect((await hard("GET", TI)).body).toMatchObject({ state: "failed", try_number: 1 });
    expect(JSON.stringify((await hard("GET", `${TI}/logs/1`)).body)).toContain(
      "AirflowFailException",
    );
  });
});
