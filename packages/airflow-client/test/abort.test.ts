/**
 * Cancelling: the transport and every helper that sends requests or waits stop at once when
 * their `signal` aborts, reject with its reason, and send nothing more.
 */
import { describe, expect, it } from "vitest";
import {
  createAirflowClient,
  createTransport,
  IDEMPOTENT_HEADER,
  type WaitClock,
} from "../src/index.js";

type Handler = (req: Request) => Response | Promise<Response>;

/** A fake server: one handler per request (the last one repeats), and the requests it saw. */
function fakeFetch(handlers: Handler[]) {
  const seen: { method: string; path: string; idem: string | null }[] = [];
  const fn = async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    seen.push({
      method: req.method,
      path: new URL(req.url).pathname,
      idem: req.headers.get(IDEMPOTENT_HEADER),
    });
    const h = handlers.length > 1 ? handlers.shift() : handlers[0];
    if (!h) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return h(req);
  };
  return { fetch: fn as typeof fetch, seen };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
/** A request that never gets an answer and ignores its signal (the cancel must not need it). */
const never = () => new Promise<Response>(() => {});
const isAbortError = (e: unknown) =>
  e instanceof DOMException && e.name === "AbortError" ? true : e;
/** Lets queued requests and timers run, to show nothing more is sent. */
const settle = () => new Promise((r) => setTimeout(r, 50));

// Without the signal honoured, each of these waits (60 s timeouts, polls) outlasts this.
describe("the transport, cancelled", { timeout: 5_000 }, () => {
  it("an abort during a GET in flight rejects with the reason, even when fetch ignores its signal", async () => {
    const f = fakeFetch([never]);
    const t = createTransport({ baseUrl: "http://af", fetch: f.fetch, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = t(new Request("http://af/api/v2/version", { signal: controller.signal })).catch(
      (e) => e,
    );
    // A repeatable request is sent as a clone, whose own signal had stopped following the
    // caller's by now (undici links them weakly): the transport listens to the caller's.
    await settle();
    controller.abort(new Error("shutting down"));
    expect(await pending).toEqual(new Error("shutting down"));
    expect(f.seen).toHaveLength(1);
  });

  it("a caller waiting for the shared token request stops waiting on abort; the others still get it", async () => {
    let answer: (r: Response) => void = () => {};
    const f = fakeFetch([
      () =>
        new Promise<Response>((resolve) => {
          answer = resolve;
        }),
      () => json(200, { version: "3.3.2" }),
    ]);
    const t = createTransport({
      baseUrl: "http://af",
      fetch: f.fetch,
      auth: { username: "admin", password: "pw" },
    });
    const controller = new AbortController();
    const cancelled = t(
      new Request("http://af/api/v2/version", { signal: controller.signal }),
    ).catch((e) => e);
    const other = t(new Request("http://af/api/v2/version"));
    await settle();
    controller.abort();
    expect(isAbortError(await cancelled)).toBe(true);
    answer(json(201, { access_token: "tok" }));
    expect((await other).status).toBe(200);
    expect(f.seen.map((s) => s.path)).toEqual(["/auth/token", "/api/v2/version"]);
  });

  it("an abort while the answer's body is read fails the read with the reason", async () => {
    const f = fakeFetch([
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(out) {
              out.enqueue(new TextEncoder().encode('{"version": '));
            },
          }),
          { status: 200, headers: { "content-type": "application/json" } },
        ),
    ]);
    const t = createTransport({ baseUrl: "http://af", fetch: f.fetch, timeoutMs: 60_000 });
    const controller = new AbortController();
    const res = await t(new Request("http://af/api/v2/version", { signal: controller.signal }));
    const body = res.text().catch((e) => e);
    await settle();
    controller.abort(new Error("gone"));
    expect(await body).toEqual(new Error("gone"));
  });
});

