import { createAirflowClient } from "@mlgen/airflow-client";
import { describe, expect, it } from "vitest";
import { createManualClock } from "../src/clock.js";
import { type AirflowFake, createAirflowFake } from "../src/index.js";
import { loggedIn } from "./airflow-login.js";

// Keyset pages of the DAG-run and task-instance lists, as Airflow 3.3.2 answers them
// (api_fastapi/common/cursors.py; get_dag_runs in routes/public/dag_run.py and
// get_task_instances in routes/public/task_instances.py).

const START = "2025-01-01T00:00:00Z";
const RUNS = "/api/v2/dags/pipe/dagRuns";
const ALL_TIS = "/api/v2/dags/pipe/dagRuns/~/taskInstances";

type Page = {
  status: number;
  body: {
    dag_runs?: Array<{ dag_run_id: string }>;
    task_instances?: Array<{ id: string; task_id: string; dag_run_id: string }>;
    total_entries?: number | null;
    total_entries_limit?: number | null;
    next_cursor?: string | null;
    previous_cursor?: string | null;
    detail?: unknown;
  };
};

/** A fake on a manual clock, a raw caller that logs in first, and a client counting its lists. */
async function setup() {
  const clock = createManualClock(START);
  const fake = createAirflowFake({ clock });
  const call = await loggedIn(fake);
  const get = (path: string, query: Record<string, string | string[]>): Promise<Page> => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) q.append(k, x);
    return call("GET", `${path}?${q}`);
  };
  const lists: string[] = [];
  const client = createAirflowClient({
    baseUrl: fake.baseUrl,
    auth: { username: "admin", password: "admin" },
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname.endsWith("dagRuns") || url.pathname.endsWith("taskInstances")) {
        lists.push(url.search);
      }
      return fake.fetch(input, init);
    },
  });
  return { clock, fake, call, get, client, lists };
}

function addPipeline(fake: AirflowFake) {
  fake.addDag({
    dagId: "pipe",
    tasks: [
      { taskId: "extract" },
      { taskId: "train", upstream: ["extract"] },
      { taskId: "report", upstream: ["extract"] },
      { taskId: "publish", upstream: ["train"] },
    ],
  });
}

/** Runs r1..rn of "pipe", run_after a day apart, in that order. */
async function addRuns(
  call: Awaited<ReturnType<typeof setup>>["call"],
  n: number,
  first = 1,
): Promise<void> {
  for (let i = first; i < first + n; i++) {
    const day = String(i).padStart(2, "0");
    const r = await call("POST", RUNS, {
      dag_run_id: `r${i}`,
      logical_date: null,
      run_after: `2025-02-${day}T00:00:00Z`,
    });
    expect(r.status).toBe(200);
  }
}

const runIds = (p: Page) => (p.body.dag_runs ?? []).map((r) => r.dag_run_id);
const tiKeys = (p: Page) =>
  (p.body.task_instances ?? []).map((t) => `${t.dag_run_id}/${t.task_id}`);

