import type {
  AirflowClient,
  AirflowMappedTaskError,
  DagRun,
  RetryInfo,
  TaskInstance,
} from "@mlgen/airflow-client";
import { CliError, type CliIO, secondsFlag } from "../io.js";

export interface ConnectionOptions {
  readonly url?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly json?: boolean;
}

/** Flags win over MLGEN_AIRFLOW_* variables. Passwords and tokens are never printed. */
export async function connect(io: CliIO, o: ConnectionOptions): Promise<AirflowClient> {
  const { createAirflowClient } = await import("@mlgen/airflow-client");
  // Neither given: the stack `mlgen dev up` started for the project here, with its login.
  const dev = (o.url ?? io.env.MLGEN_AIRFLOW_URL) ? null : await devStack(io, "airflow");
  const url = o.url ?? io.env.MLGEN_AIRFLOW_URL ?? dev?.airflow.url;
  if (!url) {
    throw new CliError(
      "mlgen airflow: no server given\n  fix: pass --url http://host:8080 or set MLGEN_AIRFLOW_URL (in a project whose `mlgen dev up` stack runs, its Airflow is used)",
    );
  }
  const token = o.token ?? io.env.MLGEN_AIRFLOW_TOKEN;
  const user = o.user ?? io.env.MLGEN_AIRFLOW_USER ?? (token ? undefined : dev?.airflow.username);
  const password =
    o.password ?? io.env.MLGEN_AIRFLOW_PASSWORD ?? (token ? undefined : dev?.airflow.password);
  if (!token && (user === undefined) !== (password === undefined)) {
    throw new CliError(
      "mlgen airflow: a user needs a password and a password a user\n  fix: set both --user/--password (or MLGEN_AIRFLOW_USER/MLGEN_AIRFLOW_PASSWORD), or --token",
    );
  }
  const auth = token
    ? { token }
    : user !== undefined && password !== undefined
      ? { username: user, password }
      : undefined;
  return createAirflowClient({
    baseUrl: url,
    ...(auth ? { auth } : {}),
    onRetry: retryNotice(io),
  });
}

/**
 * The dev stack's state (`mlgen dev up`, in the project of the current folder's
 * mlgen.config.ts), said on stderr when used; null when there is none or it cannot be read.
 */
export async function devStack(
  io: CliIO,
  what: "airflow" | "mlflow",
): Promise<import("../dev/state.js").DevState | null> {
  const { devPaths, readState, shown } = await import("../dev/state.js");
  const paths = devPaths(io, undefined);
  let state: import("../dev/state.js").DevState | null;
  try {
    state = readState(io, paths);
  } catch {
    return null;
  }
  if (state === null) return null;
  const url = what === "airflow" ? state.airflow.url : state.mlflow.url;
  io.stderr(
    `mlgen ${what}: no ${what === "airflow" ? "--url or MLGEN_AIRFLOW_URL" : "--url or MLFLOW_TRACKING_URI"} given; using the dev stack's (${url}, from ${shown(io, paths.state)})\n`,
  );
  return state;
}

/**
 * Says on stderr each time a request is tried again, so a server that does not answer is not a
 * silent wait (four attempts of 30 s each before the error, on a host that drops packets).
 */
export function retryNotice(io: CliIO): (info: RetryInfo) => void {
  return (i) => {
    const seconds = i.delayMs < 1000 ? (i.delayMs / 1000).toFixed(1) : Math.round(i.delayMs / 1000);
    io.stderr(
      `mlgen: ${i.method} ${i.path} (attempt ${i.attempt}): ${i.detail ?? i.reason}; trying again in ${seconds} s\n`,
    );
  };
}

