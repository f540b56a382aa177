/**
 * `mlgen dev run <pipeline>`: compile the project, wait until the stack's dag-processor has
 * parsed the new DAG file, set the Airflow variables given, trigger a run through the Airflow
 * client, show each task's state as it changes, and print the MLflow runs the DAG run logged
 * (the generated tasks tag them with airflow.dag_id and airflow.run_id) with their metrics.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { TaskInstance } from "@mlgen/airflow-client";
import { CliError, type CliIO } from "../io.js";
import { sameProcess, sleep } from "./procs.js";
import { seconds } from "./stack.js";
import { devPaths, readState, shown } from "./state.js";

export interface DevRunOptions {
  readonly config?: string;
  /** `key=value` Airflow variables set before the run. */
  readonly var?: readonly string[];
  /** The run's conf (DAG params), a JSON object. */
  readonly conf?: string;
  /** Seconds to wait for the run. Default 1800. */
  readonly timeout?: string;
}

function variables(pairs: readonly string[]): { key: string; value: string }[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new CliError(
        `mlgen dev run: --var ${pair} is not key=value\n  fix: --var data_dir=/tmp/data`,
        2,
      );
    }
    return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
}

/** DAG files the last compile wrote, from its manifest: what `run` can be given. */
function compiledDags(folder: string): string[] {
  try {
    const manifest = JSON.parse(readFileSync(join(folder, ".mlgen-manifest.json"), "utf8")) as {
      files?: string[];
    };
    return (manifest.files ?? [])
      .filter((f) => !f.includes("/") && f.endsWith(".py"))
      .map((f) => f.slice(0, -3));
  } catch {
    return [];
  }
}

const clock = () => new Date().toTimeString().slice(0, 8);
const taskKey = (t: TaskInstance) =>
  t.map_index >= 0 ? `${t.task_id}[${t.map_index}]` : t.task_id;

