/**
 * `mlgen dev` for real: the CLI as users run it (node packages/cli/dist/bin.js, one process per
 * command) builds its managed venv from packages/cli/dev/requirements.lock, starts MLflow and
 * Airflow 3 on 127.0.0.1, runs the iris example through them, and `down` leaves no process of
 * the stack alive (checked by PID, and by the marker every process of the stack carries).
 * The bad inputs the issue names come first: a port in use, an install that fails halfway (the
 * next `up` resumes it), a state file of dead PIDs and a damaged one.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processesWithEnv } from "../../packages/cli/src/dev/procs.js";
import { freePort, groupAlive, isAlive, ROOT, tempDir } from "./harness.js";

const CLI = join(ROOT, "packages/cli/dist/bin.js");
const PROJECT = join(ROOT, "examples/iris-quickstart");

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let work: string;
let env: NodeJS.ProcessEnv;

/** One CLI command in its own process, like a user's shell; its servers outlive it. */
function mlgen(args: string[], timeoutMs = 540_000): Promise<Result> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: PROJECT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(
        new Error(
          `mlgen ${args.join(" ")} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`,
        ),
      );
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** `mlgen dev up` on the test's ports. */
const up = (...extra: string[]) =>
  mlgen([
    "dev",
    "up",
    "--airflow-port",
    String(airflowPort),
    "--mlflow-port",
    String(mlflowPort),
    ...extra,
  ]);

const statePath = () => join(env.MLGEN_DEV_HOME as string, "state.json");

interface RecordedState {
  airflow: { url: string; username: string; password: string };
  mlflow: { url: string };
  processes: { name: string; pid: number }[];
}
const readRecorded = () => JSON.parse(readFileSync(statePath(), "utf8")) as RecordedState;

/** A PID that existed and has exited. */
function deadPid(): number {
  const r = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
  const pid = Number(r.stdout.trim());
  expect(isAlive(pid)).toBe(false);
  return pid;
}

let airflowPort: number;
let mlflowPort: number;

beforeAll(async () => {
  work = tempDir("dev");
  env = {
    ...process.env,
    // Where setup-engines.sh puts uv when it had to install it.
    PATH: `${process.env.HOME}/.local/bin:${process.env.PATH}`,
    MLGEN_DEV_HOME: join(work, "home"),
    MLGEN_DEV_VENV: join(work, "venv"),
    NO_COLOR: "1",
  };
  airflowPort = await freePort();
  mlflowPort = await freePort();
  while (mlflowPort === airflowPort) mlflowPort = await freePort();
});

afterAll(async () => {
  // Whatever happened above, nothing of the stack outlives the test.
  if (
    existsSync(statePath()) ||
    processesWithEnv("MLGEN_DEV_HOME", env.MLGEN_DEV_HOME as string).length
  ) {
    await mlgen(["dev", "down", "--force"]);
  }
  rmSync(work, { recursive: true, force: true });
});

