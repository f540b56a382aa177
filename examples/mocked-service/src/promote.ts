/**
 * The service under test: retrain a model with Airflow, then promote the best MLflow run of the
 * experiment to the registry's `champion` alias if it beats the current champion. It only talks
 * to the two typed clients, so in tests the clients point at @mlgen/mocks' fakes.
 */
import type { AirflowClient } from "@mlgen/airflow-client";
import { type MlflowClient, metricValue, runFilter, toArray } from "@mlgen/mlflow-client";

export interface PromoteOptions {
  readonly dagId: string;
  readonly experimentName: string;
  readonly modelName: string;
  /** The metric to maximize, e.g. "accuracy". */
  readonly metric: string;
  /** A run must reach at least this to be promoted. */
  readonly minimum: number;
  /** Poll interval while waiting for the DAG run (ms). */
  readonly pollIntervalMs?: number;
}

export type PromoteResult =
  | {
      readonly outcome: "promoted";
      readonly runId: string;
      readonly version: string;
      readonly value: number;
    }
  | { readonly outcome: "kept"; readonly reason: string }
  | { readonly outcome: "training-failed"; readonly failedTasks: readonly string[] };

export async function retrainAndPromote(
  airflow: AirflowClient,
  mlflow: MlflowClient,
  opts: PromoteOptions,
): Promise<PromoteResult> {
  const run = await airflow.triggerDagRun(opts.dagId, {
    conf: { experiment: opts.experimentName },
  });
  const done = await airflow.waitForDagRun(opts.dagId, run.dag_run_id, {
    pollIntervalMs: opts.pollIntervalMs ?? 2000,
  });
  if (done.state !== "success") {
    return {
      outcome: "training-failed",
      failedTasks: done.failedTaskInstances.map((t) => t.task_id),
    };
  }

  const experiment = await mlflow.getExperimentByName(opts.experimentName);
  if (!experiment)
    return { outcome: "kept", reason: `experiment ${opts.experimentName} does not exist` };
  const [best] = await toArray(
    mlflow.searchRuns({
      experimentIds: [experiment.experiment_id as string],
      filter: runFilter()
        .status("=", "FINISHED")
        .metric(opts.metric, ">=", opts.minimum)
        // A run that logged +Infinity (a diverged or broken evaluation) is no candidate: MLflow's
        // SQL store keeps it as the largest double, which would top the order below.
        .metric(opts.metric, "<", Number.MAX_VALUE)
        .toString(),
      orderBy: [`metrics.${opts.metric} DESC`],
      limit: 1,
    }),
  );
  if (!best)
    return { outcome: "kept", reason: `no finished run reaches ${opts.metric} ≥ ${opts.minimum}` };
  // The API sends NaN and ±Infinity as "NaN", "Infinity" and "-Infinity": read it as a number,
  // and promote only a real score (another store may send what the filter above cannot catch).
  const logged = best.data?.metrics?.find((m) => m.key === opts.metric)?.value;
  const value = logged === undefined ? Number.NaN : metricValue(logged);
  if (!Number.isFinite(value))
    return {
      outcome: "kept",
      reason: `the best run's ${opts.metric} is ${logged ?? "missing"}, not a finite number`,
    };

  // null when there is no champion yet (or no model); an outage is thrown, not taken for that.
  const champion = await mlflow.findModelVersionByAlias(opts.modelName, "champion");
  if (champion !== null && champion.run_id === best.info?.run_id)
    return { outcome: "kept", reason: "the best run is already the champion" };

  const runId = best.info?.run_id as string;
  const version = await mlflow.registerModel(opts.modelName, {
    source: `runs:/${runId}/model`,
    runId,
    pollIntervalMs: 10,
  });
  await mlflow.setAlias(opts.modelName, "champion", version.version as string);
  return { outcome: "promoted", runId, version: version.version as string, value };
}
