import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowDagScript, type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Tasks that skip others, as Airflow 3.3.2's SkipMixin operators do (sdk/bases/skipmixin.py,
// providers/standard/operators/branch.py and python.py, ShortCircuitOperator), the task runner
// (DownstreamTasksSkipped before the return value is pushed; AirflowSkipException) and
// NotPreviouslySkippedDep on a clear. The parity test (test/engines/mocks-airflow-parity.test.ts)
// runs the same DAG against a real Airflow.

const RUN = "/api/v2/dags/skips/dagRuns/r1";
const TIS = `${RUN}/taskInstances`;

async function run(tasks: AirflowTaskSpec[], script: AirflowDagScript = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({ dagId: "skips", tasks, script });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/skips/dagRuns", { dag_run_id: "r1", logical_date: null });
  fake.settle();
  const states = async () =>
    Object.fromEntries(
      (await call("GET", TIS)).body.task_instances.map((t: { task_id: string; state: string }) => [
        t.task_id,
        t.state,
      ]),
    );
  /** Each XCom of a task instance by key (the list has the keys, one entry its value). */
  const xcoms = async (taskId: string) => {
    const list = (await call("GET", `${TIS}/${taskId}/xcomEntries`)).body.xcom_entries;
    const out: Record<string, unknown> = {};
    for (const { key } of list as { key: string }[]) {
      out[key] = (await call("GET", `${TIS}/${taskId}/xcomEntries/${key}`)).body.value;
    }
    return out;
  };
  return { clock, fake, call, states, xcoms };
}

/** A branch with a task on each side, a task after one side, and a join after both. */
const BRANCH: AirflowTaskSpec[] = [
  { taskId: "choose", skips: "branch", xcom: { return_value: "deploy" } },
  { taskId: "deploy", upstream: ["choose"] },
  { taskId: "retrain", upstream: ["choose"] },
  { taskId: "after_retrain", upstream: ["retrain"] },
  {
    taskId: "report",
    upstream: ["deploy", "after_retrain"],
    triggerRule: "none_failed_min_one_success",
  },
];

