import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowDagScript, type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Setups and teardowns as Airflow 3.3.2 runs them: a teardown's trigger rule
// all_done_setup_success and its scope (ti_deps/deps/trigger_rule_dep.py), the setup constraint
// of the tasks after the work, a run judged without its teardowns (models/dagrun.py
// _tis_for_dagrun_state) and a clear taking a task's setups and teardowns along
// (DAG.partial_subset). The parity test runs the same DAGs against a real Airflow.

const RUN = "/api/v2/dags/st/dagRuns/r1";

async function run(tasks: AirflowTaskSpec[], script: AirflowDagScript = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({ dagId: "st", tasks, script });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/st/dagRuns", { dag_run_id: "r1", logical_date: null });
  const states = async () =>
    Object.fromEntries(
      (await call("GET", `${RUN}/taskInstances`)).body.task_instances.map(
        (t: { task_id: string; state: string }) => [t.task_id, t.state],
      ),
    );
  const runState = async () => (await call("GET", RUN)).body.state;
  return { clock, fake, call, states, runState };
}

/** create → work → delete, delete the teardown of create. */
const CLUSTER: AirflowTaskSpec[] = [
  { taskId: "create", setup: true },
  { taskId: "work", upstream: ["create"] },
  { taskId: "delete", upstream: ["create", "work"], teardown: true },
];

describe("Airflow fake: setups and teardowns", () => {
  it("the teardown runs after the work, whatever the work did; the run is judged without it", async () => {
    const ok = await run(CLUSTER);
    ok.fake.settle();
    expect(await ok.states()).toEqual({ create: "success", work: "success", delete: "success" });
    expect(await ok.runState()).toBe("success");

    const failed = await run(CLUSTER, { work: "failed" });
    failed.fake.settle();
    expect(await failed.states()).toEqual({ create: "success", work: "failed", delete: "success" });
    expect(await failed.runState()).toBe("failed");

    // A failed cleanup does not fail the run (on_failure_fail_dagrun=False).
    const cleanup = await run(CLUSTER, { delete: "failed" });
    cleanup.fake.settle();
    expect(await cleanup.states()).toMatchObject({ work: "success", delete: "failed" });
    expect(await cleanup.runState()).toBe("success");
  });

  it("with its setup failed, the teardown is upstream_failed; with it skipped, skipped", async () => {
    const failed = await run(CLUSTER, { create: "failed" });
    failed.fake.settle();
    expect(await failed.states()).toEqual({
      create: "failed",
      work: "upstream_failed",
      delete: "upstream_failed",
    });
    expect(await failed.runState()).toBe("failed");
    const skipped = await run(CLUSTER, { create: "skipped" });
    skipped.fake.settle();
    expect(await skipped.states()).toEqual({
      create: "skipped",
      work: "skipped",
      delete: "skipped",
    });
    expect(await skipped.runState()).toBe("success");
  });

  it("a task after the work needs the setup too, whatever its own trigger rule but always", async () => {
    const { fake, states, runState } = await run(
      [
        { taskId: "create", setup: true },
        { taskId: "work", upstream: ["create"] },
        // all_done would run it after the failed work; create, which it needs, failed.
        { taskId: "report", upstream: ["work"], triggerRule: "all_done" },
        // TriggerRuleDep passes `always` before it looks at setups.
        { taskId: "notify", upstream: ["work"], triggerRule: "always" },
      ],
      { create: "failed" },
    );
    fake.settle();
    expect(await states()).toEqual({
      create: "failed",
      work: "upstream_failed",
      report: "upstream_failed",
      notify: "success",
    });
    expect(await runState()).toBe("failed");
  });

  it("a run marked failed while its work runs keeps its teardown: the scheduler runs it, then ends the run", async () => {
    const { clock, call, states, runState } = await run([
      { taskId: "create", setup: true },
      { taskId: "work", upstream: ["create"], durationMs: 60_000 },
      { taskId: "delete", upstream: ["create", "work"], teardown: true },
    ]);
    clock.advance(10_000);
    const patched = await call("PATCH", RUN, { state: "failed" });
    // mark_tasks.py: the run's state waits for the pending teardown.
    expect(patched.body.state).toBe("running");
    expect(await states()).toMatchObject({ work: "failed", delete: null });
    clock.advance(5_000);
    expect(await states()).toMatchObject({ create: "success", work: "failed", delete: "success" });
    expect(await runState()).toBe("failed");
  });

  it("a teardown waits for every task between its setup and it", async () => {
    const { clock, states } = await run(
      [
        { taskId: "create", setup: true },
        { taskId: "fast", upstream: ["create"], durationMs: 1_000 },
        { taskId: "slow", upstream: ["create"], durationMs: 60_000 },
        { taskId: "combine", upstream: ["fast", "slow"] },
        { taskId: "delete", upstream: ["create", "combine"], teardown: true },
      ],
      { fast: "failed" },
    );
    clock.advance(5_000);
    // combine is upstream_failed at once; the teardown still waits for slow.
    expect(await states()).toMatchObject({
      fast: "failed",
      slow: "running",
      combine: "upstream_failed",
      delete: null,
    });
    clock.advance(60_000);
    expect(await states()).toMatchObject({ slow: "success", delete: "success" });
  });

  it("clearing the work clears its setup and teardown too", async () => {
    const { fake, call, states } = await run(CLUSTER, { work: ["failed", "success"] });
    fake.settle();
    const cleared = await call("POST", "/api/v2/dags/st/clearTaskInstances", {
      dag_run_id: "r1",
      task_ids: ["work"],
      only_failed: false,
      dry_run: false,
    });
    expect(cleared.body.task_instances.map((t: { task_id: string }) => t.task_id)).toEqual([
      "create",
      "delete",
      "work",
    ]);
    fake.settle();
    expect(await states()).toEqual({ create: "success", work: "success", delete: "success" });
  });

  it("refuses all_done_setup_success on a task that is not a teardown, and a task that is both", () => {
    const fake = createAirflowFake();
    expect(() =>
      fake.addDag({ dagId: "x", tasks: [{ taskId: "t", triggerRule: "all_done_setup_success" }] }),
    ).toThrow("a teardown's: give it teardown: true");
    expect(() =>
      fake.addDag({ dagId: "y", tasks: [{ taskId: "t", setup: true, teardown: true }] }),
    ).toThrow("cannot be both a setup and a teardown");
    // DAG.validate_setup_teardown: Airflow refuses to import these.
    expect(() =>
      fake.addDag({
        dagId: "z",
        tasks: [
          { taskId: "create", setup: true },
          { taskId: "report", upstream: ["create"], triggerRule: "all_done" },
        ],
      }),
    ).toThrow("Setup tasks must be followed with trigger rule ALL_SUCCESS.");
    expect(() =>
      fake.addDag({
        dagId: "w",
        tasks: [{ taskId: "delete", teardown: true, triggerRule: "all_success" }],
      }),
    ).toThrow("its trigger rule is all_done_setup_success");
  });
});