describe("mlgen dev: bad input", () => {
  it("a port in use: exit 1 naming the port and the flag, nothing installed or started", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((ok) => blocker.listen(airflowPort, "127.0.0.1", ok));
    try {
      const r = await up();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${airflowPort} on 127.0.0.1 is in use`);
      expect(r.stderr).toContain("--airflow-port");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(statePath())).toBe(false);
      expect(existsSync(env.MLGEN_DEV_VENV as string)).toBe(false);
    } finally {
      await new Promise((ok) => blocker.close(ok));
    }
  });

  it("an install that fails halfway: exit 1 saying a retry resumes, no state, no stamp", async () => {
    const bad = join(work, "requirements.txt");
    writeFileSync(bad, "mlgen-no-such-package-on-any-index-7f3a==1.0\n");
    const r = await up("--requirements", bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed");
    expect(r.stderr).toContain("resumes where this stopped");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The lock's packages went in before the user's requirements failed: halfway.
    expect(existsSync(join(env.MLGEN_DEV_VENV as string, "bin", "airflow"))).toBe(true);
    expect(existsSync(join(env.MLGEN_DEV_VENV as string, ".mlgen-installed"))).toBe(false);
    // Marked as mlgen's own: the next up may resume (or rebuild) it, as no other folder.
    expect(existsSync(join(env.MLGEN_DEV_VENV as string, ".mlgen-dev-venv"))).toBe(true);
    expect(existsSync(statePath())).toBe(false);
  });

  it("a state file of dead PIDs: status says so with the way out; down clears it", async () => {
    mkdirSync(env.MLGEN_DEV_HOME as string, { recursive: true });
    writeFileSync(
      statePath(),
      JSON.stringify({
        version: 1,
        startedAt: "2026-01-01T00:00:00.000Z",
        project: PROJECT,
        dagsFolder: join(PROJECT, "dags"),
        venv: env.MLGEN_DEV_VENV,
        airflow: { url: "http://127.0.0.1:9", port: 9, username: "admin", password: "x" },
        mlflow: { url: "http://127.0.0.1:9", port: 9 },
        processes: [
          { name: "mlflow", pid: deadPid(), started: "1", log: "/dev/null" },
          { name: "scheduler", pid: deadPid(), started: "1", log: "/dev/null" },
        ],
      }),
    );
    const status = await mlgen(["dev", "status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/mlflow\s+\d+\s+dead/);
    expect(status.stdout).toContain("mlgen dev down");
    const run = await mlgen(["dev", "run", "iris_quickstart"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("mlgen dev down, then mlgen dev up");
    const down = await mlgen(["dev", "down"]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain("nothing was running");
    expect(existsSync(statePath())).toBe(false);
  });

  it("a damaged state file: a clear error pointing at down --force, which clears it", async () => {
    writeFileSync(statePath(), "{ not json");
    const status = await mlgen(["dev", "status"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain("mlgen dev down --force");
    expect(status.stderr).not.toMatch(/\n\s+at /);
    expect((await mlgen(["dev", "down"])).code).toBe(1);
    const forced = await mlgen(["dev", "down", "--force"]);
    expect(forced.code).toBe(0);
    expect(existsSync(statePath())).toBe(false);
  });
});

describe("mlgen dev: up → healthy → run iris → down", () => {
  let recorded: RecordedState;

  it("up resumes the half-built venv, starts both servers, prints URLs and the login", async () => {
    const r = await up();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toContain("resuming the venv");
    expect(existsSync(join(env.MLGEN_DEV_VENV as string, ".mlgen-installed"))).toBe(true);
    expect(r.stdout).toContain(`http://127.0.0.1:${airflowPort}`);
    expect(r.stdout).toContain(`http://127.0.0.1:${mlflowPort}`);
    recorded = readRecorded();
    expect(r.stdout).toContain(`user admin, password ${recorded.airflow.password}`);
    expect(recorded.processes.map((p) => p.name)).toEqual([
      "mlflow",
      "api-server",
      "scheduler",
      "dag-processor",
      "triggerer",
    ]);
    for (const p of recorded.processes) expect(isAlive(p.pid), p.name).toBe(true);
    // MLflow 3's job runner (huey consumers, each a Python process importing MLflow, minutes of
    // CPU at start-up on a laptop) serves nothing the stack uses, and is not started.
    const commands = processesWithEnv("MLGEN_DEV_HOME", env.MLGEN_DEV_HOME as string).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      } catch {
        return "";
      }
    });
    expect(commands.some((c) => c.includes("mlflow server") || c.includes(" server --host"))).toBe(
      true,
    );
    expect(commands.filter((c) => c.includes("huey"))).toEqual([]);

    // Both healthy, by their own health endpoints.
    expect((await fetch(`${recorded.mlflow.url}/health`)).ok).toBe(true);
    const health = (await (
      await fetch(`${recorded.airflow.url}/api/v2/monitor/health`)
    ).json()) as Record<string, { status: string }>;
    for (const k of ["metadatabase", "scheduler", "dag_processor", "triggerer"]) {
      expect(health[k]?.status, k).toBe("healthy");
    }
  });

  it("a second up finds it running and starts nothing", async () => {
    const r = await up();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("already running");
    expect(readRecorded().processes.map((p) => p.pid)).toEqual(
      recorded.processes.map((p) => p.pid),
    );
  });

  it("status reports every process running and healthy", async () => {
    const r = await mlgen(["dev", "status"]);
    expect(r.code, r.stdout).toBe(0);
    for (const name of ["mlflow", "api-server", "scheduler", "dag-processor", "triggerer"]) {
      expect(r.stdout).toMatch(new RegExp(`${name}\\s+\\d+\\s+running\\s+healthy`));
    }
    expect(r.stdout).not.toContain(recorded.airflow.password);
  });

  it("run iris_quickstart: triggered through the client, task by task, with its MLflow metrics", async () => {
    const data = join(work, "iris-data");
    const r = await mlgen(["dev", "run", "iris_quickstart", "--var", `iris_data_dir=${data}`]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/triggered iris_quickstart manual__/);
    expect(r.stdout).toMatch(/prepare_data\s+success/);
    expect(r.stdout).toMatch(/train_model\s+success/);
    expect(r.stdout).toMatch(/iris_quickstart manual__\S+ success/);
    // The MLflow run the train_model task logged, found by its Airflow tags, with its metric.
    expect(r.stdout).toMatch(/MLflow run [0-9a-f]{32} \(task train_model, FINISHED\)/);
    const accuracy = /accuracy\s+([0-9.]+)/.exec(r.stdout);
    expect(Number(accuracy?.[1])).toBeGreaterThan(0.8);
    // The variable reached the task: the data was written where it said.
    expect(existsSync(join(data, "iris.csv"))).toBe(true);
  });

  it("down stops exactly those processes: none of the stack is left", async () => {
    const r = await mlgen(["dev", "down"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("stopped mlflow");
    for (const p of recorded.processes) {
      expect(isAlive(p.pid), p.name).toBe(false);
      expect(groupAlive(p.pid), `${p.name}'s group`).toBe(false);
    }
    expect(processesWithEnv("MLGEN_DEV_HOME", env.MLGEN_DEV_HOME as string)).toEqual([]);
    expect(existsSync(statePath())).toBe(false);
    const status = await mlgen(["dev", "status"]);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain("not running");
  });
});
