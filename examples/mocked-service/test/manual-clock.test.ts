/**
 * The guide's manual-clock recipe (docs/guides/testing-with-mocks.md, "Time"): both fakes and
 * both clients on one manual clock (the clients' `clock` option). The clients' waits
 * (waitForDagRun's polls, registerModel's wait for READY) move the clock instead of sleeping, so
 * the DAG run's tasks take their second each on the clock and the test takes milliseconds.
 */
import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient } from "@mlgen/mlflow-client";
import { createManualClock } from "@mlgen/mocks";
import { setupMlgenMocks } from "@mlgen/mocks/vitest";
import { beforeEach, expect, it } from "vitest";
import { retrainAndPromote } from "../src/promote.js";

const clock = createManualClock("2025-01-01T00:00:00Z");
// Tasks take the fake's default second each; a model version is READY 30 ms after it is made.
const mocks = setupMlgenMocks({
  airflow: { clock },
  mlflow: { clock, registrationDelayMs: 30 },
});

function clients() {
  return {
    airflow: createAirflowClient({
      baseUrl: mocks.airflow.baseUrl,
      auth: { username: "admin", password: "admin" },
      clock,
    }),
    mlflow: createMlflowClient({
      trackingUri: mocks.mlflow.baseUrl,
      env: {},
      clock,
    }),
  };
}

beforeEach(() => {
  mocks.airflow.addDag({
    dagId: "train_churn",
    tasks: [{ taskId: "extract" }, { taskId: "fit", upstream: ["extract"] }],
  });
  const experimentId = mocks.mlflow.seed.experiment({ name: "churn" });
  const runId = mocks.mlflow.seed.run({
    experimentId,
    runName: "xgboost",
    status: "FINISHED",
    metrics: { accuracy: 0.93 },
  });
  // Its model, as MLflow 3's log_model(name="model") logs it: what runs:/<run>/model names.
  mocks.mlflow.seed.loggedModel(runId, { name: "model" });
});

it("promotes on the manual clock: the waits move it, nothing sleeps", {
  timeout: 10_000,
}, async () => {
  const { airflow, mlflow } = clients();
  const before = clock.now();
  const started = performance.now();
  const result = await retrainAndPromote(airflow, mlflow, {
    dagId: "train_churn",
    experimentName: "churn",
    modelName: "churn-classifier",
    metric: "accuracy",
    minimum: 0.85,
    // the service's default poll interval, 2 s: on the clock, not in real time
  });
  expect(result).toMatchObject({ outcome: "promoted", version: "1", value: 0.93 });
  // Two tasks of a second each passed on the clock, in polls of 2 s.
  expect(clock.now() - before).toBeGreaterThanOrEqual(2000);
  expect(mocks.mlflow.modelVersion("churn-classifier", "1")?.status).toBe("READY");
  expect(performance.now() - started).toBeLessThan(5000);
});

it("times a wait out on the clock too: a paused DAG's run is still queued a minute later", {
  timeout: 10_000,
}, async () => {
  mocks.airflow.addDag({ dagId: "paused", isPaused: true, tasks: [{ taskId: "t" }] });
  const { airflow } = clients();
  const run = await airflow.triggerDagRun("paused");
  const before = clock.now();
  const err = await airflow
    .waitForDagRun("paused", run.dag_run_id, { timeoutMs: 60_000 })
    .catch((e: unknown) => e);
  expect(err).toMatchObject({ name: "AirflowWaitTimeoutError", state: "queued", paused: true });
  expect(clock.now() - before).toBe(60_000);
});
