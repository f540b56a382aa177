/**
 * Tests of the service in src/promote.ts with no server: @mlgen/mocks puts stateful fakes of
 * Airflow and MLflow behind msw, the clients are the real ones, and the assertions read the
 * fakes' state. Run: `npm test` in this folder (or the repository's whole suite).
 */
import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient, toArray } from "@mlgen/mlflow-client";
import { mlflowHttp, rateLimited, serviceUnavailable } from "@mlgen/mocks";
import { setupMlgenMocks } from "@mlgen/mocks/vitest";
import { beforeEach, describe, expect, it } from "vitest";
import { retrainAndPromote } from "../src/promote.js";

// Both fakes behind msw's setupServer for this file: listening before the tests, emptied after
// each. Tasks of a DAG run take 5 ms each on the real clock.
const mocks = setupMlgenMocks({ airflow: { taskDurationMs: 5 } });

const OPTIONS = {
  dagId: "train_churn",
  experimentName: "churn",
  modelName: "churn-classifier",
  metric: "accuracy",
  minimum: 0.85,
  pollIntervalMs: 10,
};

function clients() {
  return {
    airflow: createAirflowClient({
      baseUrl: mocks.airflow.baseUrl,
      auth: { username: "admin", password: "admin" },
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    }),
    mlflow: createMlflowClient({
      trackingUri: mocks.mlflow.baseUrl,
      env: {},
      retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 },
    }),
  };
}

beforeEach(() => {
  mocks.airflow.addDag({
    dagId: "train_churn",
    tasks: [{ taskId: "extract" }, { taskId: "fit", upstream: ["extract"] }],
  });
  const experimentId = mocks.mlflow.seed.experiment({ name: "churn" });
  for (const [runName, accuracy] of [
    ["logreg", 0.81],
    ["xgboost", 0.93],
    ["forest", 0.88],
  ] as const) {
    const runId = mocks.mlflow.seed.run({
      experimentId,
      runName,
      status: "FINISHED",
      metrics: { accuracy },
    });
    // The run's model, as `mlflow.sklearn.log_model(model, name="model")` logs it in MLflow 3:
    // a logged model of the run, its files outside the run's artifacts.
    mocks.mlflow.seed.loggedModel(runId, { name: "model" });
  }
});

describe("retrainAndPromote", () => {
  it("triggers training, then promotes the best finished run to champion", async () => {
    const { airflow, mlflow } = clients();
    const result = await retrainAndPromote(airflow, mlflow, OPTIONS);
    expect(result).toMatchObject({ outcome: "promoted", version: "1", value: 0.93 });
    const best = mocks.mlflow.runs().find((r) => r.info.run_name === "xgboost");
    expect(result.outcome === "promoted" && result.runId).toBe(best?.info.run_id);
    expect(mocks.mlflow.registeredModel("churn-classifier")?.aliases).toEqual([
      { alias: "champion", version: "1" },
    ]);
    // runs:/<run>/model is registered as the run's logged model, as Python's register_model
    // registers it (a version of the runs:/ URI itself would hold no MLmodel to load).
    const [model] = await toArray(
      mlflow.searchLoggedModels({
        experimentIds: [best?.info.experiment_id as string],
        filter: `source_run_id = '${best?.info.run_id}' AND name = 'model'`,
      }),
    );
    expect(mocks.mlflow.modelVersion("churn-classifier", "1")).toMatchObject({
      source: `models:/${model?.info.model_id}`,
      run_id: best?.info.run_id,
    });
  });

  it("never promotes a run whose metric is NaN or Infinity", async () => {
    const experimentId = mocks.mlflow.experimentByName("churn")?.experiment_id as string;
    for (const [runName, accuracy] of [
      ["diverged", Number.POSITIVE_INFINITY],
      ["broken", Number.NaN],
    ] as const) {
      mocks.mlflow.seed.run({ experimentId, runName, status: "FINISHED", metrics: { accuracy } });
    }
    const { airflow, mlflow } = clients();
    const result = await retrainAndPromote(airflow, mlflow, OPTIONS);
    const best = mocks.mlflow.runs().find((r) => r.info.run_name === "xgboost");
    expect(result).toEqual({
      outcome: "promoted",
      runId: best?.info.run_id,
      version: "1",
      value: 0.93,
    });
  });

  it("keeps the champion when the best run already is it", async () => {
    const { airflow, mlflow } = clients();
    await retrainAndPromote(airflow, mlflow, OPTIONS);
    const again = await retrainAndPromote(airflow, mlflow, OPTIONS);
    expect(again).toEqual({ outcome: "kept", reason: "the best run is already the champion" });
    expect(mocks.mlflow.modelVersion("churn-classifier", "2")).toBeUndefined();
  });

  it("reports the failed tasks and promotes nothing when training fails", async () => {
    mocks.airflow.setScript("train_churn", { fit: "failed" });
    const { airflow, mlflow } = clients();
    const result = await retrainAndPromote(airflow, mlflow, OPTIONS);
    expect(result).toEqual({ outcome: "training-failed", failedTasks: ["fit"] });
    expect(mocks.mlflow.registeredModel("churn-classifier")).toBeUndefined();
  });

  it("stops, promoting nothing, when the registry cannot say who the champion is", async () => {
    // The registry's database is down: MLflow's 503, on every try.
    mocks.use(
      mlflowHttp().get("/api/2.0/mlflow/registered-models/alias", ({ response }) =>
        response("default").json(
          {
            error_code: "TEMPORARILY_UNAVAILABLE",
            message: "(sqlite3.OperationalError) database is locked",
          },
          { status: 503 },
        ),
      ),
    );
    const { airflow, mlflow } = clients();
    await expect(retrainAndPromote(airflow, mlflow, OPTIONS)).rejects.toMatchObject({
      status: 503,
      errorCode: "TEMPORARILY_UNAVAILABLE",
    });
    expect(mocks.mlflow.registeredModel("churn-classifier")).toBeUndefined();
  });

  it("rides out a flapping Airflow and a rate-limited MLflow", async () => {
    const flaps = serviceUnavailable({ url: mocks.airflow.baseUrl, method: "GET", times: 2 });
    const limited = rateLimited({ url: mocks.mlflow.baseUrl, retryAfterSeconds: 0, times: 1 });
    mocks.use(flaps, limited);
    const { airflow, mlflow } = clients();
    const result = await retrainAndPromote(airflow, mlflow, OPTIONS);
    expect(result.outcome).toBe("promoted");
    expect(flaps.hits()).toBe(2);
    expect(limited.hits()).toBe(1);
  });
});