/** Columns padded to their widest cell; what `kubectl get` and `airflow dags list` print. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join("\n")}\n`;
}

function taskRows(tis: readonly TaskInstance[]): string[][] {
  return [...tis]
    .sort(
      (a, b) =>
        (a.start_date ?? "~").localeCompare(b.start_date ?? "~") ||
        a.task_id.localeCompare(b.task_id),
    )
    .map((t) => [
      t.task_id,
      t.map_index >= 0 ? String(t.map_index) : "",
      t.state ?? "none",
      String(t.try_number),
      t.duration === null ? "" : `${t.duration.toFixed(1)}s`,
    ]);
}

function counts(tis: readonly TaskInstance[]): string {
  const by = new Map<string, number>();
  for (const t of tis) by.set(t.state ?? "none", (by.get(t.state ?? "none") ?? 0) + 1);
  return [...by.entries()].map(([s, n]) => `${n} ${s}`).join(", ") || "no tasks yet";
}

async function printRun(
  io: CliIO,
  client: AirflowClient,
  run: DagRun,
  json: boolean,
): Promise<void> {
  const tis = await client.listTaskInstances(run.dag_id, run.dag_run_id);
  if (json) {
    io.stdout(`${JSON.stringify({ dagRun: run, taskInstances: tis }, null, 2)}\n`);
    return;
  }
  io.stdout(`${run.dag_id} ${run.dag_run_id}: ${run.state}\n`);
  io.stdout(table(["TASK", "MAP", "STATE", "TRY", "DURATION"], taskRows(tis)));
  await printFailedLogs(io, client, run, tis);
}

/** Lines of a failed task's log shown under the table: enough for the traceback. */
const LOG_TAIL = 30;
/** Failed tasks whose logs are shown; the others are named. */
const LOGS_SHOWN = 5;

/**
 * The end of each failed task's log, where its traceback is, as `gh run view --log-failed`
 * shows a failed job's: why it failed, without opening the UI. A log that cannot be read
 * (no permission, remote logging that fails) is said in one line; the run's report stands.
 */
export async function printFailedLogs(
  io: CliIO,
  client: AirflowClient,
  run: DagRun,
  tis: readonly TaskInstance[],
): Promise<void> {
  const failed = tis.filter((t) => t.state === "failed" && t.try_number > 0);
  const named = (t: TaskInstance) =>
    t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id;
  for (const t of failed.slice(0, LOGS_SHOWN)) {
    const task = named(t);
    const log = await client
      .getTaskLog(run.dag_id, run.dag_run_id, t.task_id, {
        tryNumber: t.try_number,
        mapIndex: t.map_index,
      })
      .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    if (log instanceof Error) {
      io.stdout(`\nlog of ${task} (try ${t.try_number}): could not be read: ${log.message}\n`);
      continue;
    }
    const lines = log.text === "" ? [] : log.text.split("\n");
    const shown = lines.slice(-LOG_TAIL);
    const cut = lines.length - shown.length;
    io.stdout(
      `\nlog of ${task} (try ${t.try_number}${cut > 0 ? `, its last ${shown.length} lines` : ""}):\n${shown.map((l) => `  ${l}\n`).join("") || "  (empty)\n"}`,
    );
  }
  if (failed.length > LOGS_SHOWN) {
    const rest = failed.slice(LOGS_SHOWN).map(named);
    io.stdout(
      `\n${rest.length} more failed: ${rest.join(", ")} (their logs are in the Airflow UI)\n`,
    );
  }
}

/** A `--conf` value: a DAG run's conf, which must be a JSON object. */
export function runConf(
  text: string | undefined,
  command: string,
): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      throw new Error("not an object");
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new CliError(
      `${command}: --conf is not a JSON object (${(e as Error).message})\n  fix: --conf '{"key": "value"}'`,
      2,
    );
  }
}

/**
 * The logical date a trigger sends: the given ISO date-time, null for `none`, or now. Now is
 * what the Airflow UI fills in: a run with no logical date has no `ds`, `ts`, `logical_date` or
 * data interval in its context on Airflow 3, so templates that read them fail to render, and
 * `depends_on_past` finds no previous run.
 */
