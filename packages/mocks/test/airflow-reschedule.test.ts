import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { createAirflowFake } from "../src/index.js";
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
