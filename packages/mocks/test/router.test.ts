import fc from "fast-check";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { sized, utf8Length } from "../src/response.js";
import { compilePath, dispatcher, fetchVia } from "../src/router.js";

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

describe("sized JSON answers", () => {
  it("measures UTF-8 like Node does, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        expect(utf8Length(s)).toBe(Buffer.byteLength(s, "utf8"));
      }),
      { numRuns: 3000 },
    );
  });

  it("sets a Content-Length that matches the body msw writes", async () => {
    const json = (body: { name: string; n: number }, init?: ResponseInit) =>
      HttpResponse.json(body, { status: 200, ...init });
    const r = sized(json, { name: "naïve ☃ 𝄞", n: 1 });
    const text = await r.text();
    expect(r.headers.get("content-length")).toBe(String(Buffer.byteLength(text)));
    expect(JSON.parse(text)).toEqual({ name: "naïve ☃ 𝄞", n: 1 });
  });
});