export function triggerLogicalDate(text: string | undefined, command: string): string | null {
  if (text === undefined) return new Date().toISOString();
  if (text.trim().toLowerCase() === "none") return null;
  // Airflow refuses a date-time without a timezone (422 timezone_aware).
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
  if (!iso.test(text.trim()) || !realDate(text.trim())) {
    throw new CliError(
      `${command}: --logical-date '${text}' is not an ISO date-time with a timezone\n  fix: --logical-date 2025-01-01T00:00:00Z, or --logical-date none for a run without one`,
      2,
    );
  }
  const t = text.trim();
  return t.length === 10 ? `${t}T00:00:00Z` : t;
}

/** Whether an ISO date-time names a day and time that exist (JS rolls 2025-02-30 over). */
function realDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) {
    return false;
  }
  const time = /T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(text);
  return !time || (Number(time[1]) < 24 && Number(time[2]) < 60 && Number(time[3] ?? 0) < 60);
}

export async function triggerCommand(
  io: CliIO,
  dagId: string,
  o: ConnectionOptions & {
    conf?: string;
    runId?: string;
    logicalDate?: string;
    wait?: boolean;
    timeout?: string;
  },
): Promise<number> {
  const conf = runConf(o.conf, "mlgen airflow trigger");
  let logicalDate = triggerLogicalDate(o.logicalDate, "mlgen airflow trigger");
  const timeoutMs = secondsFlag(o.timeout, 3600, "--timeout", "mlgen airflow trigger") * 1000;
  const client = await connect(io, o);
  if (o.runId && o.logicalDate === undefined) {
    // Run again with the same --run-id (the first answer was lost): "now" has moved on, so ask
    // for the logical date the run already has, and the trigger finds its own run.
    const existing = await client.getDagRun(dagId, o.runId).catch(() => null);
    if (existing) logicalDate = existing.logical_date ?? null;
  }
  const run = await client.triggerDagRun(dagId, {
    ...(conf ? { conf } : {}),
    ...(o.runId ? { runId: o.runId } : {}),
    logicalDate,
  });
  if (!o.wait) {
    if (o.json) io.stdout(`${JSON.stringify(run, null, 2)}\n`);
    else io.stdout(`triggered ${dagId} ${run.dag_run_id} (${run.state})\n`);
    return 0;
  }
  if (!o.json) io.stderr(`triggered ${dagId} ${run.dag_run_id}; waiting…\n`);
  // New DAGs start paused (dags_are_paused_at_creation): say so now, not after the timeout.
  const paused = await client
    .getDag(dagId)
    .then((d) => d.is_paused)
    .catch(() => false);
  if (paused) {
    io.stderr(
      `mlgen airflow trigger: ${dagId} is paused, so the run waits until it is unpaused (the UI's toggle, or \`airflow dags unpause ${dagId}\`)\n`,
    );
  }
  const result = await client.waitForDagRun(dagId, run.dag_run_id, {
    timeoutMs,
    onProgress: (r, tis) => {
      if (!o.json) io.stderr(`  ${r.state}: ${counts(tis)}\n`);
    },
  });
  await printRun(io, client, result.dagRun, o.json ?? false);
  return result.state === "success" ? 0 : 1;
}

export async function statusCommand(
  io: CliIO,
  dagId: string,
  runId: string | undefined,
  o: ConnectionOptions & { exitStatus?: boolean },
): Promise<number> {
  const client = await connect(io, o);
  let run: DagRun;
  if (runId) run = await client.getDagRun(dagId, runId);
  else {
    const latest = await client.latestDagRun(dagId);
    if (!latest) throw new CliError(`mlgen airflow status: ${dagId} has no runs`);
    run = latest;
  }
  await printRun(io, client, run, o.json ?? false);
  // Like `gh run view --exit-status`: a script can ask whether the run (the latest by default)
  // succeeded without parsing the output.
  return o.exitStatus && run.state !== "success" ? 1 : 0;
}

