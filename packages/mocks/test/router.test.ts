import type { paths as AirflowPaths } from "@mlgen/airflow-client";
import fc from "fast-check";
import { HttpResponse, http } from "msw";
import { createOpenApiHttp } from "openapi-msw";
import { describe, expect, it } from "vitest";
import { fakeHttp } from "../src/http.js";
import { answer, utf8Length } from "../src/response.js";
import { compilePath, dispatcher, fetchVia } from "../src/router.js";

/** Everything a caller can see of a response: status, status text, headers, bytes. */
async function seen(r: Response) {
  return {
    status: r.status,
    statusText: r.statusText,
    headers: [...r.headers],
    body: new Uint8Array(await r.arrayBuffer()),
  };
}

/**
 * Reads a light body (first of the pair) and the real one (second) the same two ways in a row,
 * for every pair of ways, and expects the same results, errors and `bodyUsed` from both.
 */
async function readAlike(make: () => [Request | Response, Request | Response]) {
  const outcome = async (p: () => Promise<unknown>) =>
    Promise.resolve()
      .then(p)
      .then(
        (v) => (v instanceof ArrayBuffer ? new Uint8Array(v) : v instanceof Blob ? v.size : v),
        (e: unknown) => (e instanceof TypeError ? "TypeError" : e),
      );
  type Body = Request | Response;
  const ways: Array<(r: Body) => Promise<unknown>> = [
    (r) => r.text(),
    (r) => r.json(),
    (r) => r.arrayBuffer(),
    (r) => (r as Body & { bytes(): Promise<Uint8Array> }).bytes(),
    (r) => r.blob(),
    (r) => new Response(r.body).text(),
    (r) => r.clone().text(),
  ];
  for (const first of ways) {
    for (const second of ways) {
      const results = [];
      for (const r of make()) {
        const before = r.bodyUsed;
        const a = await outcome(() => first(r));
        const b = await outcome(() => second(r));
        results.push({ before, a, b, after: r.bodyUsed });
      }
      expect(results[0]).toEqual(results[1]);
    }
  }
}

describe("the fakes' router", () => {
  it("compiles msw paths once: params, wildcards, ports and regex characters", () => {
    const { path, names } = compilePath("http://localhost:5000/api/2.0/x.y/:run_id/files/*");
    expect(names).toEqual(["run_id", "0"]);
    expect(path.exec("http://localhost:5000/api/2.0/x.y/abc/files/a/b.txt")?.slice(1)).toEqual([
      "abc",
      "a/b.txt",
    ]);
    expect(path.test("http://localhost:5000/api/2.0/xzy/abc/files/a")).toBe(false);
    expect(path.test("http://localhost:5001/api/2.0/x.y/abc/files/a")).toBe(false);
  });

  it("answers like msw: first match wins, params decoded, a resolver returning nothing falls through", async () => {
    const seen: string[] = [];
    const dispatch = dispatcher([
      http.get("http://m.mock/dags/:dag_id", ({ params }) => {
        seen.push(`first ${params.dag_id}`);
        return undefined;
      }),
      http.get("http://m.mock/dags/:dag_id", ({ params, request }) =>
        HttpResponse.json({ id: params.dag_id, q: new URL(request.url).searchParams.get("q") }),
      ),
      http.post("http://m.mock/dags/:dag_id", () => HttpResponse.json({ posted: true })),
      http.all("http://m.mock/*", () => HttpResponse.json({ fallback: true }, { status: 404 })),
    ]);
    const f = fetchVia(dispatch);
    const r = await f("http://m.mock/dags/a%2Bb%3Ac?q=1");
    expect(await r.json()).toEqual({ id: "a+b:c", q: "1" });
    expect(seen).toEqual(["first a+b:c"]);
    expect(await (await f("http://m.mock/dags/x", { method: "POST" })).json()).toEqual({
      posted: true,
    });
    const other = await f("http://m.mock/else", { method: "DELETE" });
    expect(other.status).toBe(404);
    expect((await f("http://other.mock/")).status).toBe(501);
  });
});

