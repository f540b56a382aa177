import { AirflowMappedTaskError, createAirflowClient } from "@mlgen/airflow-client";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowTaskSpec, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Mapped tasks as Airflow 3.3.2 runs them (models/taskmap.py expand_mapped_task, dagrun.py
// _get_ready_tis): one instance, map index -1, until the task's upstream succeed; then that row
// becomes map index 0 (its id kept) and the others are added, or it is skipped when there is
// nothing to map over. The parity test (test/engines/mocks-airflow-parity.test.ts) runs the
// same DAG against a real Airflow.

const RUN = "/api/v2/dags/shards/dagRuns/r1";
const TIS = `${RUN}/taskInstances`;

async function setup(tasks: AirflowTaskSpec[], script = {}) {
  const clock = createManualClock("2025-01-01T00:00:00Z");
  const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
  fake.addDag({ dagId: "shards", tasks, script });
  const call = await loggedIn(fake);
  await call("POST", "/api/v2/dags/shards/dagRuns", { dag_run_id: "r1", logical_date: null });
  return { clock, fake, call };
}

const SHARDS: AirflowTaskSpec[] = [
  { taskId: "list_shards", xcom: { return_value: ["a", "b", "c"] } },
  {
    taskId: "work",
    expand: { task: "list_shards" },
    xcom: (i) => ({ return_value: ["A", "B", "C"][i] }),
  },
  { taskId: "collect", upstream: ["work"] },
];

type Row = { task_id: string; map_index: number; state: string | null; id: string };
const rows = (body: { task_instances: Row[] }) =>
  body.task_instances.map((t) => `${t.task_id}[${t.map_index}] ${t.state}`);

describe("Airflow fake: mapped tasks", () => {
  it("a mapped task is one instance, map index -1, until its upstream succeed; then one per item, the first keeping its id", async () => {
    const { clock, fake, call } = await setup(SHARDS);
    const before = (await call("GET", `${TIS}/work`)).body;
    expect(before).toMatchObject({ map_index: -1, state: null, rendered_map_index: null });
    expect((await call("GET", `${TIS}/work/listMapped`)).body).toMatchObject({
      task_instances: [],
      total_entries: 0,
    });
    // list_shards runs (a second): then work is expanded and its instances scheduled.
    clock.advance(1_500);
    const during = (await call("GET", TIS)).body;
    expect(rows(during)).toEqual([
      "list_shards[-1] success",
      "collect[-1] null",
      "work[0] running",
      "work[1] running",
      "work[2] running",
    ]);
    expect(during.task_instances.find((t: Row) => t.map_index === 0).id).toBe(before.id);
    expect((await call("GET", `${TIS}/work`)).body).toEqual({
      detail: "Task instance is mapped, add the map_index value to the URL",
    });
    fake.settle();
    const one = (await call("GET", `${TIS}/work/1`)).body;
    expect(one).toMatchObject({ map_index: 1, rendered_map_index: "1", state: "success" });
    expect((await call("GET", `${TIS}/collect`)).body.state).toBe("success");
    expect((await call("GET", RUN)).body.state).toBe("success");
    // Each instance pushed its own XCom.
    const xcom = (i: number) =>
      call("GET", `${TIS}/work/xcomEntries/return_value?map_index=${i}`).then((r) => r.body);
    expect([(await xcom(0)).value, (await xcom(2)).value]).toEqual(["A", "C"]);
    expect((await xcom(2)).map_index).toBe(2);
    const listed = (await call("GET", `${TIS}/work/xcomEntries`)).body;
    expect(listed.xcom_entries.map((e: { map_index: number }) => e.map_index)).toEqual([0, 1, 2]);
    expect(
      (await call("GET", `${TIS}/work/xcomEntries?map_index=1`)).body.xcom_entries,
    ).toHaveLength(1);
    // Unmapped reads of a mapped task find no instance -1.
    expect((await call("GET", `${TIS}/work/xcomEntries/return_value`)).status).toBe(404);
    expect((await call("GET", `${TIS}/work/logs/1`)).status).toBe(404);
    const log = (await call("GET", `${TIS}/work/logs/1?map_index=2`)).body;
    expect(JSON.stringify(log)).toContain("task_id=work/map_index=2/attempt=1.log");
    expect((await call("GET", `${TIS}/work/2/tries`)).body.task_instances).toHaveLength(1);
    expect((await call("GET", `${TIS}/work/tries`)).status).toBe(404);
  });

  it("one instance failing fails what waits for all of them and the run; a script names it task_id[i]", async () => {
    const { fake, call } = await setup(SHARDS, { "work[1]": "failed" });
    fake.settle();
    expect(rows((await call("GET", TIS)).body)).toEqual([
      "list_shards[-1] success",
      "collect[-1] upstream_failed",
      "work[0] success",
      "work[1] failed",
      "work[2] success",
    ]);
    expect((await call("GET", RUN)).body.state).toBe("failed");
    const failed = (await call("GET", `${TIS}/work/listMapped?state=failed`)).body;
    expect(rows(failed)).toEqual(["work[1] failed"]);
    // Only that instance, by [task_id, map_index]: it runs again; the others keep their try.
    const cleared = await call("POST", "/api/v2/dags/shards/clearTaskInstances", {
      dry_run: false,
      only_failed: false,
      dag_run_id: "r1",
      task_ids: [["work", 1]],
    });
    expect(rows(cleared.body)).toEqual(["work[1] null"]);
    fake.setScript("shards", {});
    fake.settle();
    const after = (await call("GET", `${TIS}/work/listMapped`)).body.task_instances;
    expect(after.map((t: Row & { try_number: number }) => [t.map_index, t.try_number])).toEqual([
      [0, 1],
      [1, 2],
      [2, 1],
    ]);
  });

  it("nothing to map over skips the instance -1, and what waits for it (all_success)", async () => {
    const { fake, call } = await setup([
      { taskId: "list_shards", xcom: { return_value: {} } },
      { taskId: "work", expand: { task: "list_shards" } },
      { taskId: "collect", upstream: ["work"] },
    ]);
    fake.settle();
    const skipped = (await call("GET", `${TIS}/work`)).body;
    // expand_mapped_task sets the state alone: no dates, as on the server.
    expect(skipped).toMatchObject({ map_index: -1, state: "skipped", start_date: null });
    expect((await call("GET", `${TIS}/collect`)).body.state).toBe("skipped");
    expect((await call("GET", `${TIS}/work/listMapped`)).body.total_entries).toBe(0);
    expect((await call("GET", RUN)).body.state).toBe("success");
  });

  it("a literal list's length maps at once; a dict maps over its keys", async () => {
    const { fake, call } = await setup([
      { taskId: "config", xcom: { return_value: { lr: 0.1, depth: 3 } } },
      { taskId: "by_key", expand: { task: "config" } },
      { taskId: "literal", expand: 2 },
    ]);
    // A literal list's instances exist from the start (DagRun._create_tasks).
    expect(rows((await call("GET", `${TIS}/literal/listMapped`)).body)).toEqual([
      "literal[0] null",
      "literal[1] null",
    ]);
    fake.tick();
    fake.settle();
    expect(rows((await call("GET", `${TIS}/literal/listMapped`)).body)).toEqual([
      "literal[0] success",
      "literal[1] success",
    ]);
    expect((await call("GET", `${TIS}/by_key/listMapped`)).body.total_entries).toBe(2);
  });

  it("listMapped of a task that is not mapped, or not there, is the server's 404; a map index not a number is a 422", async () => {
    const { call } = await setup(SHARDS);
    expect(await call("GET", `${TIS}/collect/listMapped`)).toEqual({
      status: 404,
      body: { detail: "Task id collect is not mapped" },
    });
    expect((await call("GET", `${TIS}/nope/listMapped`)).body).toEqual({
      detail: "Task id nope not found",
    });
    expect((await call("GET", `${TIS}/work/first`)).status).toBe(422);
    expect((await call("GET", `${TIS}/work/5`)).body).toEqual({
      detail:
        "The Mapped Task Instance with dag_id: `shards`, run_id: `r1`, task_id: `work`, and map_index: `5` was not found",
    });
    // The unmapped instance by its index, -1.
    expect((await call("GET", `${TIS}/collect/-1`)).body.map_index).toBe(-1);
    expect((await call("GET", `${TIS}/work/xcomEntries?map_index=-2`)).status).toBe(422);
    expect((await call("GET", `${TIS}/work/listMapped?pool=default_pool`)).status).toBe(501);
  });

  it("a task mapped over a mapped one has an instance per upstream instance that returned something", async () => {
    const { fake, call } = await setup([
      { taskId: "numbers", xcom: { return_value: [1, 2, 3] } },
      // The second instance returns None: it pushes no XCom, and so adds no item.
      {
        taskId: "square",
        expand: { task: "numbers" },
        xcom: (i) => (i === 1 ? {} : { return_value: (i + 1) ** 2 }),
      },
      { taskId: "plus_one", expand: { task: "square" } },
    ]);
    fake.settle();
    expect(rows((await call("GET", `${TIS}/plus_one/listMapped`)).body)).toEqual([
      "plus_one[0] success",
      "plus_one[1] success",
    ]);
  });

  it("a task whose return value is mapped over fails when that is not a list or a dict, as Airflow fails it", async () => {
    for (const [returned, error] of [
      ["abc", "UnmappableXComTypePushed: unmappable return type 'str'"],
      [undefined, "XComForMappingNotPushed: did not push XCom for task mapping"],
    ] as const) {
      const { fake, call } = await setup([
        { taskId: "list_shards", xcom: returned === undefined ? {} : { return_value: returned } },
        { taskId: "work", expand: { task: "list_shards" } },
      ]);
      fake.settle();
      expect(rows((await call("GET", TIS)).body)).toEqual([
        "list_shards[-1] failed",
        "work[-1] upstream_failed",
      ]);
      const log = (await call("GET", `${TIS}/list_shards/logs/1`)).body;
      expect(JSON.stringify(log)).toContain(error.split(": ")[1] as string);
      expect((await call("GET", `${TIS}/list_shards/xcomEntries`)).body.total_entries).toBe(0);
    }
  });

  it("addDag refuses a map over a task it does not have, or over itself", () => {
    const fake = createAirflowFake();
    const dag = (tasks: AirflowTaskSpec[]) => () => fake.addDag({ dagId: "bad", tasks });
    expect(dag([{ taskId: "m", expand: { task: "nope" } }])).toThrow(/unknown task nope/);
    expect(dag([{ taskId: "m", expand: { task: "m" } }])).toThrow(/needs expand/);
    expect(dag([{ taskId: "m", expand: -1 }])).toThrow(/whole count/);
  });

  it("a task mapped over a literal list has its instances from the run's start (DagRun._create_tasks), upstream_failed each when its upstream fails", async () => {
    const { fake, call } = await setup(
      [{ taskId: "extract" }, { taskId: "lit", expand: 3, upstream: ["extract"] }],
      { extract: "failed" },
    );
    expect(rows((await call("GET", TIS)).body)).toEqual([
      "extract[-1] null",
      "lit[0] null",
      "lit[1] null",
      "lit[2] null",
    ]);
    expect((await call("GET", `${TIS}/lit`)).status).toBe(404);
    fake.settle();
    expect(rows((await call("GET", `${TIS}/lit/listMapped`)).body)).toEqual([
      "lit[0] upstream_failed",
      "lit[1] upstream_failed",
      "lit[2] upstream_failed",
    ]);
  });

  it("a run marked failed while one instance runs marks every instance of that task failed, as set_state(tasks=...) does", async () => {
    const { clock, call } = await setup(SHARDS, {
      "work[0]": { state: "success", durationMs: 60_000 },
    });
    clock.advance(5_000);
    await call("PATCH", RUN, { state: "failed" });
    expect(rows((await call("GET", TIS)).body)).toEqual([
      "list_shards[-1] success",
      "collect[-1] skipped",
      "work[0] failed",
      "work[1] failed",
      "work[2] failed",
    ]);
  });

  it("the tries of an instance -1 cleared before it expanded move with it to map index 0 (task_instance_history's foreign key cascades)", async () => {
    const { fake, call } = await setup(SHARDS, { list_shards: ["failed", "success"] });
    fake.settle();
    await call("POST", `${RUN}/clear`, { dry_run: false });
    fake.settle();
    const at0 = (await call("GET", `${TIS}/work/0/tries`)).body.task_instances;
    expect(
      at0.map((t: { map_index: number; try_number: number; state: string }) => [
        t.map_index,
        t.try_number,
        t.state,
      ]),
    ).toEqual([
      [0, 0, "upstream_failed"],
      [0, 1, "success"],
    ]);
    expect((await call("GET", `${TIS}/work/tries`)).status).toBe(404);
    expect((await call("GET", `${TIS}/work/0/tries/0`)).body.state).toBe("upstream_failed");
  });

  it("with one pool slot, every task's instance 0 is queued before any instance 1 (the scheduler orders by map index)", async () => {
    const clock = createManualClock("2025-01-01T00:00:00Z");
    const fake = createAirflowFake({ clock, taskDurationMs: 1_000 });
    const call = await loggedIn(fake);
    await call("POST", "/api/v2/pools", { name: "one", slots: 1, include_deferred: false });
    fake.addDag({
      dagId: "shards",
      tasks: [
        { taskId: "a", expand: 2, pool: "one" },
        { taskId: "b", expand: 2, pool: "one" },
      ],
    });
    await call("POST", "/api/v2/dags/shards/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const started = (await call("GET", `${TIS}?order_by=start_date`)).body;
    expect(rows(started).map((r) => r.split(" ")[0])).toEqual(["a[0]", "b[0]", "a[1]", "b[1]"]);
  });

  it("listMapped ignores task_id and cursor, which its route does not take; an unknown DAG is the DAG's 404; a map index is read as a number", async () => {
    const { fake, call } = await setup(SHARDS);
    fake.settle();
    expect((await call("GET", `${TIS}/work/listMapped?task_id=x`)).body.total_entries).toBe(3);
    expect((await call("GET", `${TIS}/work/listMapped?cursor=abc`)).status).toBe(200);
    expect(
      (await call("GET", "/api/v2/dags/nope/dagRuns/r1/taskInstances/a/listMapped")).body,
    ).toEqual({
      detail: "The Dag with ID: `nope` was not found",
    });
    expect((await call("GET", `${TIS}/work/07`)).body.detail).toContain("map_index: `7`");
  });

  it("the client's helpers read a mapped run on the fake: the failed instance, its log, and a getXcom without a map index says the task is mapped", async () => {
    const { fake, clock } = await setup(SHARDS, {
      "work[1]": { state: "failed", error: "ValueError: bad shard" },
    });
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fake.fetch,
      clock,
    });
    const result = await client.waitForDagRun("shards", "r1", { timeoutMs: 60_000 });
    expect(result.state).toBe("failed");
    expect(result.failedTaskInstances.map((t) => [t.task_id, t.map_index])).toEqual([["work", 1]]);
    const log = await client.getTaskLog("shards", "r1", result.failedTaskInstances[0] as never);
    expect(JSON.stringify(log)).toContain("bad shard");
    const refused = await client.getXcom("shards", "r1", "work", "return_value").catch((e) => e);
    expect(refused).toBeInstanceOf(AirflowMappedTaskError);
    expect(refused).toMatchObject({ mapIndexCount: 3 });
    // A log asked by task id alone: the error names the failed instance too.
    const noIndex = await client.getTaskLog("shards", "r1", "work").catch((e) => e);
    expect(noIndex).toBeInstanceOf(AirflowMappedTaskError);
    expect(noIndex).toMatchObject({ mapIndexCount: 3, failedMapIndexes: [1] });
    expect(
      (await client.getXcom("shards", "r1", "work", "return_value", { mapIndex: 2 })).value,
    ).toBe("C");
  });
});
