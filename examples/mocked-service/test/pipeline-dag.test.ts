/**
 * The same service against the DAG of a real mlgen pipeline: `airflowDagOf` (from
 * `@mlgen/mocks/pipeline`) gives the Airflow fake the DAG `mlgen compile` writes for the
 * production example (its sensor, validation, three models in a group, the branch on accuracy
 * and the join after it), so these tests follow the pipeline as it changes.
 */
import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient } from "@mlgen/mlflow-client";
import { airflowDagOf } from "@mlgen/mocks/pipeline";
import { setupMlgenMocks } from "@mlgen/mocks/vitest";
import { beforeEach, describe, expect, it } from "vitest";
import production from "../../production-pipeline/pipelines/production.pipeline.js";
import { retrainAndPromote } from "../src/promote.js";

const mocks = setupMlgenMocks({ airflow: { taskDurationMs: 5 } });

const OPTIONS = {
  dagId: "production_pipeline",
  experimentName: "production-pipeline",
  modelName: "production-classifier",
  metric: "accuracy",
  minimum: 0.85,
  pollIntervalMs: 10,
};

function clients() {
  return {
    airflow: createAirflowClient({
      baseUrl: mocks.airflow.baseUrl,
      auth: { username: "admin", password: "admin" },
    }),
    mlflow: createMlflowClient({ trackingUri: mocks.mlflow.baseUrl, env: {} }),
  };
}

beforeEach(() => {
  const experimentId = mocks.mlflow.seed.experiment({ name: "production-pipeline" });
  const runId = mocks.mlflow.seed.run({
    experimentId,
    runName: "gradient_boosting",
    status: "FINISHED",
    metrics: { accuracy: 0.91 },
  });
  mocks.mlflow.seed.loggedModel(runId, { name: "model" });
});

describe("retrainAndPromote on the production pipeline's DAG", () => {
  it("promotes after a run that took the deploy side of the branch", async () => {
    mocks.airflow.addDag(airflowDagOf(production, { outputs: { evaluate: { accuracy: 0.91 } } }));
    const { airflow, mlflow } = clients();
    expect(await retrainAndPromote(airflow, mlflow, OPTIONS)).toMatchObject({
      outcome: "promoted",
      value: 0.91,
    });
    const run = await airflow.latestDagRun("production_pipeline");
    const tis = await airflow.listTaskInstances("production_pipeline", run?.dag_run_id as string);
    const states = Object.fromEntries(tis.map((t) => [t.task_id, t.state]));
    expect(states).toMatchObject({
      "train.random_forest": "success",
      deploy: "success",
      request_retraining: "skipped",
      report: "success",
    });
  });

  it("reports the failed model and promotes nothing when one of the three fails", async () => {
    mocks.airflow.addDag(
      airflowDagOf(production, {
        // Retries as the pipeline sets them (2, two minutes apart): the fake's clock is real
        // time here, so the test gives the task no retries left to wait for.
        taskSpecs: { "train.random_forest": { retries: 0 } },
        script: { "train.random_forest": { state: "failed", error: "MemoryError" } },
      }),
    );
    const { airflow, mlflow } = clients();
    expect(await retrainAndPromote(airflow, mlflow, OPTIONS)).toEqual({
      outcome: "training-failed",
      failedTasks: ["train.random_forest"],
    });
    expect(mocks.mlflow.registeredModel("production-classifier")).toBeUndefined();
  });
});
