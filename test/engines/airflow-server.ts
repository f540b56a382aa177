/**
 * A real Airflow 3 instance for tests: api-server, scheduler, dag-processor and (by default)
 * triggerer from the project's engine venv, on 127.0.0.1, with a throwaway AIRFLOW_HOME and a
 * SQLite database. Each component runs in its own process group; stop() kills the groups by
 * PID and checks that no process of this instance is left.
 *
 * Config keys checked against airflow/config_templates/config.yml of apache-airflow-core 3.3.2.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { processesWithEnv } from "../../packages/cli/src/dev/procs.js";
import {
  airflowEnv,
  bin,
  forgetOnExit,
  freePort,
  groupAlive,
  httpsGetText,
  keepTempDir,
  killGroup,
  PYTHON,
  ROOT,
  reapOnExit,
  runEngine,
  tempDir,
} from "./harness.js";

export interface StartAirflowOptions {
  /** Folder the dag-processor parses (`[core] dags_folder`). */
  readonly dagsFolder: string;
  /** `[api_auth] jwt_expiration_time` for tokens from POST /auth/token (Airflow default 86400). */
  readonly jwtExpirationSeconds?: number;
  /**
   * `[api_auth] jwt_leeway`: Airflow accepts a token this many seconds past its expiry
   * (default 10). Defaults to 0 when jwtExpirationSeconds is given, so expiry is exact.
   */
  readonly jwtLeewaySeconds?: number;
  /** `[dag_processor] refresh_interval` and `min_file_process_interval` (defaults 300 and 30). */
  readonly dagRefreshSeconds?: number;
  /**
   * `[core] parallelism` (Airflow default 32). With fork, LocalExecutor forks this many workers
   * when the scheduler starts (about 130 MB RSS each), so tests default to 4.
   */
  readonly parallelism?: number;
  /** Start `airflow triggerer` too (needed for deferrable operators). Default true. */
  readonly triggerer?: boolean;
  /** Extra environment for every component, e.g. AIRFLOW_CONN_FS_DEFAULT. */
  readonly env?: Record<string, string>;
  /** Health timeout in ms after the components are spawned. Default 180 s. */
  readonly timeoutMs?: number;
  /** Keep AIRFLOW_HOME (logs, airflow.db) after stop(). Default false. */
  readonly keepHome?: boolean;
  /**
   * Serve the API over https with test/fixtures/tls's server certificate, requiring a client
   * certificate signed by its CA (`[api] ssl_cert`, `ssl_key`, `ssl_ca_file`,
   * `ssl_cert_reqs = required`); the URL is then https://. Only the api-server runs: task
   * workers would need the private CA to reach the Execution API.
   */
  readonly tls?: boolean;
  /**
   * More SimpleAuthManager users besides admin/admin (`[core] simple_auth_manager_users`, their
   * passwords in `[core] simple_auth_manager_passwords_file`), e.g. a viewer to check 403s.
   */
  readonly users?: readonly AirflowUser[];
}

/** A SimpleAuthManager user: its role is one of Airflow's four (auth/managers/simple). */
export interface AirflowUser {
  readonly username: string;
  readonly password: string;
  readonly role: "viewer" | "user" | "op" | "admin";
}

export interface AirflowServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (REST API under /api/v2, token at /auth/token). */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Component name → PID (each is its process group's leader). */
  readonly pids: Readonly<Record<string, number>>;
  readonly home: string;
  /** The environment the components run with, for `airflow` CLI calls against this instance. */
  readonly env: NodeJS.ProcessEnv;
  /** Milliseconds from start to healthy: db migrate, then spawn until /monitor/health is healthy. */
  readonly startup: { readonly migrateMs: number; readonly healthyMs: number };
  /** Last `chars` characters of every component's log. */
  logs(chars?: number): string;
  /** Kills every component's process group, waits until all are gone, removes the home. */
  stop(): Promise<void>;
}

/**
 * Waits until the API lists `dagId` (its file parsed by the dag-processor), polling each second
 * for up to two minutes; then an error with every component's log.
 */
