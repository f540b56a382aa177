/**
 * `mlgen dev up | down | status`: a local MLflow server and a local Airflow 3 (api-server,
 * scheduler, dag-processor, triggerer; LocalExecutor, SQLite) on 127.0.0.1, from the managed
 * venv, recorded in the project's state file so `down` stops exactly those processes.
 *
 * Airflow settings are environment variables (AIRFLOW__SECTION__KEY), checked against
 * airflow/config_templates/config.yml of apache-airflow-core 3.3.2.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, type CliIO, secondsFlag } from "../io.js";
import {
  groupAlive,
  portInUse,
  processesWithEnv,
  sameProcess,
  signalGroup,
  sleep,
  startTime,
} from "./procs.js";
import {
  type DevPaths,
  type DevProcess,
  type DevState,
  devPaths,
  readState,
  removeState,
  shown,
  writeState,
} from "./state.js";
import { checkVenvFlags, defaultVenv, ensureVenv, venvBin } from "./venv.js";

export interface UpOptions {
  readonly config?: string;
  readonly airflowPort?: string;
  readonly mlflowPort?: string;
  readonly venv?: string;
  readonly python?: string;
  readonly requirements?: string;
  /** Seconds to wait for both servers to report healthy. Default 240. */
  readonly timeout?: string;
}

const USERNAME = "admin";
const SIMPLE_AUTH_MANAGER =
  "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager";
/** The marker every process of a stack carries in its environment (see processesWithEnv). */
const MARKER = "MLGEN_DEV_HOME";

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new CliError(`mlgen dev: ${flag} ${text} is not a port\n  fix: ${flag} 1024..65535`, 2);
  }
  return n;
}

/** A `--timeout`-style option in seconds (`fallback` when absent); exit 2 when it is not one. */
export function seconds(text: string | undefined, fallback: number, flag: string): number {
  return secondsFlag(text, fallback, flag, "mlgen dev");
}

function tail(file: string, chars = 2500): string {
  try {
    return readFileSync(file, "utf8").slice(-chars).trimEnd();
  } catch {
    return "";
  }
}

const alive = (p: DevProcess) => sameProcess(p.pid, p.started);

/** Both health endpoints, each with a short timeout: never hangs on a stuck server. */
export async function health(state: DevState): Promise<{
  mlflow: string;
  airflow: Record<string, string>;
}> {
  const get = async (url: string) => {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return { ok: res.ok, text: await res.text() };
  };
  let mlflow = "unreachable";
  try {
    const r = await get(`${state.mlflow.url}/health`);
    mlflow = r.ok ? "healthy" : "unhealthy";
  } catch {}
  const airflow: Record<string, string> = {};
  try {
    const r = await get(`${state.airflow.url}/api/v2/monitor/health`);
    if (r.ok) {
      const body = JSON.parse(r.text) as Record<string, { status?: string | null } | null>;
      for (const [k, v] of Object.entries(body)) airflow[k] = v?.status ?? "unknown";
      airflow.api_server = "healthy";
    }
  } catch {}
  return { mlflow, airflow };
}

/** Which server component each process is, in Airflow's health report. */
const HEALTH_KEY: Record<string, string> = {
  "api-server": "api_server",
  scheduler: "scheduler",
  "dag-processor": "dag_processor",
  triggerer: "triggerer",
};

function healthOf(name: string, h: Awaited<ReturnType<typeof health>>): string {
  if (name === "mlflow") return h.mlflow;
  const key = HEALTH_KEY[name];
  return (key && h.airflow[key]) || "unreachable";
}

function banner(io: CliIO, state: DevState, paths: DevPaths): void {
  io.stdout(
    [
      `  Airflow  ${state.airflow.url}   user ${state.airflow.username}, password ${state.airflow.password}`,
      `  MLflow   ${state.mlflow.url}`,
      `  DAGs     ${shown(io, state.dagsFolder)}`,
      `  logs     ${shown(io, paths.logs)}`,
      "  next     mlgen dev run <pipeline> · mlgen dev status · mlgen dev down",
      "",
    ].join("\n"),
  );
}

/**
 * Stops the recorded processes: SIGTERM to each group, SIGKILL after `graceMs`, then anything
 * still carrying the stack's marker. Returns the PIDs still alive after that (normally none).
 */
