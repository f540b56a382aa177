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
      "abc",
    );
    // A flag given a value it does not take is a usage error (packages/cli/README.md).
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--max must be a positive integer, not abc\n  fix: --max 100");
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

  it("a 401 and a 403 from the server say what to set, and show no secret", async () => {
    const answers: Record<string, [number, string]> = {
      anon: [
        401,
        "You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.",
      ],
      bob: [403, "Permission denied"],
    };
    const fetch = async (input: string | URL | Request, init?: RequestInit) => {
      const auth = new Headers(input instanceof Request ? input.headers : init?.headers).get(
        "authorization",
      );
      const [status, text] = auth
        ? (answers.bob as [number, string])
        : (answers.anon as [number, string]);
      return new Response(text, { status, headers: { "content-type": "text/plain" } });
    };
    vi.stubGlobal("fetch", fetch);
    try {
      const anon = await cli({ MLFLOW_TRACKING_URI: "http://mlflow.test" }, "mlflow", "runs", "e1");
      expect(anon.code).toBe(1);
      expect(anon.stderr).toContain("→ 401 UNAUTHENTICATED: You are not authenticated.");
      expect(anon.stderr).toContain(
        "  fix: no credentials were sent, and the server wants a user and password (or a token): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
      );
      const env = {
        MLFLOW_TRACKING_URI: "http://mlflow.test",
        MLFLOW_TRACKING_USERNAME: "bob",
        MLFLOW_TRACKING_PASSWORD: "bobs-secret-pw",
      };
      const bob = await cli(env, "mlflow", "runs", "e1");
      expect(bob.code).toBe(1);
      expect(bob.stderr).toContain("→ 403 PERMISSION_DENIED: Permission denied");
      expect(bob.stderr).toContain("  fix: the user is logged in but has no permission for this");
      expect(bob.stderr).not.toContain("bobs-secret-pw");
      // Credentials sent and refused: a wrong password (or token), not a missing one.
      answers.bob = answers.anon as [number, string];
      const wrong = await cli(env, "mlflow", "runs", "e1");
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("→ 401 UNAUTHENTICATED");
      expect(wrong.stderr).toContain("  fix: the server refused the credentials sent: check them");
      expect(wrong.stderr).not.toContain("no credentials were sent");
      expect(wrong.stderr).not.toContain("bobs-secret-pw");
      const token = await cli(
        { MLFLOW_TRACKING_URI: "http://mlflow.test" },
        "mlflow",
        "models",
        "m",
        "--token",
        "tok-secret-123",
      );
      expect(token.stderr).toContain("  fix: the server refused the credentials sent");
      expect(token.stderr).not.toContain("tok-secret-123");
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
