/**
 * Numeric options: the types say `number`, but a value read from a variable or a flag is text at
 * run time. Each is refused before anything is sent, with the option, the value and its type,
 * and the fix.
 */
import { describe, expect, it } from "vitest";
import { createAirflowClient, createTransport } from "../src/index.js";
import { checkNumber, INTERVAL, MAX_TIMER_MS, SIZE } from "../src/numbers.js";

/** A fetch that may not be called: every case here is refused before the first request. */
function noRequests() {
  const seen: string[] = [];
  const fetch = async (input: Request | string | URL) => {
    seen.push(String(input instanceof Request ? input.url : input));
    throw new Error("no request may be sent");
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
}

/** What a value read from `process.env` is, typed as the option's number. */
const text = (s: string) => s as unknown as number;

const refusal = (e: unknown) => (e instanceof RangeError ? e.message : e);

describe("numeric options", () => {
  it('waitForDagRun refuses timeoutMs "10", which would never time out (now() + "10" is text)', async () => {
    const f = noRequests();
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const e = await c.waitForDagRun("d", "r", { timeoutMs: text("10") }).catch(refusal);
    expect(e).toBe(
      'waitForDagRun: timeoutMs must be a number of milliseconds, 0 or more, or Infinity (no deadline) (got the string "10"): convert it to a number first, e.g. timeoutMs: Number(process.env.TIMEOUT_MS)',
    );
    expect(f.seen).toEqual([]);
  });

  it.each<[string, (c: ReturnType<typeof createAirflowClient>) => Promise<unknown>, string]>([
    [
      "waitForDagRun's pollIntervalMs as text",
      (c) => c.waitForDagRun("d", "r", { pollIntervalMs: text("500") }),
      'waitForDagRun: pollIntervalMs must be a number of milliseconds, more than 0, at most 2147483647 (about 24.8 days: Node\'s timers take no more) (got the string "500"): convert it to a number first, e.g. pollIntervalMs: Number(process.env.POLL_INTERVAL_MS)',
    ],
    [
      "waitForDagRun's pollIntervalMs past a timer's longest (it would fire after 1 ms)",
      (c) => c.waitForDagRun("d", "r", { pollIntervalMs: 3e9 }),
      "waitForDagRun: pollIntervalMs must be a number of milliseconds, more than 0, at most 2147483647 (about 24.8 days: Node's timers take no more) (got 3000000000)",
    ],
    [
      "waitForDagRun's timeoutMs NaN",
      (c) => c.waitForDagRun("d", "r", { timeoutMs: Number("10s") }),
      'waitForDagRun: timeoutMs must be a number of milliseconds, 0 or more, or Infinity (no deadline) (got NaN): NaN is what Number() makes of text that is no number (Number("2s")): check the value converted',
    ],
    [
      "paginate's page size as text, third",
      (c) => c.paginate("/api/v2/dags", {}, text("10")).next(),
      'paginate: pageSize must be a whole number, 1 or more (got the string "10"): convert it to a number first, e.g. pageSize: Number(process.env.PAGE_SIZE)',
    ],
    [
      "paginate's pageSize as text, in the options",
      (c) => c.paginate("/api/v2/dags", {}, { pageSize: text("10") }).next(),
      'paginate: pageSize must be a whole number, 1 or more (got the string "10")',
    ],
    [
      "getXcom's mapIndex as text",
      (c) => c.getXcom("d", "r", "t", "k", { mapIndex: text("1") }),
      'getXcom: mapIndex must be a whole number, -1 or more (got the string "1")',
    ],
    [
      "getXcom's mapIndex as text, fifth",
      (c) => c.getXcom("d", "r", "t", "k", text("1")),
      'getXcom: mapIndex must be a whole number, -1 or more (got the string "1")',
    ],
    [
      "getTaskLog's tryNumber as text",
      (c) => c.getTaskLog("d", "r", "t", { tryNumber: text("2") }),
      'getTaskLog: tryNumber must be a whole number, 1 or more (got the string "2")',
    ],
    [
      "getTaskLog's mapIndex below -1",
      (c) => c.getTaskLog("d", "r", "t", { mapIndex: -2 }),
      "getTaskLog: mapIndex must be a whole number, -1 or more (got -2)",
    ],
  ])("refuses %s before any request", async (_, call, message) => {
    const f = noRequests();
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const e = await call(c).catch(refusal);
    expect(typeof e === "string" ? e : String(e)).toContain(message);
    expect(f.seen).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "timeoutMs as text",
      { timeoutMs: "30000" },
      'timeoutMs must be a number of milliseconds, more than 0, at most 2147483647 (about 24.8 days: Node\'s timers take no more) (got the string "30000"): convert it to a number first, e.g. timeoutMs: Number(process.env.TIMEOUT_MS)',
    ],
    ["timeoutMs 0", { timeoutMs: 0 }, "timeoutMs must be a number of milliseconds, more than 0"],
    [
      "retry.retries as text",
      { retry: { retries: "3" } },
      'retry.retries must be a whole number, 0 or more (got the string "3"): convert it to a number first, e.g. retries: Number(process.env.RETRIES)',
    ],
    [
      "retry.baseDelayMs negative",
      { retry: { baseDelayMs: -1 } },
      "retry.baseDelayMs must be a number of milliseconds, 0 or more",
    ],
    [
      "retry.maxDelayMs a boolean",
      { retry: { maxDelayMs: true } },
      "retry.maxDelayMs must be a number of milliseconds, 0 or more, at most 2147483647 (about 24.8 days: Node's timers take no more) (got the boolean true): pass a number",
    ],
    [
      "retry a number (for { retries })",
      { retry: 3 },
      "retry must be false or { retries, baseDelayMs, maxDelayMs } (got 3): write retry: { retries: 3 }",
    ],
  ])("createAirflowClient and createTransport refuse %s", (_, bad, message) => {
    const options = { baseUrl: "http://af", ...bad } as Parameters<typeof createAirflowClient>[0];
    expect(() => createAirflowClient(options)).toThrow(RangeError);
    expect(() => createAirflowClient(options)).toThrow(`createAirflowClient: ${message}`);
    expect(() => createTransport(options)).toThrow(`createTransport: ${message}`);
  });

  it("takes the numbers it always took: Infinity as a wait's deadline, retry false, a page size over 100", async () => {
    const run = { dag_run_id: "r", dag_id: "d", state: "success" };
    const answers = [run, { task_instances: [], total_entries: 0 }];
    const c = createAirflowClient({
      baseUrl: "http://af",
      retry: false,
      timeoutMs: MAX_TIMER_MS,
      fetch: (async () =>
        new Response(JSON.stringify(answers.shift() ?? { dags: [], total_entries: 0 }), {
          headers: { "content-type": "application/json" },
        })) as typeof fetch,
    });
    const done = await c.waitForDagRun("d", "r", { timeoutMs: Number.POSITIVE_INFINITY });
    expect(done.state).toBe("success");
    expect(await c.paginate("/api/v2/dags", {}, 500).next()).toMatchObject({ done: true });
  });

  it("checks by @mlgen/http's rules, naming where and the option", () => {
    expect(checkNumber("f", "n", 2, SIZE)).toBe(2);
    expect(() => checkNumber("f", "n", 2.5, SIZE)).toThrow(
      "f: n must be a whole number, 1 or more (got 2.5)",
    );
    expect(() => checkNumber("f", "n", Number.POSITIVE_INFINITY, INTERVAL)).toThrow(RangeError);
  });
});
