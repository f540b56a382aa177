/**
 * Cancelling: every helper that sends requests or waits takes `signal`, stops at once when it
 * aborts, rejects with its reason, and sends nothing more.
 */
import { describe, expect, it } from "vitest";
import { createMlflowClient, toArray } from "../src/index.js";
import { fakeFetch, json, run } from "./support.js";

/** A request that never gets an answer and ignores its signal (the cancel must not need it). */
const never = () => new Promise<Response>(() => {});
const aborted = () => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};
const isAbortError = (e: unknown) =>
  e instanceof DOMException && e.name === "AbortError" ? true : e;
const client = (f: { fetch: typeof fetch }, extra = {}) =>
  createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch, ...extra });
/** Lets queued requests and timers run, to show nothing more is sent. */
const settle = () => new Promise((r) => setTimeout(r, 50));

// Without the signal honoured, each of these waits (60 s timeouts, 60 s polls) outlasts this.
describe("cancelling with signal", { timeout: 5_000 }, () => {
  it("an already aborted signal rejects every helper at once with its reason, sending nothing", async () => {
    const f = fakeFetch(() => json(200, run("r1")));
    const c = client(f);
    const signal = aborted();
    const calls: [string, () => Promise<unknown>][] = [
      ["getOrCreateExperiment", () => c.getOrCreateExperiment("e", { signal })],
      ["getRun", () => c.getRun("r1", { signal })],
      ["endRun", () => c.endRun("r1", "FINISHED", undefined, { signal })],
      ["withRun", () => c.withRun(() => 1, { signal })],
      ["logBatch", () => c.logBatch("r1", { params: { a: 1 } }, { signal })],
      ["searchRuns", () => toArray(c.searchRuns({ experimentIds: ["1"], signal }))],
      ["searchExperiments", () => toArray(c.searchExperiments({ signal }))],
      ["searchRegisteredModels", () => toArray(c.searchRegisteredModels({ signal }))],
      ["searchModelVersions", () => toArray(c.searchModelVersions({ signal }))],
      ["searchLoggedModels", () => toArray(c.searchLoggedModels({ experimentIds: ["1"], signal }))],
      ["getMetricHistory", () => toArray(c.getMetricHistory("r1", "loss", undefined, { signal }))],
      ["listArtifacts", () => c.listArtifacts("r1", "", { signal })],
      ["uploadArtifact", () => c.uploadArtifact("r1", "a.txt", "x", { signal })],
      ["downloadArtifact", () => c.downloadArtifact("r1", "a.txt", { signal })],
      ["deleteArtifact", () => c.deleteArtifact("r1", "a.txt", { signal })],
      ["registerModel", () => c.registerModel("m", { source: "s", signal })],
      ["getModelVersion", () => c.getModelVersion("m", "1", { signal })],
      ["setAlias", () => c.setAlias("m", "champion", "1", { signal })],
      ["deleteAlias", () => c.deleteAlias("m", "champion", { signal })],
      ["findModelVersionByAlias", () => c.findModelVersionByAlias("m", "champion", { signal })],
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

  it("an abort during a request in flight rejects with the reason, even when fetch ignores its signal", async () => {
    const f = fakeFetch([never]);
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = c.getRun("r1", { signal: controller.signal }).catch((e) => e);
    await settle();
    controller.abort(new Error("shutting down"));
    expect(await pending).toEqual(new Error("shutting down"));
    expect(f.seen).toHaveLength(1);
  });

  it("an abort while a retry waits sends no further attempt (Retry-After of a minute)", async () => {
    const f = fakeFetch(
      () => new Response("busy", { status: 503, headers: { "retry-after": "60" } }),
    );
    const controller = new AbortController();
    const retries: number[] = [];
    const c = client(f, { onRetry: (i: { attempt: number }) => retries.push(i.attempt) });
    const pending = toArray(
      c.searchRuns({ experimentIds: ["1"], signal: controller.signal }),
    ).catch((e) => e);
    await settle();
    expect(retries).toEqual([1]);
    controller.abort();
    expect(isAbortError(await pending)).toBe(true);
    await settle();
    expect(f.seen).toHaveLength(1);
  });

  it("an abort as a retry is announced is not retried either", async () => {
    const controller = new AbortController();
    const f = fakeFetch(() => json(503, { error_code: "TEMPORARILY_UNAVAILABLE" }));
    const c = client(f, { onRetry: () => controller.abort(), sleep: async () => {} });
    const err = await c.getRun("r1", { signal: controller.signal }).catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    expect(f.seen).toHaveLength(1);
  });

  it("registerModel: an abort while it waits for READY stops the polling", async () => {
    const pending = { model_version: { name: "m", version: "1", status: "PENDING_REGISTRATION" } };
    const f = fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/registered-models/create")
        ? json(200, { registered_model: { name: "m" } })
        : json(200, pending),
    );
    const c = client(f);
    const controller = new AbortController();
    const waiting = c
      .registerModel("m", { source: "s", pollIntervalMs: 60_000, signal: controller.signal })
      .catch((e) => e);
    await settle();
    expect(f.seen.map((s) => s.path.split("/").slice(-2).join("/"))).toEqual([
      "registered-models/create",
      "model-versions/create",
    ]);
    controller.abort(new Error("deploy cancelled"));
    expect(await waiting).toEqual(new Error("deploy cancelled"));
    await settle();
    expect(f.seen).toHaveLength(2);
  });

  it("registerModel: an abort during a poll in flight ends it", async () => {
    const pending = { model_version: { name: "m", version: "1", status: "PENDING_REGISTRATION" } };
    const f = fakeFetch([
      () => json(200, { registered_model: { name: "m" } }),
      () => json(200, pending),
      never,
    ]);
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const waiting = c
      .registerModel("m", { source: "s", pollIntervalMs: 1, signal: controller.signal })
      .catch((e) => e);
    await settle();
    expect(f.seen).toHaveLength(3);
    controller.abort();
    expect(isAbortError(await waiting)).toBe(true);
  });

  it("logBatch sends no further batch after an abort (one lane, 3 requests)", async () => {
    const controller = new AbortController();
    const f = fakeFetch(() => {
      controller.abort(new Error("stop logging"));
      return json(200, {});
    });
    const c = client(f);
    const metrics = Array.from({ length: 3000 }, (_, step) => ({ key: "loss", value: 1, step }));
    const err = await c
      .logBatch("r1", { metrics }, { concurrency: 1, signal: controller.signal })
      .catch((e) => e);
    expect(err).toEqual(new Error("stop logging"));
    await settle();
    expect(f.seen).toHaveLength(1);
  });

  it("logBatch: an abort with requests in flight rejects at once and starts no other lane", async () => {
    const f = fakeFetch(never);
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    // 20 keys × 1000 points: 20 requests, 4 at a time.
    const metrics = Array.from({ length: 20_000 }, (_, i) => ({
      key: `k${i % 20}`,
      value: i,
      step: i,
    }));
    const pending = c
      .logBatch("r1", { metrics }, { concurrency: 4, signal: controller.signal })
      .catch((e) => e);
    await settle();
    expect(f.seen).toHaveLength(4);
    controller.abort();
    expect(isAbortError(await pending)).toBe(true);
    await settle();
    expect(f.seen).toHaveLength(4);
  });

  it("an iterator ends on abort: within a page, and no next page is asked for", async () => {
    const f = fakeFetch([
      () => json(200, { runs: [run("a").run, run("b").run], next_page_token: "p2" }),
      () => json(200, { runs: [run("c").run] }),
    ]);
    const c = client(f);
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const r of c.searchRuns({ experimentIds: ["1"], signal: controller.signal })) {
        seen.push(r.info.run_id);
        controller.abort();
      }
    })().catch((e) => e);
    expect(isAbortError(err)).toBe(true);
    expect(seen).toEqual(["a"]);
    expect(f.seen).toHaveLength(1);
  });

  it("downloadArtifact: an abort while the stream is read fails it with the reason", async () => {
    const f = fakeFetch([
      () => json(200, run("r1")),
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(out) {
              out.enqueue(new Uint8Array([1, 2, 3]));
            },
          }),
          { status: 200, headers: { "content-type": "application/octet-stream" } },
        ),
    ]);
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const stream = await c.downloadArtifact("r1", "model.pkl", { signal: controller.signal });
    const reader = stream.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array([1, 2, 3]));
    const next = reader.read().catch((e) => e);
    controller.abort(new Error("client went away"));
    expect(await next).toEqual(new Error("client went away"));
  });

  it("uploadArtifact: an abort during the upload rejects with the reason", async () => {
    const f = fakeFetch([() => json(200, run("r1")), never]);
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(out) {
        out.enqueue(new Uint8Array([1]));
      },
    });
    const pending = c
      .uploadArtifact("r1", "model.pkl", body, { signal: controller.signal })
      .catch((e) => e);
    await settle();
    controller.abort();
    expect(isAbortError(await pending)).toBe(true);
  });
});

