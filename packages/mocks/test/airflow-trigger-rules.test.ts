import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Trigger rules as Airflow 3.3.2's TriggerRuleDep applies them (ti_deps/deps/trigger_rule_dep.py,
// with flag_upstream_failed as the scheduler runs it), and a run's state from its leaves
// (models/dagrun.py update_state, _tis_for_dagrun_state). The parity test
// (test/engines/mocks-airflow-parity.test.ts) runs the same DAG against a real Airflow.

const TIS = "/api/v2/dags/rules/dagRuns/r1/taskInstances";

async function run(tasks: AirflowTaskSpec[], script = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({ dagId: "rules", tasks, script });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/rules/dagRuns", { dag_run_id: "r1", logical_date: null });
  return { clock, fake, call };
}

const states = async (call: Awaited<ReturnType<typeof run>>["call"]) =>
  Object.fromEntries(
    (await call("GET", TIS)).body.task_instances.map((t: { task_id: string; state: string }) => [
      t.task_id,
      t.state,
    ]),
  );

const BOTH = ["ok", "bad"];

describe("Airflow fake: trigger rules", () => {
  it("each rule after one success and one failure, and after a skipped task", async () => {
    const { fake, call } = await run(
      [
        { taskId: "ok" },
        { taskId: "bad" },
        { taskId: "cleanup", upstream: BOTH, triggerRule: "all_done" },
        { taskId: "alert", upstream: BOTH, triggerRule: "one_failed" },
        { taskId: "any_ok", upstream: BOTH, triggerRule: "one_success" },
        { taskId: "none_failed", upstream: BOTH, triggerRule: "none_failed" },
        { taskId: "min_one", upstream: BOTH, triggerRule: "none_failed_min_one_success" },
        { taskId: "one_done", upstream: BOTH, triggerRule: "one_done" },
        { taskId: "done_min_one", upstream: BOTH, triggerRule: "all_done_min_one_success" },
        { taskId: "always", upstream: BOTH, triggerRule: "always" },
        { taskId: "all_failed", upstream: BOTH, triggerRule: "all_failed" },
        { taskId: "no_skips", upstream: ["all_failed"], triggerRule: "none_skipped" },
        { taskId: "all_skipped", upstream: ["all_failed"], triggerRule: "all_skipped" },
        { taskId: "after_skip", upstream: ["all_failed"] },
      ],
      { bad: "failed" },
    );
    fake.settle();
    expect(await states(call)).toEqual({
      ok: "success",
      bad: "failed",
      cleanup: "success",
      alert: "success",
      any_ok: "success",
      none_failed: "upstream_failed",
      min_one: "upstream_failed",
      one_done: "success",
      done_min_one: "success",
      always: "success",
      all_failed: "skipped",
      no_skips: "skipped",
      all_skipped: "success",
      after_skip: "skipped",
    });
    // A leaf upstream_failed (none_failed): the run failed.
    expect((await call("GET", "/api/v2/dags/rules/dagRuns/r1")).body.state).toBe("failed");
  });

  it("one_success runs as soon as one upstream task succeeded; always at once", async () => {
    const { clock, call } = await run([
      { taskId: "fast", durationMs: 1_000 },
      { taskId: "slow", durationMs: 60_000 },
      { taskId: "first", upstream: ["fast", "slow"], triggerRule: "one_success" },
      { taskId: "now", upstream: ["fast", "slow"], triggerRule: "always" },
    ]);
    clock.advance(10);
    expect((await states(call)).now).toBe("running");
    clock.advance(2_000);
    const mid = await states(call);
    // first ran (1 s) and ended while slow still runs.
    expect([mid.slow, mid.first]).toEqual(["running", "success"]);
  });

  it("a run whose failed task is followed by a leaf that ran anyway (all_done) succeeds, as Airflow judges a run by its leaves", async () => {
    const { fake, call } = await run(
      [{ taskId: "train" }, { taskId: "cleanup", upstream: ["train"], triggerRule: "all_done" }],
      { train: "failed" },
    );
    fake.settle();
    expect(await states(call)).toEqual({ train: "failed", cleanup: "success" });
    expect((await call("GET", "/api/v2/dags/rules/dagRuns/r1")).body.state).toBe("success");
  });

  it("a mapped task let through by all_done after the task it maps over failed is upstream_failed (MappedTaskUpstreamDep)", async () => {
    const { fake, call } = await run(
      [
        { taskId: "list_shards", xcom: { return_value: [1, 2] } },
        { taskId: "each", expand: { task: "list_shards" }, triggerRule: "all_done" },
      ],
      { list_shards: "failed" },
    );
    fake.settle();
    const each = (await call("GET", `${TIS}/each`)).body;
    // Set with set_state, as the dependency sets it: dated.
    expect([each.map_index, each.state, typeof each.start_date]).toEqual([
      -1,
      "upstream_failed",
      "string",
    ]);
  });

  it("a mapped task a rule lets run before the mapped task it maps over has finished is upstream_failed, undated (nothing to count yet)", async () => {
    const { clock, call } = await run(
      [
        { taskId: "m1", expand: 3, xcom: (i) => ({ return_value: i }) },
        { taskId: "m2", expand: { task: "m1" }, triggerRule: "one_success" },
      ],
      { "m1[1]": { state: "success", durationMs: 60_000 } },
    );
    clock.advance(2_000);
    const m2 = (await call("GET", `${TIS}/m2`)).body;
    expect([m2.map_index, m2.state, m2.start_date]).toEqual([-1, "upstream_failed", null]);
  });

  it("a task that returns None pushes no return value: a map over it has an item fewer", async () => {
    const { fake, call } = await run([
      { taskId: "m1", expand: 2, xcom: (i) => ({ return_value: i === 1 ? null : "x" }) },
      { taskId: "m2", expand: { task: "m1" } },
    ]);
    fake.settle();
    expect((await call("GET", `${TIS}/m1/xcomEntries/return_value?map_index=1`)).status).toBe(404);
    expect((await call("GET", `${TIS}/m2/listMapped`)).body.total_entries).toBe(1);
  });

  it("an EmptyOperator is success as soon as it is scheduled, never queued or run", async () => {
    const { clock, call } = await run([
      { taskId: "work" },
      { taskId: "marker", operator: "EmptyOperator", upstream: ["work"] },
      { taskId: "after", upstream: ["marker"] },
    ]);
    clock.advance(1_003);
    const marker = (await call("GET", `${TIS}/marker`)).body;
    expect(marker).toMatchObject({
      state: "success",
      try_number: 1,
      duration: 0,
      hostname: "",
      queued_when: null,
    });
    expect(marker.start_date).toBe(marker.end_date);
    expect((await call("GET", `${TIS}/after`)).body.state).not.toBe(null);
  });

  it("addDag names the rules it takes", () => {
    const fake = createAirflowFake();
    expect(() =>
      fake.addDag({
        dagId: "x",
        tasks: [{ taskId: "t", triggerRule: "all_done_or_not" as never }],
      }),
    ).toThrow(
      /trigger rule "all_done_or_not"; the fake takes all_success, .*all_done_setup_success/,
    );
  });
});
