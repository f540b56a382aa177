/**
 * A Retry-After longer than maxDelayMs: waited maxDelayMs by default, or (longRetryAfter:
 * "answer") the answer itself, as retrying before the server's time would be refused again.
 * And `permanent` on a request error a retry cannot change.
 */
import { describe, expect, it } from "vitest";
import { createHttpTransport, HttpRequestError } from "../src/index.js";

const busy = (seconds: number) => () =>
  Promise.resolve(
    new Response("busy", { status: 429, headers: { "retry-after": String(seconds) } }),
  );

function server(...answers: Array<() => Promise<Response>>) {
  let n = 0;
  const fetch = (async () => {
    const answer = answers[Math.min(n, answers.length - 1)];
    n++;
    return (answer as () => Promise<Response>)();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, sent: () => n };
}

describe("a Retry-After longer than maxDelayMs", () => {
  it("is waited maxDelayMs by default", async () => {
    const waits: number[] = [];
    const s = server(busy(120), async () => new Response("ok"));
    const t = createHttpTransport({
      fetch: s.fetch,
      retry: { maxDelayMs: 1000 },
      sleep: async (ms) => void waits.push(ms),
    });
    expect((await t(new Request("http://x/a"))).status).toBe(200);
    expect([waits, s.sent()]).toEqual([[1000], 2]);
  });

  it("ends the retries with that answer, its Retry-After kept, with longRetryAfter: 'answer'", async () => {
    const waits: number[] = [];
    const s = server(busy(5), busy(120), async () => new Response("ok"));
    const t = createHttpTransport({
      fetch: s.fetch,
      retry: { maxDelayMs: 10_000 },
      sleep: async (ms) => void waits.push(ms),
      longRetryAfter: "answer",
    });
    const res = await t(new Request("http://x/a"));
    expect([res.status, res.headers.get("retry-after"), await res.text()]).toEqual([
      429,
      "120",
      "busy",
    ]);
    // The 5 s one is waited; the 120 s one is not.
    expect([waits, s.sent()]).toEqual([[5000], 2]);
  });
});

describe("HttpRequestError.permanent", () => {
  it("is true for a failure a retry cannot change (a certificate), false for a refused connection", async () => {
    const failing = (code: string) => async () => {
      throw new TypeError("fetch failed", { cause: Object.assign(new Error(code), { code }) });
    };
    const errorOf = (code: string) =>
      createHttpTransport({ fetch: server(failing(code)).fetch, retry: false })(
        new Request("http://x/a"),
      ).catch((e: unknown) => e);
    const cert = await errorOf("CERT_HAS_EXPIRED");
    expect(cert).toBeInstanceOf(HttpRequestError);
    expect((cert as HttpRequestError).permanent).toBe(true);
    expect(((await errorOf("ECONNREFUSED")) as HttpRequestError).permanent).toBe(false);
  });
});
