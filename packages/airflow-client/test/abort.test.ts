/**
 * Cancelling: the transport and every helper that sends requests or waits stop at once when
 * their `signal` aborts, reject with its reason, and send nothing more.
 */
import { describe, expect, it } from "vitest";
import { createTransport, IDEMPOTENT_HEADER } from "../src/index.js";

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
