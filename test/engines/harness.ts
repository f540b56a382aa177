/**
 * Shared set-up for tests that need the real engines: the project-local venv built from
 * test/python/requirements.lock, throwaway Airflow homes, and an MLflow server on 127.0.0.1
 * that the test starts and stops by PID.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { groupAlive, signalGroup as killGroup } from "../../packages/cli/src/dev/procs.js";
import { run } from "../../packages/cli/src/run.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** `mlgen <argv>` in this process, from the repository root: its output dropped, errors shown. */
export function mlgenHere(...argv: string[]): Promise<number> {
  const io = {
    cwd: ROOT,
    stdout: () => {},
    stderr: (t: string) => process.stderr.write(t),
    env: {},
  };
  return run(argv, io);
}
export const VENV = process.env.MLGEN_ENGINE_VENV ?? join(ROOT, ".venv-engines");
export const PYTHON = join(VENV, "bin", "python");
export const bin = (name: string) => join(VENV, "bin", name);
/** The Airflow 2 dialect's engine, built by the same script from requirements-airflow2.lock. */
export const AIRFLOW2_VENV = process.env.MLGEN_AIRFLOW2_VENV ?? join(ROOT, ".venv-airflow2");
export const AIRFLOW2_PYTHON = join(AIRFLOW2_VENV, "bin", "python");

/** Builds the venv when missing or stale; a real-engine test never silently skips. */
export function ensureEngines(): void {
  execFileSync("bash", [join(ROOT, "test/python/setup-engines.sh")], { stdio: "inherit" });
  if (!existsSync(PYTHON)) throw new Error(`engine venv missing at ${VENV} after setup`);
}

/**
 * A fresh folder under the system temp dir, removed when this process exits (after the servers
 * still running are killed), so test runs do not pile up folders in /tmp. MLGEN_KEEP_TMP=1
 * keeps them, to look at after a failure.
 */
