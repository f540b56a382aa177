import type { MlflowClient, ModelVersion, Run } from "@mlgen/mlflow-client";
import type { Command } from "commander";
import { CliError, type CliIO } from "../io.js";
import { devStack, retryNotice, table } from "./airflow.js";

export interface MlflowConnectionOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

const CLIENT_ERRORS = new Set([
  "MlflowApiError",
  "MlflowRequestError",
  "MlflowConfigError",
  "MlflowValidationError",
]);

/** Flags win over MLFLOW_TRACKING_* variables (the Python client's). Secrets are never printed. */
export async function connectMlflow(io: CliIO, o: MlflowConnectionOptions): Promise<MlflowClient> {
  const { createMlflowClient } = await import("@mlgen/mlflow-client");
  // Neither given: the stack `mlgen dev up` started for the project here.
  const url =
    o.url ?? (io.env.MLFLOW_TRACKING_URI ? undefined : (await devStack(io, "mlflow"))?.mlflow.url);
  if (!url && !io.env.MLFLOW_TRACKING_URI) {
    throw new CliError(
      "mlgen mlflow: no tracking server given\n  fix: pass --url http://host:5000 or set MLFLOW_TRACKING_URI (in a project whose `mlgen dev up` stack runs, its MLflow is used)",
    );
  }
  return createMlflowClient({
    env: io.env,
    ...(url ? { trackingUri: url } : {}),
    ...(o.token ? { auth: { token: o.token } } : {}),
    onRetry: retryNotice(io),
  });
}

/** What a 401 and a 403 from MLflow's basic-auth app mean, and what to do. */
const MLFLOW_UNAUTHENTICATED =
  "no credentials were sent, and the server wants a user and password (or a token): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, put them in ~/.mlflow/credentials, or pass --token / set MLFLOW_TRACKING_TOKEN";
const MLFLOW_REFUSED =
  "the server refused the credentials sent: check them (a user and password come from the tracking URL, MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD or ~/.mlflow/credentials, and win over a token from --token or MLFLOW_TRACKING_TOKEN, as in Python's client)";
const MLFLOW_FORBIDDEN =
  "the user is logged in but has no permission for this (MLflow's default is READ on other users' experiments): ask the experiment's owner or an admin to grant EDIT or MANAGE, or use your own experiment";

/** Whether the client sends credentials with these settings (as it resolves them). */
async function sendsCredentials(io: CliIO, o: MlflowConnectionOptions): Promise<boolean> {
  const { resolveConfig } = await import("@mlgen/mlflow-client");
  try {
    return (
      resolveConfig({
        env: io.env,
        ...(o.url ? { trackingUri: o.url } : {}),
        ...(o.token ? { auth: { token: o.token } } : {}),
      }).authorization !== null
    );
  } catch {
    return false;
  }
}

/** The client's own errors (server said no, no answer, bad settings) are one line, exit 1. */
async function oneLineErrors(
  io: CliIO,
  o: MlflowConnectionOptions,
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && CLIENT_ERRORS.has(e.name)) {
      const status = e.name === "MlflowApiError" ? (e as { status?: unknown }).status : undefined;
      const fix =
        status === 401
          ? (await sendsCredentials(io, o))
            ? MLFLOW_REFUSED
            : MLFLOW_UNAUTHENTICATED
          : status === 403
            ? MLFLOW_FORBIDDEN
            : null;
      throw new CliError(`mlgen: ${e.message}${fix ? `\n  fix: ${fix}` : ""}`);
    }
    throw e;
  }
}

const iso = (ms: number | undefined) => (ms ? `${new Date(ms).toISOString().slice(0, 19)}Z` : "");

/** Four significant digits; a value that rounding would push past the largest double as is. */
function short(value: number): string {
  const rounded = Number(value.toPrecision(4));
  return String(Number.isFinite(rounded) || !Number.isFinite(value) ? rounded : value);
}

function metricSummary(run: Run): string {
  return [...(run.data.metrics ?? [])]
    .sort((a, b) => a.key.localeCompare(b.key))
    .slice(0, 4)
    .map((m) => `${m.key}=${typeof m.value === "number" ? short(m.value) : m.value}`)
    .join(" ");
}

