import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowDagSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Concurrency limits as Airflow 3.3.2's scheduler applies them when it queues task instances
// (scheduler_job_runner.py _executable_task_instances_to_queued, ConcurrencyMap): the DAG's
// max_active_tasks per run, a task's max_active_tis_per_dag across runs and
// max_active_tis_per_dagrun in one run, counting queued and running task instances; one that
// would go past a limit stays scheduled until one ends. The parity test runs the first two on
// a real Airflow.

async function setup(spec: AirflowDagSpec, runs = ["r1"]) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 10_000 });
  fake.addDag(spec);
  const call = await loggedIn(fake);
  for (const id of runs) {
    await call("POST", `/api/v2/dags/${spec.dagId}/dagRuns`, {
      dag_run_id: id,
      logical_date: null,
    });
  }
  const states = async (run = "r1") =>
    (
      await call("GET", `/api/v2/dags/${spec.dagId}/dagRuns/${run}/taskInstances`)
    ).body.task_instances.map(
      (t: { task_id: string; map_index: number; state: string }) =>
        `${t.task_id}${t.map_index >= 0 ? `[${t.map_index}]` : ""} ${t.state}`,
    );
  return { clock, fake, call, states };
}

describe("Airflow fake: concurrency limits", () => {
  it("max_active_tasks holds a run's other task instances scheduled while one runs", async () => {
    const { clock, states } = await setup({
      dagId: "limited",
      maxActiveTasks: 1,
      tasks: [{ taskId: "a" }, { taskId: "b" }],
    });
    clock.advance(100);
    expect(await states()).toEqual(["a running", "b scheduled"]);
    clock.advance(10_000);
    expect(await states()).toEqual(["a success", "b running"]);
  });

  it("max_active_tis_per_dagrun bounds a mapped task's width in a run", async () => {
    const { clock, fake, states } = await setup({
      dagId: "limited",
      tasks: [{ taskId: "shard", expand: 4, maxActiveTisPerDagrun: 2 }],
    });
    clock.advance(100);
    expect(await states()).toEqual([
      "shard[0] running",
      "shard[1] running",
      "shard[2] scheduled",
      "shard[3] scheduled",
    ]);
    fake.settle();
    expect(await states()).toEqual([
      "shard[0] success",
      "shard[1] success",
      "shard[2] success",
      "shard[3] success",
    ]);
  });

  it("max_active_tis_per_dag counts the task's instances across runs", async () => {
    const { clock, states } = await setup(
      { dagId: "limited", tasks: [{ taskId: "train", maxActiveTisPerDag: 1 }] },
      ["r1", "r2"],
    );
    clock.advance(100);
    expect([...(await states("r1")), ...(await states("r2"))]).toEqual([
      "train running",
      "train scheduled",
    ]);
    clock.advance(10_000);
    expect([...(await states("r1")), ...(await states("r2"))]).toEqual([
      "train success",
      "train running",
    ]);
  });

  it("a run marked failed frees its slots for the waiters of other runs", async () => {
    const { clock, call, states } = await setup(
      { dagId: "limited", tasks: [{ taskId: "train", maxActiveTisPerDag: 1 }] },
      ["r1", "r2"],
    );
    clock.advance(100);
    await call("PATCH", "/api/v2/dags/limited/dagRuns/r1", { state: "failed" });
    clock.advance(10);
    expect(await states("r2")).toEqual(["train running"]);
  });

  it("addDag refuses a limit below 1", () => {
    const fake = createAirflowFake();
    expect(() => fake.addDag({ dagId: "x", maxActiveTasks: 0, tasks: [{ taskId: "t" }] })).toThrow(
      /whole maxActiveTasks ≥ 1/,
    );
    expect(() =>
      fake.addDag({ dagId: "x", tasks: [{ taskId: "t", maxActiveTisPerDagrun: 1.5 }] }),
    ).toThrow(/whole maxActiveTisPerDagrun ≥ 1/);
  });
});

describe("Airflow fake: who goes when a slot frees", () => {
  it("the highest priority_weight, not the task that waited longest (the scheduler ranks them in one pass)", async () => {
    const { clock, states } = await setup({
      dagId: "limited",
      maxActiveTasks: 1,
      // a → b → c outranks x (priority_weight 3, 2, 1 against 1).
      tasks: [
        { taskId: "a" },
        { taskId: "b", upstream: ["a"] },
        { taskId: "c", upstream: ["b"] },
        { taskId: "x" },
      ],
    });
    clock.advance(100);
    expect(await states()).toEqual(["a running", "b null", "c null", "x scheduled"]);
    clock.advance(10_000);
    expect(await states()).toEqual(["a success", "b running", "c null", "x scheduled"]);
  });
});