/** Keeps a folder tempDir made past this process's exit (an AIRFLOW_HOME asked to be kept). */
export function keepTempDir(dir: string): void {
  temps.delete(dir);
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mlgen-${prefix}-`));
  temps.add(dir);
  cleanUpOnExit();
  return dir;
}

/**
 * Environment for an Airflow process with its own home. Serves Airflow 3 and 2 alike: the
 * 3.x-only keys are ignored by 2.x, and a DagBag import needs no database in either. (2.x CLI
 * commands such as `airflow dags list` / `dags test` refuse to run until `airflow db migrate`.)
 */
export function airflowEnv(home: string, dagsFolder: string, extra: Record<string, string> = {}) {
  return {
    ...process.env,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    AIRFLOW__CORE__DAGS_FOLDER: dagsFolder,
    AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: "False",
    AIRFLOW__CORE__UNIT_TEST_MODE: "False",
    AIRFLOW__API_AUTH__JWT_SECRET: "mlgen-test-secret-not-for-production",
    NO_COLOR: "1",
    ...extra,
  };
}

export interface Run {
  readonly status: number | null;
  /** The signal that ended the process, when one did (status is null then). */
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
}

export function runEngine(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Run {
  const r = spawnSync(cmd, args, {
    env,
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: r.status, signal: r.signal, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export interface InspectOptions {
  /** The engine's python: PYTHON (Airflow 3, the default) or AIRFLOW2_PYTHON. */
  readonly python?: string;
  /** Count each DAG's catchup backlog (InspectedDag.backlog): a croniter call per run. */
  readonly backlog?: boolean;
  /** More environment: PYTHONPATH for operators installed where Airflow runs. */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Where the fixtures' own operator classes live (mlgen_fixture_operators): on PYTHONPATH for
 * the DAGs that import them, as a team's package is installed where Airflow runs.
 */
export const FIXTURE_OPERATORS = { PYTHONPATH: join(ROOT, "test/fixtures/operator-modules") };

/** Imports a dags folder with the real DagBag; returns what Airflow saw. */
export function inspectDags(folder: string, options: InspectOptions = {}): InspectedDags {
  const python = options.python ?? PYTHON;
  if (!existsSync(python)) throw new Error(`no engine python at ${python}: run ensureEngines()`);
  const dir = tempDir("inspect");
  const out = join(dir, "dags.json");
  const r = runEngine(
    python,
    [join(ROOT, "test/python/inspect_dags.py"), folder, out],
    airflowEnv(dir, folder, {
      ...(options.backlog ? { INSPECT_BACKLOG: "1" } : {}),
      ...options.env,
    }),
  );
  if (r.status !== 0)
    throw new Error(`inspect_dags.py failed (${r.status}):\n${r.output.slice(-4000)}`);
  const parsed = JSON.parse(readFileSync(out, "utf8")) as InspectedDags;
  rmSync(dir, { recursive: true, force: true });
  return parsed;
}

/** One task as inspect_dags.py reports it (seconds for durations). */
export interface InspectedTask {
  /** The operator class; for a mapped task the class that was mapped (see is_mapped). */
  operator: string;
  /** A `.partial().expand()` task (Airflow's MappedOperator). */
  is_mapped: boolean;
  upstream: string[];
  downstream: string[];
  retries: number;
  retry_delay: number | null;
  retry_exponential_backoff: number;
  max_retry_delay: number | null;
  execution_timeout: number | null;
  owner: string;
  trigger_rule: string;
  /** A setup task (as_setup(), or named in a teardown's setups). */
  is_setup: boolean;
  /** A teardown task (as_teardown()). */
  is_teardown: boolean;
  group: string | null;
  pool: string;
  pool_slots: number;
  queue: string;
  priority_weight: number;
  depends_on_past: boolean;
  max_active_tis_per_dag: number | null;
  max_active_tis_per_dagrun: number | null;
  /** Sensors only ("poke" | "reschedule"), else null. */
  mode: string | null;
  /** Sensors only, else null. */
  poke_interval: number | null;
  /** Sensors only, else null. */
  timeout: number | null;
  /** Sensors only, else null. */
  soft_fail: boolean | null;
  /** Operators and sensors that have the attribute, else null. */
  deferrable: boolean | null;
  /** Asset (3.x) / Dataset (2.x) URIs. */
  outlets: string[];
  /** Including callbacks inherited from default_args. */
  has_on_failure_callback: boolean;
  has_on_retry_callback: boolean;
  has_on_success_callback: boolean;
  /** KubernetesPodOperator only, else null. */
  image: string | null;
  /** A SkipMixin operator (a branch, a short-circuit). */
  skip_mixin: boolean;
  /** ShortCircuitOperator only, else null. */
  ignore_downstream_trigger_rules: boolean | null;
  /** A mapped task: a literal list's length, or the task whose output it maps over. */
  expand: { length: number } | { task: string } | { other: unknown } | null;
}

export interface InspectedDag {
  /** As passed (3.x) or schedule_interval (2.x); non-strings as Python's str(). */
  schedule: string | null;
  /** The task ids in the order the file defines them. */
  task_order: string[];
  /** URIs of the assets/datasets the DAG is scheduled on; [] if none. */
  assets: string[];
  /** The timetable class, e.g. CronTriggerTimetable, AssetOrTimeSchedule. */
  timetable: string;
  /** The cron expression of a cron timetable (presets expanded), also inside AssetOrTimeSchedule. */
  cron: string | null;
  start_date: string | null;
  /** The DAG's time zone (its start date's), by name, e.g. `Europe/Berlin` or `UTC`. */
  timezone: string;
  /** The logical dates (UTC) of the first three runs its timetable schedules; [] if none. */
  next_runs: string[];
  /** The name of the file that defines it. */
  file: string;
  catchup: boolean;
  /**
   * With InspectOptions.backlog, on Airflow 2: the runs its timetable starts at once when the
   * DAG is unpaused with catchup on, up to now (up to 20,000); null on Airflow 3, without the
   * option, and for timetables that are not periodic (None, @once, assets).
   */
  backlog: number | null;
  tags: string[];
  max_active_runs: number;
  max_active_tasks: number;
  dagrun_timeout: number | null;
  params: Record<string, unknown>;
  /** The params' names as the DAG gives them: the order of Airflow's trigger form. */
  param_order: string[];
  /** The data intervals of the first runs the timetable schedules, [start, end] in UTC. */
  next_intervals: [string, string][];
  description: string | null;
  has_on_failure_callback: boolean;
  has_on_success_callback: boolean;
  tasks: Record<string, InspectedTask>;
  /** What Param checks each param's value against (its JSON Schema keywords). */
  param_schemas: Record<string, Record<string, unknown>>;
  /**
   * The pod each KubernetesPodOperator would create, as the real provider builds it
   * (build_pod_request_obj, no cluster), its unset fields left out.
   */
  pods: Record<string, { namespace: string; spec: Record<string, unknown> }>;
}

export interface InspectedDags {
  /** airflow.__version__ of the engine that imported the folder. */
  airflow_version: string;
  import_errors: Record<string, string>;
  dags: Record<string, InspectedDag>;
}

/** A port the OS had free a moment ago, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

/**
 * Process groups of servers started here and not stopped yet. Each leads a group of its own
 * (detached), so a Ctrl-C in the terminal, which signals the foreground group only, or a
 * test runner ending this process, would leave them running: they are killed when this
 * process exits or is interrupted, whatever the test or benchmark did not get to stop.
 */
const unstopped = new Map<number, (() => readonly number[]) | undefined>();
/** Folders tempDir made: removed at exit, once nothing started here can write to them. */
const temps = new Set<string>();
let reaping = false;

function cleanUp(): void {
  killUnstopped();
  if (process.env.MLGEN_KEEP_TMP) return;
  for (const dir of temps) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  temps.clear();
}

function cleanUpOnExit(): void {
  if (reaping) return;
  reaping = true;
  process.on("exit", cleanUp);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      cleanUp();
      // Then end as the signal would have, unless someone else (a test runner) handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function killUnstopped(): void {
  for (const [pgid, strays] of unstopped) {
    killGroup(pgid, "SIGKILL");
    for (const pid of strays?.() ?? []) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
  }
  unstopped.clear();
}

/**
 * Kills the group `pgid` if this process ends before `forgetOnExit(pgid)` is called, and the
 * processes `strays` lists then (those that left the group with a setsid of their own).
 */
export function reapOnExit(pgid: number, strays?: () => readonly number[]): void {
  unstopped.set(pgid, strays);
  cleanUpOnExit();
}

/** The group `pgid` is stopped: nothing to kill at exit. */
export function forgetOnExit(pgid: number): void {
  unstopped.delete(pgid);
}

/** A server in a process group of its own, what it prints kept for error messages. */
export interface GroupServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it has printed so far, stdout and stderr. */
  readonly output: () => string;
  /** Signals the group (`signal`, SIGKILL after 10 s) and kills workers its leader left behind. */
  readonly stop: () => Promise<void>;
}

export function spawnServer(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly env?: NodeJS.ProcessEnv; readonly signal?: NodeJS.Signals } = {},
): GroupServer {
  // The server writes its output to a file, not a pipe: a test that blocks this process (a
  // spawnSync of `airflow dags test`) would stop draining a pipe, and a server that fills
  // one (64 KiB of access log) hangs in its next write, and the test with it.
  // Removed by stop(), or at exit with the other temp folders when the server was never stopped.
  const logDir = tempDir("server-log");
  const logFile = join(logDir, `${name.replace(/\W+/g, "-")}.log`);
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      ...(options.env ? { env: options.env } : {}),
    });
  } finally {
    closeSync(fd);
  }
  let kept: string | null = null;
  const output = () => kept ?? (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start`);
  reapOnExit(pid);
  // A group whose leader and workers are all gone is nothing to kill at exit (its id may be
  // another group's by then).
  child.once("exit", () => {
    if (!groupAlive(pid)) forgetOnExit(pid);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((ok) => child.once("exit", ok));
      killGroup(pid, options.signal ?? "SIGTERM");
      const timer = setTimeout(() => killGroup(pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // The leader is gone; its workers share the group and must go too.
    if (groupAlive(pid)) killGroup(pid, "SIGKILL");
    forgetOnExit(pid);
    kept = output();
    rmSync(logDir, { recursive: true, force: true });
  };
  return { child, pid, output, stop };
}

export interface MlflowServer {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface MlflowServerOptions {
  /** More environment for the server (e.g. MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS). */
  readonly env?: Readonly<Record<string, string>>;
  /** More `mlflow server` arguments. */
  readonly args?: readonly string[];
  /** Server worker processes (default 1: SQLite takes one writer at a time anyway). */
  readonly workers?: number;
  /** The tracking store (default: a SQLite file in the server's folder). */
  readonly backendStoreUri?: string;
  /**
   * Serve https with test/fixtures/tls's server certificate and require a client certificate
   * signed by its CA (uvicorn's own TLS); the URL is then https://.
   */
  readonly tls?: boolean;
  /**
   * `--app-name basic-auth`: MLflow's basic-auth app, configured by an ini file written in the
   * server's folder (MLFLOW_AUTH_CONFIG_PATH) with its user database there too, so nothing is
   * written in the repository or the home folder. The admin user is created at the first start.
   */
  readonly basicAuth?: BasicAuthOptions;
}

export interface BasicAuthOptions {
  /** Default `admin`. */
  readonly adminUsername?: string;
  readonly adminPassword: string;
  /** What a user has on an experiment without a grant of its own (MLflow's default: READ). */
  readonly defaultPermission?: "READ" | "USE" | "EDIT" | "MANAGE" | "NO_PERMISSIONS";
}

/** The basic-auth app's ini file, its user database and its env, in the server's folder. */
function basicAuthSetup(dir: string, auth: BasicAuthOptions) {
  mkdirSync(dir, { recursive: true });
  const ini = join(dir, "basic_auth.ini");
  // configparser reads `%` as interpolation: a password holding one is written as %%.
  const value = (v: string) => {
    if (/[\r\n]/.test(v)) throw new Error("an ini value cannot hold a line break");
    return v.replaceAll("%", "%%");
  };
  writeFileSync(
    ini,
    [
      "[mlflow]",
      `default_permission = ${auth.defaultPermission ?? "READ"}`,
      `database_uri = ${value(`sqlite:///${join(dir, "basic_auth.db")}`)}`,
      `admin_username = ${value(auth.adminUsername ?? "admin")}`,
      `admin_password = ${value(auth.adminPassword)}`,
      "authorization_function = mlflow.server.auth:authenticate_request_basic_auth",
      "",
    ].join("\n"),
  );
  return {
    args: ["--app-name", "basic-auth"],
    env: {
      MLFLOW_AUTH_CONFIG_PATH: ini,
      // The auth app refuses to start without a fixed key for its CSRF protection.
      MLFLOW_FLASK_SERVER_SECRET_KEY: `mlgen-test-${Math.random().toString(36).slice(2)}`,
    },
  };
}

/**
 * GET over https with test/fixtures/tls's CA and client certificate (a TLS server's health
 * check): the status and body, or null when there is no answer.
 */
export function httpsGetText(url: string): Promise<{ status: number; body: string } | null> {
  const fixture = (name: string) => readFileSync(join(ROOT, "test/fixtures/tls", name));
  return new Promise((done) => {
    const pem = fixture("client.pem");
    const req = httpsGet(
      url,
      { ca: fixture("ca.pem"), cert: pem, key: pem, timeout: 5000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => done({ status: res.statusCode ?? 0, body }));
        res.on("error", () => done(null));
      },
    );
    req.on("error", () => done(null));
    req.on("timeout", () => req.destroy());
  });
}

const httpsOk = async (url: string) => (await httpsGetText(url))?.status === 200;

/**
 * `mlflow server` with a SQLite store in `dir` and its artifact proxy on (`--serve-artifacts`,
 * the default) writing to `dir/artifacts`, in its own process group so stop() reaps workers.
 */
export async function startMlflow(
  dir: string,
  options: MlflowServerOptions = {},
): Promise<MlflowServer> {
  const port = await freePort();
  const auth = options.basicAuth ? basicAuthSetup(dir, options.basicAuth) : null;
  const { child, pid, output, stop } = spawnServer(
    "mlflow server",
    bin("mlflow"),
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      String(options.workers ?? 1),
      "--backend-store-uri",
      options.backendStoreUri ?? `sqlite:///${join(dir, "mlflow.db")}`,
      "--artifacts-destination",
      join(dir, "artifacts"),
      ...(options.tls
        ? [
            "--uvicorn-opts",
            [
              `--ssl-certfile ${JSON.stringify(join(ROOT, "test/fixtures/tls/server.pem"))}`,
              `--ssl-keyfile ${JSON.stringify(join(ROOT, "test/fixtures/tls/server-key.pem"))}`,
              `--ssl-ca-certs ${JSON.stringify(join(ROOT, "test/fixtures/tls/ca.pem"))}`,
              // ssl.CERT_REQUIRED
              "--ssl-cert-reqs 2",
            ].join(" "),
          ]
        : []),
      ...(auth?.args ?? []),
      ...(options.args ?? []),
    ],
    {
      env: {
        ...process.env,
        // Only what this server is given: not an auth app's settings from the caller's shell.
        MLFLOW_AUTH_CONFIG_PATH: undefined,
        MLFLOW_AUTH_ADMIN_USERNAME: undefined,
        MLFLOW_AUTH_ADMIN_PASSWORD: undefined,
        NO_COLOR: "1",
        // MLflow 3's job runner (nine more Python processes, each importing MLflow: about two
        // minutes of CPU at start-up) serves features the clients do not use; on 2 CPUs its
        // start-up starved the Airflow server started next to it (a 10 s PATCH timed out).
        // Webhooks are delivered by the server's own thread pool, not by jobs.
        MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
        ...auth?.env,
        ...options.env,
      },
    },
  );
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`mlflow server exited early:\n${output().slice(-3000)}`);
    try {
      if (options.tls ? await httpsOk(`${url}/health`) : (await fetch(`${url}/health`)).ok)
        return { url, pid, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`mlflow server not healthy after 120 s:\n${output().slice(-3000)}`);
}

// Process groups: the same helpers `mlgen dev` stops its stack with (tests spawn servers detached).
export { groupAlive, killGroup };

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What a stand-in (a webhook or mail sink, a callback) has recorded so far: one JSON value per line. */
export function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/**
 * The Airflow connections the fixtures' alerts use, pointed at the stand-ins: Slack webhooks
 * (slack_test, slack_ml_alerts) at a webhook sink's URL, SMTP (smtp_test) at a mail sink's port.
 */
export function alertConnections(slackUrl: string, smtpPort: number): Record<string, string> {
  const slack = JSON.stringify({ conn_type: "slackwebhook", password: slackUrl });
  return {
    AIRFLOW_CONN_SLACK_TEST: slack,
    AIRFLOW_CONN_SLACK_ML_ALERTS: slack,
    AIRFLOW_CONN_SMTP_TEST: JSON.stringify({
      conn_type: "smtp",
      host: "127.0.0.1",
      port: smtpPort,
      extra: { disable_ssl: true, disable_tls: true, from_email: "airflow@example.com" },
    }),
  };
}