/** A whole number of at least `min` from a flag, or a usage error naming the flag. */
function wholeFlag(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?\d+$/.test(text) || Number(text) < min) {
    throw new CliError(
      `mlgen airflow logs: ${flag} takes a whole number of ${min} or more (got '${text}')`,
      2,
    );
  }
  return Number(text);
}

export async function logsCommand(
  io: CliIO,
  dagId: string,
  taskId: string,
  runId: string | undefined,
  o: ConnectionOptions & { try?: string; mapIndex?: string },
): Promise<number> {
  const tryNumber = wholeFlag("--try", o.try, 1);
  const mapIndex = wholeFlag("--map-index", o.mapIndex, 0);
  const client = await connect(io, o);
  let run = runId;
  if (run === undefined) {
    const latest = await client.latestDagRun(dagId);
    if (!latest) throw new CliError(`mlgen airflow logs: ${dagId} has no runs`);
    run = latest.dag_run_id;
  }
  const { AirflowMappedTaskError: Mapped } = await import("@mlgen/airflow-client");
  const log = await client
    .getTaskLog(dagId, run, taskId, {
      ...(tryNumber !== undefined ? { tryNumber } : {}),
      ...(mapIndex !== undefined ? { mapIndex } : {}),
    })
    .catch((e: unknown) => {
      if (e instanceof Mapped) throw mappedHint(e, `${taskId} of ${dagId} ${run}`);
      throw e;
    });
  if (o.json) {
    io.stdout(`${JSON.stringify(log, null, 2)}\n`);
    return 0;
  }
  if (log.tryNumber === 0) {
    // No log to show, as for a DAG without runs: a script reading it learns so from the code.
    io.stderr(`mlgen airflow logs: ${taskId} of ${dagId} ${run} has not run (no try, no log)\n`);
    return 1;
  }
  if (log.text !== "") io.stdout(`${log.text}\n`);
  if (!log.complete) {
    io.stderr(`mlgen airflow logs: try ${log.tryNumber} is still running; the log so far\n`);
  }
  return 0;
}

/**
 * A mapped task asked for without --map-index: which map indexes there are, which failed, and
 * the flag to pass (a failed one first: that is the log wanted).
 */
function mappedHint(e: AirflowMappedTaskError, what: string): CliError {
  const count = e.mapIndexCount;
  const failed = e.failedMapIndexes ?? [];
  if (count === 0) {
    return new CliError(
      `mlgen airflow logs: ${what} is a mapped task that expanded to no task instances: no log`,
    );
  }
  const list = (l: readonly number[]) =>
    l.length > 10 ? `${l.slice(0, 10).join(", ")}, … (${l.length})` : l.join(", ");
  const facts = [
    count === null
      ? ""
      : count === 1
        ? "1 task instance, map index 0"
        : `${count} task instances, map indexes 0 to ${count - 1}`,
    failed.length === 0 ? "" : `failed: ${list(failed)}`,
  ].filter((f) => f !== "");
  const fix =
    failed.length === 1
      ? `pass --map-index ${failed[0]}`
      : failed.length > 1
        ? `pass --map-index with one of the failed, e.g. --map-index ${failed[0]}`
        : "pass --map-index, e.g. --map-index 0";
  return new CliError(
    `mlgen airflow logs: ${what} is a mapped task${facts.length > 0 ? ` (${facts.join("; ")})` : ""}: each map index has its own log\n  fix: ${fix}`,
    2,
  );
}

export async function errorsCommand(io: CliIO, o: ConnectionOptions): Promise<number> {
  const client = await connect(io, o);
  const errors = await client.listImportErrors();
  if (o.json) {
    io.stdout(`${JSON.stringify(errors, null, 2)}\n`);
  } else if (errors.length === 0) {
    io.stdout("no import errors\n");
  } else {
    for (const e of errors) {
      const last = (e.stack_trace ?? "").trim().split("\n").at(-1) ?? "";
      io.stdout(`${e.filename ?? "?"}: ${last}\n`);
    }
  }
  return errors.length === 0 ? 0 : 1;
}
