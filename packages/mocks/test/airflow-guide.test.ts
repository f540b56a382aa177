import { createAirflowClient } from "@mlgen/airflow-client";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { createAirflowFake } from "../src/index.js";

// The DAG of docs/guides/testing-with-mocks.md ("How close to the real servers"), as the guide
// writes it: what the guide says of its run holds.

describe("the guide's DAG", () => {
  it("a sensor rescheduled twice, a fan-out four at a time with one shard failing, a cleanup: the run succeeds by its leaf", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const airflow = createAirflowFake({ clock });
    airflow.addDag({
      dagId: "train_churn",
      tasks: [
        {
          taskId: "wait_for_export",
          operator: "FileSensor",
          reschedules: 2,
          pokeIntervalMs: 60_000,
        },
        {
          taskId: "list_shards",
          upstream: ["wait_for_export"],
          xcom: { return_value: ["a", "b", "c", "d", "e"] },
        },
        { taskId: "train_shard", expand: { task: "list_shards" }, maxActiveTisPerDagrun: 4 },
        { taskId: "cleanup", upstream: ["train_shard"], triggerRule: "all_done" },
      ],
      script: { "train_shard[2]": { state: "failed", error: "ValueError: empty shard" } },
    });
    const client = createAirflowClient({
      baseUrl: airflow.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: airflow.fetch,
      clock,
    });
    await client.triggerDagRun("train_churn", { runId: "r1" });
    // Between pokes, the sensor waits up_for_reschedule.
    clock.advance(2_000);
    const sensor = await client.api.GET(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
      { params: { path: { dag_id: "train_churn", dag_run_id: "r1", task_id: "wait_for_export" } } },
    );
    expect(sensor.data?.state).toBe("up_for_reschedule");
    // Four shards at once, the fifth scheduled.
    clock.advance(120_000 + 2_100);
    const shards = await client.api.GET(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped",
      { params: { path: { dag_id: "train_churn", dag_run_id: "r1", task_id: "train_shard" } } },
    );
    expect(shards.data?.task_instances.map((t) => t.state)).toEqual([
      "running",
      "running",
      "running",
      "running",
      "scheduled",
    ]);
    const result = await client.waitForDagRun("train_churn", "r1", { timeoutMs: 600_000 });
    expect(result.state).toBe("success");
    expect(result.failedTaskInstances.map((t) => [t.task_id, t.map_index])).toEqual([
      ["train_shard", 2],
    ]);
    const log = await client.getTaskLog(
      "train_churn",
      "r1",
      result.failedTaskInstances[0] as never,
    );
    expect(JSON.stringify(log)).toContain("empty shard");
  });
});