export async function untilListed(
  airflow: AirflowServer,
  client: { getDag(dagId: string): Promise<unknown> },
  dagId: string,
): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await client.getDag(dagId).catch(() => null))) {
    if (Date.now() > deadline) throw new Error(`${dagId} never listed:\n${airflow.logs()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const USERNAME = "admin";
const PASSWORD = "admin";
const SIMPLE_AUTH_MANAGER =
  "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Component {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  exited: boolean;
}

/** PIDs of live processes whose environment has this AIRFLOW_HOME (Linux /proc; else []). */
const processesWithHome = (home: string) => processesWithEnv("AIRFLOW_HOME", home);

function tail(file: string, chars: number): string {
  try {
    return readFileSync(file, "utf8").slice(-chars);
  } catch {
    return "";
  }
}

export async function startAirflow(options: StartAirflowOptions): Promise<AirflowServer> {
  const t0 = Date.now();
  const home = tempDir("airflow-home");
  if (options.keepHome) keepTempDir(home);
  const port = await freePort();
  const url = `${options.tls ? "https" : "http"}://127.0.0.1:${port}`;
  const passwordsFile = join(home, "simple_auth_manager_passwords.json");
  const users: readonly AirflowUser[] = [
    { username: USERNAME, password: PASSWORD, role: "admin" },
    ...(options.users ?? []),
  ];
  const passwords = Object.fromEntries(users.map((u) => [u.username, u.password]));
  await writeFile(passwordsFile, `${JSON.stringify(passwords)}\n`);

  const refresh = String(options.dagRefreshSeconds ?? 5);
  const extra: Record<string, string> = {
    AIRFLOW__CORE__AUTH_MANAGER: SIMPLE_AUTH_MANAGER,
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS: users.map((u) => `${u.username}:${u.role}`).join(","),
    AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: passwordsFile,
    AIRFLOW__CORE__EXECUTOR: "LocalExecutor",
    AIRFLOW__CORE__PARALLELISM: String(options.parallelism ?? 4),
    // Task workers call the Execution API; its default URL is http://localhost:8080/execution/.
    AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `${url}/execution/`,
    AIRFLOW__API__HOST: "127.0.0.1",
    AIRFLOW__API__PORT: String(port),
    AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL: refresh,
    AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL: refresh,
    // Default is <tmpdir>/airflow, shared by every instance on the machine.
    AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH: join(home, "bundles"),
  };
  if (options.tls) {
    const fixture = (name: string) => join(ROOT, "test/fixtures/tls", name);
    extra.AIRFLOW__API__SSL_CERT = fixture("server.pem");
    extra.AIRFLOW__API__SSL_KEY = fixture("server-key.pem");
    extra.AIRFLOW__API__SSL_CA_FILE = fixture("ca.pem");
    extra.AIRFLOW__API__SSL_CERT_REQS = "required";
  }
  if (options.jwtExpirationSeconds !== undefined) {
    extra.AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME = String(options.jwtExpirationSeconds);
    extra.AIRFLOW__API_AUTH__JWT_LEEWAY = String(options.jwtLeewaySeconds ?? 0);
  } else if (options.jwtLeewaySeconds !== undefined) {
    extra.AIRFLOW__API_AUTH__JWT_LEEWAY = String(options.jwtLeewaySeconds);
  }
  // Four components and their task processes share one SQLite file. pysqlite waits 5 s for a
  // lock by default, which a busy 2-CPU machine can exceed: the API then answers 500 "Database
  // error". The file is switched to WAL below (readers no longer block the writer) and the wait
  // is 60 s. (Not [api] expose_stacktrace: it changes the bodies the mocks' parity test compares.)
  const pylib = join(home, "pylib");
  mkdirSync(pylib);
  await writeFile(join(pylib, "mlgen_test_db.py"), 'CONNECT_ARGS = {"timeout": 60}\n');
  extra.PYTHONPATH = [pylib, process.env.PYTHONPATH].filter(Boolean).join(":");
  extra.AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS = "mlgen_test_db.CONNECT_ARGS";
  // airflowEnv also sets LOAD_EXAMPLES=False, DAGS_ARE_PAUSED_AT_CREATION=False and JWT_SECRET.
  const env = airflowEnv(home, options.dagsFolder, { ...extra, ...options.env });

  const migrate = runEngine(bin("airflow"), ["db", "migrate"], env, 300_000);
  const wal =
    migrate.status === 0
      ? runEngine(
          PYTHON,
          [
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('PRAGMA journal_mode=WAL').fetchone()[0])",
            join(home, "airflow.db"),
          ],
          env,
        )
      : null;
  if (migrate.status !== 0 || wal?.output.trim() !== "wal") {
    if (!options.keepHome) rmSync(home, { recursive: true, force: true });
    throw new Error(
      migrate.status !== 0
        ? `airflow db migrate failed (${migrate.status}):\n${migrate.output.slice(-4000)}`
        : `could not switch ${join(home, "airflow.db")} to WAL: ${wal?.output}`,
    );
  }
  const t1 = Date.now();

  const commands: [string, string[]][] = [
    ["api-server", ["api-server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1"]],
  ];
  if (!options.tls)
    commands.push(["scheduler", ["scheduler"]], ["dag-processor", ["dag-processor"]]);
  if (!options.tls && (options.triggerer ?? true)) commands.push(["triggerer", ["triggerer"]]);

  const components: Component[] = [];
  for (const [name, args] of commands) {
    const logFile = join(home, `${name}.log`);
    const fd = openSync(logFile, "a");
    // detached: the child calls setsid(), so it leads a new process group with its workers.
    const child = spawn(bin("airflow"), args, { detached: true, stdio: ["ignore", fd, fd], env });
    closeSync(fd);
    if (child.pid === undefined) {
      for (const c of components) {
        killGroup(c.pid, "SIGKILL");
        forgetOnExit(c.pid);
      }
      throw new Error(`airflow ${name} did not start`);
    }
    reapOnExit(child.pid, () => processesWithHome(home));
    const component: Component = { name, child, pid: child.pid, logFile, exited: false };
    child.once("exit", () => {
      component.exited = true;
    });
    components.push(component);
  }

  const logs = (chars = 3000) =>
    components.map((c) => `--- ${c.name} (pid ${c.pid}) ---\n${tail(c.logFile, chars)}`).join("\n");

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of components) if (!c.exited) killGroup(c.pid, "SIGTERM");
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && components.some((c) => !c.exited || groupAlive(c.pid))) {
      await sleep(200);
    }
    for (const c of components) if (groupAlive(c.pid)) killGroup(c.pid, "SIGKILL");
    for (const c of components) forgetOnExit(c.pid);
    // Anything that left its group (setsid in a grandchild) still carries our AIRFLOW_HOME.
    for (const pid of processesWithHome(home)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {}
    }
    const killDeadline = Date.now() + 10_000;
    const leftovers = () => [
      ...components.filter((c) => !c.exited || groupAlive(c.pid)).map((c) => c.pid),
      ...processesWithHome(home),
    ];
    while (Date.now() < killDeadline && leftovers().length > 0) await sleep(100);
    const left = leftovers();
    if (left.length > 0) {
      throw new Error(`Airflow processes still alive after stop(): ${left.join(", ")}`);
    }
    if (!options.keepHome) rmSync(home, { recursive: true, force: true });
  };

  const wanted = options.tls ? ["metadatabase"] : ["metadatabase", "scheduler", "dag_processor"];
  if (!options.tls && (options.triggerer ?? true)) wanted.push("triggerer");
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  let last = "";
  while (Date.now() < deadline) {
    const dead = components.find((c) => c.exited);
    if (dead) {
      const message = `airflow ${dead.name} exited early (code ${dead.child.exitCode}, signal ${dead.child.signalCode}):\n${logs()}`;
      await stop();
      throw new Error(message);
    }
    try {
      const res = options.tls
        ? await httpsGetText(`${url}/api/v2/monitor/health`)
        : await fetch(`${url}/api/v2/monitor/health`).then(async (r) => ({
            status: r.status,
            body: await r.text(),
          }));
      last = res?.body ?? "";
      if (res?.status === 200) {
        const health = JSON.parse(last) as Record<string, { status?: string | null } | null>;
        if (wanted.every((k) => health[k]?.status === "healthy")) {
          const pids = Object.fromEntries(components.map((c) => [c.name, c.pid]));
          return {
            url,
            username: USERNAME,
            password: PASSWORD,
            pids,
            home,
            env,
            startup: { migrateMs: t1 - t0, healthyMs: Date.now() - t1 },
            logs,
            stop,
          };
        }
      }
    } catch {}
    await sleep(500);
  }
  const message = `Airflow not healthy after ${(options.timeoutMs ?? 180_000) / 1000} s (last health: ${last}):\n${logs()}`;
  await stop();
  throw new Error(message);
}
