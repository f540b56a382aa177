/**
 * Where the dev stack lives and what it left running. One folder per project (the config's
 * folder), `.mlgen/dev` unless MLGEN_DEV_HOME says otherwise:
 *
 *   state.json   what `up` started: URLs, the Airflow login, and each process (PID, start time)
 *   airflow/     AIRFLOW_HOME: airflow.db (SQLite), task logs, the password file
 *   mlflow/      mlflow.db (SQLite) and artifacts/
 *   logs/        one log per server
 *
 * state.json is written atomically with mode 0600: it holds the local Airflow password.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as z from "zod";
import { CliError, type CliIO } from "../io.js";

export interface DevPaths {
  /** The project: the config file's folder. */
  readonly project: string;
  readonly config: string;
  readonly home: string;
  readonly state: string;
  readonly airflowHome: string;
  readonly mlflowDir: string;
  readonly logs: string;
}

export function devPaths(io: CliIO, config: string | undefined): DevPaths {
  const file = resolve(io.cwd, config ?? "mlgen.config.ts");
  const project = dirname(file);
  const home = io.env.MLGEN_DEV_HOME
    ? resolve(io.cwd, io.env.MLGEN_DEV_HOME)
    : join(project, ".mlgen", "dev");
  return {
    project,
    config: file,
    home,
    state: join(home, "state.json"),
    airflowHome: join(home, "airflow"),
    mlflowDir: join(home, "mlflow"),
    logs: join(home, "logs"),
  };
}

const processSchema = z.strictObject({
  name: z.string(),
  pid: z.number().int().positive(),
  /** startTime() when spawned; a reused PID has another. */
  started: z.string().nullable(),
  log: z.string(),
});

const stateSchema = z.strictObject({
  version: z.literal(1),
  startedAt: z.string(),
  project: z.string(),
  dagsFolder: z.string(),
  venv: z.string(),
  airflow: z.strictObject({
    url: z.string(),
    port: z.number(),
    username: z.string(),
    password: z.string(),
  }),
  mlflow: z.strictObject({ url: z.string(), port: z.number() }),
  processes: z.array(processSchema),
});

export type DevState = z.infer<typeof stateSchema>;
export type DevProcess = z.infer<typeof processSchema>;

/** A path as the user would type it from where they are. */
export function shown(io: CliIO, path: string): string {
  const rel = relative(io.cwd, path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** The recorded stack; null when there is none. An unreadable file is a CliError with the way out. */
export function readState(io: CliIO, paths: DevPaths): DevState | null {
  let text: string;
  try {
    text = readFileSync(paths.state, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(
      `mlgen dev: cannot read ${shown(io, paths.state)} (${(e as Error).message})\n  fix: mlgen dev down --force stops whatever the stack left running and removes it`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {}
  const result = stateSchema.safeParse(parsed);
  if (!result.success) {
    throw new CliError(
      `mlgen dev: ${shown(io, paths.state)} is not a dev stack state file mlgen wrote (damaged or from another version)\n  fix: mlgen dev down --force stops whatever the stack left running and removes it`,
    );
  }
  return result.data;
}

export function writeState(paths: DevPaths, state: DevState): void {
  mkdirSync(dirname(paths.state), { recursive: true });
  const tmp = `${paths.state}.${randomBytes(4).toString("hex")}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, paths.state);
}

export function removeState(paths: DevPaths): void {
  rmSync(paths.state, { force: true });
}
