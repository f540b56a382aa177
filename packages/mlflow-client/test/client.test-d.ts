/** The helpers' option types, checked by `tsc` in the types project. */
import { describe, expectTypeOf, it } from "vitest";
import { createMlflowClient, type MlflowClient, type ModelVersion } from "../src/index.js";

describe("registerModel", () => {
  it("resolves only with a READY version", () => {
    type Registered = Awaited<ReturnType<MlflowClient["registerModel"]>>;
    expectTypeOf<Registered["status"]>().toEqualTypeOf<"READY">();
    // Still a model version, for whatever takes one.
    expectTypeOf<Registered>().toMatchTypeOf<ModelVersion>();
  });
});

describe("options", () => {
  it("take a field that may be undefined, under exactOptionalPropertyTypes", () => {
    const given: { timeoutMs?: number; uri?: string; id?: string; name?: string; n?: number } = {};
    const mlflow = createMlflowClient({
      trackingUri: given.uri,
      auth: undefined,
      env: undefined,
      timeoutMs: given.timeoutMs,
      retry: { retries: given.n, maxDelayMs: undefined },
    });
    void mlflow.registerModel("m", {
      source: "runs:/r/model",
      runId: given.id,
      description: undefined,
      timeoutMs: given.timeoutMs,
    });
    void mlflow.withRun(() => 1, { experimentId: given.id, runName: given.name });
    void mlflow.logBatch("r", {}, { concurrency: given.n, truncateLongValues: undefined });
    void mlflow.createRun({ experimentId: "1", runName: given.name, startTime: given.n });
    void mlflow.getOrCreateExperiment("e", { artifactLocation: given.uri });
    mlflow.searchRuns({ experimentIds: ["1"], filter: given.name, pageSize: given.n });
    mlflow.searchExperiments({ filter: given.name, viewType: undefined, limit: given.n });
  });
});