describe("Airflow fake: tasks that skip others", () => {
  it("a branch follows what it returns and skips the other side, and what comes after it", async () => {
    const { states, xcoms, call } = await run(BRANCH);
    expect(await states()).toEqual({
      choose: "success",
      deploy: "success",
      retrain: "skipped",
      after_retrain: "skipped",
      report: "success",
    });
    // It skipped something: its return value was not pushed (DownstreamTasksSkipped).
    expect(await xcoms("choose")).toEqual({ skipmixin_key: { followed: ["deploy"] } });
    // Skipped as the branch ends (the server's now, just before the branch's end_date): the
    // same start and end, no duration.
    const retrain = (await call("GET", `${TIS}/retrain`)).body;
    const choose = (await call("GET", `${TIS}/choose`)).body;
    expect(retrain.start_date).toBe(retrain.end_date);
    expect(Date.parse(retrain.end_date)).toBeLessThanOrEqual(Date.parse(choose.end_date));
    expect(retrain.duration).toBe(null);
    expect((await call("GET", RUN)).body.state).toBe("success");
  });

  it("the script's `returns` picks a try's side; None skips every task after it", async () => {
    const other = await run(BRANCH, { choose: { state: "success", returns: ["retrain"] } });
    expect(await other.states()).toMatchObject({
      deploy: "skipped",
      retrain: "success",
      after_retrain: "success",
      report: "success",
    });
    const none = await run(BRANCH, { choose: { state: "success", returns: null } });
    expect(await none.states()).toMatchObject({
      deploy: "skipped",
      retrain: "skipped",
      after_retrain: "skipped",
      report: "skipped",
    });
    expect(await none.xcoms("choose")).toEqual({ skipmixin_key: { followed: [] } });
  });

  it("a task after a followed one is not skipped, though right after the branch; nothing skipped pushes the return value", async () => {
    const { states, xcoms } = await run([
      { taskId: "choose", skips: "branch", xcom: { return_value: ["work"] } },
      { taskId: "work", upstream: ["choose"] },
      { taskId: "join", upstream: ["choose", "work"], triggerRule: "none_failed" },
    ]);
    expect(await states()).toEqual({ choose: "success", work: "success", join: "success" });
    expect(await xcoms("choose")).toEqual({
      return_value: ["work"],
      skipmixin_key: { followed: ["join", "work"] },
    });
  });

  it("a group's id follows the group's first tasks", async () => {
    const { states } = await run([
      { taskId: "choose", skips: "branch", xcom: { return_value: "train" } },
      { taskId: "train.a", upstream: ["choose"] },
      { taskId: "train.b", upstream: ["train.a"] },
      { taskId: "other", upstream: ["choose"] },
    ]);
    expect(await states()).toEqual({
      choose: "success",
      "train.a": "success",
      "train.b": "success",
      other: "skipped",
    });
  });

  it("a branch to a task the DAG does not have fails, with Airflow's exception in its log", async () => {
    const { states, call } = await run(BRANCH, {
      choose: { state: "success", returns: ["deploy", "nope"] },
    });
    expect(await states()).toMatchObject({ choose: "failed", deploy: "upstream_failed" });
    const log = (await call("GET", `${TIS}/choose/logs/1`)).body.content;
    expect(log.at(-1).error_detail[0]).toMatchObject({
      exc_type: "AirflowException",
      exc_value:
        "'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {'nope'}.",
    });
    const bad = await run(BRANCH, { choose: { state: "success", returns: [5] } });
    const badLog = (await bad.call("GET", `${TIS}/choose/logs/1`)).body.content;
    expect(badLog.at(-1).error_detail[0].exc_value).toContain(
      "returned invalid 'branch_task_ids': {(5, 'int')}",
    );
    // A list inside the list: the group lookup hashes it first.
    const nested = await run(BRANCH, { choose: { state: "success", returns: [["deploy"]] } });
    const nestedLog = (await nested.call("GET", `${TIS}/choose/logs/1`)).body.content;
    expect(nestedLog.at(-1).error_detail[0]).toMatchObject({
      exc_type: "TypeError",
      exc_value: "unhashable type: 'list'",
    });
  });

  it("a short-circuit that returns a falsy value skips everything after it, whatever its rule", async () => {
    const tasks = (skips: "short_circuit" | "short_circuit_direct"): AirflowTaskSpec[] => [
      { taskId: "gate", skips, xcom: { return_value: [] } },
      { taskId: "next", upstream: ["gate"] },
      { taskId: "cleanup", upstream: ["next"], triggerRule: "all_done" },
    ];
    const all = await run(tasks("short_circuit"));
    expect(await all.states()).toEqual({ gate: "success", next: "skipped", cleanup: "skipped" });
    expect(await all.xcoms("gate")).toEqual({ skipmixin_key: { skipped: ["cleanup", "next"] } });
    // ignore_downstream_trigger_rules=False: the tasks right after it; the rest by their rules.
    const direct = await run(tasks("short_circuit_direct"));
    expect(await direct.states()).toEqual({
      gate: "success",
      next: "skipped",
      cleanup: "success",
    });
    expect(await direct.xcoms("gate")).toEqual({ skipmixin_key: { skipped: ["next"] } });
    // A truthy value: nothing skipped, no skipmixin_key, the value pushed.
    const open = await run(tasks("short_circuit"), { gate: { state: "success", returns: [1] } });
    expect(await open.states()).toEqual({ gate: "success", next: "success", cleanup: "success" });
    expect(await open.xcoms("gate")).toEqual({ return_value: [1] });
  });

  it("a task mapped over one that skipped it is skipped, never expanded, and does not fail what it maps over", async () => {
    const { states, call } = await run([
      { taskId: "gate", skips: "short_circuit", xcom: { return_value: null } },
      { taskId: "each", expand: { task: "gate" } },
      { taskId: "choose", skips: "branch", xcom: { return_value: "other" } },
      { taskId: "other", upstream: ["choose"] },
      { taskId: "per_id", expand: { task: "choose" } },
    ]);
    expect(await states()).toEqual({
      gate: "success",
      each: "skipped",
      choose: "success",
      other: "success",
      per_id: "skipped",
    });
    expect((await call("GET", RUN)).body.state).toBe("success");
  });

  it("a branch with nothing after it pushes no skipmixin_key, and its return value", async () => {
    const { states, xcoms } = await run([
      { taskId: "lonely", skips: "branch", xcom: { return_value: ["lonely"] } },
    ]);
    expect(await states()).toEqual({ lonely: "success" });
    expect(await xcoms("lonely")).toEqual({ return_value: ["lonely"] });
  });

  it("a try that raises AirflowSkipException is skipped, pushes nothing, and skips what needs it", async () => {
    const { states, xcoms, call } = await run(
      [
        { taskId: "maybe", xcom: { return_value: 1 } },
        { taskId: "after", upstream: ["maybe"] },
        { taskId: "anyway", upstream: ["maybe"], triggerRule: "none_failed" },
      ],
      { maybe: "skipped" },
    );
    expect(await states()).toEqual({ maybe: "skipped", after: "skipped", anyway: "success" });
    expect(await xcoms("maybe")).toEqual({});
    expect((await call("GET", `${TIS}/maybe`)).body.duration).toBe(1);
  });

  it("a task cleared after a branch that did not follow it is skipped again", async () => {
    const { fake, states, call } = await run(BRANCH);
    const cleared = await call("POST", "/api/v2/dags/skips/clearTaskInstances", {
      dag_run_id: "r1",
      task_ids: ["retrain"],
      include_downstream: true,
      only_failed: false,
      dry_run: false,
    });
    expect(cleared.body.task_instances.map((t: { task_id: string }) => t.task_id)).toEqual([
      "after_retrain",
      "report",
      "retrain",
    ]);
    fake.settle();
    expect(await states()).toMatchObject({ retrain: "skipped", after_retrain: "skipped" });
    // The branch cleared and run again the other way: the side it now follows runs.
    fake.setScript("skips", { choose: { state: "success", returns: "retrain" } });
    await call("POST", "/api/v2/dags/skips/clearTaskInstances", {
      dag_run_id: "r1",
      task_ids: ["choose"],
      include_downstream: true,
      only_failed: false,
      dry_run: false,
    });
    fake.settle();
    expect(await states()).toEqual({
      choose: "success",
      deploy: "skipped",
      retrain: "success",
      after_retrain: "success",
      report: "success",
    });
  });

  it("refuses a mapped task that skips, and an unknown kind", () => {
    const fake = createAirflowFake();
    expect(() =>
      fake.addDag({ dagId: "m", tasks: [{ taskId: "b", skips: "branch", expand: 2 }] }),
    ).toThrow("a mapped task that skips is not modelled");
    expect(() =>
      fake.addDag({
        dagId: "k",
        tasks: [{ taskId: "b", skips: "sometimes" as unknown as "branch" }],
      }),
    ).toThrow('needs skips "branch"');
  });
});