describe("DAG runs by cursor", () => {
  it("client.paginate with cursor '' yields all 7 runs in order, in 3 requests", async () => {
    const { fake, call, client, lists } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const ids: string[] = [];
    for await (const run of client.paginate(
      "/api/v2/dags/{dag_id}/dagRuns",
      { path: { dag_id: "pipe" }, query: { cursor: "" } },
      3,
    )) {
      ids.push(run.dag_run_id);
    }
    expect(ids).toEqual(["r1", "r2", "r3", "r4", "r5", "r6", "r7"]);
    expect(lists).toHaveLength(3);
    expect(new URLSearchParams(lists[0]).get("cursor")).toBe("");
  });

  it("pages forward: previous_cursor null on the first page, next_cursor null on the last", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const p1 = await get(RUNS, { cursor: "", limit: "3" });
    expect(p1.status).toBe(200);
    expect(runIds(p1)).toEqual(["r1", "r2", "r3"]);
    expect(p1.body.previous_cursor).toBeNull();
    expect(p1.body.next_cursor).toEqual(expect.any(String));
    const p2 = await get(RUNS, { cursor: p1.body.next_cursor as string, limit: "3" });
    expect(runIds(p2)).toEqual(["r4", "r5", "r6"]);
    expect(p2.body.previous_cursor).toMatch(/^~/);
    const p3 = await get(RUNS, { cursor: p2.body.next_cursor as string, limit: "3" });
    expect(runIds(p3)).toEqual(["r7"]);
    expect(p3.body.next_cursor).toBeNull();
    expect(p3.body.previous_cursor).toMatch(/^~/);
  });

  it("a full last page has no next_cursor either: limit + 1 rows are read to know", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 6);
    const p1 = await get(RUNS, { cursor: "", limit: "3" });
    const p2 = await get(RUNS, { cursor: p1.body.next_cursor as string, limit: "3" });
    expect(runIds(p2)).toEqual(["r4", "r5", "r6"]);
    expect(p2.body.next_cursor).toBeNull();
  });

  it("a cursor holds the sort keys packed as msgspec packs them: DagRun.id 3 is [3]", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 4);
    const p1 = await get(RUNS, { cursor: "", limit: "3" });
    // base64url(msgpack([3])) and "~" + base64url(msgpack([4])).
    expect(p1.body.next_cursor).toBe("kQM");
    const p2 = await get(RUNS, { cursor: "kQM", limit: "3" });
    expect([runIds(p2), p2.body.previous_cursor]).toEqual([["r4"], "~kQQ"]);
  });

  it("a previous_cursor leads back to the previous page, with its own cursors", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const p1 = await get(RUNS, { cursor: "", limit: "3" });
    const p2 = await get(RUNS, { cursor: p1.body.next_cursor as string, limit: "3" });
    const p3 = await get(RUNS, { cursor: p2.body.next_cursor as string, limit: "3" });
    const back2 = await get(RUNS, { cursor: p3.body.previous_cursor as string, limit: "3" });
    expect(runIds(back2)).toEqual(["r4", "r5", "r6"]);
    expect(back2.body.next_cursor).toBe(p2.body.next_cursor);
    expect(back2.body.previous_cursor).toBe(p2.body.previous_cursor);
    const back1 = await get(RUNS, { cursor: back2.body.previous_cursor as string, limit: "3" });
    expect(runIds(back1)).toEqual(["r1", "r2", "r3"]);
    // Back on the first page: nothing before it; a backward page always has a next one.
    expect(back1.body.previous_cursor).toBeNull();
    expect(back1.body.next_cursor).toBe(p1.body.next_cursor);
  });

  it("follows a descending order_by, its tie-breaker (the id) descending too", async () => {
    const { fake, call, get, client } = await setup();
    addPipeline(fake);
    await addRuns(call, 5);
    // r6 and r7 share r5's run_after: the id breaks the tie, in the first key's direction.
    for (const id of ["r6", "r7"]) {
      await call("POST", RUNS, {
        dag_run_id: id,
        logical_date: null,
        run_after: "2025-02-05T00:00:00Z",
      });
    }
    const ids: string[] = [];
    for await (const run of client.paginate(
      "/api/v2/dags/{dag_id}/dagRuns",
      { path: { dag_id: "pipe" }, query: { cursor: "", order_by: ["-run_after"] } },
      2,
    )) {
      ids.push(run.dag_run_id);
    }
    expect(ids).toEqual(["r7", "r6", "r5", "r4", "r3", "r2", "r1"]);
    const p1 = await get(RUNS, { cursor: "", limit: "2", order_by: "-run_after" });
    const p2 = await get(RUNS, { cursor: p1.body.next_cursor as string, limit: "2" });
    // A cursor made for one order_by is refused by another of a different shape.
    expect([p2.status, p2.body]).toEqual([
      400,
      { detail: "Cursor token does not match current query shape" },
    ]);
  });

  it("is keyset: a run added after page 1 does not shift page 2", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const q = { limit: "3", order_by: "-id" };
    const p1 = await get(RUNS, { ...q, cursor: "" });
    expect(runIds(p1)).toEqual(["r7", "r6", "r5"]);
    await addRuns(call, 1, 8);
    const p2 = await get(RUNS, { ...q, cursor: p1.body.next_cursor as string });
    expect(runIds(p2)).toEqual(["r4", "r3", "r2"]);
    // By offset the new run would have pushed r5 onto page 2.
    const byOffset = await get(RUNS, { ...q, offset: "3" });
    expect(runIds(byOffset)).toEqual(["r5", "r4", "r3"]);
    // And page 1's previous page, read again, is the new run.
    const back = await get(RUNS, { ...q, cursor: p2.body.previous_cursor as string });
    expect(runIds(back)).toEqual(["r7", "r6", "r5"]);
    expect(back.body.previous_cursor).toEqual(expect.any(String));
    const newest = await get(RUNS, { ...q, cursor: back.body.previous_cursor as string });
    expect(runIds(newest)).toEqual(["r8"]);
    expect(newest.body.previous_cursor).toBeNull();
  });

  it("ignores offset when a cursor is given", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const p1 = await get(RUNS, { cursor: "", limit: "3", offset: "5" });
    expect(runIds(p1)).toEqual(["r1", "r2", "r3"]);
    const p2 = await get(RUNS, { cursor: p1.body.next_cursor as string, limit: "3", offset: "5" });
    expect(runIds(p2)).toEqual(["r4", "r5", "r6"]);
  });

  it("answers total_entries of all matching runs, capped at total_entries_limit 50000", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 7);
    const p1 = await get(RUNS, { cursor: "", limit: "3" });
    expect([p1.body.total_entries, p1.body.total_entries_limit]).toEqual([7, 50_000]);
    const p3 = await get(RUNS, { cursor: "kQY", limit: "3" });
    expect([runIds(p3), p3.body.total_entries, p3.body.total_entries_limit]).toEqual([
      ["r7"],
      7,
      50_000,
    ]);
    // Filters count; the cursor does not.
    const none = await get(RUNS, { cursor: "", state: "success" });
    expect(none.body).toEqual({
      dag_runs: [],
      total_entries: 0,
      total_entries_limit: 50_000,
      next_cursor: null,
      previous_cursor: null,
    });
    // Without a cursor: offset pages, an exact total and no limit.
    const byOffset = await get(RUNS, { limit: "3" });
    expect([byOffset.body.total_entries, byOffset.body.total_entries_limit]).toEqual([7, null]);
  });

  it("answers a bad cursor with Airflow's 400 and its detail", async () => {
    const { fake, call, get } = await setup();
    addPipeline(fake);
    await addRuns(call, 3);
    const cases: Array<[string, string]> = [
      ["not a cursor!", "Invalid cursor token"], // base64 of no MessagePack value
      ["~", "Invalid cursor token"], // a backward cursor of nothing
      ["kQ", "Invalid cursor token"], // an array of one item, the item missing
      ["kQEB", "Invalid cursor token"], // trailing bytes
      ["é", "Invalid cursor token"], // not ASCII
      ["AQ", "Invalid cursor token structure"], // the int 1, not a list
      ["kgEC", "Cursor token does not match current query shape"], // [1, 2]; sorted by id only
    ];
    for (const [cursor, detail] of cases) {
      const r = await get(RUNS, { cursor });
      expect([cursor, r.status, r.body]).toEqual([cursor, 400, { detail }]);
    }
    // The order_by is checked first, and a missing DAG before either.
    const badOrder = await get(RUNS, { cursor: "AQ", order_by: "nope" });
    expect([badOrder.status, badOrder.body]).toEqual([
      400,
      { detail: "Ordering with 'nope' is disallowed or the attribute does not exist on the model" },
    ]);
    const noDag = await get("/api/v2/dags/nope/dagRuns", { cursor: "AQ" });
    expect(noDag.status).toBe(404);
  });
});