async function stopProcesses(
  home: string,
  processes: readonly DevProcess[],
  graceMs: number,
): Promise<number[]> {
  const ours = processes.filter(alive);
  for (const p of ours) signalGroup(p.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && ours.some((p) => groupAlive(p.pid))) await sleep(200);
  for (const p of ours) if (groupAlive(p.pid)) signalGroup(p.pid, "SIGKILL");
  // Workers that left their group (setsid in a grandchild) still carry the marker.
  for (const pid of processesWithEnv(MARKER, home)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  const left = () => [
    ...ours.filter((p) => groupAlive(p.pid)).map((p) => p.pid),
    ...processesWithEnv(MARKER, home),
  ];
  const killDeadline = Date.now() + 10_000;
  while (Date.now() < killDeadline && left().length > 0) await sleep(100);
  return [...new Set(left())];
}

export async function upCommand(io: CliIO, options: UpOptions): Promise<number> {
  const paths = devPaths(io, options.config);
  const airflowPort = port(options.airflowPort, 8080, "--airflow-port");
  const mlflowPort = port(options.mlflowPort, 5000, "--mlflow-port");
  if (airflowPort === mlflowPort) {
    throw new CliError(
      `mlgen dev: Airflow and MLflow cannot share port ${airflowPort}\n  fix: give --airflow-port and --mlflow-port different values`,
      2,
    );
  }
  const timeoutMs = seconds(options.timeout, 240, "--timeout") * 1000;
  const venvOptions = {
    ...(options.python ? { python: options.python } : {}),
    ...(options.requirements ? { requirements: options.requirements } : {}),
  };
  // Before the compile and the install it would come after.
  checkVenvFlags(io, venvOptions);

  const previous = readState(io, paths);
  if (previous) {
    const running = previous.processes.filter(alive);
    if (running.length === previous.processes.length) {
      io.stdout(`mlgen dev: already running (started ${previous.startedAt})\n`);
      banner(io, previous, paths);
      return 0;
    }
    if (running.length > 0) {
      const dead = previous.processes.filter((p) => !alive(p));
      throw new CliError(
        `mlgen dev: the stack in ${shown(io, paths.state)} is partly down: ${dead.map((p) => `${p.name} (pid ${p.pid})`).join(", ")} exited; see ${shown(io, paths.logs)}\n  fix: mlgen dev down, then mlgen dev up`,
      );
    }
    io.stderr(
      `mlgen dev: the stack started ${previous.startedAt} is gone (no recorded process runs); starting a new one\n`,
    );
    removeState(paths);
  }

  // The DAGs Airflow serves: the project's compiled output, fresh.
  const { compileCommand, loadConfig } = await import("../commands/compile.js");
  const { createModuleLoader } = await import("../load.js");
  const loader = await createModuleLoader();
  const config = await loadConfig(io, { config: paths.config }, [], loader);
  if (config.target === "kubeflow") {
    throw new CliError(
      `mlgen dev: ${shown(io, paths.config)} compiles for Kubeflow only; the dev stack runs Airflow\n  fix: set target: "airflow" or "all" in the config`,
    );
  }
  if (config.airflowVersion !== 3) {
    throw new CliError(
      `mlgen dev: the dev stack runs Airflow 3 and ${shown(io, paths.config)} compiles for Airflow 2\n  fix: set airflow: { version: 3 } (or run the DAGs on your Airflow 2)`,
    );
  }
  const compiled = await compileCommand(io, [], { config: paths.config }, loader);
  await loader.dispose?.();
  if (compiled !== 0) {
    throw new CliError(
      "mlgen dev: not started: the pipelines do not compile (diagnostics above)\n  fix: correct them, then run mlgen dev up again",
    );
  }

  for (const [p, flag, what] of [
    [airflowPort, "--airflow-port", "Airflow"],
    [mlflowPort, "--mlflow-port", "MLflow"],
  ] as const) {
    if (await portInUse(p)) {
      throw new CliError(
        `mlgen dev: port ${p} on 127.0.0.1 is in use, so ${what} cannot listen there\n  fix: stop the program that holds it (lsof -i :${p}), or pass ${flag} <another port>`,
      );
    }
  }

  const venv = options.venv ?? defaultVenv(io);
  await ensureVenv(io, venv, venvOptions);

  for (const dir of [paths.airflowHome, paths.mlflowDir, paths.logs]) {
    mkdirSync(dir, { recursive: true });
  }
  const password = randomBytes(12).toString("base64url");
  const passwordsFile = join(paths.airflowHome, "simple_auth_manager_passwords.json");
  writeFileSync(passwordsFile, `${JSON.stringify({ [USERNAME]: password })}\n`, { mode: 0o600 });

  const airflowUrl = `http://127.0.0.1:${airflowPort}`;
  const mlflowUrl = `http://127.0.0.1:${mlflowPort}`;
  const state: DevState = {
    version: 1,
    startedAt: new Date().toISOString(),
    project: paths.project,
    dagsFolder: config.out,
    venv,
    airflow: { url: airflowUrl, port: airflowPort, username: USERNAME, password },
    mlflow: { url: mlflowUrl, port: mlflowPort },
    processes: [],
  };
  const base = { ...process.env, NO_COLOR: "1", [MARKER]: paths.home };
  const children: { proc: DevProcess; child: ChildProcess }[] = [];
  const launch = (name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const log = join(paths.logs, `${name}.log`);
    const fd = openSync(log, "a");
    // detached: the server leads a process group of its own, with its workers.
    const child = spawn(cmd, args, { detached: true, stdio: ["ignore", fd, fd], env });
    closeSync(fd);
    child.on("error", () => {});
    if (child.pid === undefined) throw new CliError(`mlgen dev: could not start ${name} (${cmd})`);
    child.unref();
    const proc: DevProcess = { name, pid: child.pid, started: startTime(child.pid), log };
    children.push({ proc, child });
    // Recorded at once: if this command dies now, `down` still finds what it started.
    writeState(paths, { ...state, processes: children.map((c) => c.proc) });
  };
  const fail = async (message: string): Promise<never> => {
    const left = await stopProcesses(
      paths.home,
      children.map((c) => c.proc),
      10_000,
    );
    if (left.length === 0) removeState(paths);
    throw new CliError(message);
  };
  // Ctrl-C while starting: stop what started, so nothing is left half up, then exit as killed.
  const interrupted = () => {
    void stopProcesses(
      paths.home,
      children.map((c) => c.proc),
      5_000,
    ).then((left) => {
      if (left.length === 0) removeState(paths);
      io.stderr("mlgen dev: interrupted; stopped what had started\n");
      process.exit(130);
    });
  };
  process.once("SIGINT", interrupted);

  try {
    io.stderr(`mlgen dev: starting MLflow on ${mlflowUrl}\n`);
    launch(
      "mlflow",
      venvBin(venv, "mlflow"),
      [
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        String(mlflowPort),
        "--workers",
        "1",
        "--backend-store-uri",
        `sqlite:///${join(paths.mlflowDir, "mlflow.db")}`,
        "--artifacts-destination",
        join(paths.mlflowDir, "artifacts"),
      ],
      {
        ...base,
        // MLflow 3 starts a job runner with the server (huey consumers: several more Python
        // processes, each importing MLflow; minutes of CPU on a laptop, starving Airflow as it
        // starts) for its GenAI jobs (scorers, evaluations, prompt optimization). Tracking, the
        // registry and webhooks work without it; MLFLOW_SERVER_ENABLE_JOB_EXECUTION=true in
        // your environment turns it back on.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION:
          process.env.MLFLOW_SERVER_ENABLE_JOB_EXECUTION ?? "false",
      },
    );

    const airflowEnv: NodeJS.ProcessEnv = {
      ...base,
      AIRFLOW_HOME: paths.airflowHome,
      AIRFLOW__CORE__DAGS_FOLDER: config.out,
      AIRFLOW__CORE__LOAD_EXAMPLES: "False",
      // Runs happen when you trigger them (mlgen dev run, the UI), not on their schedules.
      AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE: "False",
      AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
      AIRFLOW__CORE__AUTH_MANAGER: SIMPLE_AUTH_MANAGER,
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: `${USERNAME}:admin`,
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: passwordsFile,
      AIRFLOW__CORE__EXECUTOR: "LocalExecutor",
      // A fileSensor's default connection: Airflow 3's `db migrate` no longer creates fs_default,
      // and the sensor fails without it (a connection of your own, set in the env, wins).
      AIRFLOW_CONN_FS_DEFAULT:
        process.env.AIRFLOW_CONN_FS_DEFAULT ?? JSON.stringify({ conn_type: "fs" }),
      // LocalExecutor forks this many workers up front (~130 MB each); a laptop needs few.
      AIRFLOW__CORE__PARALLELISM: "4",
      // Task workers call the Execution API; its default URL is http://localhost:8080/execution/.
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `${airflowUrl}/execution/`,
      AIRFLOW__API__HOST: "127.0.0.1",
      AIRFLOW__API__PORT: String(airflowPort),
      AIRFLOW__API__BASE_URL: airflowUrl,
      // Every component signs and checks tokens with the same secret; a new one per `up`.
      AIRFLOW__API_AUTH__JWT_SECRET: randomBytes(32).toString("base64url"),
      // An edit is picked up within seconds (defaults: 300 s and 30 s).
      AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: "5",
      AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: "5",
      AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: join(paths.airflowHome, "bundles"),
      // Tasks that track to MLflow log to this stack's server.
      MLFLOW_TRACKING_URI: mlflowUrl,
    };

    io.stderr("mlgen dev: preparing Airflow's database (airflow db migrate)…\n");
    const migrateLog = join(paths.logs, "airflow-db-migrate.log");
    const migrate = await new Promise<number>((done) => {
      const fd = openSync(migrateLog, "w");
      const child = spawn(venvBin(venv, "airflow"), ["db", "migrate"], {
        stdio: ["ignore", fd, fd],
        env: airflowEnv,
      });
      closeSync(fd);
      const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
      child.once("error", () => done(127));
      child.once("close", (code) => {
        clearTimeout(timer);
        done(code ?? 1);
      });
    });
    if (migrate !== 0) {
      await fail(
        `mlgen dev: airflow db migrate failed (exit ${migrate}):\n${tail(migrateLog)}\n  log: ${shown(io, migrateLog)}\n  fix: correct the cause above, then run mlgen dev up again (or delete ${shown(io, paths.airflowHome)} to start from an empty database)`,
      );
    }

    io.stderr(`mlgen dev: starting Airflow on ${airflowUrl}\n`);
    const airflow = venvBin(venv, "airflow");
    launch(
      "api-server",
      airflow,
      ["api-server", "--host", "127.0.0.1", "--port", String(airflowPort), "--workers", "1"],
      airflowEnv,
    );
    launch("scheduler", airflow, ["scheduler"], airflowEnv);
    launch("dag-processor", airflow, ["dag-processor"], airflowEnv);
    launch("triggerer", airflow, ["triggerer"], airflowEnv);

    const recorded = { ...state, processes: children.map((c) => c.proc) };
    const deadline = Date.now() + timeoutMs;
    let lastReport = Date.now();
    for (;;) {
      const dead = children.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
      if (dead) {
        await fail(
          `mlgen dev: ${dead.proc.name} exited while starting (code ${dead.child.exitCode ?? dead.child.signalCode}):\n${tail(dead.proc.log)}\n  log: ${shown(io, dead.proc.log)}\n  fix: correct the cause above, then run mlgen dev up again`,
        );
      }
      const h = await health(recorded);
      const waiting = recorded.processes
        .map((p) => p.name)
        .filter((n) => healthOf(n, h) !== "healthy");
      if (waiting.length === 0) break;
      if (Date.now() > deadline) {
        await fail(
          `mlgen dev: not healthy after ${timeoutMs / 1000} s: ${waiting.join(", ")}; logs in ${shown(io, paths.logs)}\n  fix: read the logs; on a slow machine pass --timeout ${Math.round((timeoutMs * 2) / 1000)}`,
        );
      }
      if (Date.now() - lastReport > 15_000) {
        io.stderr(`  waiting for ${waiting.join(", ")}…\n`);
        lastReport = Date.now();
      }
      await sleep(1000);
    }
    io.stdout("mlgen dev: up\n");
    banner(io, recorded, paths);
    return 0;
  } finally {
    process.removeListener("SIGINT", interrupted);
  }
}

export interface DownOptions {
  readonly config?: string;
  /** Ignore an unreadable state file, kill at once, and find strays by their environment. */
  readonly force?: boolean;
}

export async function downCommand(io: CliIO, options: DownOptions): Promise<number> {
  const paths = devPaths(io, options.config);
  let state: DevState | null;
  try {
    state = readState(io, paths);
  } catch (e) {
    if (!options.force) throw e;
    io.stderr(`mlgen dev: ignoring ${shown(io, paths.state)}: it cannot be read\n`);
    state = null;
  }
  const processes = state?.processes ?? [];
  const running = processes.filter(alive);
  const strays = processesWithEnv(MARKER, paths.home);
  if (running.length === 0 && strays.length === 0) {
    if (state) {
      io.stdout(
        `mlgen dev: nothing was running (the stack started ${state.startedAt} is gone); removed its state\n`,
      );
      removeState(paths);
    } else if (existsSync(paths.state)) {
      io.stdout(`mlgen dev: nothing was running; removed ${shown(io, paths.state)}\n`);
      removeState(paths);
    } else {
      io.stdout("mlgen dev: nothing to stop (no dev stack recorded for this project)\n");
    }
    return 0;
  }
  for (const p of processes) {
    if (!alive(p) && startTime(p.pid) !== null) {
      io.stderr(`  pid ${p.pid} (was ${p.name}) is another program now; left alone\n`);
    }
  }
  const left = await stopProcesses(paths.home, running, options.force ? 0 : 20_000);
  if (left.length > 0) {
    throw new CliError(
      `mlgen dev: processes still alive after SIGKILL: ${left.join(", ")}\n  fix: check them with ps -p ${left.join(",")}; run mlgen dev down --force again`,
    );
  }
  removeState(paths);
  const stopped = running.map((p) => `${p.name} (pid ${p.pid})`);
  const recorded = new Set(processes.map((p) => p.pid));
  const workers = strays.filter((pid) => !recorded.has(pid)).length;
  if (workers > 0) stopped.push(`and ${workers} of their worker processes`);
  io.stdout(
    `mlgen dev: stopped ${stopped.join(", ")}\n  data kept in ${shown(io, paths.home)} (delete it to start from scratch)\n`,
  );
  return 0;
}

export interface StatusOptions {
  readonly config?: string;
  readonly json?: boolean;
}

export async function statusCommand(io: CliIO, options: StatusOptions): Promise<number> {
  const paths = devPaths(io, options.config);
  const state = readState(io, paths);
  if (!state) {
    if (options.json) io.stdout(`${JSON.stringify({ running: false }, null, 2)}\n`);
    else io.stdout("mlgen dev: not running\n  start it with: mlgen dev up\n");
    return 1;
  }
  const h = await health(state);
  const rows = state.processes.map((p) => {
    const up = alive(p);
    return { name: p.name, pid: p.pid, running: up, health: up ? healthOf(p.name, h) : "-" };
  });
  const ok = rows.every((r) => r.running && r.health === "healthy");
  if (options.json) {
    const { password: _, ...airflow } = state.airflow;
    io.stdout(
      `${JSON.stringify({ running: ok, startedAt: state.startedAt, airflow, mlflow: state.mlflow, processes: rows }, null, 2)}\n`,
    );
  } else {
    const { table } = await import("../commands/airflow.js");
    io.stdout(
      table(
        ["COMPONENT", "PID", "PROCESS", "HEALTH"],
        rows.map((r) => [r.name, String(r.pid), r.running ? "running" : "dead", r.health]),
      ),
    );
    io.stdout(
      `Airflow ${state.airflow.url} (user ${state.airflow.username}) · MLflow ${state.mlflow.url} · started ${state.startedAt}\n`,
    );
    if (rows.some((r) => !r.running)) {
      io.stdout(
        `some processes of the stack are gone (logs in ${shown(io, paths.logs)})\n  fix: mlgen dev down (clears what is left), then mlgen dev up\n`,
      );
    } else if (!ok) {
      io.stdout(`not healthy yet (or any more); logs in ${shown(io, paths.logs)}\n`);
    }
  }
  return ok ? 0 : 1;
}
