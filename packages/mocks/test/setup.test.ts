import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient } from "@mlgen/mlflow-client";
import { describe, expect, it } from "vitest";
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

  it("leaves a fake out when told to, and names the way out when there are no hooks", () => {
    const mocks = setupMlgenMocks({ mlflow: false, hooks: false });
    expect(mocks.mlflow).toBeUndefined();
    expect(mocks.airflow.baseUrl).toBe("http://airflow.mock");
    expect(() => setupMlgenMocks()).toThrow(/@mlgen\/mocks\/vitest/);
  });
});
