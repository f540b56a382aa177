/**
 * A throwaway PostgreSQL server for the benchmarks, from the binaries of the `pgserver` wheel in
 * the engine venv (PostgreSQL 16; nothing installed system-wide). It listens on 127.0.0.1 only,
 * keeps its data in a temporary folder of its own, and is stopped by PID with its whole process
 * group; stop() also removes the folder.
 *
 * PostgreSQL refuses to run as root, so under root (containers, CI) initdb and the server run as
 * `nobody` through util-linux's setpriv, with the data folder given to that user.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, PYTHON, spawnServer } from "../test/engines/harness.js";

export interface Postgres {
  /** SQLAlchemy URL of the `mlflow` database, for `mlflow server --backend-store-uri`. */
  readonly uri: string;
  readonly pid: number;
  readonly version: string;
  readonly stop: () => Promise<void>;
}

function binDir(): string {
  const pkg = execFileSync(
    PYTHON,
    [
      "-c",
      "import importlib.util as u; print(u.find_spec('pgserver').submodule_search_locations[0])",
    ],
    { encoding: "utf8" },
  ).trim();
  return join(pkg, "pginstall", "bin");
}

/** `nobody`'s user and group ids when running as root, else null (run as ourselves). */
function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync("id", [flag, "nobody"], { encoding: "utf8" }));
  return { uid: id("-u"), gid: id("-g") };
}

/** The command line that runs `binary` as `user` (or as ourselves). */
function runAs(
  user: { uid: number; gid: number } | null,
  binary: string,
  args: string[],
): [string, string[]] {
  if (!user) return [binary, args];
  return [
    "setpriv",
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", binary, ...args],
  ];
}

export async function startPostgres(): Promise<Postgres> {
  const bin = binDir();
  // Under /tmp (world-traversable) rather than inside a caller's 0700 temporary folder.
  const dir = mkdtempSync(join(tmpdir(), "mlgen-postgres-"));
  const data = join(dir, "pgdata");
  mkdirSync(data, { mode: 0o700 });
  const user = serverUser();
  if (user) {
    chmodSync(dir, 0o755);
    chownSync(data, user.uid, user.gid);
  }
  const [initCmd, initArgs] = runAs(user, join(bin, "initdb"), [
    "-D",
    data,
    "--auth=trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "pipe" });
  const port = await freePort();
  const [cmd, args] = runAs(user, join(bin, "postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    data,
    "-c",
    "listen_addresses=127.0.0.1",
  ]);
  // SIGINT is PostgreSQL's fast shutdown.
  const server = spawnServer("postgres", cmd, args, { signal: "SIGINT" });
  const { child, pid, output } = server;
  const stop = async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  const client = (name: string, more: string[]) =>
    execFileSync(join(bin, name), ["-h", "127.0.0.1", "-p", String(port), ...more], {
      encoding: "utf8",
      stdio: "pipe",
    });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`postgres exited early:\n${output().slice(-3000)}`);
    try {
      client("pg_isready", ["-q"]);
      break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postgres not ready after 60 s:\n${output().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    client("createdb", ["-U", "postgres", "mlflow"]);
    const version = client("psql", ["-U", "postgres", "-tAc", "show server_version"]).trim();
    return { uri: `postgresql+psycopg2://postgres@127.0.0.1:${port}/mlflow`, pid, version, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