export async function runsCommand(
  io: CliIO,
  experiment: string,
  o: MlflowConnectionOptions & { filter?: string; orderBy?: string[]; max?: string },
): Promise<number> {
  const max = o.max === undefined ? 100 : Number(o.max);
  if (!Number.isInteger(max) || max <= 0) {
    throw new CliError(
      `mlgen mlflow runs: --max must be a positive integer, not ${o.max}\n  fix: --max 100`,
      2,
    );
  }
  return oneLineErrors(io, o, async () => {
    const client = await connectMlflow(io, o);
    const exp =
      (await client.getExperimentByName(experiment)) ??
      (/^\d+$/.test(experiment) ? await client.getExperiment(experiment) : null);
    if (!exp) {
      throw new CliError(
        `mlgen mlflow runs: no experiment named ${JSON.stringify(experiment)} at ${client.trackingUri}`,
      );
    }
    if (exp.lifecycle_stage === "deleted") {
      // Its runs went with it (deleted too): an empty table would say it has none.
      throw new CliError(
        `mlgen mlflow runs: experiment ${JSON.stringify(exp.name)} (id ${exp.experiment_id}) is deleted at ${client.trackingUri}; restore it to list its runs (mlflow experiments restore --experiment-id ${exp.experiment_id})`,
      );
    }
    const { toArray } = await import("@mlgen/mlflow-client");
    const runs = await toArray(
      client.searchRuns({
        experimentIds: [exp.experiment_id],
        limit: max,
        pageSize: Math.min(max, 1000),
        ...(o.filter ? { filter: o.filter } : {}),
        ...(o.orderBy?.length ? { orderBy: o.orderBy } : {}),
      }),
    );
    if (o.json) {
      io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
      return 0;
    }
    io.stdout(
      table(
        ["RUN ID", "NAME", "STATUS", "STARTED", "METRICS"],
        runs.map((r) => [
          r.info.run_id,
          r.info.run_name ?? "",
          r.info.status,
          iso(r.info.start_time),
          metricSummary(r),
        ]),
      ),
    );
    return 0;
  });
}

export async function modelsCommand(
  io: CliIO,
  name: string,
  o: MlflowConnectionOptions,
): Promise<number> {
  return oneLineErrors(io, o, async () => {
    const client = await connectMlflow(io, o);
    const { quoteValue, toArray } = await import("@mlgen/mlflow-client");
    const { data, error, response } = await client.api.GET(
      "/api/2.0/mlflow/registered-models/get",
      { params: { query: { name } } },
    );
    if (!response.ok || !data) {
      const { MlflowApiError } = await import("@mlgen/mlflow-client");
      throw MlflowApiError.fromBody(
        response.status,
        error,
        "GET",
        "/api/2.0/mlflow/registered-models/get",
      );
    }
    const aliases = new Map<string, string[]>();
    for (const a of data.registered_model.aliases ?? []) {
      aliases.set(a.version, [...(aliases.get(a.version) ?? []), a.alias]);
    }
    const versions: ModelVersion[] = (
      await toArray(client.searchModelVersions({ filter: `name = ${quoteValue(name)}` }))
    ).sort((a, b) => Number(b.version) - Number(a.version));
    if (o.json) {
      io.stdout(
        `${JSON.stringify(
          versions.map((v) => ({ ...v, aliases: aliases.get(v.version) ?? [] })),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    io.stdout(
      table(
        ["VERSION", "STATUS", "ALIASES", "RUN ID", "CREATED", "SOURCE"],
        versions.map((v) => [
          v.version,
          v.status,
          (aliases.get(v.version) ?? []).join(","),
          v.run_id ?? "",
          iso(v.creation_timestamp),
          v.source ?? "",
        ]),
      ),
    );
    return 0;
  });
}

/** Adds `mlgen mlflow runs|models` to the program; `setExit` receives each action's exit code. */
export function registerMlflow(program: Command, io: CliIO, setExit: (code: number) => void) {
  const mlflow = program
    .command("mlflow")
    .description(
      "read an MLflow tracking server (settings from flags or MLFLOW_TRACKING_URI/_TOKEN/_USERNAME/_PASSWORD)",
    );
  const connection = (c: Command) =>
    c
      .option("--url <uri>", "tracking server root, e.g. http://localhost:5000")
      .option("--token <token>", "a bearer token (prefer MLFLOW_TRACKING_TOKEN)")
      .option("--json", "print JSON instead of a table");
  connection(
    mlflow
      .command("runs")
      .description("runs of an experiment (by name or id), newest first unless --order-by")
      .argument("<experiment>", "experiment name or id")
      .option("--filter <filter>", 'MLflow filter string, e.g. "metrics.accuracy > 0.9"')
      .option(
        "--order-by <clause>",
        'e.g. "metrics.accuracy DESC" (repeatable)',
        (v: string, all: string[] = []) => [...all, v],
      )
      .option("--max <n>", "at most this many runs (default 100)"),
  ).action(async (experiment: string, options) => {
    setExit(await runsCommand(io, experiment, options));
  });
  connection(
    mlflow
      .command("models")
      .description("versions of a registered model, with their status and aliases")
      .argument("<name>", "registered model name"),
  ).action(async (name: string, options) => {
    setExit(await modelsCommand(io, name, options));
  });
}