describe("withRun with signal", { timeout: 5_000 }, () => {
  /** Answers runs/create and runs/update; the statuses sent to runs/update, in order. */
  function server() {
    const f = fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/runs/create")
        ? json(200, run("r1"))
        : json(200, { run_info: run("r1").run.info }),
    );
    const ended = () =>
      f.seen
        .filter((s) => s.path.endsWith("/runs/update"))
        .map((s) => (JSON.parse(s.body) as { status: string }).status);
    return { ...f, ended };
  }

  it("an abort ends the run KILLED, aborts fn's signal with the reason, and rejects with it", async () => {
    const f = server();
    const c = client(f);
    const controller = new AbortController();
    let fnSaw: unknown;
    const result = c
      .withRun(
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              fnSaw = signal.reason;
              reject(new Error("training interrupted"));
            });
            setTimeout(() => controller.abort(new Error("request cancelled")), 5);
          }),
        { signal: controller.signal },
      )
      .catch((e) => e);
    expect(await result).toEqual(new Error("request cancelled"));
    expect(fnSaw).toEqual(new Error("request cancelled"));
    expect(f.ended()).toEqual(["KILLED"]);
  });

  it("an fn that ignores its signal does not hold withRun: KILLED, then the reason", async () => {
    const f = server();
    const c = client(f);
    const controller = new AbortController();
    const result = c
      .withRun(() => new Promise(() => {}), { signal: controller.signal })
      .catch((e) => e);
    await settle();
    controller.abort();
    expect(isAbortError(await result)).toBe(true);
    expect(f.ended()).toEqual(["KILLED"]);
  });

  it("an abort after fn failed cancels the FAILED update and marks nothing KILLED", async () => {
    const f = fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/runs/create") ? json(200, run("r1")) : never(),
    );
    const c = client(f, { timeoutMs: 60_000 });
    const controller = new AbortController();
    const result = c
      .withRun(
        async () => {
          throw new RangeError("shape mismatch");
        },
        { signal: controller.signal },
      )
      .catch((e) => e);
    await settle();
    controller.abort();
    expect(await result).toEqual(new RangeError("shape mismatch"));
    await settle();
    expect(
      f.seen
        .filter((s) => s.path.endsWith("/runs/update"))
        .map((s) => (JSON.parse(s.body) as { status: string }).status),
    ).toEqual(["FAILED"]);
  });

  it("leaves no abort listener on the caller's signal once it is done", async () => {
    const f = server();
    const c = client(f);
    const controller = new AbortController();
    await c.withRun(() => "ok", { signal: controller.signal });
    controller.abort();
    await settle();
    expect(f.ended()).toEqual(["FINISHED"]);
  });
});
