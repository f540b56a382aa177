/**
 * The Airflow client's helpers against the fake when the API fails under them: waitForDagRun
 * riding out an outage (and not a permanent error), a trigger's read-back after a 409 that
 * fails, and the paused flag of a wait that times out on a running run.
 */
import {
  AirflowApiError,
  AirflowDagRunExistsError,
  AirflowRequestError,
  AirflowWaitError,
  AirflowWaitTimeoutError,
  createAirflowClient,
} from "@mlgen/airflow-client";
import { type HttpHandler, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { fetchFrom } from "../src/fetch.js";
import { createAirflowFake } from "../src/index.js";
import { networkError, serviceUnavailable, slow } from "../src/scenarios.js";

/** A fake on a manual clock, one DAG `d` of one task, and a client through `faults` first. */
function setup(taskDurationMs = 10_000) {
  const clock = createManualClock();
  const fake = createAirflowFake({ clock, taskDurationMs });
  fake.addDag({ dagId: "d", tasks: [{ taskId: "t" }] });
  const runUrl = (runId: string) => `${fake.baseUrl}/api/v2/dags/d/dagRuns/${runId}`;
  const client = (...faults: HttpHandler[]) =>
    createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fetchFrom([...faults, ...fake.handlers]),
      clock,
      // One retry per poll, without waiting: each poll is two requests, the clock moved only by
      // the polls' waits.
      retry: { retries: 1 },
      sleep: async () => {},
    });
  return { clock, fake, runUrl, client };
}