describe("the client's helpers, cancelled", { timeout: 5_000 }, () => {
  const aborted = () => {
    const c = new AbortController();
    c.abort();
    return c.signal;
  };

  it("an already aborted signal rejects every helper at once with its reason, sending nothing", async () => {
    const f = fakeFetch([() => json(200, {})]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const signal = aborted();
    const calls: [string, () => Promise<unknown>][] = [
      ["version", () => c.version({ signal })],
      ["triggerDagRun", () => c.triggerDagRun("d", { signal })],
      ["getDagRun", () => c.getDagRun("d", "r", { signal })],
      ["latestDagRun", () => c.latestDagRun("d", { signal })],
      ["listTaskInstances", () => c.listTaskInstances("d", "r", { signal })],
      ["waitForDagRun", () => c.waitForDagRun("d", "r", { signal })],
      ["getXcom", () => c.getXcom("d", "r", "t", "k", undefined, { signal })],
      ["getXcom, its options fifth", () => c.getXcom("d", "r", "t", "k", { signal })],
      ["listImportErrors", () => c.listImportErrors({ signal })],
      ["getDag", () => c.getDag("d", { signal })],
      ["pauseDag", () => c.pauseDag("d", { signal })],
      ["unpauseDag", () => c.unpauseDag("d", { signal })],
      ["clearTaskInstances", () => c.clearTaskInstances("d", { runId: "r", signal })],
      ["getDagSource", () => c.getDagSource("d", { signal })],
      ["variables.get", () => c.variables.get("k", { signal })],
      ["variables.update", () => c.variables.update("k", { key: "k", value: "v" }, { signal })],
      ["connections.delete", () => c.connections.delete("c", { signal })],
      ["pools.update", () => c.pools.update("p", { slots: 2 }, { signal })],
      [
        "paginate",
        async () => {
          for await (const _ of c.paginate("/api/v2/dags", {}, { signal })) break;
        },
      ],
    ];
    for (const [name, call] of calls) {
      const e = await call().then(
        () => `${name} resolved`,
        (x: unknown) => x,
      );
      expect([name, isAbortError(e)]).toEqual([name, true]);
    }
    expect(f.seen).toEqual([]);
  });

  it("triggerDagRun: an abort in flight rejects with the reason", async () => {
    const f = fakeFetch([never]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = c.triggerDagRun("d", { signal: controller.signal }).catch((e) => e);
    await settle();
    controller.abort(new Error("deploy cancelled"));
    expect(await pending).toEqual(new Error("deploy cancelled"));
    expect(f.seen).toHaveLength(1);
  });

  it("waitForDagRun on a clock: an abort ends the wait even when the clock's sleep does not watch the signal", async () => {
    const f = fakeFetch([() => json(200, { dag_id: "d", dag_run_id: "r", state: "running" })]);
    let t = 0;
    const clock: WaitClock = { now: () => t, sleep: () => new Promise(() => {}) };
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, clock });
    const controller = new AbortController();
    const waiting = c.waitForDagRun("d", "r", { signal: controller.signal }).catch((e) => e);
    await settle();
    t += 1;
    controller.abort();
    expect(isAbortError(await waiting)).toBe(true);
    await settle();
    expect(f.seen).toHaveLength(1);
  });

  it("trigger, then wait: an abort while polling stops the polls", async () => {
    const f = fakeFetch([
      () => json(200, { dag_id: "d", dag_run_id: "r", state: "queued" }),
      () => json(200, { dag_id: "d", dag_run_id: "r", state: "running" }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const controller = new AbortController();
    const { signal } = controller;
    const flow = (async () => {
      const run = await c.triggerDagRun("d", { signal });
      return c.waitForDagRun("d", run.dag_run_id, { pollIntervalMs: 10, signal });
    })().catch((e) => e);
    await settle();
    const polls = f.seen.length;
    expect(polls).toBeGreaterThan(2);
    controller.abort(new Error("stop"));
    expect(await flow).toEqual(new Error("stop"));
    await settle();
    expect(f.seen.length).toBeLessThanOrEqual(polls + 1);
  });

  it("paginate ends on abort: within a page, and no next page is asked for", async () => {
    const page = () => json(200, { dags: [{ dag_id: "a" }, { dag_id: "b" }], total_entries: 4 });
    const f = fakeFetch([page, page]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const d of c.paginate(
        "/api/v2/dags",
        {},
        { pageSize: 2, signal: controller.signal },
      )) {
        seen.push(d.dag_id);
        controller.abort();
      }
    })().catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    expect(seen).toEqual(["a"]);
    expect(f.seen).toHaveLength(1);
    expect(f.seen[0]?.path).toBe("/api/v2/dags");
  });
});
