import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient } from "@mlgen/mlflow-client";
import { describe, expect, it, vi } from "vitest";
import { createManualClock } from "../src/clock.js";
import { airflowHttp } from "../src/http.js";
import { setupMlgenMocks } from "../src/node.js";

/** Hooks as jest (or vitest with globals) would run them, driven by hand. */
function recordingHooks() {
  const hooks: Record<string, Array<() => unknown>> = {
    beforeAll: [],
    afterEach: [],
    afterAll: [],
  };
  return {
    hooks: {
      beforeAll: (fn: () => unknown) => void hooks.beforeAll?.push(fn),
      afterEach: (fn: () => unknown) => void hooks.afterEach?.push(fn),
      afterAll: (fn: () => unknown) => void hooks.afterAll?.push(fn),
    },
    run: async (name: string) => {
      for (const fn of hooks[name] ?? []) await fn();
    },
    count: () => Object.values(hooks).reduce((n, l) => n + l.length, 0),
  };
}

describe("setupMlgenMocks", () => {
  it("serves clients made before it listens (a service module's client, made at import)", async () => {
    // As `export const mlflow = createMlflowClient()` in a service runs: before any test hook,
    // so before msw patches fetch. The clients must still go through the mocks, not the network.
    const mlflow = createMlflowClient({ trackingUri: "http://mlflow.mock", env: {} });
    const airflow = createAirflowClient({
      baseUrl: "http://airflow.mock",
      auth: { username: "admin", password: "admin" },
      retry: false,
    });
    const h = recordingHooks();
    const mocks = setupMlgenMocks({ hooks: h.hooks });
    await h.run("beforeAll");
    try {
      const id = await mlflow.getOrCreateExperiment("made-before-listen");
      expect(mocks.mlflow.experimentByName("made-before-listen")?.experiment_id).toBe(
        id.experiment_id,
      );
      const { data } = await airflow.api.GET("/api/v2/version");
      expect(data?.version).toMatch(/^3\./);
    } finally {
      await h.run("afterAll");
    }
  });

  it("serves clients whose environment sets a proxy (HTTPS_PROXY in CI): msw answers, as without one", async () => {
    // A proxy nobody listens on: a request that went there would fail.
    const env = {
      HTTP_PROXY: "http://127.0.0.1:9",
      HTTPS_PROXY: "http://127.0.0.1:9",
    };
    const mlflow = createMlflowClient({ trackingUri: "http://mlflow.mock", env, retry: false });
    const airflow = createAirflowClient({
      baseUrl: "http://airflow.mock",
      auth: { username: "admin", password: "admin" },
      env,
      retry: false,
    });
    const h = recordingHooks();
    const mocks = setupMlgenMocks({ hooks: h.hooks });
    await h.run("beforeAll");
    try {
      const id = await mlflow.getOrCreateExperiment("behind-a-proxy");
      expect(mocks.mlflow.experimentByName("behind-a-proxy")?.experiment_id).toBe(id.experiment_id);
      const { data } = await airflow.api.GET("/api/v2/version");
      expect(data?.version).toMatch(/^3\./);
    } finally {
      await h.run("afterAll");
    }
  });

  it("registers listen, reset-after-each and close with the runner's hooks", async () => {
    const h = recordingHooks();
    const mocks = setupMlgenMocks({ hooks: h.hooks });
    expect(h.count()).toBe(3);
    await h.run("beforeAll");
    try {
      const created = await fetch(`${mocks.mlflow.baseUrl}/api/2.0/mlflow/experiments/create`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "through-global-fetch" }),
      });
      expect(created.status).toBe(200);
      expect(mocks.mlflow.experimentByName("through-global-fetch")).toBeDefined();
      const token = await fetch(`${mocks.airflow.baseUrl}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "admin" }),
      });
      expect(token.status).toBe(201);
      await h.run("afterEach");
      expect(mocks.mlflow.experimentByName("through-global-fetch")).toBeUndefined();
      // Unmocked hosts fail loudly rather than reaching the network.
      await expect(fetch("http://not-mocked.invalid/x")).rejects.toThrow();
    } finally {
      await h.run("afterAll");
    }
  });

  it("answers 501 NOT_MOCKED for what no route answers at a fake's URL: nothing reaches the network", async () => {
    // A real server where the fakes are: a request let through would reach it, token and all.
    const seen: string[] = [];
    const real = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.end("{}");
    });
    await new Promise<void>((resolve) => real.listen(0, "127.0.0.1", resolve));
    const port = (real.address() as AddressInfo).port;
    const origin = `http://127.0.0.1:${port}`;
    const airflowUrl = `http://localhost:${port}/airflow`;
    const mocks = setupMlgenMocks({
      mlflow: { baseUrl: origin },
      airflow: { baseUrl: airflowUrl },
      hooks: false,
    });
    mocks.listen();
    try {
      const auth = { authorization: "Bearer prod-token" };
      for (const [method, path, fake] of [
        ["GET", "/api/2.0/mlflow/logged-models/m-1/metrics", "MLflow"],
        ["GET", "/api/2.0/mlflow/webhooks", "MLflow"],
        ["GET", "/api/2.0/mlflow/nope", "MLflow"],
        ["POST", "/api/3.0/mlflow/traces", "MLflow"],
        ["GET", "/ajax-api/2.0/mlflow/experiments/search", "MLflow"],
        ["GET", "/health", "MLflow"],
        ["GET", "/auth/logout", "Airflow"],
        ["PATCH", "/execution/task-instances/x/run", "Airflow"],
      ] as const) {
        const url = `${fake === "MLflow" ? origin : airflowUrl}${path}`;
        const r = await fetch(url, { method, headers: auth });
        const body = (await r.json()) as { error_code: string; message: string };
        expect([r.status, body.error_code], `${method} ${path}`).toEqual([501, "NOT_MOCKED"]);
        expect(body.message).toContain(`the ${fake} fake does not answer ${method} `);
        expect(body.message).toMatch(/mocks\.use\((mlflow|airflow)Http\(/);
      }
      // What the fakes implement still answers, and an override still goes first.
      const token = await fetch(`${airflowUrl}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "admin", password: "admin" }),
      });
      expect(token.status).toBe(201);
      mocks.use(
        airflowHttp(airflowUrl).untyped.get(`${airflowUrl}/auth/logout`, () =>
          Response.json({ out: true }),
        ),
      );
      expect(await (await fetch(`${airflowUrl}/auth/logout`)).json()).toEqual({ out: true });
      expect(seen).toEqual([]);
    } finally {
      mocks.close();
      await new Promise((resolve) => real.close(resolve));
    }
  });

  it("rewinds a manual clock it was given after each test: identical tests get identical runs", async () => {
    const START = "2025-01-01T00:00:00Z";
    const clock = createManualClock(START);
    const h = recordingHooks();
    const mocks = setupMlgenMocks({ airflow: { clock }, mlflow: { clock }, hooks: h.hooks });
    const airflow = createAirflowClient({
      baseUrl: mocks.airflow.baseUrl,
      auth: { username: "admin", password: "admin" },
      clock,
    });
    const runOnce = async () => {
      mocks.airflow.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
      const run = await airflow.triggerDagRun("train");
      expect((await airflow.waitForDagRun("train", run.dag_run_id)).state).toBe("success");
      return run.dag_run_id;
    };
    await h.run("beforeAll");
    try {
      const first = await runOnce();
      expect(clock.now()).toBeGreaterThan(Date.parse(START));
      await h.run("afterEach");
      expect(clock.now()).toBe(Date.parse(START));
      expect(await runOnce()).toBe(first);
      expect(first).toBe("manual__2025-01-01T00:00:00+00:00");
      clock.advance(5000);
      clock.reset();
      expect(clock.now()).toBe(Date.parse(START));
      expect(() => clock.set(START)).not.toThrow();
    } finally {
      await h.run("afterAll");
    }
  });

  it("says only the method and URL of an unhandled request, never its body or headers, and fails it", async () => {
    const mocks = setupMlgenMocks({ hooks: false });
    const printed: string[] = [];
    const print = (...args: unknown[]) => void printed.push(args.map(String).join(" "));
    const error = vi.spyOn(console, "error").mockImplementation(print);
    const warn = vi.spyOn(console, "warn").mockImplementation(print);
    mocks.listen();
    try {
      await expect(
        fetch("http://airflow.example/auth/token?user=admin", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: "Bearer prod-token" },
          body: JSON.stringify({ username: "admin", password: "s3cret" }),
        }),
      ).rejects.toThrow();
    } finally {
      mocks.close();
      error.mockRestore();
      warn.mockRestore();
    }
    expect(printed.join("\n")).not.toMatch(/s3cret|prod-token|user=admin/);
    expect(printed.join("\n")).toContain("POST http://airflow.example/auth/token");
    expect(printed.join("\n")).toContain("(fakes at http://mlflow.mock, http://airflow.mock)");
  });

  it("leaves a fake out when told to, and names the way out when there are no hooks", () => {
    const mocks = setupMlgenMocks({ mlflow: false, hooks: false });
    expect(mocks.mlflow).toBeUndefined();
    expect(mocks.airflow.baseUrl).toBe("http://airflow.mock");
    expect(() => setupMlgenMocks()).toThrow(/@mlgen\/mocks\/vitest/);
  });
});