describe("waitForDagRun through an API outage", () => {
  it("keeps polling through 503s (an API server restarting) and resolves when the API is back", async () => {
    const { clock, runUrl, client } = setup();
    const down = serviceUnavailable({ url: runUrl("r1"), method: "GET", times: 6 });
    const airflow = client(down);
    await airflow.triggerDagRun("d", { runId: "r1" });
    const t0 = clock.now();
    const errors: Array<[number, number]> = [];
    const result = await airflow.waitForDagRun("d", "r1", {
      pollIntervalMs: 2000,
      onPollError: (e, n) => errors.push([(e as AirflowApiError).status, n]),
    });
    expect(result.state).toBe("success");
    // Three polls of two requests each failed, 6 s of outage, then the run was read.
    expect(down.hits()).toBe(6);
    expect(errors).toEqual([
      [503, 1],
      [503, 2],
      [503, 3],
    ]);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(10_000);
  });

  it("keeps polling through network errors (nothing listening), the run's task list too", async () => {
    const { runUrl, client } = setup(1000);
    const reset = networkError({ url: runUrl("r1"), method: "GET", times: 6 });
    const airflow = client(reset);
    await airflow.triggerDagRun("d", { runId: "r1" });
    const errors: string[] = [];
    const result = await airflow.waitForDagRun("d", "r1", {
      pollIntervalMs: 1000,
      onPollError: (e) => errors.push((e as Error).name),
    });
    expect([result.state, result.taskInstances.map((t) => t.state)]).toEqual([
      "success",
      ["success"],
    ]);
    expect(reset.hits()).toBe(6);
    expect(errors).toEqual(["AirflowRequestError", "AirflowRequestError", "AirflowRequestError"]);
  });

  it("gives up after maxOutageMs, saying how long and how many polls failed and the last error", async () => {
    const { clock, runUrl, client } = setup();
    const down = serviceUnavailable({
      url: runUrl("r1"),
      method: "GET",
      times: Number.POSITIVE_INFINITY,
    });
    const airflow = client(down);
    await airflow.triggerDagRun("d", { runId: "r1" });
    const t0 = clock.now();
    const err = await airflow
      .waitForDagRun("d", "r1", { pollIntervalMs: 3000, maxOutageMs: 10_000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowWaitError);
    // Polls at 0, 3, 6 and 9 s, and the last at 10 s, the end of maxOutageMs.
    expect(err).toMatchObject({
      dagId: "d",
      runId: "r1",
      failedPolls: 5,
      failingMs: 10_000,
      lastState: null,
      timedOut: false,
    });
    expect(clock.now() - t0).toBe(10_000);
    expect((err as Error).cause).toBeInstanceOf(AirflowApiError);
    expect((err as Error).message).toBe(
      "waitForDagRun gave up on dag run d/r1 (its state never read): the API kept failing past maxOutageMs (10 s): 5 polls in a row failed over 10 s; the last: GET /api/v2/dags/d/dagRuns/r1 → 503: upstream connect error or disconnect/reset before headers",
    );
    expect(down.hits()).toBe(10);
  });

  it("keeps timeoutMs exactly through an outage: gives up at the deadline, with the state last seen", async () => {
    const { clock, runUrl, client } = setup(60_000);
    let outage = false;
    const down = http.get(`${runUrl("r1")}`, () =>
      outage ? HttpResponse.text("bad gateway", { status: 502 }) : undefined,
    );
    const airflow = client(down);
    await airflow.triggerDagRun("d", { runId: "r1" });
    const t0 = clock.now();
    const err = await airflow
      .waitForDagRun("d", "r1", {
        pollIntervalMs: 2000,
        timeoutMs: 5000,
        onProgress: () => {
          outage = true;
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowWaitError);
    // Read at 0 s (queued); then failed at 2, 4 and 5 s, the deadline.
    expect(err).toMatchObject({ failedPolls: 3, failingMs: 3000, timedOut: true });
    expect((err as AirflowWaitError).lastState).toBe("queued");
    expect(clock.now() - t0).toBe(5000);
    expect((err as Error).message).toMatch(
      /^waitForDagRun gave up on dag run d\/r1 \(last seen queued\): the deadline \(timeoutMs, 5 s\) passed while the API was failing: 3 polls in a row failed over 3 s; the last: GET \/api\/v2\/dags\/d\/dagRuns\/r1 → 502: bad gateway$/,
    );
  });

  it("gives up at the first failure with maxOutageMs: 0, and checks the option before any request", async () => {
    const { runUrl, client } = setup();
    const airflow = client(serviceUnavailable({ url: runUrl("r1"), method: "GET", times: 2 }));
    await airflow.triggerDagRun("d", { runId: "r1" });
    const err = await airflow.waitForDagRun("d", "r1", { maxOutageMs: 0 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AirflowWaitError", failedPolls: 1 });
    await expect(
      airflow.waitForDagRun("d", "r1", { maxOutageMs: "10" as unknown as number }),
    ).rejects.toThrow(/^waitForDagRun: maxOutageMs must be a number/);
  });

  it("throws a permanent error at once: 404 (no such run), 403, 401 after a new token", async () => {
    const { runUrl, client } = setup();
    const airflow = client();
    await airflow.triggerDagRun("d", { runId: "r1" });
    const missing = await airflow.waitForDagRun("d", "nope").catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: "AirflowApiError", status: 404 });
    for (const status of [403, 401, 422]) {
      let hits = 0;
      const refused = http.get(runUrl("r1"), () => {
        hits++;
        return HttpResponse.json({ detail: "refused" }, { status });
      });
      const errors: unknown[] = [];
      const err = await client(refused)
        .waitForDagRun("d", "r1", { onPollError: (e) => errors.push(e) })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "AirflowApiError", status, detail: "refused" });
      expect(errors).toEqual([]);
      // One poll: a 401 is asked again once with a new token, nothing more.
      expect(hits).toBe(status === 401 ? 2 : 1);
    }
  });

  it("stops at once when aborted during an outage, with the signal's reason", async () => {
    const { runUrl, client } = setup();
    const down = serviceUnavailable({
      url: runUrl("r1"),
      method: "GET",
      times: Number.POSITIVE_INFINITY,
    });
    const airflow = client(down);
    await airflow.triggerDagRun("d", { runId: "r1" });
    const controller = new AbortController();
    const err = await airflow
      .waitForDagRun("d", "r1", {
        signal: controller.signal,
        onPollError: (_, n) => {
          if (n === 2) controller.abort(new Error("shutting down"));
        },
      })
      .catch((e: unknown) => e);
    expect(err).toEqual(new Error("shutting down"));
    expect(down.hits()).toBe(4);
  });
});

describe("triggerDagRun with a run id, when reading the run back after a 409 fails", () => {
  it("a 503 or a network error on the read is that error, not 'trigger with another run id'", async () => {
    const { runUrl, client } = setup();
    await client().triggerDagRun("d", { runId: "r1", conf: { a: 1 } });
    for (const fault of [
      serviceUnavailable({ url: runUrl("r1"), method: "GET", times: 10 }),
      networkError({ url: runUrl("r1"), method: "GET", times: 10 }),
    ]) {
      const err = await client(fault)
        .triggerDagRun("d", { runId: "r1", conf: { a: 1 } })
        .catch((e: unknown) => e);
      expect(err).not.toBeInstanceOf(AirflowDagRunExistsError);
      expect(err).toSatisfy(
        (e) =>
          (e instanceof AirflowApiError && e.status === 503) || e instanceof AirflowRequestError,
      );
      expect((err as Error).message).toMatch(/^GET .*\/api\/v2\/dags\/d\/dagRuns\/r1 /);
      expect((err as Error).message).not.toContain("another run id");
      expect(fault.hits()).toBe(2);
    }
    // Once it reads, the same trigger is that run.
    expect((await client().triggerDagRun("d", { runId: "r1", conf: { a: 1 } })).dag_run_id).toBe(
      "r1",
    );
  });

  it("an abort during the read rejects with the signal's reason", async () => {
    const { runUrl, client } = setup();
    await client().triggerDagRun("d", { runId: "r1", conf: { a: 1 } });
    const airflow = client(slow({ url: runUrl("r1"), method: "GET", ms: 500 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 100);
    const err = await airflow
      .triggerDagRun("d", { runId: "r1", conf: { a: 1 }, signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toEqual(new Error("shutting down"));
  });

  it("a run id that is not there (404) still tells the clash: the logical date", async () => {
    const { client } = setup();
    const date = "2025-06-01T00:00:00Z";
    await client().triggerDagRun("d", { runId: "r1", logicalDate: date });
    const err = await client()
      .triggerDagRun("d", { runId: "r2", logicalDate: date })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowDagRunExistsError);
    expect(err).toMatchObject({ clash: "logical date", existingRunId: "r1" });
    // The same run id with another conf: the run id clashes.
    const other = await client()
      .triggerDagRun("d", { runId: "r1", conf: { b: 2 } })
      .catch((e: unknown) => e);
    expect(other).toMatchObject({ clash: "run id", existingRunId: "r1" });
  });
});

describe("waitForDagRun's timeout", () => {
  it("says the DAG is paused when its run is running (no further task is scheduled), not only queued", async () => {
    const { clock, client } = setup(60_000);
    const airflow = client();
    await airflow.triggerDagRun("d", { runId: "r1" });
    clock.advance(10);
    expect((await airflow.getDagRun("d", "r1")).state).toBe("running");
    await airflow.pauseDag("d");
    const err = await airflow
      .waitForDagRun("d", "r1", { timeoutMs: 5000, pollIntervalMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowWaitTimeoutError);
    expect(err).toMatchObject({ state: "running", paused: true });
    expect((err as Error).message).toBe(
      "dag run d/r1 still running after 5 s: the DAG is paused, so its runs wait; unpause it (the UI's toggle, or `airflow dags unpause d`)",
    );
    await airflow.unpauseDag("d");
    const still = await airflow
      .waitForDagRun("d", "r1", { timeoutMs: 1000, pollIntervalMs: 1000 })
      .catch((e: unknown) => e);
    expect(still).toMatchObject({ state: "running", paused: false });
  });
});
