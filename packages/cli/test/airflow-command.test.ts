import { describe, expect, it } from "vitest";
import { table } from "../src/commands/airflow.js";
import { run } from "../src/run.js";

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stderr = "";
  const code = await run(argv, {
    cwd: process.cwd(),
    env,
    stdout: () => {},
    stderr: (t) => {
      stderr += t;
    },
  });
  return { code, stderr };
}

describe("mlgen airflow", () => {
  it("without a server says how to give one", async () => {
    const r = await cli({}, "airflow", "errors");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no server given");
    expect(r.stderr).toContain("MLGEN_AIRFLOW_URL");
  });

  it("a user without a password is refused before any request", async () => {
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9", MLGEN_AIRFLOW_USER: "admin" },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a user needs a password");
  });

  it("--conf must be a JSON object", async () => {
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9" },
      "airflow",
      "trigger",
      "d",
      "--conf",
      "[1]",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--conf is not a JSON object");
  });

  it("an unreachable server is a one-line error, not a stack trace", async () => {
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9", MLGEN_AIRFLOW_TOKEN: "secret-token" },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^mlgen: GET \/api\/v2\/importErrors failed \(network error\) after 4 attempts\n$/,
    );
    expect(r.stderr).not.toContain("secret-token");
  }, 60_000);
});

describe("table", () => {
  it("pads columns to the widest cell", () => {
    expect(
      table(
        ["A", "BB"],
        [
          ["xxx", "y"],
          ["z", ""],
        ],
      ),
    ).toBe("A    BB\nxxx  y\nz\n");
  });
});