export async function devRunCommand(
  io: CliIO,
  pipeline: string,
  options: DevRunOptions,
): Promise<number> {
  const vars = variables(options.var ?? []);
  const { runConf } = await import("../commands/airflow.js");
  const conf = runConf(options.conf, "mlgen dev run");
  const timeoutMs = seconds(options.timeout, 1800, "--timeout") * 1000;
  const paths = devPaths(io, options.config);
  const state = readState(io, paths);
  if (!state) {
    throw new CliError(
      "mlgen dev run: no dev stack is running for this project\n  fix: mlgen dev up",
    );
  }
  const dead = state.processes.filter((p) => !sameProcess(p.pid, p.started));
  if (dead.length > 0) {
    throw new CliError(
      `mlgen dev run: the dev stack is partly down (${dead.map((p) => p.name).join(", ")} exited)\n  fix: mlgen dev down, then mlgen dev up`,
    );
  }

  const { compileCommand } = await import("../commands/compile.js");
  const compiled = await compileCommand(io, [], { config: paths.config });
  if (compiled !== 0) return compiled;
  const dagFile = join(state.dagsFolder, `${pipeline}.py`);
  if (!existsSync(dagFile)) {
    const known = compiledDags(state.dagsFolder);
    throw new CliError(
      `mlgen dev run: no pipeline '${pipeline}' in ${shown(io, state.dagsFolder)}\n  fix: ${known.length ? `run one of: ${known.join(", ")}` : "check the pipeline id (the first argument of pipeline())"}`,
    );
  }

  const { createAirflowClient } = await import("@mlgen/airflow-client");
  const client = createAirflowClient({
    baseUrl: state.airflow.url,
    auth: { username: state.airflow.username, password: state.airflow.password },
  });

  // The dag-processor parses the folder every few seconds; wait for this version of the file.
  const written = statSync(dagFile).mtimeMs;
  const parseDeadline = Date.now() + 180_000;
  let said = false;
  for (;;) {
    const { data, response } = await client.api.GET("/api/v2/dags/{dag_id}", {
      params: { path: { dag_id: pipeline } },
    });
    const parsedAt = data?.last_parsed_time ? Date.parse(data.last_parsed_time) : 0;
    if (response.ok && parsedAt >= written - 1000) break;
    const failed = (await client.listImportErrors()).find(
      (e) =>
        (e.filename ?? "").endsWith(`${pipeline}.py`) && Date.parse(e.timestamp) >= written - 1000,
    );
    if (failed) {
      throw new CliError(
        `mlgen dev run: Airflow cannot import ${shown(io, dagFile)}:\n${(failed.stack_trace ?? "").trimEnd()}\n  fix: correct the cause above (a task module's import, a missing package: mlgen dev up --requirements), then run again`,
      );
    }
    if (Date.now() > parseDeadline) {
      throw new CliError(
        `mlgen dev run: Airflow has not parsed ${shown(io, dagFile)} after 180 s\n  fix: check ${shown(io, join(paths.logs, "dag-processor.log"))}`,
      );
    }
    if (!said) {
      io.stderr(`mlgen dev: waiting for Airflow to parse ${shown(io, dagFile)}…\n`);
      said = true;
    }
    await sleep(1000);
  }

  if (vars.length > 0) {
    const { response } = await client.api.PATCH("/api/v2/variables", {
      body: {
        actions: [{ action: "create", action_on_existence: "overwrite", entities: vars }],
      },
    });
    if (!response.ok) {
      throw new CliError(`mlgen dev run: Airflow refused the variables (HTTP ${response.status})`);
    }
  }
  if (conf) await unknownConfKeys(io, client, pipeline, conf);
  await client.setDagPaused(pipeline, false);
  // A logical date, as the Airflow UI sets one: without it Airflow 3 leaves ds, ts and the data
  // interval out of the context, and templates that read them fail.
  const run = await client.triggerDagRun(pipeline, {
    ...(conf ? { conf } : {}),
    logicalDate: new Date().toISOString(),
  });
  io.stdout(`mlgen dev: triggered ${pipeline} ${run.dag_run_id}\n`);

  const seen = new Map<string, string>();
  const result = await client.waitForDagRun(pipeline, run.dag_run_id, {
    timeoutMs,
    pollIntervalMs: 1000,
    onProgress: (_, tis) => {
      for (const t of [...tis].sort((a, b) => taskKey(a).localeCompare(taskKey(b)))) {
        const now = t.state ?? "none";
        if (seen.get(taskKey(t)) === now) continue;
        seen.set(taskKey(t), now);
        if (now === "none" || now === "scheduled") continue;
        const took =
          t.duration !== null && t.duration !== undefined ? ` (${t.duration.toFixed(1)} s)` : "";
        io.stdout(`  ${clock()}  ${taskKey(t).padEnd(28)} ${now}${took}\n`);
      }
    },
  });
  io.stdout(`mlgen dev: ${pipeline} ${run.dag_run_id} ${result.state}\n`);
  if (result.state !== "success") {
    // The end of each failed task's log (its traceback), each mapped instance by its index, as
    // `mlgen airflow status` shows them; the whole logs stay in the stack's Airflow home.
    const { printFailedLogs } = await import("../commands/airflow.js");
    await printFailedLogs(io, client, run, result.failedTaskInstances);
    io.stdout(
      `  whole logs: ${shown(io, join(paths.airflowHome, "logs", `dag_id=${pipeline}`, `run_id=${run.dag_run_id}`))}\n`,
    );
  }

  const { createMlflowClient, runFilter, toArray } = await import("@mlgen/mlflow-client");
  const mlflow = createMlflowClient({ trackingUri: state.mlflow.url, env: {} });
  const experiments = await toArray(mlflow.searchExperiments());
  const runs =
    experiments.length === 0
      ? []
      : await toArray(
          mlflow.searchRuns({
            experimentIds: experiments.map((e) => e.experiment_id),
            filter: runFilter()
              .tag("airflow.dag_id", "=", pipeline)
              .tag("airflow.run_id", "=", run.dag_run_id)
              .toString(),
            orderBy: ["attributes.start_time"],
          }),
        );
  if (runs.length === 0) {
    io.stdout("  no MLflow runs from this DAG run (tasks with `mlflow: true` log one)\n");
  }
  for (const r of runs) {
    io.stdout(
      `MLflow run ${r.info.run_id} (${mlflowRunTask(r.data?.tags ?? [])}, ${r.info.status}): ${state.mlflow.url}/#/experiments/${r.info.experiment_id}/runs/${r.info.run_id}\n`,
    );
    for (const m of [...(r.data?.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key))) {
      io.stdout(`  ${m.key.padEnd(28)} ${m.value}\n`);
    }
  }
  return result.state === "success" ? 0 : 1;
}

/**
 * Conf keys that are no param of the DAG: Airflow takes them (a template can read
 * dag_run.conf), and the tasks read the param's default, so a typo (`treshold`) runs silently
 * with the default. Said on stderr, with the param meant.
 */
export async function unknownConfKeys(
  io: CliIO,
  client: import("@mlgen/airflow-client").AirflowClient,
  pipeline: string,
  conf: Record<string, unknown>,
): Promise<void> {
  const { data } = await client.api.GET("/api/v2/dags/{dag_id}/details", {
    params: { path: { dag_id: pipeline } },
  });
  const params = Object.keys((data?.params ?? {}) as Record<string, unknown>);
  const { closestName } = await import("@mlgen/core/light");
  for (const key of Object.keys(conf).filter((k) => !params.includes(k))) {
    const meant = closestName(key, params);
    io.stderr(
      `mlgen dev run: conf key '${key}' is no param of ${pipeline}${meant ? ` (did you mean '${meant}'?)` : ""}; Airflow passes it on, and its tasks read ${params.length > 0 ? `their params' defaults (${params.join(", ")})` : "no param"}\n`,
    );
  }
}

/**
 * Which task instance logged an MLflow run, from the tags the generated DAG sets: `task
 * train[1], try 2` (the map index and a retry's try, when there are), so a DAG run's four
 * `train` runs are told apart.
 */
export function mlflowRunTask(tags: readonly { key: string; value: string }[]): string {
  const tag = (key: string) => tags.find((t) => t.key === key)?.value;
  const index = tag("airflow.map_index");
  const tryNumber = Number(tag("airflow.try_number") ?? "1");
  return `task ${tag("airflow.task_id") ?? "?"}${index !== undefined ? `[${index}]` : ""}${tryNumber > 1 ? `, try ${tryNumber}` : ""}`;
}
