import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  expiredToken,
  fetchFrom,
  flap,
  networkError,
  rateLimited,
  serviceUnavailable,
  slow,
} from "../src/index.js";

const BASE = "http://svc.mock";
const ok = http.all(`${BASE}/*`, ({ request }) =>
  HttpResponse.json({ ok: new URL(request.url).pathname }),
);

async function statuses(
  f: typeof fetch,
  n: number,
  path = "/a",
  init?: RequestInit,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await f(`${BASE}${path}`, init)).status);
  return out;
}

describe("scenario presets through fetchFrom", () => {
  it("serviceUnavailable answers `times` requests with 503, then steps aside", async () => {
    const fault = serviceUnavailable({ times: 2 });
    expect(await statuses(fetchFrom([fault, ok]), 4)).toEqual([503, 503, 200, 200]);
    expect(fault.hits()).toBe(2);
  });

  it("flap uses the status it is given", async () => {
    expect(await statuses(fetchFrom([flap({ status: 504, times: 1 }), ok]), 2)).toEqual([504, 200]);
  });

  it("rateLimited sends 429 with Retry-After", async () => {
    const f = fetchFrom([rateLimited({ retryAfterSeconds: 7 }), ok]);
    const first = await f(`${BASE}/x`);
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("7");
    expect((await f(`${BASE}/x`)).status).toBe(200);
  });

  it("filters by URL prefix and method", async () => {
    const fault = serviceUnavailable({ url: `${BASE}/only/`, method: "post", times: 5 });
    const f = fetchFrom([fault, ok]);
    expect(await statuses(f, 1, "/other")).toEqual([200]);
    expect(await statuses(f, 1, "/only/x")).toEqual([200]); // GET: not this fault
    expect(await statuses(f, 2, "/only/x", { method: "POST" })).toEqual([503, 503]);
    expect(fault.hits()).toBe(2);
  });

  it("expiredToken answers 401 {detail: Token Expired} only to bearer requests", async () => {
    const f = fetchFrom([expiredToken(), ok]);
    expect((await f(`${BASE}/x`)).status).toBe(200);
    const r = await f(`${BASE}/x`, { headers: { authorization: "Bearer abc" } });
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({ detail: "Token Expired" });
    expect((await f(`${BASE}/x`, { headers: { authorization: "Bearer abc" } })).status).toBe(200);
  });

  it("slow delays and then lets the next handler answer", async () => {
    const f = fetchFrom([slow({ ms: 60, times: 1 }), ok]);
    const t0 = performance.now();
    const r = await f(`${BASE}/x`);
    const elapsed = performance.now() - t0;
    expect(r.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(50);
  });

  it("networkError makes fetch reject, once", async () => {
    const f = fetchFrom([networkError(), ok]);
    await expect(f(`${BASE}/x`)).rejects.toThrow(TypeError);
    expect((await f(`${BASE}/x`)).status).toBe(200);
  });

  it("an unanswered request is a loud 501, not a silent pass", async () => {
    const r = await fetchFrom([])(`${BASE}/nothing`, { method: "DELETE" });
    expect(r.status).toBe(501);
    expect(await r.json()).toMatchObject({
      error_code: "NOT_MOCKED",
      message: `no mock handler for DELETE ${BASE}/nothing`,
    });
  });

  it("refuses a negative count", () => {
    expect(() => serviceUnavailable({ times: -1 })).toThrow(RangeError);
  });
});

describe("scenario presets through msw setupServer (global fetch)", () => {
  const server = setupServer(ok);
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it("server.use puts a preset in front until the handlers are reset", async () => {
    server.use(serviceUnavailable({ times: 1 }));
    expect(await statuses(fetch, 2)).toEqual([503, 200]);
    server.resetHandlers();
    server.use(networkError());
    await expect(fetch(`${BASE}/x`)).rejects.toThrow(TypeError);
  });
});
