/**
 * waitForDagRun in an outage honours a 429's or 503's Retry-After: the next poll waits that long
 * when it is longer than pollIntervalMs, but still polls at the end of maxOutageMs and at the
 * deadline, as without one.
 */
import { describe, expect, it } from "vitest";
import { AirflowWaitError, createAirflowClient, type WaitClock } from "../src/index.js";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
const run = (state: string) => () => json(200, { dag_id: "d", dag_run_id: "r", state });
const tooMany = (retryAfter: string) => () =>
  json(429, { detail: "Too many requests" }, { "retry-after": retryAfter });

/**
 * A fake server on a test clock: one handler per read of the run (the last one repeats), the
 * task instances always none, and the DAG not paused. `polls` are the clock's times of the reads
 * of the run, `waits` the clock's sleeps.
 */
function fakeAirflow(reads: (() => Response)[]) {
  let t = 0;
  const waits: number[] = [];
  const polls: number[] = [];
  const clock: WaitClock = {
    now: () => t,
    sleep: async (ms) => {
      waits.push(ms);
      t += ms;
    },
  };
  const fetch = (async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    if (path.endsWith("/taskInstances")) return json(200, { task_instances: [], total_entries: 0 });
    if (path === "/api/v2/dags/d") return json(200, { dag_id: "d", is_paused: false });
    polls.push(t);
    const h = reads.length > 1 ? reads.shift() : reads[0];
    if (!h) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return h();
  }) as typeof globalThis.fetch;
  // No retries of the transport's own: each 429 is the poll's error.
  const client = createAirflowClient({
    baseUrl: "http://af",
    auth: { token: "t" },
    fetch,
    clock,
    retry: { retries: 0 },
  });
  return { client, waits, polls };
}

describe("waitForDagRun in an outage, with Retry-After", () => {
  it("waits as long as a 429's Retry-After asks before the next poll, then the interval again", async () => {
    const f = fakeAirflow([
      run("queued"),
      () => json(503, { detail: "upstream connect error" }),
      tooMany("7"),
      () => json(503, { detail: "maintenance" }, { "retry-after": "0" }),
      run("running"),
      run("success"),
    ]);
    const errors: unknown[] = [];
    const result = await f.client.waitForDagRun("d", "r", {
      pollIntervalMs: 1000,
      onPollError: (e) => errors.push(e),
    });
    expect(result.state).toBe("success");
    expect(errors.map((e) => (e as { retryAfterMs: number | null }).retryAfterMs)).toEqual([
      null,
      7000,
      0,
    ]);
    // A 503 without Retry-After and one shorter than the interval: the interval.
    expect(f.waits).toEqual([1000, 1000, 7000, 1000, 1000]);
    expect(f.polls).toEqual([0, 1000, 2000, 9000, 10_000, 11_000]);
  });

  it("a Retry-After longer than what is left of maxOutageMs: the poll at its end still comes, then AirflowWaitError", async () => {
    const f = fakeAirflow([run("running"), tooMany("60")]);
    const e = await f.client
      .waitForDagRun("d", "r", { pollIntervalMs: 1000, maxOutageMs: 5000 })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AirflowWaitError);
    expect(e).toMatchObject({
      timedOut: false,
      failedPolls: 2,
      failingMs: 5000,
      lastState: "running",
    });
    expect((e as Error).message).toContain("past maxOutageMs (5 s)");
    expect((e as Error).message).toContain("Retry-After: the server asks to wait 60 s");
    // The outage starts at 1000: the next poll at its end (6000), not at 61_000, nor every 1 s.
    expect(f.waits).toEqual([1000, 5000]);
    expect(f.polls).toEqual([0, 1000, 6000]);
  });

  it("a Retry-After past the deadline: the run is read at the deadline, as without one", async () => {
    const answered = fakeAirflow([run("queued"), tooMany("60"), run("success")]);
    const result = await answered.client.waitForDagRun("d", "r", {
      pollIntervalMs: 1000,
      timeoutMs: 10_000,
    });
    expect(result.state).toBe("success");
    expect(answered.waits).toEqual([1000, 9000]);
    expect(answered.polls).toEqual([0, 1000, 10_000]);

    // Still failing at the deadline: AirflowWaitError, said as a timeout.
    const failing = fakeAirflow([run("queued"), tooMany("60")]);
    const e = await failing.client
      .waitForDagRun("d", "r", { pollIntervalMs: 1000, timeoutMs: 10_000 })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AirflowWaitError);
    expect(e).toMatchObject({ timedOut: true, failedPolls: 2, lastState: "queued" });
    expect(failing.waits).toEqual([1000, 9000]);
    expect(failing.polls).toEqual([0, 1000, 10_000]);
  });

  it("a Retry-After past what a timer takes, with no deadline nor maxOutageMs: waits the timer's most", async () => {
    // Node fires a longer setTimeout at once (after a TimeoutOverflowWarning): polls without pause.
    const f = fakeAirflow([tooMany("99999999"), run("success")]);
    await f.client.waitForDagRun("d", "r", {
      pollIntervalMs: 1000,
      timeoutMs: Number.POSITIVE_INFINITY,
      maxOutageMs: Number.POSITIVE_INFINITY,
    });
    expect(f.waits).toEqual([2 ** 31 - 1]);
  });
});
