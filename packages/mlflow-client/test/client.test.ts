import { spawnSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import {
  type SeenRequest,
  serveHttps,
  TLS_FIXTURES,
  tlsFixture,
} from "../../../test/support/tls-server.js";
import { createMlflowFake } from "../../mocks/src/index.js";
import {
  createMlflowClient,
  MlflowApiError,
  MlflowConfigError,
  MlflowModelSourceError,
  MlflowRegistrationError,
  MlflowRequestError,
  MlflowValidationError,
  parseRunsUri,
  RunKilledError,
  resolveConfig,
  toArray,
} from "../src/index.js";
import { fakeFetch, json, run } from "./support.js";

const noSleep = { sleep: async () => {} };

describe("settings", () => {
  it("falls back to MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN", async () => {
    const f = fakeFetch([() => json(200, run("r1"))]);
    const c = createMlflowClient({
      env: { MLFLOW_TRACKING_URI: "http://ml:5000/prefix/", MLFLOW_TRACKING_TOKEN: "tok" },
      fetch: f.fetch,
    });
    await c.getRun("r1");
    expect(f.seen[0]).toMatchObject({
      path: "/prefix/api/2.0/mlflow/runs/get",
      query: "?run_id=r1",
      auth: "Bearer tok",
    });
  });

  it("uses MLFLOW_TRACKING_USERNAME/PASSWORD as basic auth, and options win over variables", async () => {
    const basic = resolveConfig({
      env: {
        MLFLOW_TRACKING_URI: "http://ml",
        MLFLOW_TRACKING_USERNAME: "ann",
        MLFLOW_TRACKING_PASSWORD: "pw",
      },
    });
    expect(basic.authorization).toBe(`Basic ${Buffer.from("ann:pw").toString("base64")}`);
    const opts = resolveConfig({
      trackingUri: "https://other",
      auth: { token: "mine" },
      env: { MLFLOW_TRACKING_URI: "http://ml", MLFLOW_TRACKING_TOKEN: "env" },
    });
    expect(opts).toMatchObject({ baseUrl: "https://other", authorization: "Bearer mine" });
  });

  it("turns credentials in the URI into basic auth and drops them from the URL", () => {
    const c = resolveConfig({ trackingUri: "http://u%40x:p%3Aw@ml:5000/", env: {} });
    expect(c.baseUrl).toBe("http://ml:5000");
    expect(c.authorization).toBe(`Basic ${Buffer.from("u@x:p:w").toString("base64")}`);
  });

  it("reads ~/.mlflow/credentials as the Python client does: each of the pair when its variable is unset, over a token", () => {
    const home = mkdtempSync(join(tmpdir(), "mlgen-creds-"));
    try {
      mkdirSync(join(home, ".mlflow"));
      const file = (text: string) => writeFileSync(join(home, ".mlflow", "credentials"), text);
      const b = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`;
      const env = { MLFLOW_TRACKING_URI: "http://ml", HOME: home, MLFLOW_TRACKING_TOKEN: "tok" };
      // configparser: comments, any key case, ':' or '=', '%%' for '%', another section ignored.
      file(
        "# mine\n[other]\nmlflow_tracking_password = not-this\n[mlflow]\nMLFLOW_TRACKING_USERNAME: ann\n  ; note\nmlflow_tracking_password = p%%w:1 \n",
      );
      expect(resolveConfig({ env }).authorization).toBe(b("ann:p%w:1"));
      // A variable wins over the file, each on its own (mlflow/utils/credentials.py).
      expect(
        resolveConfig({ env: { ...env, MLFLOW_TRACKING_USERNAME: "bob" } }).authorization,
      ).toBe(b("bob:p%w:1"));
      expect(resolveConfig({ env: { ...env, MLFLOW_TRACKING_PASSWORD: "v" } }).authorization).toBe(
        b("ann:v"),
      );
      // No HOME in the env given: no file read (a test's env: {} stays hermetic).
      const { HOME: _, ...noHome } = env;
      expect(resolveConfig({ env: noHome }).authorization).toBe("Bearer tok");
      // Half a pair in the file is no basic auth.
      file("[mlflow]\nmlflow_tracking_username = ann\n");
      expect(resolveConfig({ env }).authorization).toBe("Bearer tok");
      // A '%' configparser would refuse: an MlflowConfigError without the value.
      file("[mlflow]\nmlflow_tracking_username = ann\nmlflow_tracking_password = s3cr%t\n");
      expect(() => resolveConfig({ env })).toThrow(MlflowConfigError);
      expect(() => resolveConfig({ env })).toThrow("write % as %%");
      expect(() => resolveConfig({ env })).not.toThrow(/s3cr/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it.each([
    [
      "the auth option",
      { trackingUri: "http://ml", auth: { username: "da:ve", password: "s3cret-pw" } },
    ],
    ["the tracking URI", { trackingUri: "http://da%3Ave:s3cret-pw@ml" }],
    [
      "the environment",
      {
        env: {
          MLFLOW_TRACKING_URI: "http://ml",
          MLFLOW_TRACKING_USERNAME: "da:ve",
          MLFLOW_TRACKING_PASSWORD: "s3cret-pw",
        },
      },
    ],
  ])(
    "a user name with ':' in %s is an MlflowConfigError, not a 401 from every request",
    (_, options) => {
      // MLflow's basic-auth app (Werkzeug) splits at the first ':': user "da", password "ve:s3cret-pw".
      const make = () => resolveConfig({ env: {}, ...options });
      expect(make).toThrow(MlflowConfigError);
      expect(make).toThrow("user name holds a ':'");
      expect(make).not.toThrow(/s3cret|da:ve/);
    },
  );

  it.each([
    [{}, "MLFLOW_TRACKING_URI"],
    [{ MLFLOW_TRACKING_URI: "file:///tmp/mlruns" }, "http(s)"],
    [{ MLFLOW_TRACKING_URI: "databricks" }, "shortcut to a workspace in ~/.databrickscfg"],
    [{ MLFLOW_TRACKING_URI: "./mlruns" }, "is a folder to the Python client"],
    [{ MLFLOW_TRACKING_URI: "mlruns" }, "mlflow server --backend-store-uri"],
    [{ MLFLOW_TRACKING_URI: "/srv/s3cret/mlruns" }, "is a folder to the Python client"],
    [{ MLFLOW_TRACKING_URI: "http//s3cret" }, "not a URL"],
    // Without `//`, the user name (or a token) parses as the scheme: never echoed.
    [{ MLFLOW_TRACKING_URI: "s3cretuser:pw@ml.example.com" }, "start with http:// or https://"],
    [{ MLFLOW_TRACKING_URI: "localhost:5000" }, "e.g. http://localhost:5000"],
    [{ MLFLOW_TRACKING_URI: "http://ml", MLFLOW_TRACKING_TOKEN: "s3cret\n" }, "line break"],
    [{ MLFLOW_TRACKING_URI: "http://ml", MLFLOW_TRACKING_TOKEN: "s3cr\u0000et" }, "control"],
    [{ MLFLOW_TRACKING_URI: "http://ml", MLFLOW_TRACKING_TOKEN: "s3cr€t" }, "Latin-1"],
    [{ MLFLOW_TRACKING_URI: "http://u:s3cr%zz@ml" }, "write % as %25"],
  ])("refuses %j", (env, message) => {
    expect(() => resolveConfig({ env })).toThrow(MlflowConfigError);
    expect(() => resolveConfig({ env })).toThrow(message);
    // Never with the value in it.
    expect(() => resolveConfig({ env })).not.toThrow(/s3cr/);
  });

  it("reads credentials from the environment as the Python client does", () => {
    const both = {
      MLFLOW_TRACKING_URI: "http://ml",
      MLFLOW_TRACKING_USERNAME: "alice",
      MLFLOW_TRACKING_PASSWORD: "pw",
      MLFLOW_TRACKING_TOKEN: "tok",
    };
    // A user name and a password win over a token (mlflow/utils/rest_utils.py).
    expect(resolveConfig({ env: both }).authorization).toBe(
      `Basic ${Buffer.from("alice:pw").toString("base64")}`,
    );
    // One of the two alone is no basic auth: the token, or nothing.
    const { MLFLOW_TRACKING_PASSWORD: _, ...userOnly } = both;
    expect(resolveConfig({ env: userOnly }).authorization).toBe("Bearer tok");
    const { MLFLOW_TRACKING_TOKEN: __, ...userNoToken } = userOnly;
    expect(resolveConfig({ env: userNoToken }).authorization).toBeNull();
  });
});

describe("secrets never reach errors, retries or printed clients", () => {
  const SECRET = "s3cret-T0ken";
  const PASSWORD = "hunter2-pw";
  const API_KEY = "k3y-for-the-gateway";

  it.each([
    ["a bearer token", { auth: { token: SECRET } }],
    ["basic auth", { auth: { username: "ann", password: PASSWORD } }],
    ["env token", { env: { MLFLOW_TRACKING_TOKEN: SECRET } }],
    ["credentials in the URI", { trackingUri: `http://ann:${PASSWORD}@ml` }],
  ])("%s", async (_, extra) => {
    const retries: string[] = [];
    const f = fakeFetch([
      () => json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" }),
      // A server (or a proxy) that repeats the credentials it was sent.
      (req) =>
        json(401, {
          error_code: "UNAUTHENTICATED",
          message: `bad credentials: ${req.headers.get("authorization")} ${req.headers.get("x-api-key")}`,
        }),
      () => {
        throw new TypeError("fetch failed");
      },
      () => json(200, run("r1")),
      (req) =>
        new Response(`proxy refused ${req.headers.get("authorization")}`, {
          status: 403,
          headers: { "content-type": "text/plain" },
        }),
    ]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      ...extra,
      headers: { "X-Api-Key": API_KEY },
      fetch: f.fetch,
      retry: { retries: 1 },
      onRetry: (i) => retries.push(JSON.stringify(i)),
      ...noSleep,
    });
    const apiError = await c.getRun("x").catch((e: unknown) => e);
    const requestError = await c.createRun({ experimentId: "1" }).catch((e: unknown) => e);
    const uploadError = await c.uploadArtifact("r1", "a.txt", "x").catch((e: unknown) => e);
    expect(apiError).toBeInstanceOf(MlflowApiError);
    expect(uploadError).toBeInstanceOf(MlflowApiError);
    expect((apiError as Error).message).toContain("bad credentials: ***");
    expect((uploadError as Error).message).toContain("proxy refused ***");
    expect(requestError).toBeInstanceOf(MlflowRequestError);
    const b64 = Buffer.from(`ann:${PASSWORD}`).toString("base64");
    const shown = [apiError, requestError, uploadError]
      .map(
        (e) =>
          `${String(e)} ${(e as Error).stack} ${JSON.stringify(e)} ${inspect(e, { depth: 5 })}`,
      )
      .concat(retries, inspect(c, { depth: 5, showHidden: true }), JSON.stringify(c))
      .join("\n");
    for (const secret of [SECRET, PASSWORD, b64, API_KEY]) expect(shown).not.toContain(secret);
    expect(f.seen[0]?.auth).toMatch(/^(Bearer|Basic) /);
  });
});

describe("resolveConfig", () => {
  const PASSWORD = "S3cr3t-pw";

  it.each([
    ["credentials in the URI", { trackingUri: `http://u:${PASSWORD}@ml`, env: {} }],
    ["a token", { trackingUri: "http://ml", auth: { token: PASSWORD }, env: {} }],
    [
      "the environment",
      { env: { MLFLOW_TRACKING_URI: "http://ml", MLFLOW_TRACKING_TOKEN: PASSWORD } },
    ],
    ["an extra header", { trackingUri: "http://ml", headers: { "X-Api-Key": PASSWORD }, env: {} }],
  ])(
    "prints no credential from %s: console.log, util.inspect (showHidden too), JSON, a spread",
    (_, options) => {
      const config = resolveConfig(options);
      const b64 = Buffer.from(`u:${PASSWORD}`).toString("base64");
      const shown = [
        inspect(config),
        inspect(config, { showHidden: true, depth: 8 }),
        JSON.stringify(config),
        JSON.stringify({ ...config }),
      ].join("\n");
      for (const secret of [PASSWORD, b64]) expect(shown).not.toContain(secret);
      expect(shown).toContain("ResolvedConfig");
      // What the client reads is still there.
      expect(config.secrets).toContain(PASSWORD);
    },
  );

  it("says which kind of auth it holds, and how many secrets, not what they are", () => {
    const oneLine = { breakLength: Number.POSITIVE_INFINITY };
    const basic = resolveConfig({ trackingUri: `http://u:${PASSWORD}@ml`, env: {} });
    expect(basic.authorization).toBe(`Basic ${Buffer.from(`u:${PASSWORD}`).toString("base64")}`);
    expect(inspect(basic, oneLine)).toBe(
      "ResolvedConfig { baseUrl: 'http://ml', authorization: 'Basic ***', secrets: [ '***', '***', '***' ] }",
    );
    expect(
      JSON.parse(JSON.stringify(resolveConfig({ trackingUri: "http://ml", env: {} }))),
    ).toEqual({
      baseUrl: "http://ml",
      authorization: null,
      secrets: [],
    });
  });
});

describe("MlflowApiError", () => {
  it("reads MLflow's {error_code, message}", async () => {
    const f = fakeFetch([
      () => json(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "Run 'x' not found" }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const e = (await c.getRun("x").catch((x: unknown) => x)) as MlflowApiError;
    expect(e).toMatchObject({
      status: 404,
      errorCode: "RESOURCE_DOES_NOT_EXIST",
      error_code: "RESOURCE_DOES_NOT_EXIST",
      serverMessage: "Run 'x' not found",
      method: "GET",
      path: "/api/2.0/mlflow/runs/get",
    });
    expect(e.message).toBe(
      "GET /api/2.0/mlflow/runs/get → 404 RESOURCE_DOES_NOT_EXIST: Run 'x' not found",
    );
    expect(MlflowApiError.is(e, "RESOURCE_DOES_NOT_EXIST")).toBe(true);
  });

  it.each([
    [
      "text/plain",
      "Invalid Host header - possible DNS rebinding attack detected",
      403,
      "PERMISSION_DENIED",
    ],
    ["text/html", `<html><body>${"x".repeat(2000)}</body></html>`, 502, "INTERNAL_ERROR"],
    ["text/plain", "", 401, "UNAUTHENTICATED"],
    ["text/html", "<h1>Not Found</h1>", 404, "ENDPOINT_NOT_FOUND"],
    ["text/plain", "upstream busy", 503, "TEMPORARILY_UNAVAILABLE"],
  ])(
    "copes with a non-JSON %s body (the code its status stands for, as Python's client gives it)",
    async (type, body, status, code) => {
      const f = fakeFetch([
        () => new Response(body, { status, headers: { "content-type": type } }),
      ]);
      const c = createMlflowClient({
        trackingUri: "http://ml",
        env: {},
        fetch: f.fetch,
        retry: false,
      });
      const e = (await c.getRun("x").catch((x: unknown) => x)) as MlflowApiError;
      expect(e).toBeInstanceOf(MlflowApiError);
      expect(e.status).toBe(status);
      expect(e.errorCode).toBe(code);
      expect(MlflowApiError.is(e, code)).toBe(true);
      expect(e.serverMessage.length).toBeLessThanOrEqual(501);
      expect(body.startsWith(e.serverMessage.replace(/…$/, ""))).toBe(true);
    },
  );

  it("a success that is not JSON (a login page in front of the server) is an MlflowApiError", async () => {
    const page = "<html><head><title>Sign in</title></head><body>SSO</body></html>";
    const f = fakeFetch([
      () => new Response(page, { status: 200, headers: { "content-type": "text/html" } }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.getRun("r1").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err).toMatchObject({ status: 200, errorCode: null, path: "/api/2.0/mlflow/runs/get" });
    expect(err.message).toContain("not JSON (text/html)");
    expect(err.message).toContain("<title>Sign in</title>");
    // JSON under another content type is still read.
    const g = fakeFetch([
      () => new Response(JSON.stringify(run("r1")), { headers: { "content-type": "text/plain" } }),
    ]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch });
    expect((await d.getRun("r1")).info.run_id).toBe("r1");
  });

  it("a success labelled JSON that is not (a proxy's garbled answer) is an MlflowApiError", async () => {
    const f = fakeFetch([
      () =>
        new Response('{"run": {"info": ', {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.getRun("r1").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err).toMatchObject({ status: 200, errorCode: null, path: "/api/2.0/mlflow/runs/get" });
    expect(err.message).toContain("labelled JSON but is not");
    expect(err.message).toContain('It began: {"run": {"info":');
  });

  it("an error body that is JSON but not MLflow's is kept as its JSON text; FastAPI's detail is read; the code is the status's", () => {
    const e = MlflowApiError.fromBody(500, { error: "boom", at: 3 }, "GET", "/x");
    expect(e).toMatchObject({
      errorCode: "INTERNAL_ERROR",
      serverMessage: '{"error":"boom","at":3}',
    });
    const detail = MlflowApiError.fromBody(403, { detail: "boom" }, "GET", "/x");
    expect(detail).toMatchObject({ errorCode: "PERMISSION_DENIED", serverMessage: "boom" });
    // An MLflow error body's own code wins over the status's.
    const own = MlflowApiError.fromBody(400, { error_code: "INVALID_PARAMETER_VALUE" }, "G", "/x");
    expect(own.errorCode).toBe("INVALID_PARAMETER_VALUE");
  });
});

describe("helpers", () => {
  it("getOrCreateExperiment reads the winner's experiment when it loses the race", async () => {
    const exp = {
      experiment_id: "7",
      name: "e",
      artifact_location: "x",
      lifecycle_stage: "active",
    };
    const f = fakeFetch([
      () => json(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no" }),
      () => json(400, { error_code: "RESOURCE_ALREADY_EXISTS", message: "exists" }),
      () => json(200, { experiment: exp }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    expect(await c.getOrCreateExperiment("e")).toEqual(exp);
    expect(f.seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      "GET /api/2.0/mlflow/experiments/get-by-name",
      "POST /api/2.0/mlflow/experiments/create",
      "GET /api/2.0/mlflow/experiments/get-by-name",
    ]);
  });

  it("searchRuns follows page tokens and stops at the limit", async () => {
    const page = (ids: string[], next?: string) => () =>
      json(200, { runs: ids.map((id) => run(id).run), ...(next ? { next_page_token: next } : {}) });
    const f = fakeFetch([page(["a", "b"], "T1"), page(["c", "d"], "T2"), page(["e"])]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const all = await toArray(c.searchRuns({ experimentIds: ["1"], pageSize: 2 }));
    expect(all.map((r) => r.info.run_id)).toEqual(["a", "b", "c", "d", "e"]);
    expect(f.seen.map((s) => JSON.parse(s.body).page_token)).toEqual([undefined, "T1", "T2"]);
    // A search is a POST, but read-only: marked for retries.
    const g = fakeFetch([page(["a", "b"], "T1"), page(["c", "d"], "T2")]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch });
    const three = await toArray(d.searchRuns({ experimentIds: ["1"], pageSize: 2, limit: 3 }));
    expect(three.map((r) => r.info.run_id)).toEqual(["a", "b", "c"]);
    expect(JSON.parse(g.seen[1]?.body ?? "").max_results).toBe(1);
  });

  it("stops with an error when the server sends a page token again, instead of paging forever", async () => {
    const f = fakeFetch(() => json(200, { runs: [run("a").run], next_page_token: "abc" }));
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await toArray(c.searchRuns({ experimentIds: ["1"] })).catch((e) => e);
    expect(String(err)).toContain("sent the page token 'abc' a second time, after 2 items");
    expect(f.seen).toHaveLength(2);
    const g = fakeFetch(
      Array.from({ length: 3 }, () => () => json(200, { files: [], next_page_token: "t" })),
    );
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch });
    expect(String(await d.listArtifacts("r1").catch((e) => e))).toContain("a second time");
  });

  it("a 200 without the answer's own field is an MlflowApiError saying so, not undefined", async () => {
    const f = fakeFetch(() => json(200, {}));
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    for (const call of [
      () => c.getRun("a"),
      () => c.getExperiment("1"),
      () => c.createRun({ experimentId: "1" }),
      () => c.getModelVersion("m", "1"),
      () => c.getModelVersionByAlias("m", "champion"),
    ]) {
      const err = await call().catch((e) => e);
      expect(err).toBeInstanceOf(MlflowApiError);
      expect(err.message).toMatch(/holds no '\w+': is the tracking URI an MLflow server\?/);
    }
  });

  it("a limit of 0 sends nothing and yields nothing; a limit that is not a count is refused", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    expect(await toArray(c.searchRuns({ experimentIds: ["1"], limit: 0 }))).toEqual([]);
    expect(await toArray(c.searchRegisteredModels({ limit: 0 }))).toEqual([]);
    expect(f.seen).toHaveLength(0);
    for (const limit of [-1, 1.5, Number.NaN]) {
      const err = await toArray(c.searchRuns({ experimentIds: ["1"], limit })).catch((e) => e);
      expect(err).toBeInstanceOf(MlflowValidationError);
      expect(err).toMatchObject({ field: "limit" });
    }
    const err = await toArray(c.searchRuns({ experimentIds: ["1"], pageSize: 0 })).catch((e) => e);
    expect(err).toMatchObject({ field: "pageSize" });
    expect(f.seen).toHaveLength(0);
  });

  it("GET arrays go as repeated query keys", async () => {
    const f = fakeFetch([() => json(200, { metrics: [] })]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await c.api.GET("/api/2.0/mlflow/metrics/get-history-bulk-interval", {
      params: { query: { run_ids: ["a", "b"], metric_key: "loss" } },
    });
    expect(f.seen[0]?.query).toBe("?run_ids=a&run_ids=b&metric_key=loss");
  });

  it("registerModel creates the model (or finds it), then polls until READY", async () => {
    const mv = (status: string) => ({
      model_version: {
        name: "m",
        version: "3",
        creation_timestamp: 1,
        current_stage: "None",
        status,
      },
    });
    const f = fakeFetch([
      () => json(400, { error_code: "RESOURCE_ALREADY_EXISTS", message: "exists" }),
      () => json(200, mv("PENDING_REGISTRATION")),
      () => json(200, mv("PENDING_REGISTRATION")),
      () => json(200, mv("READY")),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const v = await c.registerModel("m", {
      source: "mlflow-artifacts:/1/r/artifacts/model",
      pollIntervalMs: 1,
    });
    expect(v.status).toBe("READY");
    expect(f.seen.map((s) => s.path)).toEqual([
      "/api/2.0/mlflow/registered-models/create",
      "/api/2.0/mlflow/model-versions/create",
      "/api/2.0/mlflow/model-versions/get",
      "/api/2.0/mlflow/model-versions/get",
    ]);
  });

  it("registerModel throws when the version fails to register", async () => {
    const f = fakeFetch([
      () => json(200, { registered_model: { name: "m" } }),
      () =>
        json(200, {
          model_version: {
            name: "m",
            version: "1",
            creation_timestamp: 1,
            current_stage: "None",
            status: "FAILED_REGISTRATION",
            status_message: "copy failed",
          },
        }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.registerModel("m", { source: "s" }).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRegistrationError);
    expect(err).toMatchObject({
      kind: "failed",
      model: "m",
      version: "1",
      status: "FAILED_REGISTRATION",
      statusMessage: "copy failed",
    });
    expect(err.message).toContain("copy failed");
  });
});

describe("registerModel with a runs:/ source (resolved as Python's register_model)", () => {
  const RUN = "0123456789abcdef0123456789abcdef";
  const ready = (source: string) => ({
    model_version: { name: "m", version: "1", status: "READY", source, run_id: RUN },
  });
  const runWith = (outputs?: { model_id: string; step: number }[]) => {
    const r = run(RUN);
    return outputs ? { run: { ...r.run, outputs: { model_outputs: outputs } } } : r;
  };
  const logged = (id: string, name = "model", runId = RUN) => ({
    info: { model_id: id, name, source_run_id: runId, experiment_id: "1" },
  });
  const sent = (f: ReturnType<typeof fakeFetch>, path: string) =>
    JSON.parse(f.seen.find((s) => s.path.endsWith(path))?.body ?? "null");

  it("parses runs URIs as parse_runs_uri does", () => {
    expect(parseRunsUri(`runs:/${RUN}/model`)).toEqual({ runId: RUN, artifactPath: "model" });
    expect(parseRunsUri(`runs:///${RUN}/a/b`)).toEqual({ runId: RUN, artifactPath: "a/b" });
    expect(parseRunsUri(`runs:/${RUN}`)).toEqual({ runId: RUN, artifactPath: "" });
    expect(parseRunsUri("runs://host/model")).toBeNull();
    expect(parseRunsUri("models:/m-1")).toBeNull();
    expect(parseRunsUri("mlflow-artifacts:/1/r/artifacts/model")).toBeNull();
  });

  it("a run whose artifacts hold <path>/MLmodel: the run's artifact URI + path", async () => {
    const f = fakeFetch([
      () => json(200, { files: [{ path: "model/MLmodel", is_dir: false, file_size: 9 }] }),
      () => json(200, run(RUN)),
      () => json(200, { registered_model: { name: "m" } }),
      (req) => json(200, ready(new URL(req.url).pathname)),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await c.registerModel("m", { source: `runs:/${RUN}/model` });
    expect(f.seen.map((x) => x.path)).toEqual([
      "/api/2.0/mlflow/artifacts/list",
      "/api/2.0/mlflow/runs/get",
      "/api/2.0/mlflow/registered-models/create",
      "/api/2.0/mlflow/model-versions/create",
    ]);
    expect(f.seen[0]?.query).toBe(`?run_id=${RUN}&path=model`);
    // run_id from the URI, as Python sets it; no model_id.
    expect(sent(f, "model-versions/create")).toEqual({
      name: "m",
      source: `mlflow-artifacts:/1/${RUN}/artifacts/model`,
      run_id: RUN,
    });
  });

  it("no MLmodel in the run's artifacts: the run's logged model of that name, as models:/<id>", async () => {
    const f = fakeFetch([
      () => json(200, { root_uri: `mlflow-artifacts:/1/${RUN}/artifacts` }),
      () => json(200, runWith([{ model_id: "m-1", step: 0 }])),
      // Another run's model of the same name is no candidate, even when a server sends it.
      () => json(200, { models: [logged("m-1"), logged("m-2", "model", "other")] }),
      () => json(200, { registered_model: { name: "m" } }),
      () => json(200, ready("models:/m-1")),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const v = await c.registerModel("m", { source: `runs:/${RUN}/model`, runId: RUN });
    expect(v.source).toBe("models:/m-1");
    expect(sent(f, "logged-models/search")).toMatchObject({
      experiment_ids: ["1"],
      filter: `source_run_id = '${RUN}' AND name = 'model'`,
    });
    expect(sent(f, "model-versions/create")).toEqual({
      name: "m",
      source: "models:/m-1",
      run_id: RUN,
      model_id: "m-1",
    });
  });

  it("several logged models of that name: the one logged at the largest step", async () => {
    const f = fakeFetch([
      () => json(200, {}),
      () =>
        json(
          200,
          runWith([
            { model_id: "m-a", step: 1 },
            { model_id: "m-b", step: 5 },
            { model_id: "m-c", step: 2 },
          ]),
        ),
      () => json(200, { models: [logged("m-a"), logged("m-b"), logged("m-c")] }),
      () => json(200, { registered_model: { name: "m" } }),
      () => json(200, ready("models:/m-b")),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await c.registerModel("m", { source: `runs:/${RUN}/model` });
    expect(sent(f, "model-versions/create")).toMatchObject({
      source: "models:/m-b",
      model_id: "m-b",
    });
  });

  it("several logged models and no steps to choose by: INVALID_PARAMETER_VALUE, nothing registered", async () => {
    const f = fakeFetch([
      () => json(200, {}),
      () => json(200, run(RUN)),
      () => json(200, { models: [logged("m-a"), logged("m-b")] }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.registerModel("m", { source: `runs:/${RUN}/model` }).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowModelSourceError);
    expect(err).toMatchObject({
      code: "INVALID_PARAMETER_VALUE",
      runId: RUN,
      artifactPath: "model",
      candidates: ["m-a", "m-b"],
    });
    expect(err.message).toContain(`Multiple logged models found for run ${RUN}`);
    expect(err.message).toContain("models:/<model_id>");
    expect(f.seen).toHaveLength(3);
  });

  it("no model at that path: NOT_FOUND naming the run, the path and the fix; nothing registered", async () => {
    const f = fakeFetch([
      () => json(200, { files: [{ path: "model/model.pkl", is_dir: false }] }),
      () => json(200, run(RUN)),
      () => json(200, {}),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.registerModel("m", { source: `runs:/${RUN}/model` }).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowModelSourceError);
    expect(err).toMatchObject({ code: "NOT_FOUND", runId: RUN, artifactPath: "model" });
    expect(err.message).toContain(
      `Unable to find a logged_model with artifact_path model under run ${RUN}`,
    );
    expect(err.message).toContain('log_model(name="model")');
    expect(err.message).toContain("models:/<model_id>");
    expect(f.seen.map((x) => x.path)).not.toContain("/api/2.0/mlflow/registered-models/create");
    // A path no logged model can be named (it holds a slash or a dot): no search at all.
    const g = fakeFetch([() => json(200, {}), () => json(200, run(RUN))]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch });
    const nested = await d.registerModel("m", { source: `runs:/${RUN}/a/b` }).catch((e) => e);
    expect(nested).toMatchObject({ code: "NOT_FOUND", artifactPath: "a/b" });
    expect(g.seen).toHaveLength(2);
  });

  it("a runId that is not the source's run is refused before any request", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c
      .registerModel("m", { source: `runs:/${RUN}/model`, runId: "other" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(MlflowValidationError);
    expect(err.message).toContain(RUN);
    expect(f.seen).toHaveLength(0);
  });
});

describe("logged models", () => {
  it("orders by a metric key with spaces: only a last ASC or DESC is the direction", async () => {
    const f = fakeFetch([() => json(200, { models: [] })]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await toArray(
      c.searchLoggedModels({
        experimentIds: ["1"],
        orderBy: ["metrics.my acc ASC", " metrics.f1  desc ", "name", "metrics.two words"],
      }),
    );
    expect(JSON.parse(f.seen[0]?.body ?? "{}").order_by).toEqual([
      { field_name: "metrics.my acc", ascending: true },
      { field_name: "metrics.f1", ascending: false },
      { field_name: "name", ascending: true },
      { field_name: "metrics.two words", ascending: true },
    ]);
  });
});

describe("artifacts", () => {
  /** A stream of `chunks` pieces, one every `everyMs`; with `stallAfter`, it stops sending then. */
  const slow = (chunks: number, everyMs: number, stallAfter = Number.POSITIVE_INFINITY) => {
    let n = 0;
    return new ReadableStream<Uint8Array>({
      async pull(out) {
        if (n >= stallAfter) return new Promise<void>(() => {});
        await new Promise((r) => setTimeout(r, everyMs));
        out.enqueue(new TextEncoder().encode(`chunk ${n}\n`));
        if (++n === chunks) out.close();
      },
    });
  };

  it("an upload that takes longer than the timeout but keeps sending completes", async () => {
    const f = fakeFetch([() => json(200, run("r1")), () => json(200, {})]);
    const c = createMlflowClient({ trackingUri: "http://ml", fetch: f.fetch, timeoutMs: 150 });
    // 8 chunks 40 ms apart: about 320 ms in all, never 150 ms without progress.
    await c.uploadArtifact("r1", "model/weights.bin", slow(8, 40));
    expect(f.seen[1]?.method).toBe("PUT");
    expect(f.seen[1]?.body).toBe(Array.from({ length: 8 }, (_, i) => `chunk ${i}\n`).join(""));
  });

  it("an upload whose source fails rejects with the source's own error, not a network error", async () => {
    // A real server over a real socket: Node's fetch reports a failed body as "fetch failed".
    const srv = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(req.method === "GET" ? run("r1") : {}));
      });
      req.on("error", () => {});
    });
    await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
    try {
      const port = (srv.address() as AddressInfo).port;
      const c = createMlflowClient({ trackingUri: `http://127.0.0.1:${port}`, env: {} });
      const gone = new Error("disk gone");
      let n = 0;
      const source = new ReadableStream<Uint8Array>({
        pull(out) {
          if (++n > 3) out.error(gone);
          else out.enqueue(new Uint8Array(65536));
        },
      });
      await expect(c.uploadArtifact("r1", "model/weights.bin", source)).rejects.toBe(gone);
      const missing = await c
        .uploadArtifact("r1", "model/weights.bin", createReadStream("/nonexistent/weights.bin"))
        .catch((e) => e);
      expect(missing).not.toBeInstanceOf(MlflowRequestError);
      expect(missing).toMatchObject({ code: "ENOENT", path: "/nonexistent/weights.bin" });
    } finally {
      srv.closeAllConnections();
      await new Promise((ok) => srv.close(ok));
    }
  });

  it("an upload that stops sending fails with a timeout, once (a stream is never resent)", async () => {
    const f = fakeFetch([() => json(200, run("r1")), () => json(200, {})]);
    const c = createMlflowClient({ trackingUri: "http://ml", fetch: f.fetch, timeoutMs: 100 });
    const err = await c.uploadArtifact("r1", "model/weights.bin", slow(8, 10, 2)).catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRequestError);
    expect(err).toMatchObject({ kind: "timeout", attempts: 1 });
  });

  it("a download whose server stops sending fails instead of waiting forever", async () => {
    const f = fakeFetch([
      () => json(200, run("r1")),
      () => new Response(slow(8, 10, 2), { status: 200 }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", fetch: f.fetch, timeoutMs: 100 });
    const stream = await c.downloadArtifact("r1", "model/weights.bin");
    const err = await new Response(stream).text().catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRequestError);
    expect(err).toMatchObject({ kind: "timeout" });
    expect(String(err.message)).toContain("timed out");
    // The answer came (200, two chunks): not "no answer".
    expect(String(err.message)).toMatch(
      /GET http:\/\/ml\/api\/2\.0\/mlflow-artifacts\/artifacts\/\S+ timed out \(the answer stopped arriving: nothing more in 0\.1 s\), after 1 attempt$/,
    );
  });

  it("an answer whose body stops arriving says so, with the server, not 'no answer'", async () => {
    const f = fakeFetch([() => new Response(slow(8, 10, 2), { status: 200 })]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      fetch: f.fetch,
      timeoutMs: 100,
      retry: false,
    });
    const err = await c.getRun("r1").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRequestError);
    expect(err).toMatchObject({ kind: "timeout" });
    expect(String(err.message)).toBe(
      "GET http://ml/api/2.0/mlflow/runs/get timed out (the answer stopped arriving: nothing more in 0.1 s), after 1 attempt",
    );
  });

  it("a download that keeps sending is read whole, however long it takes", async () => {
    const f = fakeFetch([
      () => json(200, run("r1")),
      () => new Response(slow(6, 40), { status: 200 }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", fetch: f.fetch, timeoutMs: 100 });
    const text = await new Response(await c.downloadArtifact("r1", "m.bin")).text();
    expect(text.split("\n")).toHaveLength(7);
  });
});

describe("found in a review against real servers", () => {
  /** A body that sends `head` and then nothing more, ever. */
  const stalled = (head: string) =>
    new ReadableStream<Uint8Array>({
      start(out) {
        out.enqueue(new TextEncoder().encode(head));
      },
    });

  it("cancelling while it waits to retry rejects at once with the reason, and sends nothing more", async () => {
    const f = fakeFetch(
      () => new Response("busy", { status: 503, headers: { "retry-after": "5" } }),
    );
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const controller = new AbortController();
    const started = Date.now();
    const pending = c.api
      .GET("/api/2.0/mlflow/runs/get", {
        params: { query: { run_id: "r1" } },
        signal: controller.signal,
      })
      .catch((e) => e);
    setTimeout(() => controller.abort(new Error("stop")), 50);
    const err = await pending;
    expect(err).toEqual(new Error("stop"));
    expect(Date.now() - started).toBeLessThan(2000);
    await new Promise((r) => setTimeout(r, 100));
    expect(f.seen).toHaveLength(1);
  });

  /** A local server (127.0.0.1, closed after `use`) answering each request with `handle`. */
  async function withServer(
    handle: (req: IncomingMessage, res: ServerResponse) => void,
    use: (url: string) => Promise<void>,
  ) {
    const server = createServer(handle);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      await use(`http://127.0.0.1:${port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  it("a token with spaces or tabs around it, which fetch strips before sending, is not quoted either", async () => {
    for (const token of ["env-token-SECRET ", "\tenv-token-SECRET", " env-token-SECRET\t "]) {
      const f = fakeFetch([
        (req) =>
          new Response(`<html>you sent ${req.headers.get("authorization")}</html>`, {
            status: 500,
            headers: { "content-type": "text/html" },
          }),
      ]);
      const c = createMlflowClient({
        trackingUri: "http://ml",
        env: { MLFLOW_TRACKING_TOKEN: token },
        fetch: f.fetch,
        retry: { retries: 0 },
        ...noSleep,
      });
      const err = (await c.getRun("r1").catch((e: unknown) => e)) as MlflowApiError;
      expect(err).toBeInstanceOf(MlflowApiError);
      const shown = `${err.message} ${JSON.stringify(err)}`;
      expect(shown).toContain("***</html>");
      expect(shown).not.toContain("SECRET");
    }
  });

  it("answers Response cannot be made with (status 999, a reason beyond Latin-1) still reach the caller", async () => {
    await withServer(
      (req, res) => {
        if (req.url?.includes("r999")) res.writeHead(999, { "content-type": "application/json" });
        else res.writeHead(200, "Déjà OK", { "content-type": "application/json" });
        res.end(JSON.stringify(run("r1")));
      },
      async (url) => {
        const c = createMlflowClient({ trackingUri: url, env: {}, retry: false });
        expect((await c.getRun("r1")).info.run_id).toBe("r1");
        const err = await c.getRun("r999").catch((e) => e);
        expect(err).toBeInstanceOf(MlflowApiError);
        expect(err.status).toBe(999);
      },
    );
  });

  it("a streamed upload is not held in memory (Node's fetch keeps a body it may resend on a redirect)", async () => {
    const MiB = 1024 * 1024;
    let received = 0;
    await withServer(
      (req, res) => {
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(run("r1")));
          return;
        }
        req.on("data", (d: Buffer) => {
          received += d.length;
        });
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end("{}");
        });
      },
      async (url) => {
        const c = createMlflowClient({ trackingUri: url, env: {}, retry: false });
        // 384 fresh 1 MiB chunks: memory held for the request shows in arrayBuffers. (Sized so that
        // chunks the garbage collector has not freed yet on a busy machine, tens of MiB, stay far
        // below what holding the body costs.)
        let n = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(out) {
            if (n++ === 384) out.close();
            else out.enqueue(new Uint8Array(MiB).fill(n));
          },
        });
        const base = process.memoryUsage().arrayBuffers;
        let peak = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
        }, 10);
        try {
          await c.uploadArtifact("r1", "model/weights.bin", body);
        } finally {
          clearInterval(sampler);
        }
        expect(received).toBe(384 * MiB);
        // Held whole, the body would be 384 MiB here: three times the bound.
        expect(peak).toBeLessThan(128 * MiB);
      },
    );
  });

  it("a streamed upload answered with a redirect fails naming it, instead of resending the body", async () => {
    await withServer(
      (req, res) => {
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(run("r1")));
          return;
        }
        req.resume();
        req.on("end", () => {
          res.writeHead(307, { location: "/elsewhere" });
          res.end();
        });
      },
      async (url) => {
        const c = createMlflowClient({ trackingUri: url, env: {}, retry: false });
        const body = new Blob(["x".repeat(1000)]).stream();
        const err = await c.uploadArtifact("r1", "a.bin", body).catch((e) => e);
        expect(err).toBeInstanceOf(MlflowRequestError);
        expect(String(err.message)).toMatch(/redirect/);
      },
    );
  });

  it("an answer read long after it came is no stall; the idle timer runs only while reading", async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.flushHeaders();
        setTimeout(() => res.end(JSON.stringify(run("r1"))), 150);
      },
      async (url) => {
        const c = createMlflowClient({ trackingUri: url, env: {}, retry: false, timeoutMs: 100 });
        const { response } = await c.api.GET("/api/2.0/mlflow/runs/get", {
          params: { query: { run_id: "r1" } },
          parseAs: "stream",
        });
        await new Promise((r) => setTimeout(r, 400));
        expect(JSON.parse(await response.text()).run.info.run_id).toBe("r1");
      },
    );
  });

  it("a cancelled wait between retries leaves no timer behind (the process can exit)", async () => {
    const f = fakeFetch(
      () => new Response("busy", { status: 503, headers: { "retry-after": "30" } }),
    );
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const before = timers();
    const controller = new AbortController();
    const pending = c.api
      .GET("/api/2.0/mlflow/runs/get", {
        params: { query: { run_id: "r1" } },
        signal: controller.signal,
      })
      .catch((e) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(timers()).toBeGreaterThan(before);
    controller.abort(new Error("stop"));
    expect(await pending).toEqual(new Error("stop"));
    expect(timers()).toBe(before);
  });

  it("an answer whose body stops halfway fails as a timeout instead of hanging", async () => {
    const f = fakeFetch([
      () =>
        new Response(stalled('{"run": {"info": '), {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
    ]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: f.fetch,
      timeoutMs: 100,
      retry: false,
    });
    const err = await c.getRun("r1").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRequestError);
    expect(err).toMatchObject({ kind: "timeout" });
  });

  it("a success that is not JSON and repeats the Authorization header is quoted without it", async () => {
    const f = fakeFetch([
      (req) =>
        new Response(`<html>you sent ${req.headers.get("authorization")}</html>`, {
          status: 200,
          headers: { "content-type": "text/html" },
        }),
    ]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      auth: { token: "mlflow-token-SECRET" },
      fetch: f.fetch,
    });
    const err = await c.getRun("r1").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(String(err.message)).toContain("you sent ***");
    expect(inspect(err, { depth: 5 })).not.toContain("SECRET");
  });

  it("a failed download or delete names the artifact's path, and reads the proxy's FastAPI detail", async () => {
    const f = fakeFetch([
      () => json(200, run("r1")),
      () => json(400, { detail: "Artifact path refers to a directory" }),
      () => json(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "No such file" }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const down = await c.downloadArtifact("r1", "model").catch((e: unknown) => e);
    expect(down).toMatchObject({
      status: 400,
      errorCode: "BAD_REQUEST",
      serverMessage: "Artifact path refers to a directory",
      path: "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/model",
    });
    const del = await c.deleteArtifact("r1", "gone.txt").catch((e: unknown) => e);
    expect(del).toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
      path: "/api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/gone.txt",
    });
  });

  it("an empty artifact downloads as an empty stream", async () => {
    const f = fakeFetch([
      () => json(200, run("r1")),
      () => new Response(null, { status: 200, headers: { "content-length": "0" } }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    expect(await new Response(await c.downloadArtifact("r1", "empty.txt")).text()).toBe("");
  });

  it("an artifact path the proxy would refuse or rewrite (dir/./c.txt, a//b) is refused before any request", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    for (const path of [
      "dir/./c.txt",
      "./c.txt",
      "a//b",
      "a/",
      "../x",
      "a#b",
      "/abs",
      "a%2Fb",
      "",
    ]) {
      const refused = await c.uploadArtifact("r1", path, "x").catch((e: unknown) => e);
      expect(refused, path).toBeInstanceOf(MlflowValidationError);
      expect(String(refused)).toContain("write it as a/b");
      await expect(c.downloadArtifact("r1", path), path).rejects.toBeInstanceOf(
        MlflowValidationError,
      );
    }
    expect(f.seen).toHaveLength(0);
  });

  it("a page size over what the server takes is refused before any request", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const first = (it: AsyncGenerator<unknown>) => it.next().catch((e: unknown) => e);
    const refused = [
      await first(c.searchRuns({ experimentIds: ["1"], pageSize: 50_001 })),
      await first(c.searchExperiments({ pageSize: 60_000 })),
      await first(c.searchRegisteredModels({ pageSize: 1001 })),
      await first(c.searchModelVersions({ pageSize: 200_001 })),
    ];
    for (const e of refused) expect(e).toBeInstanceOf(MlflowValidationError);
    expect(String(refused[0])).toContain("must be at most 50000");
    expect(String(refused[2])).toContain("must be at most 1000");
    expect(f.seen).toHaveLength(0);
  });

  it("a key the server refuses as a path ('...', '..loss') is refused before any request", async () => {
    const f = fakeFetch([]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    for (const key of ["...", "..loss"]) {
      await expect(
        c.logBatch("r1", { metrics: [{ key, value: 1, timestamp: 1, step: 0 }] }),
      ).rejects.toBeInstanceOf(MlflowValidationError);
    }
    expect(f.seen).toHaveLength(0);
  });
});

describe("withRun", () => {
  const ended = (seen: { path: string; body: string }[]) =>
    seen
      .filter((s) => s.path.endsWith("/runs/update"))
      .map((s) => (JSON.parse(s.body) as { status: string }).status);

  function server() {
    return fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/runs/create")
        ? json(200, run("r1"))
        : json(200, { run_info: run("r1").run.info }),
    );
  }

  it("ends the run FINISHED and returns fn's value", async () => {
    const f = server();
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    expect(await c.withRun(async ({ runId }) => `done ${runId}`, { experimentId: "1" })).toBe(
      "done r1",
    );
    expect(ended(f.seen)).toEqual(["FINISHED"]);
  });

  it("ends the run FAILED when fn throws, and rethrows", async () => {
    const f = server();
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    await expect(
      c.withRun(() => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(ended(f.seen)).toEqual(["FAILED"]);
  });

  it("never marks a run FAILED because saying FINISHED failed: that error is thrown as it is", async () => {
    let updates = 0;
    const f = fakeFetch((req) => {
      if (new URL(req.url).pathname.endsWith("/runs/create")) return json(200, run("r1"));
      updates++;
      return updates === 1
        ? json(500, { error_code: "INTERNAL_ERROR", message: "db locked" })
        : json(200, { run_info: run("r1").run.info });
    });
    // No retries: the 500 would be repeated (and then succeed) otherwise.
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: f.fetch,
      retry: false,
    });
    const err = await c.withRun(async () => "trained").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowApiError);
    expect(err.message).toContain("db locked");
    expect(ended(f.seen)).toEqual(["FINISHED"]);
  });

  it("ends the run KILLED on SIGTERM, aborts fn's signal, and removes its listeners", async () => {
    const f = server();
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    // A listener of our own, so the signal's default action (exit) does not happen here.
    const ours = () => {};
    process.on("SIGTERM", ours);
    const before = { int: process.listenerCount("SIGINT"), term: process.listenerCount("SIGTERM") };
    try {
      const result = c.withRun(
        ({ signal }) =>
          new Promise((resolve) => {
            signal.addEventListener("abort", () => resolve("stopped"));
            setTimeout(() => process.emit("SIGTERM", "SIGTERM"), 5);
          }),
      );
      await expect(result).rejects.toBeInstanceOf(RunKilledError);
      expect(ended(f.seen)).toEqual(["KILLED"]);
      expect(process.listenerCount("SIGINT")).toBe(before.int);
      expect(process.listenerCount("SIGTERM")).toBe(before.term);
    } finally {
      process.off("SIGTERM", ours);
    }
  });

  it("a signal goes on after killTimeoutMs when the KILLED update gets no answer (an unreachable server)", async () => {
    // The update never answers: without a bound, retries would hold the signal for minutes.
    const f = fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/runs/create")
        ? json(200, run("r1"))
        : new Promise<Response>(() => {}),
    );
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const ours = () => {};
    process.on("SIGTERM", ours);
    try {
      // Without the bound, withRun would still be waiting when the test times out.
      const result = c.withRun(
        ({ signal }) =>
          new Promise((resolve) => {
            signal.addEventListener("abort", () => resolve("stopped"));
            setTimeout(() => process.emit("SIGTERM", "SIGTERM"), 5);
          }),
        { killTimeoutMs: 200 },
      );
      await expect(result).rejects.toBeInstanceOf(RunKilledError);
      expect(ended(f.seen)).toEqual(["KILLED"]);
    } finally {
      process.off("SIGTERM", ours);
    }
  });

  it("with two runs in one process, SIGTERM ends both KILLED before the process dies of it", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures", "sigterm-child.ts")],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.stdout).toBe("KILLED\nKILLED\n");
    expect(r.signal).toBe("SIGTERM");
  });

  it("with two runs whose fn stops on its signal, and nothing catching them, SIGTERM still ends both KILLED and the process dies of it", () => {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "fixtures", "sigterm-uncaught-child.ts")],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect({ stdout: r.stdout, signal: r.signal, status: r.status }).toEqual({
      stdout: "KILLED\nKILLED\n",
      signal: "SIGTERM",
      status: null,
    });
  });

  it("rethrows fn's error even when the run cannot be ended", async () => {
    const f = fakeFetch((req) =>
      new URL(req.url).pathname.endsWith("/runs/create")
        ? json(200, run("r1"))
        : json(500, { error_code: "INTERNAL_ERROR", message: "down" }),
    );
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: f.fetch,
      retry: { retries: 0 },
    });
    await expect(
      c.withRun(() => {
        throw new RangeError("shape mismatch");
      }),
    ).rejects.toThrow(new RangeError("shape mismatch"));
  });

  it("many runs at once share one listener per signal (no MaxListenersExceededWarning), and a signal ends each KILLED", async () => {
    const f = server();
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const ours = () => {};
    process.on("SIGTERM", ours);
    const term = process.listenerCount("SIGTERM");
    const warnings: string[] = [];
    const warned = (w: Error) => warnings.push(w.name);
    process.on("warning", warned);
    try {
      let started = 0;
      const runs = Array.from({ length: 12 }, () =>
        c.withRun(
          ({ signal }) =>
            new Promise((resolve) => {
              started++;
              expect(process.listenerCount("SIGTERM")).toBe(term + 1);
              signal.addEventListener("abort", () => resolve("stopped"));
            }),
        ),
      );
      await vi.waitFor(() => expect(started).toBe(12));
      process.emit("SIGTERM", "SIGTERM");
      const settled = await Promise.allSettled(runs);
      expect(
        settled.map((r) => r.status === "rejected" && r.reason instanceof RunKilledError),
      ).toEqual(Array(12).fill(true));
      expect(ended(f.seen)).toEqual(Array(12).fill("KILLED"));
      expect(process.listenerCount("SIGTERM")).toBe(term);
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", warned);
      process.off("SIGTERM", ours);
    }
  });

  it("leaves no signal listeners behind after FINISHED or FAILED", async () => {
    const int = process.listenerCount("SIGINT");
    const term = process.listenerCount("SIGTERM");
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: server().fetch });
    await c.withRun(() => {
      expect(process.listenerCount("SIGTERM")).toBe(term + 1);
    });
    await c.withRun(() => Promise.reject(new Error("x"))).catch(() => {});
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual([
      int,
      term,
    ]);
  });
});

describe("retries of writes", () => {
  const limited = () =>
    json(
      429,
      { error_code: "REQUEST_LIMIT_EXCEEDED", message: "Too many requests" },
      { "retry-after": "1" },
    );
  const unavailable = () => json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" });

  it("sends logBatch again after a 429 (waiting its Retry-After) and after a 503", async () => {
    const waits: number[] = [];
    const f = fakeFetch([limited, unavailable, () => json(200, {})]);
    const c = createMlflowClient({
      trackingUri: "http://ml/prefix",
      env: {},
      fetch: f.fetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await c.logBatch("r1", { metrics: [{ key: "loss", value: 1, timestamp: 1, step: 0 }] });
    expect(f.seen.map((s) => s.path)).toEqual(
      Array(3).fill("/prefix/api/2.0/mlflow/runs/log-batch"),
    );
    expect(new Set(f.seen.map((s) => s.body)).size).toBe(1);
    expect(waits[0]).toBe(1000);
    // An alias set through the helper, and a tag through `api`, likewise.
    const g = fakeFetch([unavailable, () => json(200, {}), unavailable, () => json(200, {})]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch, ...noSleep });
    await d.setAlias("m", "champion", "1");
    await d.api.POST("/api/2.0/mlflow/runs/set-tag", {
      body: { run_id: "r1", key: "k", value: "v" },
    });
    expect(g.seen).toHaveLength(4);
  });

  it("creates a run again only after a 429, never after a 503 (it may have been made)", async () => {
    const f = fakeFetch([limited, () => json(200, run("r1"))]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch, ...noSleep });
    expect((await c.createRun({ experimentId: "1" })).info.run_id).toBe("r1");
    expect(f.seen).toHaveLength(2);
    const g = fakeFetch([unavailable, () => json(200, run("r2"))]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch, ...noSleep });
    await expect(d.createRun({ experimentId: "1" })).rejects.toMatchObject({ status: 503 });
    expect(g.seen).toHaveLength(1);
  });

  it("repeats a read or an idempotent write after a 500 or a 408, as Python's client does; a create never", async () => {
    const internal = () =>
      json(500, { error_code: "INTERNAL_ERROR", message: "database is locked" });
    const timedOut = () => new Response("Request Timeout", { status: 408 });
    const f = fakeFetch([
      internal,
      timedOut,
      () => json(200, run("r1")),
      internal,
      () => json(200, {}),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch, ...noSleep });
    expect((await c.getRun("r1")).info.run_id).toBe("r1");
    await c.logBatch("r1", { metrics: [{ key: "loss", value: 1, timestamp: 1, step: 0 }] });
    expect(f.seen.map((s) => s.path.replace("/api/2.0/mlflow/", ""))).toEqual([
      "runs/get",
      "runs/get",
      "runs/get",
      "runs/log-batch",
      "runs/log-batch",
    ]);
    const g = fakeFetch([internal, () => json(200, run("r2"))]);
    const d = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: g.fetch, ...noSleep });
    await expect(d.createRun({ experimentId: "1" })).rejects.toMatchObject({
      status: 500,
      errorCode: "INTERNAL_ERROR",
    });
    expect(g.seen).toHaveLength(1);
    // Retries spent: the last 500 is the error.
    const h = fakeFetch(Array(3).fill(internal));
    const e = createMlflowClient({
      trackingUri: "http://ml",
      env: {},
      fetch: h.fetch,
      retry: { retries: 2 },
      ...noSleep,
    });
    await expect(e.getRun("r1")).rejects.toMatchObject({ status: 500 });
    expect(h.seen).toHaveLength(3);
  });
});

describe("MLflow's variables", () => {
  it("MLFLOW_EXPERIMENT_NAME (created when missing) and MLFLOW_EXPERIMENT_ID are withRun's default experiment", async () => {
    const created = (body: string) => JSON.parse(body).experiment_id;
    const f = fakeFetch([
      () => json(404, { error_code: "RESOURCE_DOES_NOT_EXIST", message: "no" }),
      () => json(200, { experiment_id: "7" }),
      () =>
        json(200, { experiment: { experiment_id: "7", name: "iris", lifecycle_stage: "active" } }),
      () => json(200, run("r1")),
      () => json(200, { run_info: {} }),
    ]);
    const env = { MLFLOW_EXPERIMENT_NAME: "iris", MLFLOW_EXPERIMENT_ID: "7" };
    const c = createMlflowClient({ trackingUri: "http://ml", env, fetch: f.fetch, ...noSleep });
    await c.withRun(() => 1, { signals: [] });
    expect(f.seen.map((s) => s.path.replace("/api/2.0/mlflow/", ""))).toEqual([
      "experiments/get-by-name",
      "experiments/create",
      "experiments/get",
      "runs/create",
      "runs/update",
    ]);
    expect(created(f.seen[3]?.body ?? "")).toBe("7");
    const g = fakeFetch([() => json(200, run("r2")), () => json(200, { run_info: {} })]);
    const d = createMlflowClient({
      trackingUri: "http://ml",
      env: { MLFLOW_EXPERIMENT_ID: "5" },
      fetch: g.fetch,
    });
    await d.withRun(() => 1, { signals: [] });
    expect(created(g.seen[0]?.body ?? "")).toBe("5");
    // An explicit experiment wins.
    const h = fakeFetch([() => json(200, run("r3")), () => json(200, { run_info: {} })]);
    const e = createMlflowClient({ trackingUri: "http://ml", env, fetch: h.fetch });
    await e.withRun(() => 1, { experimentId: "3", signals: [] });
    expect(created(h.seen[0]?.body ?? "")).toBe("3");
  });

  it("an MLFLOW_EXPERIMENT_ID that is not MLFLOW_EXPERIMENT_NAME's experiment is an MlflowConfigError", async () => {
    const f = fakeFetch([
      () =>
        json(200, { experiment: { experiment_id: "2", name: "iris", lifecycle_stage: "active" } }),
    ]);
    const env = { MLFLOW_EXPERIMENT_NAME: "iris", MLFLOW_EXPERIMENT_ID: "7" };
    const c = createMlflowClient({ trackingUri: "http://ml", env, fetch: f.fetch });
    await expect(c.withRun(() => 1, { signals: [] })).rejects.toThrow(MlflowConfigError);
  });

  it("MLFLOW_HTTP_REQUEST_TIMEOUT, _MAX_RETRIES and _BACKOFF_FACTOR set the timeout and retries, under explicit options", async () => {
    const busy = () => json(503, { error_code: "TEMPORARILY_UNAVAILABLE", message: "busy" });
    const waits: number[] = [];
    const f = fakeFetch(busy);
    const env = {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: "5",
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: "0",
      MLFLOW_HTTP_REQUEST_TIMEOUT: "120",
    };
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env,
      fetch: f.fetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await expect(c.getRun("r1")).rejects.toMatchObject({ status: 503 });
    expect(f.seen).toHaveLength(6);
    expect(waits).toEqual([0, 0, 0, 0, 0]);
    const g = fakeFetch(busy);
    const d = createMlflowClient({
      trackingUri: "http://ml",
      env,
      fetch: g.fetch,
      retry: { retries: 1 },
      ...noSleep,
    });
    await expect(d.getRun("r1")).rejects.toMatchObject({ status: 503 });
    expect(g.seen).toHaveLength(2);
    // The timeout: a fetch that never answers fails after MLFLOW_HTTP_REQUEST_TIMEOUT seconds.
    const never = () => new Promise<Response>(() => {});
    const e = createMlflowClient({
      trackingUri: "http://ml",
      env: { MLFLOW_HTTP_REQUEST_TIMEOUT: "1", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
      fetch: never as typeof fetch,
    });
    await expect(e.getRun("r1")).rejects.toThrow(/no answer in 1 s|timed out \(no answer in 1 s\)/);
  });

  it.each([
    ["MLFLOW_HTTP_REQUEST_TIMEOUT", "abc"],
    ["MLFLOW_HTTP_REQUEST_TIMEOUT", "0"],
    ["MLFLOW_HTTP_REQUEST_MAX_RETRIES", "-1"],
    ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1.5"],
    ["MLFLOW_TRUNCATE_LONG_VALUES", "no"],
    ["MLFLOW_TRUNCATE_LONG_VALUES", "off"],
  ])("%s=%s is an MlflowConfigError naming the variable", (name, value) => {
    expect(() => createMlflowClient({ trackingUri: "http://ml", env: { [name]: value } })).toThrow(
      new RegExp(name),
    );
    expect(() => createMlflowClient({ trackingUri: "http://ml", env: { [name]: value } })).toThrow(
      MlflowConfigError,
    );
  });
});

it.each([
  ["false", false],
  ["0", false],
  ["FALSE", false],
  ["true", true],
  ["1", true],
  [undefined, true],
])(
  "MLFLOW_TRUNCATE_LONG_VALUES=%s: logBatch truncates long values: %s, as Python reads it",
  async (value, truncates) => {
    const f = fakeFetch([() => json(200, {})]);
    const c = createMlflowClient({
      trackingUri: "http://ml",
      env: value === undefined ? {} : { MLFLOW_TRUNCATE_LONG_VALUES: value },
      fetch: f.fetch,
      retry: false,
    });
    const sent = c.logBatch("r1", { params: { long: "x".repeat(7000) } });
    if (truncates) {
      await sent;
      expect(f.seen).toHaveLength(1);
    } else {
      await expect(sent).rejects.toThrow(/MLFLOW_TRUNCATE_LONG_VALUES is false/);
      expect(f.seen).toHaveLength(0);
    }
  },
);

describe("TLS: MLflow's variables and the tls option", () => {
  const ca = join(TLS_FIXTURES, "ca.pem");
  const clientPem = join(TLS_FIXTURES, "client.pem");
  const experiment = (req: SeenRequest, res: ServerResponse) =>
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        experiment: { experiment_id: "1", name: req.path.split("=")[1], lifecycle_stage: "active" },
      }),
    );

  it("MLFLOW_TRACKING_SERVER_CERT_PATH and _CLIENT_CERT_PATH: a private CA and a client certificate (one PEM file with its key)", async () => {
    const server = await serveHttps(experiment, { clientCert: true });
    try {
      const env = {
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_TRACKING_SERVER_CERT_PATH: ca,
        MLFLOW_TRACKING_CLIENT_CERT_PATH: clientPem,
      };
      const c = createMlflowClient({ env, retry: false });
      expect(await c.getExperimentByName("iris")).toMatchObject({ name: "iris" });
      expect(server.seen[0]?.clientCn).toBe("mlgen test client");
      // Without the client certificate, the server closes the handshake.
      const { MLFLOW_TRACKING_CLIENT_CERT_PATH: _, ...noCert } = env;
      await expect(
        createMlflowClient({ env: noCert, retry: false }).getExperimentByName("iris"),
      ).rejects.toThrow(MlflowRequestError);
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it("reads the proxy variables from env; one that is no http(s) proxy is a config error naming it, never its password", () => {
    const env = { MLFLOW_TRACKING_URI: "http://mlflow.test", HTTPS_PROXY: "socks5://u:pw@h:1080" };
    expect(() => createMlflowClient({ env })).toThrow(MlflowConfigError);
    expect(() => createMlflowClient({ env })).toThrow(
      "HTTPS_PROXY names a socks5 proxy (socks5://h:1080); only http:// and https:// proxies are supported",
    );
    expect(() => createMlflowClient({ env })).not.toThrow(/pw/);
    // A proxy given, false, or a fetch of one's own: the variables are not read.
    expect(() => createMlflowClient({ env, proxy: false })).not.toThrow();
    expect(() => createMlflowClient({ env, fetch: globalThis.fetch })).not.toThrow();
  });

  it("MLFLOW_TRACKING_INSECURE_TLS=true checks no certificate; unset, the private CA is not trusted", async () => {
    const server = await serveHttps(experiment);
    try {
      const insecure = createMlflowClient({
        env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_INSECURE_TLS: "True" },
        retry: false,
      });
      expect(await insecure.getExperimentByName("a")).toMatchObject({ name: "a" });
      for (const off of ["false", "0", ""]) {
        const checked = createMlflowClient({
          env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_INSECURE_TLS: off },
          retry: false,
        });
        await expect(checked.getExperimentByName("a")).rejects.toThrow(
          /the server's TLS certificate (chain is not trusted|cannot be verified)/,
        );
      }
      // An explicit tls option wins over the variables.
      const explicit = createMlflowClient({
        env: { MLFLOW_TRACKING_URI: server.url, MLFLOW_TRACKING_INSECURE_TLS: "bogus" },
        tls: { ca: tlsFixture("ca.pem") },
        retry: false,
      });
      expect(await explicit.getExperimentByName("b")).toMatchObject({ name: "b" });
      expect(server.seen).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it.each([
    [
      { MLFLOW_TRACKING_INSECURE_TLS: "yes" },
      /MLFLOW_TRACKING_INSECURE_TLS must be true, false, 1 or 0/,
    ],
    [
      { MLFLOW_TRACKING_INSECURE_TLS: "1", MLFLOW_TRACKING_SERVER_CERT_PATH: ca },
      /MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set/,
    ],
    [
      { MLFLOW_TRACKING_SERVER_CERT_PATH: "/no/such/ca.pem" },
      /MLFLOW_TRACKING_SERVER_CERT_PATH names "\/no\/such\/ca\.pem": no such file/,
    ],
    [
      { MLFLOW_TRACKING_CLIENT_CERT_PATH: TLS_FIXTURES },
      /MLFLOW_TRACKING_CLIENT_CERT_PATH names ".*": a folder, not a PEM file/,
    ],
  ])("%o is an MlflowConfigError before any request", (env, message) => {
    const make = () => createMlflowClient({ trackingUri: "https://ml", env });
    expect(make).toThrow(MlflowConfigError);
    expect(make).toThrow(message);
  });

  it("a fetch of your own reads no TLS variable; with tls as well, an MlflowConfigError", () => {
    const f = fakeFetch([]);
    const env = { MLFLOW_TRACKING_INSECURE_TLS: "yes" };
    expect(() =>
      createMlflowClient({ trackingUri: "https://ml", env, fetch: f.fetch }),
    ).not.toThrow();
    expect(() =>
      createMlflowClient({ trackingUri: "https://ml", fetch: f.fetch, tls: { ca: "x" } }),
    ).toThrow(/give tls or a fetch of your own, not both/);
  });
});

describe("the clock option", () => {
  it("gives the times written: a run's start and end, and a metric point's default timestamp", async () => {
    const clock = { now: () => 1_000_000, sleep: async () => {} };
    const f = fakeFetch([
      () => json(200, run("r1")),
      () => json(200, {}),
      () => json(200, { run_info: {} }),
    ]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch, clock });
    await c.withRun(({ runId }) => c.logBatch(runId, { metrics: [{ key: "loss", value: 1 }] }), {
      experimentId: "1",
      signals: [],
    });
    const bodies = f.seen.map((s) => JSON.parse(s.body));
    expect(bodies[0].start_time).toBe(1_000_000);
    expect(bodies[1].metrics[0].timestamp).toBe(1_000_000);
    expect(bodies[2].end_time).toBe(1_000_000);
  });
});

describe("artifacts of a run the proxy does not serve", () => {
  it("is an MlflowConfigError naming the experiment's artifact_location and the fix", async () => {
    const body = run("r1");
    body.run.info.artifact_uri = "file:///tmp/x/r1/artifacts";
    const f = fakeFetch([() => json(200, body)]);
    const c = createMlflowClient({ trackingUri: "http://ml", env: {}, fetch: f.fetch });
    const err = await c.uploadArtifact("r1", "a.txt", "hi").catch((e) => e);
    expect(err).toBeInstanceOf(MlflowConfigError);
    expect(err.message).toContain("artifact_location is file:///tmp/x,");
    expect(err.message).toMatch(/without artifactLocation.*mlflow-artifacts:\//);
  });
});

describe("single calls, as Python's MlflowClient makes them (against the stateful fake)", () => {
  function setup() {
    const fake = createMlflowFake();
    const clock = { now: () => 1_000_000, sleep: async () => {} };
    const c = createMlflowClient({ trackingUri: fake.baseUrl, fetch: fake.fetch, env: {}, clock });
    return { fake, c };
  }
  const tags = (list: { key?: string; value?: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((t) => [t.key, t.value]));

  it("logMetric logs one point: step and timestamp given or 0 and the clock's now; NaN and ±Infinity by name", async () => {
    const { fake, c } = setup();
    const runId = fake.seed.run();
    await c.logMetric(runId, "acc", 0.5, { step: 3, timestamp: 1234 });
    await c.logMetric(runId, "acc", Number.NaN, { step: 4 });
    await c.logMetric(runId, "acc", Number.POSITIVE_INFINITY, { step: -1 });
    await c.logMetric(runId, "low", Number.NEGATIVE_INFINITY);
    // The server keeps NaN, and ±Infinity as the largest doubles (SQL has no infinity).
    expect(fake.metricHistory(runId, "acc")).toEqual([
      { key: "acc", value: 0.5, timestamp: 1234, step: 3 },
      { key: "acc", value: 1.7976931348623157e308, timestamp: 1_000_000, step: -1 },
      { key: "acc", value: "NaN", timestamp: 1_000_000, step: 4 },
    ]);
    expect(fake.metricHistory(runId, "low")).toEqual([
      { key: "low", value: -1.7976931348623157e308, timestamp: 1_000_000, step: 0 },
    ]);
    expect(fake.requests("POST", "runs/log-metric")).toBe(4);
  });

  it("logMetric refuses a value that is no number, a fractional step and a negative timestamp before any request", async () => {
    const { fake, c } = setup();
    const runId = fake.seed.run();
    const refused = [
      c.logMetric(runId, "acc", "0.5" as unknown as number),
      c.logMetric(runId, "acc", 1, { step: 1.5 }),
      c.logMetric(runId, "acc", 1, { timestamp: -1 }),
      c.logMetric(runId, "acc", 1, { timestamp: "5" as unknown as number }),
    ];
    const errors = await Promise.all(refused.map((p) => p.catch((e: unknown) => e)));
    expect(errors.map((e) => (e as MlflowValidationError).field)).toEqual([
      "value",
      "step",
      "timestamp",
      "timestamp",
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(MlflowValidationError);
    expect(fake.requests("POST", "runs/log-metric")).toBe(0);
    expect(fake.metricHistory(runId, "acc")).toEqual([]);
  });

  it("logParam, setTag and deleteTag: values as Python's str() writes them; the server's refusals are MlflowApiErrors", async () => {
    const { fake, c } = setup();
    const runId = fake.seed.run();
    await c.logParam(runId, "lr", 1e-5);
    await c.logParam(runId, "flag", true);
    await c.logParam(runId, "name", "resnet");
    await c.logParam(runId, "lr", 0.00001); // the same value again: fine
    await c.setTag(runId, "team", "ml");
    await c.setTag(runId, "team", 2); // replaced
    await c.setTag(runId, "gone", "soon");
    await c.deleteTag(runId, "gone");
    const run = fake.run(runId);
    expect(run?.data.params).toEqual([
      { key: "lr", value: "1e-05" },
      { key: "flag", value: "True" },
      { key: "name", value: "resnet" },
    ]);
    expect(tags(run?.data.tags)).toMatchObject({ team: "2" });
    expect(tags(run?.data.tags)).not.toHaveProperty("gone");
    const changed = await c.logParam(runId, "lr", 0.1).catch((e: unknown) => e);
    expect(changed).toBeInstanceOf(MlflowApiError);
    expect(changed).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE" });
    const missing = await c.deleteTag(runId, "gone").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("model versions: update's description, tags set and deleted, a version deleted with its alias", async () => {
    const { fake, c } = setup();
    fake.seed.registeredModel("m");
    fake.seed.modelVersion("m", { source: "s3://b/1", tags: { keep: "1" } });
    fake.seed.modelVersion("m", { source: "s3://b/2", aliases: ["champion"] });
    const updated = await c.updateModelVersion("m", "1", { description: "first" });
    expect(updated).toMatchObject({ name: "m", version: "1", description: "first" });
    expect(fake.modelVersion("m", "1")?.description).toBe("first");
    await c.setModelVersionTag("m", "1", "validated", true);
    await c.setModelVersionTag("m", "1", "keep", 1.5);
    expect(tags(fake.modelVersion("m", "1")?.tags)).toEqual({ keep: "1.5", validated: "True" });
    await c.deleteModelVersionTag("m", "1", "keep");
    await c.deleteModelVersionTag("m", "1", "never-set"); // no error, as on the server
    expect(tags(fake.modelVersion("m", "1")?.tags)).toEqual({ validated: "True" });
    await c.deleteModelVersion("m", "2");
    expect(fake.modelVersion("m", "2")).toBeUndefined();
    expect(fake.registeredModel("m")?.aliases ?? []).toEqual([]);
    const again = await c.deleteModelVersion("m", "2").catch((e: unknown) => e);
    expect(again).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("registered models: a tag set, the description updated; an update without a description sends nothing", async () => {
    const { fake, c } = setup();
    fake.seed.registeredModel("m", { description: "old" });
    await c.setRegisteredModelTag("m", "owner", "me");
    await c.setRegisteredModelTag("m", "owner", false);
    expect(tags(fake.registeredModel("m")?.tags)).toEqual({ owner: "False" });
    const updated = await c.updateRegisteredModel("m", { description: "a model" });
    expect(updated).toMatchObject({ name: "m", description: "a model" });
    expect(fake.registeredModel("m")?.description).toBe("a model");
    // The server reads a body without a description as "": it would clear it.
    const e = await c
      .updateRegisteredModel("m", {} as { description: string })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(MlflowValidationError);
    const v = await c
      .updateModelVersion("m", "1", undefined as unknown as { description: string })
      .catch((x: unknown) => x);
    expect(v).toBeInstanceOf(MlflowValidationError);
    expect(fake.requests("PATCH", "registered-models/update")).toBe(1);
    expect(fake.registeredModel("m")?.description).toBe("a model");
    const unknown = await c.setRegisteredModelTag("nope", "k", "v").catch((x: unknown) => x);
    expect(unknown).toMatchObject({ status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" });
  });
});
