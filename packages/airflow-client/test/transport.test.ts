import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { serveHttps, tlsFixture } from "../../../test/support/tls-server.js";
import {
  AirflowApiError,
  AirflowConfigError,
  AirflowDagRunExistsError,
  AirflowRequestError,
  AirflowWaitError,
  createAirflowClient,
  createTransport,
  IDEMPOTENT_HEADER,
  resolveServer,
  retryAfterMs,
} from "../src/index.js";

type Handler = (req: Request) => Response | Promise<Response>;

/** A fake server: a list of handlers, one per request, and the requests it saw. */
function fakeFetch(handlers: Handler[]) {
  const seen: {
    method: string;
    path: string;
    auth: string | null;
    idem: string | null;
    body: string;
    query: string;
    headers: Headers;
  }[] = [];
  const fn = async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    seen.push({
      method: req.method,
      path: new URL(req.url).pathname,
      auth: req.headers.get("authorization"),
      idem: req.headers.get(IDEMPOTENT_HEADER),
      body: await req.clone().text(),
      query: new URL(req.url).search,
      headers: req.headers,
    });
    const h = handlers.shift();
    if (!h) throw new Error(`unexpected request ${req.method} ${req.url}`);
    return h(req);
  };
  return { fetch: fn as typeof fetch, seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
const token = (t: string) => () => json(201, { access_token: t });
const noSleep = { sleep: async () => {} };

describe("retryAfterMs", () => {
  it.each([
    ["3", 3000],
    [" 0 ", 0],
    ["Wed, 21 Oct 2015 07:28:05 GMT", 5000],
    ["soon", null],
    [null, null],
  ])("%s → %s", (given, want) => {
    expect(retryAfterMs(given, Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(want);
  });
});

describe("transport", () => {
  it("fetches a token once with the username and password, then sends it as Bearer", async () => {
    const f = fakeFetch([
      token("T1"),
      () => json(200, { version: "3.3.2" }),
      () => json(200, { version: "3.3.2" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "p" },
      fetch: f.fetch,
    });
    await c.version();
    await c.version();
    expect(f.seen.map((s) => [s.method, s.path, s.auth])).toEqual([
      ["POST", "/auth/token", null],
      ["GET", "/api/v2/version", "Bearer T1"],
      ["GET", "/api/v2/version", "Bearer T1"],
    ]);
    expect(JSON.parse(f.seen[0]?.body ?? "")).toEqual({ username: "u", password: "p" });
  });

  it("an answer that is not the API's (a login page, a proxy's 500 page, `{}`) is a typed error saying so", async () => {
    const page = `<html><head><title>Login</title></head><body>${"x".repeat(11000)}</body></html>`;
    const html = (status: number) => () =>
      new Response(page, { status, headers: { "content-type": "text/html" } });
    const client = (handlers: Handler[], auth = true) =>
      createAirflowClient({
        baseUrl: "http://af",
        ...(auth ? { auth: { username: "u", password: "p" } } : {}),
        fetch: fakeFetch(handlers).fetch,
        retry: { retries: 0 },
      });
    const login = client([html(200)]).version();
    await expect(login).rejects.toThrow(AirflowApiError);
    await expect(client([html(200)]).version()).rejects.toThrow(
      /POST \/auth\/token → 200: the answer is not JSON \(text\/html\)/,
    );
    const failed = await client([token("T"), html(500)])
      .version()
      .catch((e: Error) => e);
    expect(failed).toBeInstanceOf(AirflowApiError);
    expect((failed as Error).message.length).toBeLessThan(700);
    expect((failed as Error).message).toContain("<html><head><title>Login</title>");
    await expect(client([token("T"), () => json(200, {})]).triggerDagRun("d")).rejects.toThrow(
      "the answer is not a DAG run (it has no dag_run_id)",
    );
    await expect(client([token("T"), () => json(200, {})]).latestDagRun("d")).rejects.toThrow(
      "the answer is not a list of DAG runs",
    );
    await expect(client([token("T"), () => json(200, {})]).getDag("d")).rejects.toThrow(
      "the answer is not a DAG (it has no dag_id)",
    );
    await expect(
      client([token("T"), () => json(200, {})]).getXcom("d", "r", "t", "k"),
    ).rejects.toThrow("the answer is not an XCom entry (it has no key)");
  });

  it("on a 401 fetches a new token once and repeats the request", async () => {
    const f = fakeFetch([
      token("old"),
      () => json(401, { detail: "Token Expired" }),
      token("new"),
      () => json(200, { version: "3" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "p" },
      fetch: f.fetch,
    });
    await c.version();
    expect(f.seen.map((s) => s.auth)).toEqual([null, "Bearer old", null, "Bearer new"]);
  });

  it("a second 401 is the caller's error, without the password or token in it", async () => {
    const f = fakeFetch([
      token("s3cret-token"),
      () => json(401, { detail: "nope" }),
      token("s3cret-token"),
      () => json(401, { detail: "nope" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "hunter2" },
      fetch: f.fetch,
    });
    const err = (await c.version().catch((e: unknown) => e)) as AirflowApiError;
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(err.status).toBe(401);
    const shown = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
    expect(shown).not.toContain("hunter2");
    expect(shown).not.toContain("s3cret-token");
  });

  it("an answer that repeats the Authorization header (a proxy's page) is quoted without the token", async () => {
    const echo = (status: number) => (req: Request) =>
      new Response(`<html>you sent ${req.headers.get("authorization")}</html>`, {
        status,
        headers: { "content-type": "text/html" },
      });
    for (const status of [401, 200]) {
      const f = fakeFetch([echo(status)]);
      const c = createAirflowClient({
        baseUrl: "http://af",
        auth: { token: "static-airflow-token-SECRET" },
        fetch: f.fetch,
        ...noSleep,
      });
      const err = (await c.version().catch((e: unknown) => e)) as AirflowApiError;
      expect(err).toBeInstanceOf(AirflowApiError);
      const shown = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.detail)}`;
      expect(shown).toContain("you sent Bearer ***");
      expect(shown).not.toContain("SECRET");
    }
  });

  it("a token with spaces or tabs around it is quoted without it too", async () => {
    // fetch strips them before sending, so the echo holds the token without them.
    for (const token of ["file-token-SECRET ", " file-token-SECRET\t", "\tfile-token-SECRET  "]) {
      const f = fakeFetch([
        (req) =>
          new Response(`<html>you sent ${req.headers.get("authorization")}</html>`, {
            status: 500,
            headers: { "content-type": "text/html" },
          }),
      ]);
      const c = createAirflowClient({
        baseUrl: "http://af",
        auth: { token },
        fetch: f.fetch,
        retry: { retries: 0 },
        ...noSleep,
      });
      const err = (await c.version().catch((e: unknown) => e)) as AirflowApiError;
      const shown = `${err.message} ${JSON.stringify(err)} ${JSON.stringify(err.detail)}`;
      expect(shown).toContain("***</html>");
      expect(shown).not.toContain("SECRET");
    }
  });

  it("a token no HTTP header can carry, or a URL password with a broken escape, is a configuration error that quotes neither", () => {
    // (A line end, as Python's requests refuses it: `$(cat token)` keeps a CRLF file's \r.)
    for (const token of ["abc\ndef-SECRET", "SECRET\x01x", "SECRET€", "SECRET-token\r"]) {
      const make = () => createAirflowClient({ baseUrl: "http://af", auth: { token } });
      expect(make).toThrow(AirflowConfigError);
      expect(make).toThrow(/line break, a control character or a character beyond Latin-1/);
      expect(() => make()).not.toThrow(/SECRET/);
    }
    const make = () => createAirflowClient({ baseUrl: "http://alice:S3cret%zzPw@af" });
    expect(make).toThrow(AirflowConfigError);
    expect(make).toThrow(/holds a % that starts no escape/);
    expect(make).not.toThrow(/S3cret/);
  });

  it("an extra header's value (a gateway's key) a proxy repeats is quoted without it", async () => {
    const f = fakeFetch([
      (req) =>
        new Response(`<html>key ${req.headers.get("x-api-key")}</html>`, {
          status: 403,
          headers: { "content-type": "text/html" },
        }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      headers: { "x-api-key": "gateway-KEY-1234" },
      fetch: f.fetch,
      ...noSleep,
    });
    const err = (await c.version().catch((e: unknown) => e)) as AirflowApiError;
    expect(`${err.message} ${JSON.stringify(err)}`).toContain("key ***");
    expect(`${err.message} ${JSON.stringify(err)}`).not.toContain("gateway-KEY");
  });

  it("waitForDagRun's signal also stops a request in flight", async () => {
    const f = fakeFetch([
      (req) =>
        new Promise<Response>((_, reject) => {
          req.signal.addEventListener("abort", () => reject(req.signal.reason), { once: true });
        }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, timeoutMs: 60_000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = c.waitForDagRun("d", "r", { signal: controller.signal }).catch((e) => e);
    setTimeout(() => controller.abort(new Error("stop waiting")), 50);
    expect(await pending).toEqual(new Error("stop waiting"));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("retries GET on 502/503/504/429 and on network errors, then succeeds", async () => {
    const f = fakeFetch([
      () => json(502, {}),
      () => json(503, {}),
      () => {
        throw new TypeError("fetch failed");
      },
      () => json(504, {}),
      () => json(200, { version: "3" }),
    ]);
    const retries: string[] = [];
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { token: "t" },
      fetch: f.fetch,
      retry: { retries: 4 },
      onRetry: (i) => retries.push(i.reason),
      ...noSleep,
    });
    expect((await c.version()).version).toBe("3");
    expect(retries).toEqual(["HTTP 502", "HTTP 503", "network", "HTTP 504"]);
  });

  it("does not wait for a discarded body to cancel (msw's intercepted bodies never settle it)", async () => {
    const stuck = () =>
      new Response(
        new ReadableStream({
          pull: () => new Promise(() => {}),
          cancel: () => new Promise(() => {}),
        }),
        { status: 503 },
      );
    const f = fakeFetch([stuck, () => json(200, { version: "3.3.2" })]);
    const t = createTransport({ baseUrl: "http://af", fetch: f.fetch, ...noSleep });
    const res = await t(new Request("http://af/api/v2/version"));
    expect(res.status).toBe(200);
    expect(f.seen).toHaveLength(2);
  });

  it("gives up after the retries and returns the last answer as an error", async () => {
    const f = fakeFetch([() => json(503, { detail: "down" }), () => json(503, { detail: "down" })]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      fetch: f.fetch,
      retry: { retries: 1 },
      ...noSleep,
    });
    await expect(c.version()).rejects.toMatchObject({ status: 503, detail: "down" });
  });

  it("never retries a POST unless the helper marked it idempotent, and strips the mark", async () => {
    const run = { dag_run_id: "r1", state: "queued", logical_date: null };
    const f = fakeFetch([() => json(503, {}), () => json(503, {}), () => json(200, run)]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, ...noSleep });
    await expect(c.triggerDagRun("d")).rejects.toMatchObject({ status: 503 });
    expect(f.seen).toHaveLength(1);
    expect(JSON.parse(f.seen[0]?.body ?? "")).toEqual({ logical_date: null });
    await c.triggerDagRun("d", { runId: "r1", conf: { a: 1 } });
    expect(f.seen).toHaveLength(3);
    expect(f.seen.map((s) => s.idem)).toEqual([null, null, null]);
    expect(JSON.parse(f.seen[2]?.body ?? "")).toEqual({
      logical_date: null,
      dag_run_id: "r1",
      conf: { a: 1 },
    });
  });

  it("retries any request after a 429 (it was not processed), waiting its Retry-After", async () => {
    const run = { dag_run_id: "r1", state: "queued", logical_date: null };
    const waits: number[] = [];
    const f = fakeFetch([() => json(429, {}, { "retry-after": "2" }), () => json(200, run)]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      fetch: f.fetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    // Without a run id the trigger is no idempotent request (a 503 is not retried, above).
    await c.triggerDagRun("d", { conf: { a: 1 } });
    expect(f.seen.map((s) => [s.method, s.idem])).toEqual([
      ["POST", null],
      ["POST", null],
    ]);
    expect(f.seen[1]?.body).toBe(f.seen[0]?.body);
    expect(JSON.parse(f.seen[1]?.body ?? "")).toMatchObject({ conf: { a: 1 } });
    expect(waits).toEqual([2000]);
  });

  it("repeats a repeatable request after Airflow's 500 'Database error', and nothing else", async () => {
    // What Airflow 3's API answers for a SQLAlchemy error, e.g. a locked SQLite file.
    const dbError = () =>
      json(500, {
        detail: { reason: "Database error", statement: "hidden", orig_error: "hidden" },
      });
    const dag = { dag_id: "d", is_paused: true };
    const retries: string[] = [];
    const f = fakeFetch([
      dbError,
      dbError,
      () => json(200, dag),
      // a trigger without a run id could run twice: never repeated
      dbError,
      // other 500s are not passing: returned as they are
      () => json(500, { detail: "Internal Server Error" }),
      () => new Response("<html>oops</html>", { status: 500 }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      fetch: f.fetch,
      onRetry: (i) => retries.push(`${i.method} ${i.reason}`),
      ...noSleep,
    });
    expect((await c.pauseDag("d")).is_paused).toBe(true);
    expect(f.seen.map((s) => [s.method, JSON.parse(s.body)])).toEqual([
      ["PATCH", { is_paused: true }],
      ["PATCH", { is_paused: true }],
      ["PATCH", { is_paused: true }],
    ]);
    expect(retries).toEqual(["PATCH HTTP 500", "PATCH HTTP 500"]);
    await expect(c.triggerDagRun("d")).rejects.toMatchObject({ status: 500 });
    await expect(c.variables.update("k", { key: "k", value: "v" })).rejects.toMatchObject({
      status: 500,
    });
    await expect(c.version()).rejects.toMatchObject({ status: 500 });
    expect(f.seen).toHaveLength(6);
    expect(retries).toHaveLength(2);
  });

  it("logs in with a username and password written into the URL, and sends them nowhere else", async () => {
    const f = fakeFetch([token("t1"), () => json(200, { version: "3.3.2" })]);
    const c = createAirflowClient({ baseUrl: "http://ad%40min:p%3Ass@af:8080/", fetch: f.fetch });
    expect((await c.version()).version).toBe("3.3.2");
    expect(f.seen.map((s) => [s.method, s.path, s.auth])).toEqual([
      ["POST", "/auth/token", null],
      ["GET", "/api/v2/version", "Bearer t1"],
    ]);
    expect(JSON.parse(f.seen[0]?.body ?? "")).toEqual({ username: "ad@min", password: "p:ss" });
    // `auth` is read, not enumerated (see "resolveServer prints its auth as ***").
    const fromUrl = resolveServer({ baseUrl: "https://u:p@af/airflow/" });
    expect({ baseUrl: fromUrl.baseUrl, auth: fromUrl.auth }).toEqual({
      baseUrl: "https://af/airflow",
      auth: { username: "u", password: "p" },
    });
    // Given auth wins; the URL's credentials are dropped all the same.
    const given = resolveServer({ baseUrl: "http://u:p@af", auth: { token: "x" } });
    expect({ baseUrl: given.baseUrl, auth: given.auth }).toEqual({
      baseUrl: "http://af",
      auth: { token: "x" },
    });
    // The proxy variables, as curl and requests read them: a bad one names itself, not its password.
    const env = { http_proxy: "ftp://u:hunter2@proxy:2121" };
    expect(() => createAirflowClient({ baseUrl: "http://af", env })).toThrow(AirflowConfigError);
    expect(() => createAirflowClient({ baseUrl: "http://af", env })).toThrow(
      "http_proxy names a ftp proxy (ftp://proxy:2121); only http:// and https:// proxies are supported",
    );
    expect(() => createAirflowClient({ baseUrl: "http://af", env })).not.toThrow(/hunter2/);
    // Without `//`, `admin:hunter2@af` parses with `admin:` as its scheme: not echoed either.
    for (const baseUrl of ["ftp://u:hunter2@af", "not a url hunter2", "hunter2:pw@af:8080"]) {
      expect(() => createAirflowClient({ baseUrl })).toThrow(AirflowConfigError);
      expect(() => createAirflowClient({ baseUrl })).not.toThrow(/hunter2/);
    }
  });

  it("resolveServer prints its auth as ***: console.log, util.inspect (showHidden too), JSON, a spread", () => {
    const PASSWORD = "S3cr3t-pw";
    for (const [server, auth] of [
      [resolveServer({ baseUrl: `http://admin:${PASSWORD}@af:8080` }), "password"],
      [resolveServer({ baseUrl: "http://af", auth: { token: PASSWORD } }), "token"],
    ] as const) {
      const shown = [
        inspect(server),
        inspect(server, { showHidden: true, depth: 8 }),
        JSON.stringify(server),
        JSON.stringify({ ...server }),
      ].join("\n");
      expect(shown).not.toContain(PASSWORD);
      expect(shown).toContain(`${auth}: '***'`);
      // What the transport reads is still there.
      expect(JSON.stringify(server.auth)).toContain(PASSWORD);
    }
    const oneLine = { breakLength: Number.POSITIVE_INFINITY };
    expect(inspect(resolveServer({ baseUrl: `http://admin:${PASSWORD}@af:8080` }), oneLine)).toBe(
      "ResolvedServer { baseUrl: 'http://af:8080', auth: { username: 'admin', password: '***' } }",
    );
    expect(JSON.stringify(resolveServer({ baseUrl: "http://af", auth: { token: "tok-en" } }))).toBe(
      '{"baseUrl":"http://af","auth":{"token":"***"}}',
    );
  });

  it("says why a request got no answer, from fetch's error code, and never retries a bad certificate", async () => {
    const failing = (code: string) => () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error(`connect ${code} http://u:pw@af`), { code }),
      });
    };
    const retries: string[] = [];
    const refused = createAirflowClient({
      baseUrl: "http://u:pw@af:8080",
      auth: { token: "t" },
      fetch: fakeFetch([
        failing("ECONNREFUSED"),
        failing("ECONNRESET"),
        () => json(200, { version: "3" }),
      ]).fetch,
      onRetry: (i) => retries.push(`${i.reason}: ${i.detail}`),
      ...noSleep,
    });
    expect((await refused.version()).version).toBe("3");
    expect(retries).toEqual([
      "network: connection refused (ECONNREFUSED)",
      "network: connection reset by the server (ECONNRESET)",
    ]);
    const cert = fakeFetch([failing("CERT_HAS_EXPIRED"), failing("CERT_HAS_EXPIRED")]);
    const err = await createAirflowClient({
      baseUrl: "https://u:pw@af:8443/",
      auth: { token: "t" },
      fetch: cert.fetch,
      ...noSleep,
    })
      .version()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowRequestError);
    expect((err as Error).message).toBe(
      "GET https://af:8443/api/v2/version failed: the server's TLS certificate has expired (CERT_HAS_EXPIRED), after 1 attempt",
    );
    expect(cert.seen).toHaveLength(1);
    // No code to read: said as a network error, the cause's message (it may hold a URL) unread.
    const bare = await createAirflowClient({
      baseUrl: "http://af",
      fetch: fakeFetch([() => Promise.reject(new TypeError("fetch failed http://u:pw@x"))]).fetch,
      retry: false,
    })
      .version()
      .catch((e: unknown) => e);
    expect((bare as Error).message).toBe(
      "GET http://af/api/v2/version failed: network error, after 1 attempt",
    );
  });

  it("a request that got no answer names its path as AirflowApiError does: ids as given, the server's prefix before it, no secret", async () => {
    const reset = () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
      });
    };
    const runId = "manual__2025-01-01T00:00:00+00:00";
    const f = fakeFetch([token("tok-SECRET-1"), reset, reset]);
    const c = createAirflowClient({
      baseUrl: "http://admin:pw-SECRET-2@gw:8080/airflow",
      headers: { "x-api-key": "key-SECRET-3" },
      fetch: f.fetch,
      retry: { retries: 1 },
      ...noSleep,
    });
    const err = await c.getDagRun("my dag", runId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowRequestError);
    expect(err).toMatchObject({
      kind: "network",
      path: `/api/v2/dags/my dag/dagRuns/${runId}`,
      attempts: 2,
    });
    expect((err as Error).message).toBe(
      `GET http://gw:8080/airflow/api/v2/dags/my dag/dagRuns/${runId} failed: connection reset by the server (ECONNRESET), after 2 attempts`,
    );
    // What was sent: the prefix and the encoded ids.
    expect(f.seen[1]?.path).toBe(
      "/airflow/api/v2/dags/my%20dag/dagRuns/manual__2025-01-01T00%3A00%3A00%2B00%3A00",
    );
    // An answer that is an error names the same path.
    const g = fakeFetch([token("t"), () => json(404, { detail: "no" })]);
    const api = await createAirflowClient({
      baseUrl: "http://admin:pw@gw:8080/airflow",
      fetch: g.fetch,
    })
      .getDagRun("my dag", runId)
      .catch((e: unknown) => e);
    expect((api as AirflowApiError).path).toBe((err as AirflowRequestError).path);
    // The token request's failure too, and no secret anywhere.
    const h = fakeFetch([reset]);
    const login = await createAirflowClient({
      baseUrl: "http://admin:pw-SECRET-2@gw:8080/airflow",
      fetch: h.fetch,
      retry: false,
    })
      .getDag("d")
      .catch((e: unknown) => e);
    expect((login as Error).message).toBe(
      "POST http://gw:8080/airflow/auth/token failed: connection reset by the server (ECONNRESET), after 1 attempt",
    );
    for (const e of [err, login]) {
      expect(`${(e as Error).message} ${inspect(e, { depth: 5 })}`).not.toMatch(/SECRET/);
    }
  });

  it("takes the API's root (…/api/v2) as the server's, and refuses Airflow 2's /api/v1", async () => {
    const f = fakeFetch([() => json(200, { version: "3.3.2" })]);
    const c = createAirflowClient({ baseUrl: "http://af:8080/api/v2/", fetch: f.fetch });
    expect((await c.version()).version).toBe("3.3.2");
    expect(f.seen.map((s) => s.path)).toEqual(["/api/v2/version"]);
    expect(resolveServer({ baseUrl: "https://af/airflow/api/v2" }).baseUrl).toBe(
      "https://af/airflow",
    );
    expect(resolveServer({ baseUrl: "https://af/api/v2x" }).baseUrl).toBe("https://af/api/v2x");
    expect(() => resolveServer({ baseUrl: "http://af:8080/api/v1" })).toThrow(
      /ends in \/api\/v1, Airflow 2's REST API; this client speaks Airflow 3's \/api\/v2/,
    );
    expect(() => resolveServer({ baseUrl: "http://af:8080/?dag=x" })).toThrow(
      /has a query or a fragment/,
    );
  });

  it("waits as long as Retry-After says; one longer than maxDelayMs ends the retries with that answer", async () => {
    const waits: number[] = [];
    const f = fakeFetch([
      () => json(429, {}, { "retry-after": "7" }),
      () => json(429, {}, { "retry-after": "60" }),
      () => json(200, { version: "3" }),
    ]);
    const t = createTransport({
      baseUrl: "http://af",
      fetch: f.fetch,
      retry: { maxDelayMs: 60_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    const res = await t(new Request("http://af/api/v2/version"));
    expect(res.status).toBe(200);
    expect(waits).toEqual([7000, 60_000]);
    // Asked to wait 999 s, past maxDelayMs: trying again sooner would earn another 429, so
    // the 429 is the caller's, with the wait the server asked in the error.
    waits.length = 0;
    const g = fakeFetch([
      () => json(429, { detail: "Too many requests" }, { "retry-after": "999" }),
      () => json(200, { dag_id: "d" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      fetch: g.fetch,
      retry: { maxDelayMs: 60_000 },
      sleep: async (ms) => void waits.push(ms),
    });
    const err = await c.getDag("d").catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 999_000 });
    expect((err as Error).message).toBe(
      "GET /api/v2/dags/d → 429: Too many requests (Retry-After: the server asks to wait 999 s)",
    );
    expect([waits, g.seen.length]).toEqual([[], 1]);
    // A 503's too, as a date.
    const at = new Date(Date.now() + 120_000).toUTCString();
    const h = fakeFetch([() => json(503, { detail: "maintenance" }, { "retry-after": at })]);
    const down = await createAirflowClient({ baseUrl: "http://af", fetch: h.fetch, ...noSleep })
      .getDag("d")
      .catch((x: unknown) => x);
    expect(down).toMatchObject({ status: 503 });
    expect((down as AirflowApiError).retryAfterMs).toBeGreaterThan(100_000);
    expect(h.seen).toHaveLength(1);
  });

  it("times out each attempt and reports how many it made", async () => {
    const hang: Handler = (req) =>
      new Promise((_, reject) =>
        req.signal.addEventListener("abort", () => reject(req.signal.reason)),
      );
    const f = fakeFetch([hang, hang]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      fetch: f.fetch,
      timeoutMs: 50,
      retry: { retries: 1 },
      ...noSleep,
    });
    const err = await c.version().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowRequestError);
    expect(err).toMatchObject({
      kind: "timeout",
      attempts: 2,
      method: "GET",
      path: "/api/v2/version",
    });
  });

  it("URL-encodes path parameters (run ids hold + and :)", async () => {
    const f = fakeFetch([() => json(200, { dag_run_id: "x", state: "success" })]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    await c.getDagRun("my_dag", "manual__2025-01-01T00:00:00+00:00");
    expect(f.seen[0]?.path).toBe(
      "/api/v2/dags/my_dag/dagRuns/manual__2025-01-01T00%3A00%3A00%2B00%3A00",
    );
  });

  it("paginates with limit 100 until the total is reached", async () => {
    const page = (n: number, total: number) => () =>
      json(200, {
        dags: Array.from({ length: n }, (_, i) => ({ dag_id: `d${i}` })),
        total_entries: total,
      });
    const f = fakeFetch([page(100, 230), page(100, 230), page(30, 230)]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    let count = 0;
    for await (const _ of c.paginate("/api/v2/dags", {})) count++;
    expect(count).toBe(230);
    expect(f.seen.map((s) => s.path)).toEqual(["/api/v2/dags", "/api/v2/dags", "/api/v2/dags"]);
  });

  it("turns FastAPI validation errors and non-JSON bodies into readable errors", async () => {
    const f = fakeFetch([
      () =>
        json(422, {
          detail: [{ loc: ["body", "logical_date"], msg: "Field required", type: "missing" }],
        }),
      () =>
        new Response("<html>bad gateway</html>", {
          status: 500,
          headers: { "content-type": "text/html" },
        }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, retry: false });
    await expect(c.triggerDagRun("d")).rejects.toThrow(
      "POST /api/v2/dags/d/dagRuns → 422: body.logical_date: Field required",
    );
    await expect(c.version()).rejects.toMatchObject({ status: 500 });
  });

  it("a success that is not JSON (a login page in front of the server) is an AirflowApiError", async () => {
    const page = "<!doctype html><title>Sign in</title>";
    const f = fakeFetch([
      () => new Response(page, { status: 200, headers: { "content-type": "text/html" } }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, retry: false });
    const err = await c.version().catch((e) => e);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(err).toMatchObject({ status: 200, path: "/api/v2/version" });
    expect(err.message).toContain("not JSON (text/html)");
    expect(err.message).toContain("<title>Sign in</title>");
    // Named by the path asked, with its ids, after the server's prefix: not the route template.
    const p = fakeFetch([
      () => new Response(page, { status: 200, headers: { "content-type": "text/html" } }),
    ]);
    const e = createAirflowClient({ baseUrl: "http://af/airflow/", fetch: p.fetch, retry: false });
    const dagErr = await e.getDag("my.dag+1").catch((x) => x);
    expect(dagErr).toMatchObject({ status: 200, path: "/api/v2/dags/my.dag+1" });
    expect(dagErr.message).toMatch(
      /^GET \/api\/v2\/dags\/my\.dag\+1 → 200: the answer is not JSON/,
    );
    // Labelled JSON but garbled (a proxy cut it short): said as such, not a bare SyntaxError.
    const g = fakeFetch([
      () =>
        new Response('{"version": "3.3', {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
    ]);
    const d = createAirflowClient({ baseUrl: "http://af", fetch: g.fetch, retry: false });
    const bad = await d.version().catch((e) => e);
    expect(bad).toBeInstanceOf(AirflowApiError);
    expect(bad).toMatchObject({ status: 200, path: "/api/v2/version" });
    expect(bad.message).toContain("labelled JSON but is not");
    expect(bad.message).toContain('It began: {"version": "3.3');
  });

  it("the token request carries the extra headers and is retried like any other request", async () => {
    const f = fakeFetch([
      () => json(503, { detail: "restarting" }),
      token("T"),
      () => json(200, { version: "3" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "p" },
      headers: { "x-gateway-key": "k" },
      fetch: f.fetch,
      ...noSleep,
    });
    await c.version();
    expect(f.seen.map((s) => [s.path, s.headers.get("x-gateway-key"), s.idem])).toEqual([
      ["/auth/token", "k", null],
      ["/auth/token", "k", null],
      ["/api/v2/version", "k", null],
    ]);
  });

  it("a 403 'Invalid JWT token' (a token signed with another key) fetches a new token once", async () => {
    const f = fakeFetch([
      token("old"),
      () => json(403, { detail: "Invalid JWT token" }),
      token("new"),
      () => json(200, { version: "3" }),
      () => json(403, { detail: "Forbidden" }),
    ]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "p" },
      fetch: f.fetch,
    });
    await c.version();
    expect(f.seen.map((s) => s.auth)).toEqual([null, "Bearer old", null, "Bearer new"]);
    // A 403 for a missing permission is the caller's error, with no new token.
    await expect(c.version()).rejects.toMatchObject({ status: 403, detail: "Forbidden" });
    expect(f.seen).toHaveLength(5);
  });

  it("a refused login never repeats the server's words, which hold the password", async () => {
    const echo = `1 validation error for LoginBody\nusername\n  Field required [type=missing, input_value={'password': 'hunter2'}, input_type=dict]`;
    const f = fakeFetch([() => json(422, { detail: echo })]);
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "u", password: "hunter2" },
      fetch: f.fetch,
    });
    const err = await c.version().catch((e) => e);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(err).toMatchObject({ status: 422, path: "/auth/token" });
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain("hunter2");
    expect(err.message).toContain("username or password empty");
    // An unset username or password is a configuration error before any request.
    for (const auth of [
      { username: "", password: "p" },
      { username: undefined as unknown as string, password: "p" },
      { username: "u", password: undefined as unknown as string },
    ]) {
      expect(() => createAirflowClient({ baseUrl: "http://af", auth })).toThrow(AirflowConfigError);
    }
  });

  it("a login refused with the request echoed, the password escaped or encoded, never quotes it", async () => {
    const password = `pa"ss\\w0rd 'x'!(1)*`;
    const strict = encodeURIComponent(password).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
    );
    const echoes = [
      `echo ${JSON.stringify({ username: "admin", password })}`,
      `echo username=admin&password=${encodeURIComponent(password)}`,
      `echo username=admin&password=${encodeURIComponent(password).replaceAll("%20", "+")}`,
      `echo ${new URLSearchParams({ username: "admin", password }).toString()}`,
      // Python's quote_plus, with lower-case escapes as some encoders write them.
      `echo password=${strict.replaceAll("%20", "+").replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())}`,
      `echo {'username': 'admin', 'password': 'pa"ss\\\\w0rd \\'x\\'!(1)*'}`,
    ];
    for (const status of [400, 401, 403, 500]) {
      for (const echo of echoes) {
        const f = fakeFetch([() => json(status, { detail: echo })]);
        const c = createAirflowClient({
          baseUrl: "http://af",
          auth: { username: "admin", password },
          fetch: f.fetch,
          retry: false,
        });
        const err = await c.version().catch((e) => e);
        if (!(err instanceof AirflowApiError)) throw err;
        expect(err).toMatchObject({ status, path: "/auth/token" });
        const shown = JSON.stringify({ ...err, message: err.message });
        for (const part of ["ss\\\\w0rd", "ss%5Cw0rd", "w0rd"]) expect(shown).not.toContain(part);
      }
    }
    // A password too short for scrub to touch is still never quoted back.
    const f = fakeFetch([() => json(401, { detail: "bad login for admin:pw1" })]);
    const short = createAirflowClient({
      baseUrl: "http://af",
      auth: { username: "admin", password: "pw1" },
      fetch: f.fetch,
      retry: false,
    });
    const err = await short.version().catch((e) => e);
    expect(err).toMatchObject({ status: 401 });
    expect(err.message).not.toContain("pw1");
  });

  it("validation errors drop the input FastAPI repeats (a connection's password)", async () => {
    const f = fakeFetch([
      () =>
        json(422, {
          detail: [
            {
              loc: ["body", "conn_type"],
              msg: "Field required",
              type: "missing",
              input: { connection_id: "db", password: "hunter2" },
            },
          ],
        }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, retry: false });
    const err = await c.version().catch((e) => e);
    expect(err.message).toContain("body.conn_type: Field required");
    expect(JSON.stringify(err.detail)).not.toContain("hunter2");
  });

  it("a trigger with a run id that already exists is that run when the settings match", async () => {
    const existing = { dag_id: "d", dag_run_id: "r1", state: "queued", conf: { b: 1, a: [2] } };
    const conflict = () => json(409, { detail: { reason: "Unique constraint violation" } });
    const f = fakeFetch([conflict, () => json(200, existing), conflict, () => json(200, existing)]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, ...noSleep });
    // Key order does not matter.
    const run = await c.triggerDagRun("d", { runId: "r1", conf: { a: [2], b: 1 } });
    expect(run.dag_run_id).toBe("r1");
    // Another conf: the 409 is the caller's, saying what clashes (Airflow's says only
    // "Unique constraint violation").
    const clash = await c.triggerDagRun("d", { runId: "r1", conf: { a: 3 } }).catch((x) => x);
    expect(clash).toBeInstanceOf(AirflowApiError);
    expect(clash).toMatchObject({ name: "AirflowDagRunExistsError", status: 409, clash: "run id" });
    expect(clash.message).toBe(
      "POST /api/v2/dags/d/dagRuns → 409: run 'r1' of d already exists with another conf or logical date: trigger with another run id",
    );
    expect(f.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      "POST /api/v2/dags/d/dagRuns",
      "GET /api/v2/dags/d/dagRuns/r1",
      "POST /api/v2/dags/d/dagRuns",
      "GET /api/v2/dags/d/dagRuns/r1",
    ]);
  });

  it("a trigger whose logical date is taken is an AirflowDagRunExistsError naming the DAG, the date, the run and the fix", async () => {
    // What Airflow 3 answers for the dag_run table's unique (dag_id, logical_date).
    const conflict = () =>
      json(409, {
        detail: {
          reason: "Unique constraint violation",
          statement: "INSERT INTO dag_run ...",
          orig_error: "UNIQUE constraint failed: dag_run.dag_id, dag_run.logical_date",
        },
      });
    const existing = "scheduled__2025-06-01T00:00:00+00:00";
    const f = fakeFetch([
      conflict,
      () => json(200, { dag_runs: [{ dag_id: "d", dag_run_id: existing }], total_entries: 1 }),
      conflict,
      () => json(500, { detail: "down" }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, retry: false });
    const logicalDate = "2025-06-01T00:00:00Z";
    const err = await c.triggerDagRun("d", { logicalDate }).catch((x) => x);
    expect(err).toBeInstanceOf(AirflowDagRunExistsError);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(err).toMatchObject({
      status: 409,
      dagId: "d",
      clash: "logical date",
      logicalDate,
      runId: null,
      existingRunId: existing,
    });
    expect(err.message).toBe(
      `POST /api/v2/dags/d/dagRuns → 409: a run of d with logical date ${logicalDate} already exists ('${existing}'): trigger with another logical date, or clear that run to run it again (clearTaskInstances with its run id, or Clear in the UI), or delete it first`,
    );
    expect(f.seen[1]).toMatchObject({
      method: "GET",
      path: "/api/v2/dags/d/dagRuns",
      query: `?logical_date_gte=${encodeURIComponent(logicalDate)}&logical_date_lte=${encodeURIComponent(logicalDate)}&limit=1`,
    });
    // Without a logical date only the run id can clash: said so when the run is not found.
    const g = fakeFetch([conflict, () => json(404, { detail: "not found" })]);
    const d = createAirflowClient({ baseUrl: "http://af", fetch: g.fetch, retry: false });
    const byId = await d.triggerDagRun("d", { runId: "r9" }).catch((x) => x);
    expect(byId).toMatchObject({ clash: "run id", runId: "r9", existingRunId: null });
    expect(byId.message).toBe(
      "POST /api/v2/dags/d/dagRuns → 409: run 'r9' of d already exists: trigger with another run id",
    );
    // When it cannot be read back (a 500), the run may be the one asked for: that error, not
    // advice to make another.
    const h = fakeFetch([conflict, () => json(500, { detail: "down" })]);
    const e = createAirflowClient({ baseUrl: "http://af", fetch: h.fetch, retry: false });
    const unread = await e.triggerDagRun("d", { runId: "r9" }).catch((x) => x);
    expect(unread).not.toBeInstanceOf(AirflowDagRunExistsError);
    expect(unread.message).toBe("GET /api/v2/dags/d/dagRuns/r9 → 500: down");
    // The run in the way cannot be read: still the typed error, without its id.
    const blind = await c.triggerDagRun("d", { logicalDate }).catch((x) => x);
    expect(blind).toBeInstanceOf(AirflowDagRunExistsError);
    expect(blind.existingRunId).toBeNull();
    expect(blind.message).toContain(`a run of d with logical date ${logicalDate} already exists:`);
  });

  it("paginates past a server whose page cap is below 100, by the total", async () => {
    const page = (from: number, n: number) => () =>
      json(200, {
        variables: Array.from({ length: n }, (_, i) => ({ key: `v${from + i}` })),
        total_entries: 120,
      });
    const f = fakeFetch([page(0, 50), page(50, 50), page(100, 20)]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    let count = 0;
    for await (const _ of c.paginate("/api/v2/variables", {})) count++;
    expect(count).toBe(120);
    expect(f.seen.map((s) => new URLSearchParams(s.query).get("offset"))).toEqual([
      "0",
      "50",
      "100",
    ]);
  });

  it("clearTaskInstances needs a run id or allRuns, and refuses an empty task list", async () => {
    const f = fakeFetch([() => json(200, { task_instances: [], total_entries: 0 })]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    await expect(c.clearTaskInstances("d", {} as never)).rejects.toThrow(/allRuns: true/);
    await expect(c.clearTaskInstances("d", { runId: "r", taskIds: [] })).rejects.toThrow(
      /taskIds is empty/,
    );
    expect(f.seen).toHaveLength(0);
    await c.clearTaskInstances("d", { allRuns: true });
    expect(JSON.parse(f.seen[0]?.body ?? "")).not.toHaveProperty("dag_run_id");
  });

  it("clearTaskInstances clears for real and every task by default, as its README says (the raw API's dry_run and only_failed default to true)", async () => {
    const f = fakeFetch([
      () => json(200, { task_instances: [], total_entries: 0 }),
      () => json(200, { task_instances: [], total_entries: 0 }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    await c.clearTaskInstances("d", { runId: "r" });
    await c.clearTaskInstances("d", { runId: "r", dryRun: true, onlyFailed: true });
    expect(f.seen.map((s) => JSON.parse(s.body))).toMatchObject([
      { dag_run_id: "r", dry_run: false, only_failed: false, reset_dag_runs: true },
      { dag_run_id: "r", dry_run: true, only_failed: true },
    ]);
    // The defaults differ from the API's, so the README says them where it describes the helper.
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const helper = readme.slice(readme.indexOf("`clearTaskInstances`"));
    expect(helper.slice(0, 900)).toMatch(/dryRun: true/);
    expect(helper.slice(0, 900)).toMatch(/onlyFailed: true/);
  });

  it("getXcom takes { mapIndex, signal } fifth, and still the map index fifth and the options sixth", async () => {
    const entry = () => json(200, { key: "k", value: "0.9" });
    const f = fakeFetch([entry, entry, entry, entry]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const { signal } = new AbortController();
    expect(await c.getXcom("d", "r", "t", "k", { mapIndex: 2, signal })).toMatchObject({
      value: "0.9",
    });
    await c.getXcom("d", "r", "t", "k", 3, { signal });
    await c.getXcom("d", "r", "t", "k", undefined, { signal });
    await c.getXcom("d", "r", "t", "k");
    expect(f.seen.map((s) => `${s.path}${s.query}`)).toEqual([
      "/api/v2/dags/d/dagRuns/r/taskInstances/t/xcomEntries/k?map_index=2",
      "/api/v2/dags/d/dagRuns/r/taskInstances/t/xcomEntries/k?map_index=3",
      "/api/v2/dags/d/dagRuns/r/taskInstances/t/xcomEntries/k",
      "/api/v2/dags/d/dagRuns/r/taskInstances/t/xcomEntries/k",
    ]);
    // Options given twice: which signal would count? Refused, nothing sent.
    const twice = () => c.getXcom("d", "r", "t", "k", { mapIndex: 1 } as never, { signal });
    await expect(twice()).rejects.toThrow(
      "getXcom: options given twice; pass one object: getXcom(dagId, runId, taskId, key, { mapIndex, signal })",
    );
    expect(f.seen).toHaveLength(4);
  });

  it("pools.update sends the whole pool with an update_mask; default_pool only the mask", async () => {
    const pool = { name: "p", slots: 4, include_deferred: true, description: "d" };
    const f = fakeFetch([
      () => json(200, pool),
      () => json(200, { ...pool, slots: 8 }),
      () => json(200, { name: "default_pool", slots: 200 }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    await c.pools.update("p", { slots: 8 });
    expect(f.seen[1]).toMatchObject({ method: "PATCH", query: "?update_mask=slots" });
    expect(JSON.parse(f.seen[1]?.body ?? "")).toEqual({
      pool: "p",
      slots: 8,
      include_deferred: true,
      description: "d",
    });
    await c.pools.update("default_pool", { slots: 200 });
    expect(f.seen[2]).toMatchObject({ method: "PATCH", query: "?update_mask=slots" });
    expect(JSON.parse(f.seen[2]?.body ?? "")).toEqual({ slots: 200 });
  });

  it("waitForDagRun stops at once when aborted, reads the run at the deadline, and names a paused DAG", async () => {
    const queued = () => json(200, { dag_id: "d", dag_run_id: "r", state: "queued" });
    const f = fakeFetch([queued]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const controller = new AbortController();
    const waiting = c.waitForDagRun("d", "r", {
      pollIntervalMs: 60_000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("stop")), 20);
    const started = Date.now();
    await expect(waiting).rejects.toThrow("stop");
    expect(Date.now() - started).toBeLessThan(5_000);

    const g = fakeFetch([
      queued,
      () => json(200, { dag_id: "d", dag_run_id: "r", state: "success" }),
      () => json(200, { task_instances: [], total_entries: 0 }),
    ]);
    const d = createAirflowClient({ baseUrl: "http://af", fetch: g.fetch });
    // The interval is longer than the timeout: the run is still read at the deadline.
    const done = await d.waitForDagRun("d", "r", { timeoutMs: 50, pollIntervalMs: 10_000 });
    expect(done.state).toBe("success");

    const route = (req: Request) =>
      new URL(req.url).pathname === "/api/v2/dags/d"
        ? json(200, { dag_id: "d", is_paused: true })
        : queued();
    const h = fakeFetch(Array.from({ length: 100 }, () => route));
    const e = createAirflowClient({ baseUrl: "http://af", fetch: h.fetch });
    const timedOut = await e
      .waitForDagRun("d", "r", { timeoutMs: 30, pollIntervalMs: 10 })
      .catch((x) => x);
    expect(timedOut).toMatchObject({
      name: "AirflowWaitTimeoutError",
      state: "queued",
      paused: true,
    });
    expect(timedOut.message).toMatch(/still queued after 0.03 s: the DAG is paused/);
    // A timeout that is no number would poll without pause: refused before the first request.
    await expect(e.waitForDagRun("d", "r", { timeoutMs: Number.NaN })).rejects.toThrow(RangeError);
    await expect(e.waitForDagRun("d", "r", { pollIntervalMs: 0 })).rejects.toThrow(RangeError);
  });
});

describe("waitForDagRun's result", () => {
  it("keeps the tasks that failed apart from those that never ran (upstream_failed)", async () => {
    const ti = (task_id: string, state: string) => ({ task_id, state, map_index: -1 });
    const f = fakeFetch([
      () => json(200, { dag_id: "d", dag_run_id: "r", state: "failed" }),
      () =>
        json(200, {
          task_instances: [ti("a", "success"), ti("b", "failed"), ti("c", "upstream_failed")],
          total_entries: 3,
        }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, ...noSleep });
    const result = await c.waitForDagRun("d", "r");
    expect(result.state).toBe("failed");
    expect(result.failedTaskInstances.map((t) => t.task_id)).toEqual(["b"]);
    expect(result.upstreamFailedTaskInstances.map((t) => t.task_id)).toEqual(["c"]);
  });
});

describe("waitForDagRun's clock", () => {
  it("waits on real time with a retry-only sleep: the polls keep their interval", async () => {
    const run = (state: string) => () => json(200, { dag_id: "d", dag_run_id: "r", state });
    const f = fakeFetch([
      run("queued"),
      run("success"),
      () => json(200, { task_instances: [], total_entries: 0 }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, ...noSleep });
    const started = performance.now();
    await c.waitForDagRun("d", "r", { pollIntervalMs: 100 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("waits on the clock it is given: its sleep paces the polls, its now the deadline", async () => {
    let t = 0;
    const waits: number[] = [];
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        waits.push(ms);
        t += ms;
      },
    };
    const queued = () => json(200, { dag_id: "d", dag_run_id: "r", state: "queued" });
    const f = fakeFetch([
      ...Array.from({ length: 4 }, () => queued),
      () => json(200, { dag_id: "d", is_paused: false }),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch, clock });
    const err = await c
      .waitForDagRun("d", "r", { pollIntervalMs: 1000, timeoutMs: 2500 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AirflowWaitTimeoutError", state: "queued" });
    // The last wait is cut to the deadline, on the clock.
    expect(waits).toEqual([1000, 1000, 500]);
  });
});

describe("paginate", () => {
  const runsPage = (ids: string[], next: string | null | undefined) => () =>
    json(200, {
      dag_runs: ids.map((id) => ({ dag_id: "d", dag_run_id: id })),
      total_entries: 2, // capped under cursor paging: no guide to what is left
      total_entries_limit: 2,
      ...(next === undefined ? {} : { next_cursor: next, previous_cursor: null }),
    });

  it("follows next_cursor when the query names a cursor (Airflow ignores offset then)", async () => {
    const f = fakeFetch([
      runsPage(["r1", "r2"], "c1"),
      runsPage(["r3", "r4"], "c2"),
      runsPage(["r5"], null),
    ]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const ids: string[] = [];
    for await (const run of c.paginate(
      "/api/v2/dags/{dag_id}/dagRuns",
      { path: { dag_id: "d" }, query: { cursor: "", order_by: ["-run_after"] } },
      2,
    ))
      ids.push(run.dag_run_id);
    expect(ids).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(f.seen.map((s) => Object.fromEntries(new URLSearchParams(s.query)))).toEqual([
      { cursor: "", order_by: "-run_after", limit: "2" },
      { cursor: "c1", order_by: "-run_after", limit: "2" },
      { cursor: "c2", order_by: "-run_after", limit: "2" },
    ]);
  });

  it("starts from a cursor kept from before, and stops at an empty page", async () => {
    const f = fakeFetch([runsPage(["r3"], "c2"), runsPage([], "c3")]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const ids: string[] = [];
    for await (const ti of c.paginate("/api/v2/dags/{dag_id}/dagRuns", {
      path: { dag_id: "d" },
      query: { cursor: "c1" },
    }))
      ids.push(ti.dag_run_id);
    expect(ids).toEqual(["r3"]);
    expect(f.seen.map((s) => new URLSearchParams(s.query).get("cursor"))).toEqual(["c1", "c2"]);
  });

  it("refuses to loop where a server ignores the cursor or repeats one", async () => {
    // A server without cursor pages answers the first page again and no next_cursor.
    const f = fakeFetch([runsPage(["r1", "r2"], undefined)]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const ids: string[] = [];
    const err = await (async () => {
      for await (const run of c.paginate("/api/v2/dags/{dag_id}/dagRuns", {
        path: { dag_id: "d" },
        query: { cursor: "" },
      }))
        ids.push(run.dag_run_id);
    })().catch((e: unknown) => e);
    expect(ids).toEqual(["r1", "r2"]);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect(String(err)).toContain(
      "the answer has no next_cursor, so this Airflow does not page /api/v2/dags/{dag_id}/dagRuns by cursor; leave cursor out of the query to page by offset",
    );
    const g = fakeFetch([runsPage(["r1"], "c1"), runsPage(["r2"], "c1")]);
    const d = createAirflowClient({ baseUrl: "http://af", fetch: g.fetch });
    const again = await (async () => {
      for await (const _ of d.paginate("/api/v2/dags/{dag_id}/dagRuns", {
        path: { dag_id: "d" },
        query: { cursor: "" },
      }));
    })().catch((e: unknown) => e);
    expect(String(again)).toContain("a next_cursor it had already given");
    expect(g.seen).toHaveLength(2);
  });

  it("pages by offset when the cursor is null or absent (next_cursor is null there)", async () => {
    const page = (ids: string[]) => () =>
      json(200, {
        dag_runs: ids.map((id) => ({ dag_run_id: id })),
        total_entries: 3,
        next_cursor: null,
      });
    const f = fakeFetch([page(["r1", "r2"]), page(["r3"])]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const ids: string[] = [];
    for await (const run of c.paginate(
      "/api/v2/dags/{dag_id}/dagRuns",
      { path: { dag_id: "d" }, query: { cursor: null } },
      2,
    ))
      ids.push(run.dag_run_id);
    expect(ids).toEqual(["r1", "r2", "r3"]);
    expect(f.seen.map((s) => s.query)).toEqual(["?limit=2&offset=0", "?limit=2&offset=2"]);
  });

  it("errors name the path asked, with its ids, as every other helper's do (not the route's {dag_id})", async () => {
    const notFound = () => json(404, { detail: "The DAG with dag_id: `nope` was not found" });
    const caught = async (it: AsyncIterable<unknown>) => {
      try {
        for await (const _ of it);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const f = fakeFetch([notFound, notFound, notFound, notFound]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    const runs = "/api/v2/dags/{dag_id}/dagRuns" as const;
    const byOffset = await caught(c.paginate(runs, { path: { dag_id: "nope" } }));
    expect(byOffset).toBeInstanceOf(AirflowApiError);
    expect(byOffset).toMatchObject({ path: "/api/v2/dags/nope/dagRuns" });
    expect(String(byOffset)).toContain(
      "GET /api/v2/dags/nope/dagRuns → 404: The DAG with dag_id: `nope` was not found",
    );
    const byCursor = await caught(
      c.paginate(runs, { path: { dag_id: "nope" }, query: { cursor: "" } }),
    );
    expect(byCursor).toMatchObject({ path: "/api/v2/dags/nope/dagRuns" });
    // Ids as given, as the other helpers name them (`+` and `:` not encoded).
    const tis = await c.listTaskInstances("d", "manual__2025+00:00").catch((e: unknown) => e);
    expect(tis).toMatchObject({
      path: "/api/v2/dags/d/dagRuns/manual__2025+00:00/taskInstances",
    });
    expect(String(tis)).toContain(
      "GET /api/v2/dags/d/dagRuns/manual__2025+00:00/taskInstances → 404",
    );
    expect(await c.listImportErrors().catch((e: unknown) => e)).toMatchObject({
      path: "/api/v2/importErrors",
    });
  });

  it("refuses a page size that is not a whole number of 1 or more, before any request", async () => {
    const f = fakeFetch([]);
    const c = createAirflowClient({ baseUrl: "http://af", fetch: f.fetch });
    for (const size of [0, -1, 2.5, Number.NaN]) {
      const err = await c
        .paginate("/api/v2/dags", {}, size)
        .next()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RangeError);
      expect(String(err)).toContain(`pageSize must be a whole number, 1 or more (got ${size})`);
    }
    expect(f.seen).toHaveLength(0);
  });
});

describe("tls", () => {
  it("the token request and the API calls both go over TLS with the client certificate the tls option gives", async () => {
    const server = await serveHttps(
      (req, res) => {
        res.writeHead(req.path === "/auth/token" ? 201 : 200, {
          "content-type": "application/json",
        });
        res.end(
          JSON.stringify(req.path === "/auth/token" ? { access_token: "T" } : { version: "3.1.0" }),
        );
      },
      { clientCert: true },
    );
    try {
      const c = createAirflowClient({
        baseUrl: server.url,
        auth: { username: "u", password: "p" },
        tls: { ca: tlsFixture("ca.pem"), cert: tlsFixture("client.pem") },
      });
      expect(await c.version()).toMatchObject({ version: "3.1.0" });
      expect(
        server.seen.map((s) => [s.method, s.path, s.headers.authorization, s.clientCn]),
      ).toEqual([
        ["POST", "/auth/token", undefined, "mlgen test client"],
        ["GET", "/api/v2/version", "Bearer T", "mlgen test client"],
      ]);
    } finally {
      await server.close();
    }
  });
});

describe("waitForDagRun against a server that takes the connection and never answers", () => {
  /** A fetch that answers nothing until its request is aborted. */
  const silent = ((_input: Request | string | URL, init?: RequestInit) =>
    new Promise((_, reject) => {
      const signal = init?.signal ?? (_input instanceof Request ? _input.signal : undefined);
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    })) as typeof fetch;

  it("gives up at maxOutageMs while the poll is in flight, not after the transport's retries", async () => {
    // The first poll finds no server (the outage starts), the next one hangs.
    let calls = 0;
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { token: "t" },
      fetch: ((input: Request | string | URL, init?: RequestInit) =>
        calls++ === 0
          ? Promise.reject(new TypeError("fetch failed"))
          : silent(input, init)) as typeof fetch,
      timeoutMs: 60_000,
      retry: { retries: 0 },
    });
    const started = Date.now();
    const e = await c
      .waitForDagRun("d", "r", { timeoutMs: 60_000, maxOutageMs: 300, pollIntervalMs: 50 })
      .catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(e).toBeInstanceOf(AirflowWaitError);
    expect((e as AirflowWaitError).timedOut).toBe(false);
    expect((e as Error).message).toContain("past maxOutageMs (0.3 s)");
  });

  it("and a poll made at its deadline after FINAL_READ_MS (5 s), said as a timeout", async () => {
    const c = createAirflowClient({
      baseUrl: "http://af",
      auth: { token: "t" },
      fetch: silent,
      timeoutMs: 60_000,
    });
    const started = Date.now();
    const e = await c
      .waitForDagRun("d", "r", { timeoutMs: 300, maxOutageMs: 60_000 })
      .catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(9_000);
    expect(e).toBeInstanceOf(AirflowWaitError);
    expect((e as AirflowWaitError).timedOut).toBe(true);
  });

  it("an abort of the caller's still rejects with its reason", async () => {
    const c = createAirflowClient({ baseUrl: "http://af", auth: { token: "t" }, fetch: silent });
    const stop = new AbortController();
    const reason = new Error("stopped by the caller");
    setTimeout(() => stop.abort(reason), 50);
    await expect(
      c.waitForDagRun("d", "r", { timeoutMs: 60_000, signal: stop.signal }),
    ).rejects.toBe(reason);
  });
});