describe("the fakes' answers", () => {
  it("measures UTF-8 like Node does, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 3000 },
    );
  });

  it("are what msw's HttpResponse.json/text and openapi-msw's empty() answer", async () => {
    const json = (body: unknown, init?: ResponseInit) =>
      answer(init?.status ?? 200, init, { text: JSON.stringify(body), type: "application/json" });
    const bodies = [{ name: "naïve ☃ 𝄞", n: 1 }, {}, [1, "a"], "text", null];
    for (const body of bodies) {
      for (const status of [200, 201]) {
        expect(await seen(json(body, { status }))).toEqual(
          await seen(HttpResponse.json(body, { status })),
        );
      }
    }
    expect(await seen(answer(200, undefined, { text: "naïve ☃", type: "text/plain" }))).toEqual(
      await seen(HttpResponse.text("naïve ☃")),
    );
    const init = { headers: { "content-type": "application/x-custom", "x-a": "1" } };
    expect(await seen(json({}, init))).toEqual(await seen(HttpResponse.json({}, init)));
    expect(await seen(answer(204, undefined))).toEqual(
      await seen(new HttpResponse(null, { status: 204, headers: { "content-length": "0" } })),
    );
  });

  it("keep the body text until read, and read like a real Response every way", async () => {
    const text = JSON.stringify({ name: "naïve ☃ 𝄞" });
    expect(answer(200, undefined, { text, type: "application/json" })).toBeInstanceOf(Response);
    await readAlike(() => [
      answer(200, undefined, { text, type: "application/json" }),
      HttpResponse.json(JSON.parse(text)),
    ]);
  });

  it("come from the fakes' factory as from openapi-msw's, through the router", async () => {
    const routes = (h: ReturnType<typeof fakeHttp<AirflowPaths>>) => [
      h.get("/api/v2/variables/{variable_key}", ({ params, query, response }) =>
        response(200).json({
          key: params.variable_key,
          value: query.get("limit" as never) ?? "none",
          description: null,
          is_encrypted: true,
          team_name: null,
        }),
      ),
      h.post("/api/v2/pools", ({ response }) =>
        response(201).json({
          name: "p☃",
          slots: 1,
          description: null,
          include_deferred: false,
          occupied_slots: 0,
          running_slots: 0,
          queued_slots: 0,
          scheduled_slots: 0,
          open_slots: 1,
          deferred_slots: 0,
        } as never),
      ),
      h.delete("/api/v2/pools/{pool_name}", ({ response }) => response(204).empty()),
    ];
    const base = "http://airflow.mock";
    const ours = fetchVia(dispatcher(routes(fakeHttp<AirflowPaths>(base))), true);
    const theirs = fetchVia(dispatcher(routes(createOpenApiHttp<AirflowPaths>({ baseUrl: base }))));
    for (const [path, method] of [
      ["/api/v2/variables/a%2Fb?limit=3", "GET"],
      ["/api/v2/variables/x", "GET"],
      ["/api/v2/pools", "POST"],
      ["/api/v2/pools/p", "DELETE"],
    ] as const) {
      expect(await seen(await ours(`${base}${path}`, { method }))).toEqual(
        await seen(await theirs(`${base}${path}`, { method })),
      );
    }
  });
});

describe("fake.fetch's light requests", () => {
  /** What a resolver reads of the request it is given. */
  const read = async (r: Request) => ({
    url: r.url,
    method: r.method,
    headers: [...r.headers],
    text: await r.text(),
    bodyUsed: r.bodyUsed,
    signal: r.signal instanceof AbortSignal,
    again: await r.text().then(
      (t) => t,
      (e: unknown) => (e instanceof TypeError ? "TypeError" : e),
    ),
  });
  const capture = (light: boolean) => {
    let request: Request | undefined;
    const f = fetchVia(async (r) => {
      request = r;
      return new Response(null);
    }, light);
    return async (...args: Parameters<typeof fetch>) => {
      await f(...args);
      return read(request as Request);
    };
  };

  it("read the same URL, method, headers and body as a real Request", async () => {
    const light = capture(true);
    const real = capture(false);
    const cases: Parameters<typeof fetch>[] = [
      ["http://m.mock/a b/ü?q=1 2#frag"],
      [new URL("http://m.mock/x")],
      ["http://m.mock/x", { method: "POST", body: '{"a":"☃"}' }],
      [
        "http://m.mock/x",
        { method: "PUT", headers: { "Content-Type": "application/json" }, body: "{}" },
      ],
      ["http://m.mock/x", { method: "PATCH", headers: [["x-a", "1"]], body: "" }],
      [
        "http://m.mock/x",
        { method: "DELETE", headers: new Headers({ authorization: "Bearer t" }) },
      ],
      ["http://m.mock/x", { method: "post", body: "lower-case methods are normalized" }],
      ["http://m.mock/x", { method: "POST", body: new Uint8Array([1, 2]) }],
      ["http://m.mock/x", { signal: AbortSignal.timeout(1000) }],
    ];
    for (const args of cases) expect(await light(...args)).toEqual(await real(...args));
  });

  it("fail where a real Request fails", async () => {
    const light = fetchVia(async () => new Response(null), true);
    for (const args of [
      ["/relative"],
      ["http://user:pw@m.mock/x"],
      ["http://m.mock/x", { method: "GET", body: "x" }],
      ["http://m.mock/x", { body: "no method means GET" }],
      ["http://m.mock/x", { method: "CONNECT" }],
      ["http://m.mock/x", { method: "bad method" }],
    ] as Parameters<typeof fetch>[]) {
      await expect(light(...args)).rejects.toThrow(TypeError);
    }
  });

  it("read the body like a real Request every way, once", async () => {
    let request: Request | undefined;
    const f = fetchVia(async (r) => {
      request = r;
      return new Response(null);
    }, true);
    const init = { method: "POST", body: '{"a":"☃"}' };
    const light = async () => {
      await f("http://m.mock/x", init);
      expect(request).not.toBeInstanceOf(Request); // the light path, not a Request
      return request as Request;
    };
    const pairs: Array<[Request, Request]> = [];
    for (let i = 0; i < 49; i++) pairs.push([await light(), new Request("http://m.mock/x", init)]);
    await readAlike(() => pairs.shift() as [Request, Request]);
  });
});
