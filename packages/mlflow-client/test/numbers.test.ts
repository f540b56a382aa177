/**
 * Numeric options: the types say `number`, but a value read from a variable or a flag is text at
 * run time. Each is refused before anything is sent, as an MlflowValidationError (a RangeError)
 * with the option, the value and its type, and the fix.
 */
import { describe, expect, it } from "vitest";
import {
  createMlflowClient,
  type MlflowClient,
  MlflowValidationError,
  toArray,
} from "../src/index.js";
import { fakeFetch, json } from "./support.js";

/** What a value read from `process.env` is, typed as the option's number. */
const text = (s: string) => s as unknown as number;

const refusal = (e: unknown) =>
  e instanceof MlflowValidationError && e instanceof RangeError ? e.message : e;

/** What `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

const TIMER = "at most 2147483647 (about 24.8 days: Node's timers take no more)";

describe("numeric options", () => {
  it('registerModel refuses timeoutMs "10", which would never time out (now() + "10" is text)', async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const e = await c.registerModel("m", { source: "s", timeoutMs: text("10") }).catch(refusal);
    expect(e).toBe(
      'timeoutMs: must be a number of milliseconds, 0 or more, or Infinity (no deadline) (got the string "10"): convert it to a number first, e.g. timeoutMs: Number(process.env.TIMEOUT_MS)',
    );
    expect(f.seen).toEqual([]);
  });

  it.each<[string, (c: MlflowClient) => Promise<unknown>, string]>([
    [
      "registerModel's pollIntervalMs as text",
      (c) => c.registerModel("m", { source: "s", pollIntervalMs: text("500") }),
      `pollIntervalMs: must be a number of milliseconds, more than 0, ${TIMER} (got the string "500"): convert it to a number first, e.g. pollIntervalMs: Number(process.env.POLL_INTERVAL_MS)`,
    ],
    [
      "registerModel's pollIntervalMs 0 (it would poll without pause)",
      (c) => c.registerModel("m", { source: "s", pollIntervalMs: 0 }),
      `pollIntervalMs: must be a number of milliseconds, more than 0, ${TIMER} (got 0)`,
    ],
    [
      "registerModel's timeoutMs NaN",
      (c) => c.registerModel("m", { source: "s", timeoutMs: Number("5m") }),
      "timeoutMs: must be a number of milliseconds, 0 or more, or Infinity (no deadline) (got NaN): NaN is what Number() makes of text",
    ],
    [
      "withRun's killTimeoutMs as text (before the run is created)",
      (c) => c.withRun(() => 1, { experimentId: "1", killTimeoutMs: text("10000") }),
      `killTimeoutMs: must be a number of milliseconds, 0 or more, ${TIMER} (got the string "10000")`,
    ],
    [
      "logBatch's concurrency as text",
      (c) => c.logBatch("r", { metrics: [{ key: "m", value: 1 }] }, { concurrency: text("4") }),
      'concurrency: must be a whole number, 1 or more (got the string "4"): convert it to a number first, e.g. concurrency: Number(process.env.CONCURRENCY)',
    ],
    [
      "searchRuns' pageSize as text",
      (c) => toArray(c.searchRuns({ experimentIds: ["1"], pageSize: text("100") })),
      'pageSize: must be a whole number, 1 or more (got the string "100")',
    ],
    [
      "searchExperiments' limit as text",
      (c) => toArray(c.searchExperiments({ limit: text("5") })),
      'limit: must be a whole number, 0 or more, or Infinity (no limit) (got the string "5")',
    ],
    [
      "getMetricHistory's page size as text",
      (c) => toArray(c.getMetricHistory("r", "loss", text("1000"))),
      'pageSize: must be a whole number, 1 or more (got the string "1000")',
    ],
  ])("refuses %s before any request", async (_, call, message) => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const e = await call(c).catch(refusal);
    expect(typeof e === "string" ? e : String(e)).toContain(message);
    expect(f.seen).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    [
      "timeoutMs as text",
      { timeoutMs: "30000" },
      "timeoutMs",
      `timeoutMs: must be a number of milliseconds, more than 0, ${TIMER} (got the string "30000"): convert it to a number first, e.g. timeoutMs: Number(process.env.TIMEOUT_MS)`,
    ],
    [
      "retry.retries as text",
      { retry: { retries: "3" } },
      "retry.retries",
      'retry.retries: must be a whole number, 0 or more (got the string "3"): convert it to a number first, e.g. retries: Number(process.env.RETRIES)',
    ],
    [
      "retry.maxDelayMs past a timer's longest",
      { retry: { maxDelayMs: 1e10 } },
      "retry.maxDelayMs",
      `retry.maxDelayMs: must be a number of milliseconds, 0 or more, ${TIMER} (got 10000000000)`,
    ],
    [
      "retry a number (for { retries })",
      { retry: 3 },
      "retry",
      "retry: must be false or { retries, baseDelayMs, maxDelayMs } (got 3): write retry: { retries: 3 }",
    ],
  ])("createMlflowClient refuses %s", (_, bad, field, message) => {
    const make = () =>
      createMlflowClient({ trackingUri: "http://ml", env: {}, ...bad } as Parameters<
        typeof createMlflowClient
      >[0]);
    expect(make).toThrow(MlflowValidationError);
    expect(make).toThrow(RangeError);
    expect(make).toThrow(message);
    expect(thrown(make)).toMatchObject({ field });
  });

  it("takes the numbers it always took: Infinity as registerModel's timeout, retry false, a limit of Infinity", async () => {
    const f = fakeFetch([
      () => json(200, { registered_model: { name: "m" } }),
      () => json(200, { model_version: { name: "m", version: "1", status: "READY" } }),
      () => json(200, { experiments: [] }),
    ]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: f.fetch,
      retry: false,
      timeoutMs: 2_147_483_647,
    });
    const v = await c.registerModel("m", { source: "s", timeoutMs: Number.POSITIVE_INFINITY });
    expect(v.status).toBe("READY");
    expect(await toArray(c.searchExperiments({ limit: Number.POSITIVE_INFINITY }))).toEqual([]);
    expect(f.seen).toHaveLength(3);
  });
});