describe("task instances by cursor", () => {
  /** Two runs of the four-task pipeline: eight task instances. */
  async function twoRuns() {
    const s = await setup();
    addPipeline(s.fake);
    await addRuns(s.call, 2);
    return s;
  }

  it("client.paginate with cursor '' yields all 8 task instances in id order, in 3 requests", async () => {
    const { get, client, lists } = await twoRuns();
    const all = await get(ALL_TIS, { limit: "100" });
    // The default order_by (map_index) ties, so the id (a time-ordered UUID) decides.
    const byId = [...(all.body.task_instances ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(byId).toHaveLength(8);
    const keys: string[] = [];
    for await (const ti of client.paginate(
      "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
      { path: { dag_id: "pipe", dag_run_id: "~" }, query: { cursor: "" } },
      3,
    )) {
      keys.push(`${ti.dag_run_id}/${ti.task_id}`);
    }
    expect(keys).toEqual(byId.map((t) => `${t.dag_run_id}/${t.task_id}`));
    expect(lists).toHaveLength(3);
  });

  it("pages forward and back, ignoring offset, with Airflow's totals", async () => {
    const { get } = await twoRuns();
    const q = { limit: "3", order_by: ["-run_after", "-id"], offset: "4" };
    const p1 = await get(ALL_TIS, { ...q, cursor: "" });
    expect(p1.status).toBe(200);
    expect(p1.body.previous_cursor).toBeNull();
    expect([p1.body.total_entries, p1.body.total_entries_limit]).toEqual([8, 50_000]);
    const p2 = await get(ALL_TIS, { ...q, cursor: p1.body.next_cursor as string });
    const p3 = await get(ALL_TIS, { ...q, cursor: p2.body.next_cursor as string });
    expect(p3.body.next_cursor).toBeNull();
    expect([...tiKeys(p1), ...tiKeys(p2), ...tiKeys(p3)].map((k) => k.split("/")[0])).toEqual([
      ...["r2", "r2", "r2", "r2"],
      ...["r1", "r1", "r1", "r1"],
    ]);
    expect(new Set([...tiKeys(p1), ...tiKeys(p2), ...tiKeys(p3)]).size).toBe(8);
    const back = await get(ALL_TIS, { ...q, cursor: p3.body.previous_cursor as string });
    expect(tiKeys(back)).toEqual(tiKeys(p2));
    const first = await get(ALL_TIS, { ...q, cursor: back.body.previous_cursor as string });
    expect(tiKeys(first)).toEqual(tiKeys(p1));
    expect(first.body.previous_cursor).toBeNull();
  });

  it("is keyset: a run added after page 1 does not shift page 2", async () => {
    const { get, call } = await twoRuns();
    const q = { limit: "3", order_by: "-run_after" };
    const p1 = await get(ALL_TIS, { ...q, cursor: "" });
    await addRuns(call, 1, 3);
    const p2 = await get(ALL_TIS, { ...q, cursor: p1.body.next_cursor as string });
    expect(tiKeys(p2).map((k) => k.split("/")[0])).toEqual(["r2", "r1", "r1"]);
    expect(p2.body.total_entries).toBe(12);
  });

  it("answers a bad cursor with Airflow's 400, and a cursor of a sort key it cannot read with a 500", async () => {
    const { get } = await twoRuns();
    for (const [cursor, detail] of [
      ["!!", "Invalid cursor token"],
      ["gA", "Invalid cursor token structure"], // {}
      ["kQE", "Cursor token does not match current query shape"], // [1]; map_index and id
      ["kv-hYQ", "Invalid cursor token"], // [-1, "a"]: the id is no UUID
    ] as const) {
      const r = await get(ALL_TIS, { cursor });
      expect([cursor, r.status, r.body]).toEqual([cursor, 400, { detail }]);
    }
    const oneRun = await get("/api/v2/dags/~/dagRuns/r1/taskInstances", { cursor: "" });
    expect([oneRun.status, oneRun.body]).toEqual([
      400,
      { detail: "dag_id is required when dag_run_id is specified" },
    ]);
    // TaskInstance has no data_interval_start to read for a cursor (SortParam.row_value):
    // a page that needs one is the server's bare 500; a single page needs none.
    const unreadable = await get(ALL_TIS, {
      cursor: "",
      limit: "3",
      order_by: "data_interval_start",
    });
    expect([unreadable.status, unreadable.body]).toEqual([500, "Internal Server Error"]);
    const whole = await get(ALL_TIS, { cursor: "", order_by: "data_interval_start" });
    expect([whole.status, whole.body.task_instances?.length, whole.body.next_cursor]).toEqual([
      200,
      8,
      null,
    ]);
  });
});
