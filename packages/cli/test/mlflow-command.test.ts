import { describe, expect, it, vi } from "vitest";
import { createMlflowClient } from "../../mlflow-client/src/index.js";
import { createMlflowFake } from "../../mocks/src/index.js";
import { run } from "../src/run.js";
import { closedPort } from "./project.js";

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stderr = "";
  let stdout = "";
  const code = await run(argv, {
    cwd: process.cwd(),
    env,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr };
}

describe("mlgen mlflow", () => {
  it("without a tracking URI says how to give one", async () => {
    const r = await cli({}, "mlflow", "runs", "exp");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("MLFLOW_TRACKING_URI");
    // The command's own flag, not the library's option name.
    expect(r.stderr).toContain("pass --url");
    expect(r.stderr).not.toContain("trackingUri");
  });

  it("--max must be a positive integer", async () => {
    const r = await cli(
      { MLFLOW_TRACKING_URI: "http://127.0.0.1:9" },
      "mlflow",
      "runs",
      "e",
      "--max",
      "0",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--max must be a positive integer");
  });

  it("an unreachable server is a one-line error without the token", async () => {
    const port = await closedPort();
    const r = await cli(
      { MLFLOW_TRACKING_URI: `http://127.0.0.1:${port}`, MLFLOW_TRACKING_TOKEN: "secret-token" },
      "mlflow",
      "models",
      "m",
    );
    expect(r.code).toBe(1);
    const path = "/api/2.0/mlflow/registered-models/get";
    const lines = r.stderr.split("\n");
    expect(lines.slice(0, 3)).toEqual(
      [1, 2, 3].map((n) =>
        expect.stringMatching(
          new RegExp(
            `^mlgen: GET ${path} \\(attempt ${n}\\): connection refused \\(ECONNREFUSED\\); trying again in [0-9.]+ s$`,
          ),
        ),
      ),
    );
    expect(lines.slice(3)).toEqual([
      `mlgen: GET http://127.0.0.1:${port}${path} failed: connection refused (ECONNREFUSED), after 4 attempts`,
      "",
    ]);
    expect(r.stderr).not.toContain("secret-token");
  }, 60_000);

  it("shows metrics to four digits, and the largest doubles as they are, not as Infinity", async () => {
    const fake = createMlflowFake();
    const client = createMlflowClient({ trackingUri: fake.baseUrl, env: {}, fetch: fake.fetch });
    const exp = await client.getOrCreateExperiment("tiny");
    const r = await client.createRun({ experimentId: exp.experiment_id });
    await client.logBatch(r.info.run_id, {
      metrics: [
        { key: "acc", value: 0.912345 },
        { key: "low", value: -Number.MAX_VALUE },
      ],
    });
    vi.stubGlobal("fetch", fake.fetch);
    try {
      const out = await cli({ MLFLOW_TRACKING_URI: fake.baseUrl }, "mlflow", "runs", "tiny");
      expect(out.stderr).toBe("");
      expect(out.stdout).toContain(`acc=0.9123 low=${-Number.MAX_VALUE}`);
      expect(out.stdout).not.toContain("Infinity");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("lists both subcommands in its help", async () => {
    const r = await cli({}, "mlflow", "--help");
    expect(r.stdout).toMatch(/runs \[options\] <experiment>/);
    expect(r.stdout).toMatch(/models \[options\] <name>/);
  });
});
