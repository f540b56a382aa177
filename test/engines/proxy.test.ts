/**
 * HTTP proxies, as Python users have them: the clients read HTTPS_PROXY, HTTP_PROXY, ALL_PROXY
 * and NO_PROXY exactly as Python's requests (the pinned one, under MLflow's client) reads them —
 * the same proxy, or none, for every case of a table (test/python/proxy_choice.py) — and a real
 * `mlflow server` is reached through a proxy that asks for credentials by the TS client and by
 * Python's MlflowClient given the same variables, each reading what the other wrote.
 */
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyFor, proxyFromEnv } from "../../packages/http/src/proxy.js";
import { createMlflowClient } from "../../packages/mlflow-client/src/index.js";
import { startProxy } from "../support/proxy-server.js";
import { ensureEngines, type MlflowServer, PYTHON, ROOT, startMlflow, tempDir } from "./harness.js";

type Env = Record<string, string>;

describe("the proxy variables, read as Python's requests reads them", () => {
  beforeAll(() => ensureEngines());

  it("chooses the same proxy, or none, in every case", () => {
    const P = "http://proxy.corp:3128";
    const Q = "http://other.corp:8080";
    const cases: { env: Env; url: string }[] = [
      { env: {}, url: "https://mlflow.example.com/" },
      { env: { HTTPS_PROXY: P }, url: "https://mlflow.example.com/" },
      { env: { HTTPS_PROXY: P }, url: "http://mlflow.example.com/" },
      { env: { HTTP_PROXY: P }, url: "http://mlflow.example.com:5000/api" },
      { env: { HTTPS_PROXY: P, https_proxy: Q }, url: "https://a.example.com/" },
      { env: { HTTPS_PROXY: P, https_proxy: "" }, url: "https://a.example.com/" },
      { env: { ALL_PROXY: P }, url: "https://a.example.com/" },
      { env: { ALL_PROXY: P, HTTPS_PROXY: Q }, url: "https://a.example.com/" },
      { env: { all_proxy: P, HTTP_PROXY: Q }, url: "http://a.example.com/" },
      { env: { HTTPS_PROXY: "10.0.0.1:3128" }, url: "https://a.example.com/" },
      { env: { HTTPS_PROXY: "http://u:p%40ss@proxy.corp:3128" }, url: "https://a.example.com/" },
      ...[
        "*",
        "example.com",
        ".example.com",
        "mlflow.example.com",
        "mlflow.example.com:443",
        "mlflow.example.com:5000",
        "*.example.com",
        "ample.com",
        "other.org, example.com",
        " other.org ,EXAMPLE.com ",
        "127.0.0.1",
        "other.org, *",
        "..example.com",
      ].map((noProxy) => ({
        env: { HTTPS_PROXY: P, NO_PROXY: noProxy },
        url: "https://mlflow.example.com/",
      })),
      ...[
        "10.0.0.0/8",
        "10.1.0.0/16",
        "10.2.0.0/16",
        "10.1.2.3",
        "2.3",
        "localhost",
        "10.1.2.3:5000",
      ].map((noProxy) => ({
        env: { HTTP_PROXY: P, no_proxy: noProxy },
        url: "http://10.1.2.3:5000/",
      })),
      { env: { HTTP_PROXY: P, no_proxy: "", NO_PROXY: "127.0.0.1" }, url: "http://127.0.0.1/" },
      { env: { HTTP_PROXY: P, no_proxy: "localhost" }, url: "http://127.0.0.1:5000/" },
    ];
    const r = spawnSync(PYTHON, [join(ROOT, "test/python/proxy_choice.py")], {
      input: JSON.stringify(cases),
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const python = JSON.parse(r.stdout) as (string | null)[];
    const ours = cases.map(({ env, url }) => {
      const settings = proxyFromEnv(env);
      return settings ? (proxyFor(new URL(url), settings)?.url.href ?? null) : null;
    });
    const shown = (values: (string | null)[]) =>
      cases.map((c, i) => {
        const v = values[i];
        return `${JSON.stringify(c.env)} ${c.url} -> ${v === null || v === undefined ? "direct" : new URL(v).href}`;
      });
    expect(shown(ours)).toEqual(shown(python));
    // The table is no table of "direct": both kinds of answer are in it.
    expect(python.filter((p) => p === null).length).toBeGreaterThan(5);
    expect(python.filter((p) => p !== null).length).toBeGreaterThan(5);
  });
});

describe("MLflow through a proxy that asks for credentials (real server)", () => {
  let server: MlflowServer;
  let proxy: Awaited<ReturnType<typeof startProxy>>;

  beforeAll(async () => {
    ensureEngines();
    server = await startMlflow(join(tempDir("mlflow-proxy"), "server"));
    proxy = await startProxy({ auth: { user: "svc", password: "pr0xy-s3cret" } });
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  async function python(script: string, env: Env) {
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("MLFLOW_") && !/_proxy$/i.test(k)),
    );
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", script], {
      env: { ...clean, ...env, PYTHONWARNINGS: "ignore" },
      timeout: 120_000,
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "null");
  }

  it("the TS client and Python's MlflowClient, given the same HTTP_PROXY, go through it and read each other's runs", async () => {
    const env: Env = {
      MLFLOW_TRACKING_URI: server.url,
      HTTP_PROXY: `http://svc:pr0xy-s3cret@127.0.0.1:${proxy.port}`,
    };
    const host = new URL(server.url).host;
    const client = createMlflowClient({ env, retry: false });
    const { experiment_id: exp } = await client.getOrCreateExperiment("through-proxy");
    const runId = await client.withRun(
      async ({ runId }) => {
        await client.logBatch(runId, {
          metrics: [0.5, 0.75].map((value, step) => ({ key: "acc", value, step })),
          params: { side: "ts" },
        });
        return runId;
      },
      { experimentId: exp, signals: [] },
    );
    const fromTs = proxy.seen.length;
    expect(fromTs).toBeGreaterThanOrEqual(4);
    expect(proxy.seen.every((s) => s.kind === "forward" && s.target === host && s.authorized)).toBe(
      true,
    );
    const read = await python(
      `
import json, os
from mlflow import MlflowClient
c = MlflowClient()
run = c.get_run(os.environ["RUN_ID"])
mine = c.create_run(run.info.experiment_id, run_name="from-python")
c.log_param(mine.info.run_id, "side", "python")
c.set_terminated(mine.info.run_id)
print(json.dumps({"params": run.data.params, "history": [[m.step, m.value] for m in c.get_metric_history(run.info.run_id, "acc")], "run": mine.info.run_id}))
`,
      { ...env, RUN_ID: runId },
    );
    expect(read.params).toEqual({ side: "ts" });
    expect(read.history).toEqual([
      [0, 0.5],
      [1, 0.75],
    ]);
    // Python's requests went through the same proxy, with the same credentials.
    expect(proxy.seen.length).toBeGreaterThan(fromTs + 3);
    expect(proxy.seen.slice(fromTs).every((s) => s.target === host && s.authorized)).toBe(true);
    const theirs = await client.getRun(read.run);
    expect(theirs.data?.params).toEqual([{ key: "side", value: "python" }]);

    // NO_PROXY names the server: straight to it, the proxy sees nothing more.
    const before = proxy.seen.length;
    const direct = createMlflowClient({ env: { ...env, NO_PROXY: "127.0.0.1" }, retry: false });
    expect((await direct.getRun(runId)).info?.run_id).toBe(runId);
    expect(proxy.seen.length).toBe(before);

    // Wrong credentials: the proxy's 407 comes back as the client's error, without them.
    const refused = createMlflowClient({
      env: { ...env, HTTP_PROXY: `http://svc:wrong-s3cret@127.0.0.1:${proxy.port}` },
      retry: false,
    });
    const error = await refused.getRun(runId).catch((e: unknown) => e);
    expect(String((error as Error).message)).toContain("407 Proxy Authentication Required");
    expect(String((error as Error).message)).not.toContain("s3cret");
  });
});
