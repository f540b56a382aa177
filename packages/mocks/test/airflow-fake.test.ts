import { readFileSync } from "node:fs";
import { AirflowApiError, createAirflowClient } from "@mlgen/airflow-client";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AIRFLOW_LIST_QUERY, AIRFLOW_SPEC_ROUTES } from "../src/airflow/spec-routes.js";
import { isoTime } from "../src/airflow/util.js";
import { createManualClock } from "../src/clock.js";
import { fetchFrom } from "../src/fetch.js";
import { type AirflowFake, createAirflowFake } from "../src/index.js";
import { rateLimited } from "../src/scenarios.js";
import { loggedIn } from "./airflow-login.js";

const START = "2025-01-01T00:00:00Z";

/** A fake on a manual clock plus a raw caller that logs in first. */
async function setup(options: Parameters<typeof createAirflowFake>[0] = {}) {
  const clock = createManualClock(START);
  const fake = createAirflowFake({ clock, ...options });
  const call = await loggedIn(fake);
  const client = createAirflowClient({
    baseUrl: fake.baseUrl,
    auth: { username: "admin", password: "admin" },
    fetch: fake.fetch,
  });
  return { clock, fake, call, client };
}

/** extract → (train, report) with train → publish: two branches, one join-free chain. */
function addPipeline(fake: AirflowFake, script?: Parameters<AirflowFake["addDag"]>[0]["script"]) {
  fake.addDag({
    dagId: "pipe",
    tags: ["ml"],
    tasks: [
      { taskId: "extract", xcom: { return_value: { rows: 3 } } },
      {
        taskId: "train",
        upstream: ["extract"],
        xcom: { return_value: 0.93, model_uri: "runs:/1/model", threshold: "0.9" },
      },
      { taskId: "report", upstream: ["extract"], operator: "BashOperator" },
      { taskId: "publish", upstream: ["train"], xcom: { nothing: null } },
    ],
    ...(script ? { script } : {}),
  });
}

const states = (tis: Array<{ task_id: string; state: string | null }>) =>
  Object.fromEntries(tis.map((t) => [t.task_id, t.state]));

describe("routing", () => {
  it("a known route asked with another method is FastAPI's 405; an unknown one the API's 404", async () => {
    const fake = createAirflowFake();
    const r = await fake.fetch(`${fake.baseUrl}/api/v2/version`, { method: "DELETE" });
    expect([r.status, r.headers.get("allow"), await r.json()]).toEqual([
      405,
      "GET",
      { detail: "Method Not Allowed" },
    ]);
    const gone = await fake.fetch(`${fake.baseUrl}/api/v2/no_such_route`);
    expect([gone.status, await gone.json()]).toEqual([404, { error: "API route not found" }]);
    // The server's catch-all takes GET only: another method on an unknown path is a 405 too.
    const posted = await fake.fetch(`${fake.baseUrl}/api/v2/no_such_route`, { method: "POST" });
    expect([posted.status, posted.headers.get("allow")]).toEqual([405, "GET"]);
  });
});

describe("auth", () => {
  it("issues tokens for the right credentials only, with Airflow's bodies", async () => {
    const fake = createAirflowFake();
    const post = (body: unknown) =>
      fake.fetch(`${fake.baseUrl}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const ok = await post({ username: "admin", password: "admin" });
    expect(ok.status).toBe(201);
    expect(typeof ((await ok.json()) as { access_token: unknown }).access_token).toBe("string");
    const wrong = await post({ username: "admin", password: "nope" });
    expect([wrong.status, await wrong.json()]).toEqual([401, { detail: "Invalid credentials" }]);
    expect((await post({ username: "admin" })).status).toBe(422);
    expect(fake.tokenRequests()).toBe(1);
  });

  it.each([
    ["no header", undefined, 401, "Not authenticated"],
    ["a token it never issued", "Bearer abc.def.ghi", 403, "Invalid JWT token"],
  ])("rejects %s", async (_, header, status, detail) => {
    const fake = createAirflowFake();
    const res = await fake.fetch(`${fake.baseUrl}/api/v2/dags`, {
      headers: header ? { authorization: header } : {},
    });
    expect([res.status, await res.json()]).toEqual([status, { detail }]);
  });

  it("expires tokens on its clock and with expireTokens()", async () => {
    const { clock, fake, call } = await setup({ tokenTtlSeconds: 60 });
    expect((await call("GET", "/api/v2/dags")).status).toBe(200);
    clock.advance(60_001);
    expect(await call("GET", "/api/v2/dags")).toEqual({
      status: 401,
      body: { detail: "Token Expired" },
    });
    const again = await setup();
    again.fake.expireTokens();
    expect((await again.call("GET", "/api/v2/pools")).status).toBe(401);
    // /version answers without a token, as on the real server.
    expect((await fake.fetch(`${fake.baseUrl}/api/v2/version`)).status).toBe(200);
  });
});

describe("the run state machine", () => {
  type Row = { advance: number; run: string; tis: Record<string, string | null> };
  const table: Array<{ name: string; script?: Record<string, "success" | "failed">; rows: Row[] }> =
    [
      {
        // Each step takes 1 ms by default (schedulerDelayMs, taskQueueDelayMs,
        // taskStartDelayMs), each task 1000 ms (taskDurationMs).
        name: "success, task by task in dependency order, each through scheduled and queued",
        rows: [
          {
            advance: 0,
            run: "queued",
            tis: { extract: null, train: null, report: null, publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "scheduled", train: null, report: null, publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "queued", train: null, report: null, publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "running", train: null, report: null, publish: null },
          },
          {
            advance: 999,
            run: "running",
            tis: { extract: "running", train: null, report: null, publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "success", train: "scheduled", report: "scheduled", publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "success", train: "queued", report: "queued", publish: null },
          },
          {
            advance: 1,
            run: "running",
            tis: { extract: "success", train: "running", report: "running", publish: null },
          },
          {
            advance: 1000,
            run: "running",
            tis: {
              extract: "success",
              train: "success",
              report: "success",
              publish: "scheduled",
            },
          },
          {
            advance: 1002,
            run: "success",
            tis: { extract: "success", train: "success", report: "success", publish: "success" },
          },
        ],
      },
      {
        name: "a failed task: downstream upstream_failed, the other branch runs, the run fails",
        script: { train: "failed" },
        rows: [
          {
            advance: 1005,
            run: "running",
            tis: { extract: "success", train: "running", report: "running", publish: null },
          },
          {
            advance: 1000,
            run: "failed",
            tis: {
              extract: "success",
              train: "failed",
              report: "success",
              publish: "upstream_failed",
            },
          },
        ],
      },
    ];

  it.each(table)("$name", async ({ script, rows }) => {
    const { clock, fake, call } = await setup();
    addPipeline(fake, script);
    const trig = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: "r1",
      logical_date: null,
    });
    expect(trig.status).toBe(200);
    expect(trig.body.state).toBe("queued");
    for (const row of rows) {
      clock.advance(row.advance);
      const run = await call("GET", "/api/v2/dags/pipe/dagRuns/r1");
      const tis = await call("GET", "/api/v2/dags/pipe/dagRuns/r1/taskInstances");
      expect({ run: run.body.state, tis: states(tis.body.task_instances) }).toEqual({
        run: row.run,
        tis: row.tis,
      });
    }
    const run = (await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body;
    expect(run.end_date).not.toBeNull();
    expect(run.duration).toBeGreaterThan(0);
  });

  it("keeps a paused DAG's run queued until it is unpaused", async () => {
    const { clock, fake, call } = await setup();
    addPipeline(fake);
    await call("PATCH", "/api/v2/dags/pipe", { is_paused: true });
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(10_000);
    fake.settle();
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("queued");
    await call("PATCH", "/api/v2/dags/pipe", { is_paused: false });
    fake.settle();
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("success");
  });

  it("reads PATCH is_paused and clear flags as pydantic's lax mode does, as Airflow 3.3 answers them", async () => {
    const { fake, call } = await setup();
    addPipeline(fake);
    // Each row was sent to a real Airflow 3.3.2 api-server: what it answered.
    const rows: [unknown, boolean | string][] = [
      ["yes", true],
      ["off", false],
      ["TRUE", true],
      [1, true],
      [0, false],
      ["nope", "bool_parsing"],
      [" true", "bool_parsing"],
      [2, "bool_parsing"],
      [0.5, "bool_type"],
      [null, "bool_type"],
      [[], "bool_type"],
    ];
    for (const [value, want] of rows) {
      const res = await call("PATCH", "/api/v2/dags/pipe", { is_paused: value });
      if (typeof want === "boolean") {
        expect({ value, status: res.status, paused: res.body.is_paused }).toEqual({
          value,
          status: 200,
          paused: want,
        });
      } else {
        expect({ value, status: res.status, type: res.body.detail[0].type }).toEqual({
          value,
          status: 422,
          type: want,
        });
      }
    }
    const clear = await call("POST", "/api/v2/dags/pipe/clearTaskInstances", { dry_run: 2 });
    expect(clear.status).toBe(422);
    expect(clear.body.detail[0]).toMatchObject({ type: "bool_parsing", loc: ["body", "dry_run"] });
  });

  it("keeps a run queued until its run_after, as the scheduler does", async () => {
    const { clock, fake, call } = await setup();
    addPipeline(fake);
    const later = new Date(clock.now() + 3_600_000).toISOString();
    await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: "r1",
      logical_date: null,
      run_after: later,
    });
    clock.advance(60_000);
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("queued");
    // settle() runs everything to its end: this run, from its run_after on.
    fake.settle();
    const run = (await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body;
    expect(run.state).toBe("success");
    expect(Date.parse(run.start_date)).toBeGreaterThanOrEqual(Date.parse(later));
  });

  it("runs max_active_runs of a DAG's runs at once; the others wait, queued, and start in order as runs end", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "one", maxActiveRuns: 1, tasks: [{ taskId: "t", durationMs: 10_000 }] });
    for (const id of ["a", "b", "c"]) {
      await call("POST", "/api/v2/dags/one/dagRuns", { dag_run_id: id, logical_date: null });
      clock.advance(1);
    }
    const state = async () =>
      Object.fromEntries(
        (await call("GET", "/api/v2/dags/one/dagRuns?order_by=run_after")).body.dag_runs.map(
          (r: { dag_run_id: string; state: string }) => [r.dag_run_id, r.state],
        ),
      );
    clock.advance(5_000);
    expect(await state()).toEqual({ a: "running", b: "queued", c: "queued" });
    clock.advance(10_000);
    expect(await state()).toEqual({ a: "success", b: "running", c: "queued" });
    fake.settle();
    expect(await state()).toEqual({ a: "success", b: "success", c: "success" });
    // Each started when the one before it ended, never two at once.
    const runs = (await call("GET", "/api/v2/dags/one/dagRuns?order_by=run_after")).body.dag_runs;
    expect(runs[1].start_date).toBe(runs[0].end_date);
    expect(runs[2].start_date).toBe(runs[1].end_date);
    expect((await call("GET", "/api/v2/dags/one")).body.max_active_runs).toBe(1);
  });

  it("never runs two runs in one slot: a run ready earlier takes it first, whatever its run_after", async () => {
    const { clock, fake, call } = await setup({ schedulerDelayMs: 30 });
    fake.addDag({ dagId: "one", maxActiveRuns: 1, tasks: [{ taskId: "t", durationMs: 100 }] });
    await call("POST", "/api/v2/dags/one/dagRuns", { dag_run_id: "b", logical_date: null });
    clock.advance(10);
    // Queued later, but with a run_after long past: ready 30 ms after it, not before b.
    const past = new Date(clock.now() - 1000).toISOString();
    await call("POST", "/api/v2/dags/one/dagRuns", {
      dag_run_id: "x",
      logical_date: null,
      run_after: past,
    });
    clock.advance(90);
    const runs = (await call("GET", "/api/v2/dags/one/dagRuns?order_by=run_after")).body.dag_runs;
    const state = Object.fromEntries(
      runs.map((r: { dag_run_id: string; state: string }) => [r.dag_run_id, r.state]),
    );
    expect(state).toEqual({ b: "running", x: "queued" });
    fake.settle();
    const done = (await call("GET", "/api/v2/dags/one/dagRuns?order_by=start_date")).body.dag_runs;
    expect(done.map((r: { dag_run_id: string }) => r.dag_run_id)).toEqual(["b", "x"]);
    expect(done[1].start_date).toBe(done[0].end_date);
  });

  it("picks the error jsonschema's best_match picks, skips a pattern JavaScript reads otherwise, and writes text as Python's repr", async () => {
    const { call, fake } = await setup();
    fake.addDag({
      dagId: "p",
      tasks: [{ taskId: "t" }],
      params: {
        few: { default: [1], schema: { type: "array", items: { type: "integer" }, maxItems: 2 } },
        each: { default: [1], schema: { type: "array", items: { type: "integer", minimum: 1 } } },
        day: { default: "2025-01", schema: { type: "string", pattern: "^(?P<y>\\d{4})-\\d{2}$" } },
        mode: { default: "a", schema: { enum: ["a", "b"] } },
        list: { default: {}, schema: { enum: [{}] } },
      },
    });
    const detail = async (conf: Record<string, unknown>) =>
      (
        await call("POST", "/api/v2/dags/p/dagRuns", { logical_date: null, conf })
      ).body.detail?.split("\n")[0];
    // The shallowest error: the list too long, not an item's type.
    expect(await detail({ few: ["a", "b", "c"] })).toBe(
      "Invalid input for param few: ['a', 'b', 'c'] is too long",
    );
    // Of siblings, the later one.
    expect(await detail({ each: [0, "x"] })).toBe(
      "Invalid input for param each: 'x' is not of type 'integer'",
    );
    // A Python-only pattern passes unchecked (no 500).
    expect(await detail({ day: "nope" })).toBeUndefined();
    // A list is no dict (enum: [{}] refuses []); a line end is written \\n.
    expect(await detail({ list: [] })).toBe("Invalid input for param list: [] is not one of [{}]");
    expect(await detail({ mode: "c\n" })).toBe(
      "Invalid input for param mode: 'c\\n' is not one of ['a', 'b']",
    );
  });

  it("checks a trigger's conf against the DAG's Params as Airflow 3 does, with its 400 text; details list them", async () => {
    const { call, fake } = await setup();
    fake.addDag({
      dagId: "train",
      tasks: [{ taskId: "fit" }],
      params: {
        n_estimators: { default: 100, schema: { type: "integer", minimum: 1 } },
        model: { default: "rf", schema: { type: "string", enum: ["rf", "xgb"] } },
        sizes: { default: [1], schema: { type: "array", items: { type: "integer" } } },
        plain: 5,
      },
    });
    const trigger = (conf: Record<string, unknown>) =>
      call("POST", "/api/v2/dags/train/dagRuns", { logical_date: null, conf });
    expect(await trigger({ n_estimators: "fifty" })).toEqual({
      status: 400,
      body: {
        detail:
          "Invalid input for param n_estimators: 'fifty' is not of type 'integer'\n\nFailed validating 'type' in schema:\n    {'type': 'integer', 'minimum': 1}\n\nOn instance:\n    'fifty'",
      },
    });
    expect((await trigger({ n_estimators: 0 })).body.detail).toMatch(
      /^Invalid input for param n_estimators: 0 is less than the minimum of 1\n/,
    );
    expect((await trigger({ model: "svm" })).body.detail).toMatch(
      /^Invalid input for param model: 'svm' is not one of \['rf', 'xgb'\]\n/,
    );
    expect((await trigger({ sizes: [1, "x"] })).body.detail).toBe(
      "Invalid input for param sizes: 'x' is not of type 'integer'\n\nFailed validating 'type' in schema['items']:\n    {'type': 'integer'}\n\nOn instance[1]:\n    'x'",
    );
    // A key no param has, and values the schemas take (a whole float is an integer), pass.
    expect((await trigger({ n_estimators: 50.0, model: "xgb", other: 1 })).status).toBe(200);
    const details = (await call("GET", "/api/v2/dags/train/details")).body;
    expect(details.params.n_estimators).toEqual({
      value: 100,
      schema: { type: "integer", minimum: 1 },
      description: null,
      source: null,
    });
    expect(details.params.plain).toEqual({
      value: 5,
      schema: {},
      description: null,
      source: null,
    });
    // A schema too long for one line is laid out as Python's pprint.pformat(width=72) lays it
    // out (the text jsonschema 4.26 printed for it).
    fake.addDag({
      dagId: "long",
      tasks: [{ taskId: "t" }],
      params: {
        name: {
          default: "a",
          schema: {
            type: "string",
            maxLength: 3,
            description_long: "a".repeat(80),
            enum: ["a".repeat(20), "b".repeat(32), "c".repeat(28)],
          },
        },
      },
    });
    expect(
      (
        await call("POST", "/api/v2/dags/long/dagRuns", {
          logical_date: null,
          conf: { name: "x".repeat(10) },
        })
      ).body.detail,
    ).toBe(
      [
        "Invalid input for param name: 'xxxxxxxxxx' is too long",
        "",
        "Failed validating 'maxLength' in schema:",
        "    {'type': 'string',",
        "     'maxLength': 3,",
        `     'description_long': '${"a".repeat(80)}',`,
        `     'enum': ['${"a".repeat(20)}',`,
        `              '${"b".repeat(32)}',`,
        `              '${"c".repeat(28)}']}`,
        "",
        "On instance:",
        "    'xxxxxxxxxx'",
      ].join("\n"),
    );
    // A Param with no default must be given.
    fake.addDag({
      dagId: "needs",
      tasks: [{ taskId: "t" }],
      params: { day: { schema: { type: "string" } } },
    });
    expect(
      (await call("POST", "/api/v2/dags/needs/dagRuns", { logical_date: null })).body.detail,
    ).toBe("Invalid input for param day: No value passed");
  });

  it("keeps the XComs a failed try pushed (xcomOnFailure), as Airflow does; a success's only on success", async () => {
    const { fake, call } = await setup();
    fake.addDag({
      dagId: "diag",
      tasks: [{ taskId: "a", xcom: { ok: 1 }, xcomOnFailure: { s: "hello" } }],
      script: { a: "failed" },
    });
    await call("POST", "/api/v2/dags/diag/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const base = "/api/v2/dags/diag/dagRuns/r1/taskInstances/a/xcomEntries";
    const s = await call("GET", `${base}/s`);
    expect(s.status).toBe(200);
    expect(s.body.value).toBe("hello");
    expect((await call("GET", `${base}/ok`)).status).toBe(404);
  });

  it("clears a failed run and reruns it (a script by try number), with try_number 2", async () => {
    const { fake, call } = await setup();
    addPipeline(fake);
    fake.setScript("pipe", { train: ["failed", "success"] });
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("failed");
    const cleared = await call("POST", "/api/v2/dags/pipe/clearTaskInstances", {
      dry_run: false,
      dag_run_id: "r1",
    });
    // By task id, as the server's query returns them (the parity test's branch_clear_skipped).
    expect(cleared.body.task_instances.map((t: { task_id: string }) => t.task_id)).toEqual([
      "publish",
      "train",
    ]);
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("queued");
    fake.settle();
    const tis = (await call("GET", "/api/v2/dags/pipe/dagRuns/r1/taskInstances")).body
      .task_instances;
    expect(states(tis)).toEqual({
      extract: "success",
      train: "success",
      report: "success",
      publish: "success",
    });
    expect(tis.find((t: { task_id: string }) => t.task_id === "train").try_number).toBe(2);
    expect(tis.find((t: { task_id: string }) => t.task_id === "extract").try_number).toBe(1);
    // the run-level clear endpoint re-queues too
    const again = await call("POST", "/api/v2/dags/pipe/dagRuns/r1/clear", { dry_run: false });
    expect(again.body.state).toBe("queued");
  });

  it("serves each try's log as Airflow 3 does: what it printed, a failed try's exception; getTaskLog reads it", async () => {
    const { clock, fake, call, client } = await setup();
    fake.addDag({
      dagId: "logs",
      tasks: [
        { taskId: "train", log: ["loading rows"] },
        { taskId: "after", upstream: ["train"] },
      ],
      script: {
        train: [
          { state: "failed", log: ["loading rows", "0 rows"], error: "ValueError: no rows" },
          "success",
        ],
      },
    });
    await call("POST", "/api/v2/dags/logs/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(500);
    // Running: what it printed so far, and a token, for the rest.
    const running = await call("GET", "/api/v2/dags/logs/dagRuns/r1/taskInstances/train/logs/1");
    expect(running.body.continuation_token).toEqual(expect.any(String));
    expect((await client.getTaskLog("logs", "r1", "train")).complete).toBe(false);
    fake.settle();
    const failed = await client.getTaskLog("logs", "r1", "train");
    expect(failed.tryNumber).toBe(1);
    expect(failed.complete).toBe(true);
    expect(failed.text).toBe(
      [
        // Started 3 ms after the trigger (the run, then scheduled and queued: 1 ms each).
        "[2025-01-01T00:00:00.003000Z] {task.stdout} INFO - loading rows",
        "[2025-01-01T00:00:00.003000Z] {task.stdout} INFO - 0 rows",
        "[2025-01-01T00:00:01.003000Z] {task} ERROR - Task failed with exception",
        "Traceback (most recent call last):",
        "ValueError: no rows",
      ].join("\n"),
    );
    // Never ran: try 0, no log; no try 2 yet: Airflow's 404.
    expect((await client.getTaskLog("logs", "r1", "after")).tryNumber).toBe(0);
    const none = await call("GET", "/api/v2/dags/logs/dagRuns/r1/taskInstances/train/logs/2");
    expect(none).toEqual({ status: 404, body: { detail: "TaskInstance not found" } });
    // The rerun after a clear succeeds with the task's own log; try 1's stays.
    await call("POST", "/api/v2/dags/logs/clearTaskInstances", {
      dry_run: false,
      dag_run_id: "r1",
    });
    fake.settle();
    const second = await client.getTaskLog("logs", "r1", "train");
    expect(second.tryNumber).toBe(2);
    expect(second.text).toMatch(/\{task\.stdout\} INFO - loading rows$/);
    const first = await client.getTaskLog("logs", "r1", "train", { tryNumber: 1 });
    expect(first.text).toContain("ValueError: no rows");
  });

  it("validates triggers like Airflow 3 and rejects a duplicate run id", async () => {
    const { fake, call } = await setup();
    addPipeline(fake);
    const noDate = await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "x" });
    expect(noDate.status).toBe(422);
    expect(noDate.body.detail[0]).toMatchObject({ type: "missing", loc: ["body", "logical_date"] });
    const naive = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      logical_date: "2025-01-01T00:00:00",
    });
    expect(naive.body.detail[0]).toMatchObject({ type: "timezone_aware" });
    expect((await call("POST", "/api/v2/dags/nope/dagRuns", { logical_date: null })).body).toEqual({
      detail: "Dag with dag_id: 'nope' not found",
    });
    const ok = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      logical_date: "2025-03-01T00:00:00+00:00",
      conf: { k: 1 },
    });
    expect(ok.body).toMatchObject({
      logical_date: "2025-03-01T00:00:00Z",
      conf: { k: 1 },
      run_type: "manual",
    });
    // conf: null is an empty dict, as on the server.
    const noConf = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: "no-conf",
      logical_date: null,
      conf: null,
    });
    expect(noConf.body.conf).toEqual({});
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/no-conf")).body.conf).toEqual({});
    // The answer writes the dates back in their own offset, with microseconds (pydantic);
    // reads come from the database: UTC, microseconds kept.
    const offset = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: "with-offset",
      logical_date: "2023-03-01T05:00:00.123456+02:00",
    });
    expect(offset.body).toMatchObject({
      logical_date: "2023-03-01T05:00:00.123456+02:00",
      data_interval_start: "2023-03-01T05:00:00.123456+02:00",
      data_interval_end: "2023-03-01T05:00:00.123456+02:00",
    });
    const read = await call("GET", "/api/v2/dags/pipe/dagRuns/with-offset");
    expect(read.body).toMatchObject({
      logical_date: "2023-03-01T03:00:00.123456Z",
      data_interval_start: "2023-03-01T03:00:00.123456Z",
    });
    // Named after run_after (the trigger time), as Timetable.generate_run_id does.
    expect(ok.body.dag_run_id).toBe(`manual__${ok.body.run_after.replace(/Z$/, "+00:00")}`);
    const dup = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: ok.body.dag_run_id,
      logical_date: null,
    });
    expect(dup.status).toBe(409);
    // (dag_id, logical_date) is unique as well.
    const sameDate = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      dag_run_id: "other",
      logical_date: "2025-03-01T00:00:00+00:00",
    });
    expect(sameDate.status).toBe(409);
    // DagRun.validate_run_id: no "..", and [scheduler] allowed_run_id_pattern.
    for (const [id, detail] of [
      ["a..b", "The run_id 'a..b' must not contain '..' to prevent path traversal"],
      [
        "my run",
        "The run_id provided 'my run' does not match regex pattern '^[A-Za-z0-9_.~:+-]+$' or '^(?:manual|scheduled|asset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$'",
      ],
      // create_dagrun: a manual run may not take the prefix of another run type
      // (DagRunType.from_run_id), even in the generated form the pattern lets through.
      ...["backfill", "scheduled", "operator_triggered", "asset_triggered", "asset_materialization"]
        .flatMap((type) => [`${type}__2024`, `${type}__2024-01-01T00:00:00+00:00`])
        .map((id) => [
          id,
          `A manual DAG run cannot use ID '${id}' since it is reserved for ${id.slice(0, id.indexOf("__"))} runs`,
        ]),
    ]) {
      const bad = await call("POST", "/api/v2/dags/pipe/dagRuns", {
        dag_run_id: id,
        logical_date: null,
      });
      expect([id, bad.status, bad.body]).toEqual([id, 400, { detail }]);
    }
    // The manual prefix is a manual run's own, and a type name without "__" is no prefix.
    for (const id of ["manual__2024", "scheduled_2024", "my__scheduled__run"]) {
      const ok = await call("POST", "/api/v2/dags/pipe/dagRuns", {
        dag_run_id: id,
        logical_date: null,
      });
      expect([id, ok.status]).toEqual([id, 200]);
    }
  });

  it("runs no task for a logical date before the DAG's start_date, as Airflow 3 creates none", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({
      dagId: "dated",
      startDate: "2025-01-01T00:00:00Z",
      tasks: [
        { taskId: "a", xcom: { return_value: 1 } },
        { taskId: "b", upstream: ["a"] },
      ],
    });
    const trigger = (id: string, logical: string | null) =>
      call("POST", "/api/v2/dags/dated/dagRuns", { dag_run_id: id, logical_date: logical });
    expect((await trigger("early", "2024-06-01T00:00:00+00:00")).body.state).toBe("queued");
    expect((await trigger("just_before", "2024-12-31T23:59:59.999999+00:00")).status).toBe(200);
    expect((await trigger("on_start", "2025-01-01T00:00:00+00:00")).status).toBe(200);
    expect((await trigger("undated", null)).status).toBe(200);
    const tis = async (id: string) =>
      (await call("GET", `/api/v2/dags/dated/dagRuns/${id}/taskInstances`)).body;
    // No task instance from the trigger on: not even one without a state.
    expect(await tis("early")).toMatchObject({ task_instances: [], total_entries: 0 });
    clock.advance(1);
    // Picked up by the scheduler, it ends at once: success, having run nothing.
    const early = (await call("GET", "/api/v2/dags/dated/dagRuns/early")).body;
    expect([early.state, early.start_date, early.end_date]).toEqual([
      "success",
      early.start_date,
      early.start_date,
    ]);
    // A run's DAG versions are its task instances' (DagRun.dag_versions): none here.
    expect(early.dag_versions).toEqual([]);
    expect(
      (await call("GET", "/api/v2/dags/dated/dagRuns/undated")).body.dag_versions,
    ).toHaveLength(1);
    fake.settle();
    for (const [id, count] of [
      ["early", 0],
      ["just_before", 0],
      ["on_start", 2],
      ["undated", 2],
    ] as const) {
      const run = (await call("GET", `/api/v2/dags/dated/dagRuns/${id}`)).body;
      expect([id, run.state, (await tis(id)).total_entries]).toEqual([id, "success", count]);
    }
    const xcom = "taskInstances/a/xcomEntries/return_value";
    expect(await call("GET", `/api/v2/dags/dated/dagRuns/early/${xcom}`)).toEqual({
      status: 404,
      body: { detail: "XCom entry with key: `return_value` not found" },
    });
    expect((await call("GET", `/api/v2/dags/dated/dagRuns/on_start/${xcom}`)).body.value).toBe(1);
    // Clearing such a run finds nothing to clear.
    const cleared = await call("POST", "/api/v2/dags/dated/clearTaskInstances", {
      dag_run_id: "early",
      only_failed: false,
      dry_run: false,
    });
    expect(cleared).toMatchObject({ status: 200, body: { task_instances: [], total_entries: 0 } });
  });

  it("gives runs triggered in one millisecond ids of their own, as Airflow's microsecond clock does", async () => {
    const { fake, call, client } = await setup();
    addPipeline(fake);
    // The manual clock stands still: every trigger below happens at the same instant.
    const runs = await Promise.all(
      Array.from({ length: 10 }, () => client.triggerDagRun("pipe", { logicalDate: null })),
    );
    const ids = runs.map((r) => r.dag_run_id);
    expect(new Set(ids).size).toBe(10);
    expect(ids[0]).toBe("manual__2025-01-01T00:00:00+00:00");
    expect(ids).toContain("manual__2025-01-01T00:00:00.000009+00:00");
    // run_after carries the microsecond the id was named after.
    for (const r of runs) {
      expect(r.dag_run_id).toBe(`manual__${String(r.run_after).replace(/Z$/, "+00:00")}`);
    }
    // A trigger with a logical date right after one without: no clash either.
    const dated = await call("POST", "/api/v2/dags/pipe/dagRuns", { logical_date: START });
    expect(dated.status).toBe(200);
    expect(dated.body.dag_run_id).toBe("manual__2025-01-01T00:00:00.000010+00:00");
    // A run_after given with microseconds names the run with them.
    const given = await call("POST", "/api/v2/dags/pipe/dagRuns", {
      logical_date: null,
      run_after: "2025-02-01T00:00:00.123456Z",
    });
    expect(given.body.dag_run_id).toBe("manual__2025-02-01T00:00:00.123456+00:00");
    const read = await call("GET", `/api/v2/dags/pipe/dagRuns/${given.body.dag_run_id}`);
    expect(read.body.run_after).toBe("2025-02-01T00:00:00.123456Z");
  });

  it("patches and deletes runs", async () => {
    const { clock, fake, call } = await setup();
    addPipeline(fake);
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(500);
    expect((await call("DELETE", "/api/v2/dags/pipe/dagRuns/r1")).status).toBe(409);
    const running = await call("GET", "/api/v2/dags/pipe/dagRuns/r1/taskInstances");
    expect(states(running.body.task_instances)).toEqual({
      extract: "running",
      train: null,
      report: null,
      publish: null,
    });
    const patched = await call("PATCH", "/api/v2/dags/pipe/dagRuns/r1", { state: "success" });
    expect(patched.body.state).toBe("success");
    // As Airflow marks a run: the running task takes the run's state, the others are skipped.
    const marked = await call("GET", "/api/v2/dags/pipe/dagRuns/r1/taskInstances");
    expect(states(marked.body.task_instances)).toEqual({
      extract: "success",
      train: "skipped",
      report: "skipped",
      publish: "skipped",
    });
    expect((await call("PATCH", "/api/v2/dags/pipe/dagRuns/r1", { state: "running" })).status).toBe(
      422,
    );
    expect((await call("DELETE", "/api/v2/dags/pipe/dagRuns/r1")).status).toBe(204);
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).status).toBe(404);
  });
});

/** The fields of a task instance that change with its state, as the API answers them. */
const TI_FIELDS = [
  "state",
  "try_number",
  "max_tries",
  "scheduled_when",
  "queued_when",
  "start_date",
  "end_date",
  "duration",
  "hostname",
  "pid",
  "pool",
  "pool_slots",
  "queue",
  "executor",
] as const;
const tiFields = (ti: Record<string, unknown>) =>
  Object.fromEntries(TI_FIELDS.map((k) => [k, k === "pid" && ti.pid !== null ? "<pid>" : ti[k]]));
/** A time `ms` after START, written as the fake writes times (isoTime). */
const at = (ms: number) => isoTime(Date.parse(START) + ms);

describe("task instance states", () => {
  it("passes each task instance through scheduled and queued, with the fields Airflow sends in each", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "one", tasks: [{ taskId: "fit" }] });
    await call("POST", "/api/v2/dags/one/dagRuns", { dag_run_id: "r1", logical_date: null });
    const ti = async () =>
      tiFields((await call("GET", "/api/v2/dags/one/dagRuns/r1/taskInstances/fit")).body);
    const none = {
      state: null,
      try_number: 0,
      max_tries: 0,
      scheduled_when: null,
      queued_when: null,
      start_date: null,
      end_date: null,
      duration: null,
      hostname: "",
      pid: null,
      pool: "default_pool",
      pool_slots: 1,
      queue: "default",
      executor: null,
    };
    // Observed on Airflow 3.3.2: the try is counted when the task is scheduled; queued sets
    // queued_when; the worker's start sets start_date, hostname and pid; the end, end_date and
    // duration.
    const scheduled = { ...none, state: "scheduled", try_number: 1, scheduled_when: at(1) };
    const queued = { ...scheduled, state: "queued", queued_when: at(2) };
    const running = {
      ...queued,
      state: "running",
      start_date: at(3),
      hostname: "airflow.mock",
      pid: "<pid>",
    };
    const success = { ...running, state: "success", end_date: at(1003), duration: 1 };
    expect(await ti()).toEqual(none);
    const seen = [];
    for (const step of [1, 1, 1, 999, 1]) {
      clock.advance(step);
      seen.push(await ti());
    }
    expect(seen).toEqual([scheduled, queued, running, running, success]);
    const run = (await call("GET", "/api/v2/dags/one/dagRuns/r1")).body;
    expect([run.state, run.queued_at, run.start_date, run.end_date]).toEqual([
      "success",
      at(0),
      at(1),
      at(1003),
    ]);
    // Queued runs and task instances in each state are what the state filters find.
    expect((await call("GET", "/api/v2/dags/one/dagRuns?state=success")).body.total_entries).toBe(
      1,
    );
  });

  it("keeps the last try's dates, duration, host and pid on a rerun until it replaces them, as the server does", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({
      dagId: "one",
      tasks: [{ taskId: "fit" }],
      script: { fit: ["failed", "success"] },
    });
    await call("POST", "/api/v2/dags/one/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const ti = async () =>
      tiFields((await call("GET", "/api/v2/dags/one/dagRuns/r1/taskInstances/fit")).body);
    const failed = await ti();
    expect(failed).toMatchObject({ state: "failed", try_number: 1, duration: 1 });
    clock.set(Date.parse(START) + 10_000);
    await call("POST", "/api/v2/dags/one/clearTaskInstances", {
      dry_run: false,
      dag_run_id: "r1",
    });
    const cleared = { ...failed, state: null, max_tries: 1 };
    expect(await ti()).toEqual(cleared);
    const seen = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1);
      seen.push(await ti());
    }
    const scheduled = { ...cleared, state: "scheduled", try_number: 2, scheduled_when: at(10_001) };
    const queued = { ...scheduled, state: "queued", queued_when: at(10_002) };
    // Running: a new start, no end date, and the last try's duration still (the server resets
    // it only when the try ends).
    const running = { ...queued, state: "running", start_date: at(10_003), end_date: null };
    expect(seen).toEqual([scheduled, queued, running]);
    fake.settle();
    expect(await ti()).toEqual({
      ...running,
      state: "success",
      end_date: at(11_003),
      duration: 1,
    });
  });

  it("holds task instances scheduled and queued for taskQueueDelayMs and taskStartDelayMs, or a try's startDelayMs", async () => {
    const { clock, fake, call } = await setup({
      schedulerDelayMs: 1000,
      taskQueueDelayMs: 500,
      taskStartDelayMs: 2000,
    });
    fake.addDag({
      dagId: "one",
      tasks: [{ taskId: "fit" }],
      // The second try waits 10 minutes for a worker: a service's queue timeout can be tested.
      script: { fit: ["failed", { state: "success", startDelayMs: 600_000 }] },
    });
    await call("POST", "/api/v2/dags/one/dagRuns", { dag_run_id: "r1", logical_date: null });
    const state = async () =>
      (await call("GET", "/api/v2/dags/one/dagRuns/r1/taskInstances/fit")).body.state;
    const seen: Array<[number, string | null]> = [];
    for (const t of [999, 1000, 1499, 1500, 3499, 3500, 4500]) {
      clock.set(Date.parse(START) + t);
      seen.push([t, await state()]);
    }
    expect(seen).toEqual([
      [999, null],
      [1000, "scheduled"],
      [1499, "scheduled"],
      [1500, "queued"],
      [3499, "queued"],
      [3500, "running"],
      [4500, "failed"],
    ]);
    await call("POST", "/api/v2/dags/one/clearTaskInstances", {
      dry_run: false,
      dag_run_id: "r1",
    });
    clock.advance(1500 + 599_999);
    expect(await state()).toBe("queued");
    clock.advance(1);
    expect(await state()).toBe("running");
  });

  it("keeps a task instance scheduled while its pool has no open slot, and counts it in the pool", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "held", tasks: [{ taskId: "fit", pool: "gpu", poolSlots: 2 }] });
    await call("POST", "/api/v2/pools", { name: "gpu", slots: 0 });
    await call("POST", "/api/v2/dags/held/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const ti = async () =>
      (await call("GET", "/api/v2/dags/held/dagRuns/r1/taskInstances/fit")).body;
    expect(tiFields(await ti())).toMatchObject({
      state: "scheduled",
      try_number: 1,
      queued_when: null,
      pool: "gpu",
      pool_slots: 2,
    });
    expect((await call("GET", "/api/v2/dags/held/dagRuns/r1")).body.state).toBe("running");
    // Not started: its log is the source block's markers alone, as the server answers.
    expect(
      (await call("GET", "/api/v2/dags/held/dagRuns/r1/taskInstances/fit/logs/1")).body,
    ).toEqual({
      content: [{ event: "::group::Log message source details" }, { event: "::endgroup::" }],
      continuation_token: null,
    });
    const slots = (p: Record<string, unknown>) => [
      p.scheduled_slots,
      p.queued_slots,
      p.running_slots,
      p.occupied_slots,
      p.open_slots,
    ];
    expect(slots((await call("GET", "/api/v2/pools/gpu")).body)).toEqual([2, 0, 0, 0, 0]);
    clock.advance(60_000);
    // One slot is not enough for a task taking two; the answer is the pool as patched.
    const one = await call("PATCH", "/api/v2/pools/gpu", {
      name: "gpu",
      slots: 1,
      include_deferred: false,
    });
    expect(slots(one.body)).toEqual([2, 0, 0, 0, 1]);
    fake.settle();
    expect((await ti()).state).toBe("scheduled");
    clock.advance(1000);
    await call("PATCH", "/api/v2/pools/gpu", { name: "gpu", slots: 2, include_deferred: false });
    // Queued at the scheduler's next pass after the slots opened, not when it was scheduled.
    clock.advance(1);
    expect(tiFields(await ti())).toMatchObject({ state: "queued", queued_when: at(61_001) });
    expect(slots((await call("GET", "/api/v2/pools/gpu")).body)).toEqual([0, 2, 0, 2, 0]);
    clock.advance(1);
    expect(slots((await call("GET", "/api/v2/pools/gpu")).body)).toEqual([0, 0, 2, 2, 0]);
    fake.settle();
    expect((await call("GET", "/api/v2/dags/held/dagRuns/r1")).body.state).toBe("success");
    expect(slots((await call("GET", "/api/v2/pools/gpu")).body)).toEqual([0, 0, 0, 0, 2]);
  });

  it("shares a pool's slots across runs: the next task instance is queued when one ends", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "gpu", tasks: [{ taskId: "fit", pool: "gpu" }] });
    await call("POST", "/api/v2/pools", { name: "gpu", slots: 1 });
    await call("POST", "/api/v2/dags/gpu/dagRuns", { dag_run_id: "a", logical_date: null });
    clock.advance(1);
    await call("POST", "/api/v2/dags/gpu/dagRuns", { dag_run_id: "b", logical_date: null });
    clock.advance(500);
    const fitOf = async (run: string) =>
      (await call("GET", `/api/v2/dags/gpu/dagRuns/${run}/taskInstances/fit`)).body;
    expect([(await fitOf("a")).state, (await fitOf("b")).state]).toEqual(["running", "scheduled"]);
    fake.settle();
    const [a, b] = [await fitOf("a"), await fitOf("b")];
    expect([a.state, b.state]).toEqual(["success", "success"]);
    // At the scheduler's next pass after a's slot freed.
    expect(Date.parse(b.queued_when) - Date.parse(a.end_date)).toBe(1);
    // A pool of unlimited slots (-1) holds nothing back; the API says -1 open.
    await call("PATCH", "/api/v2/pools/gpu", { name: "gpu", slots: -1, include_deferred: false });
    expect((await call("GET", "/api/v2/pools/gpu")).body.open_slots).toBe(-1);
  });

  it("queues first the task instance of the highest priority_weight when slots are few", async () => {
    const { fake, call } = await setup();
    fake.addDag({
      dagId: "few",
      tasks: [
        { taskId: "leaf", pool: "one" },
        { taskId: "root", pool: "one" },
        { taskId: "after", upstream: ["root"], pool: "one" },
      ],
    });
    await call("POST", "/api/v2/pools", { name: "one", slots: 1 });
    await call("POST", "/api/v2/dags/few/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const tis = (await call("GET", "/api/v2/dags/few/dagRuns/r1/taskInstances?order_by=start_date"))
      .body.task_instances;
    // root (weight 2: it has a downstream task) before leaf (1), though leaf is defined first.
    expect(tis.map((t: { task_id: string }) => t.task_id)).toEqual(["root", "leaf", "after"]);
  });

  it("keeps a task instance of a pool that does not exist scheduled until the pool is made", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "lost", tasks: [{ taskId: "fit", pool: "nowhere" }] });
    await call("POST", "/api/v2/dags/lost/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const lost = async () =>
      (await call("GET", "/api/v2/dags/lost/dagRuns/r1/taskInstances/fit")).body;
    expect((await lost()).state).toBe("scheduled");
    clock.advance(5000);
    await call("POST", "/api/v2/pools", { name: "nowhere", slots: 1 });
    clock.advance(1);
    expect([(await lost()).state, (await lost()).queued_when]).toEqual(["queued", at(5001)]);
  });

  it("skips scheduled and queued task instances of a run marked failed, freeing their slots", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({
      dagId: "held",
      tasks: [
        { taskId: "a", pool: "one" },
        { taskId: "b", pool: "one" },
      ],
    });
    fake.addDag({ dagId: "next", tasks: [{ taskId: "c", pool: "one" }] });
    await call("POST", "/api/v2/pools", { name: "one", slots: 1 });
    await call("POST", "/api/v2/dags/held/dagRuns", { dag_run_id: "r1", logical_date: null });
    await call("POST", "/api/v2/dags/next/dagRuns", { dag_run_id: "r2", logical_date: null });
    clock.advance(2);
    const tis = async (dag: string, run: string) =>
      states(
        (await call("GET", `/api/v2/dags/${dag}/dagRuns/${run}/taskInstances`)).body.task_instances,
      );
    expect({ ...(await tis("held", "r1")), ...(await tis("next", "r2")) }).toEqual({
      a: "queued",
      b: "scheduled",
      c: "scheduled",
    });
    clock.advance(100);
    await call("PATCH", "/api/v2/dags/held/dagRuns/r1", { state: "failed" });
    const b = (await call("GET", "/api/v2/dags/held/dagRuns/r1/taskInstances/b")).body;
    // TaskInstance.set_state: a task not started is skipped, starting and ending now.
    expect(tiFields(b)).toMatchObject({
      state: "skipped",
      try_number: 1,
      start_date: at(102),
      end_date: at(102),
      duration: 0,
      queued_when: null,
    });
    expect(await tis("held", "r1")).toEqual({ a: "failed", b: "skipped" });
    // a's slot is free: c is queued at the scheduler's next pass.
    clock.advance(1);
    expect((await call("GET", "/api/v2/dags/next/dagRuns/r2/taskInstances/c")).body).toMatchObject({
      state: "queued",
      queued_when: at(103),
    });
  });

  it("clears a task instance of a running run without queueing the run again, as Airflow does", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({
      dagId: "branch",
      tasks: [
        { taskId: "quick", durationMs: 100 },
        { taskId: "slow", durationMs: 60_000 },
      ],
    });
    await call("POST", "/api/v2/dags/branch/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(10_000);
    const before = (await call("GET", "/api/v2/dags/branch/dagRuns/r1")).body;
    const cleared = await call("POST", "/api/v2/dags/branch/clearTaskInstances", {
      dry_run: false,
      only_failed: false,
      dag_run_id: "r1",
      task_ids: ["quick"],
    });
    expect(cleared.body.task_instances.map((t: { state: unknown }) => t.state)).toEqual([null]);
    // clear_task_instances queues only a finished run again: this one keeps running and its
    // start date; queued_at is the clear's.
    const run = (await call("GET", "/api/v2/dags/branch/dagRuns/r1")).body;
    expect([run.state, run.start_date, run.queued_at]).toEqual([
      "running",
      before.start_date,
      at(10_000),
    ]);
    const quick = async () =>
      (await call("GET", "/api/v2/dags/branch/dagRuns/r1/taskInstances/quick")).body;
    expect([(await quick()).state, (await quick()).try_number]).toEqual([null, 1]);
    // The scheduler's next pass schedules it (try 2), and it runs again.
    clock.advance(1);
    expect(tiFields(await quick())).toMatchObject({
      state: "scheduled",
      try_number: 2,
      scheduled_when: at(10_001),
    });
    clock.advance(102);
    expect((await quick()).state).toBe("success");
    expect((await call("GET", "/api/v2/dags/branch/dagRuns/r1")).body.state).toBe("running");
  });

  it("lets a running task instance of a run set back to queued end; the run then goes on", async () => {
    const { clock, fake, call } = await setup({ schedulerDelayMs: 2000 });
    addPipeline(fake);
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(2500);
    const queued = await call("PATCH", "/api/v2/dags/pipe/dagRuns/r1", { state: "queued" });
    expect([queued.body.state, queued.body.start_date]).toEqual(["queued", null]);
    // The worker finishes extract (at 3002 ms); nothing downstream is scheduled before the run
    // starts again (at 4500 ms).
    clock.advance(1000);
    const tis = async () =>
      states((await call("GET", "/api/v2/dags/pipe/dagRuns/r1/taskInstances")).body.task_instances);
    expect(await tis()).toEqual({ extract: "success", train: null, report: null, publish: null });
    fake.settle();
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1")).body.state).toBe("success");
  });

  it("starts a paused DAG's queued run when it is unpaused, not before", async () => {
    const { clock, fake, call } = await setup();
    fake.addDag({ dagId: "late", isPaused: true, tasks: [{ taskId: "fit" }] });
    await call("POST", "/api/v2/dags/late/dagRuns", { dag_run_id: "r1", logical_date: null });
    clock.advance(60_000);
    await call("PATCH", "/api/v2/dags/late", { is_paused: false });
    expect((await call("GET", "/api/v2/dags/late/dagRuns/r1")).body.state).toBe("running");
    fake.settle();
    expect((await call("GET", "/api/v2/dags/late/dagRuns/r1")).body.start_date).toBe(at(60_000));
  });
});

describe("lists", () => {
  it("pages, caps limit at 100, orders and filters", async () => {
    const { fake, call } = await setup();
    for (let i = 0; i < 120; i++) fake.setVariable(`var_${String(i).padStart(3, "0")}`, String(i));
    const page = await call("GET", "/api/v2/variables?limit=3&offset=3");
    expect(page.body.total_entries).toBe(120);
    expect(page.body.variables.map((v: { key: string }) => v.key)).toEqual([
      "var_003",
      "var_004",
      "var_005",
    ]);
    expect((await call("GET", "/api/v2/variables?limit=500")).body.variables).toHaveLength(100);
    expect((await call("GET", "/api/v2/variables")).body.variables).toHaveLength(50);
    const desc = await call("GET", "/api/v2/variables?order_by=-key&limit=1");
    expect(desc.body.variables[0].key).toBe("var_119");
    expect((await call("GET", "/api/v2/variables?order_by=nope")).status).toBe(400);
    expect((await call("GET", "/api/v2/variables?limit=-1")).status).toBe(422);

    for (const id of ["b_dag", "a_dag", "c_other"])
      fake.addDag({ dagId: id, tasks: [{ taskId: "t" }], isPaused: id === "c_other" });
    const dags = await call("GET", "/api/v2/dags?limit=2&offset=1");
    expect([
      dags.body.total_entries,
      dags.body.dags.map((d: { dag_id: string }) => d.dag_id),
    ]).toEqual([3, ["b_dag", "c_other"]]);
    expect((await call("GET", "/api/v2/dags?dag_id_pattern=_dag")).body.total_entries).toBe(2);
    expect(
      (await call("GET", "/api/v2/dags?paused=true")).body.dags.map(
        (d: { dag_id: string }) => d.dag_id,
      ),
    ).toEqual(["c_other"]);
  });
});

describe("variables and pools", () => {
  it("does variable CRUD with Airflow's bodies and errors", async () => {
    const { call } = await setup();
    expect(await call("POST", "/api/v2/variables", { key: "k", value: { a: [1, 2] } })).toEqual({
      status: 201,
      body: {
        key: "k",
        value: '{"a": [1, 2]}',
        description: null,
        is_encrypted: true,
        team_name: null,
      },
    });
    expect((await call("POST", "/api/v2/variables", { key: "k", value: "x" })).body).toEqual({
      detail: "The Variable with key: `k` already exists",
    });
    expect((await call("POST", "/api/v2/variables", { value: "x" })).status).toBe(422);
    expect(
      (await call("PATCH", "/api/v2/variables/k", { key: "k", value: "text" })).body.value,
    ).toBe("text");
    expect((await call("PATCH", "/api/v2/variables/k", { key: "other", value: "x" })).status).toBe(
      400,
    );
    expect((await call("DELETE", "/api/v2/variables/k")).status).toBe(204);
    expect(await call("GET", "/api/v2/variables/k")).toEqual({
      status: 404,
      body: { detail: "The Variable with key: `k` was not found" },
    });
  });

  it("decodes a path parameter once, as Starlette does", async () => {
    const { call } = await setup();
    expect((await call("POST", "/api/v2/variables", { key: "a%41 b/c", value: "v" })).status).toBe(
      201,
    );
    const got = await call("GET", `/api/v2/variables/${encodeURIComponent("a%41 b/c")}`);
    expect(got).toMatchObject({ status: 200, body: { key: "a%41 b/c", value: "v" } });
  });

  it("takes a / in an XCom key, variable key or pool name as it is, as Airflow's {name:path} routes do", async () => {
    const { fake, call } = await setup();
    fake.addDag({
      dagId: "pipe",
      tasks: [{ taskId: "train", xcom: { "model/uri": "runs:/1/model" } }],
    });
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    fake.settle();
    const base = "/api/v2/dags/pipe/dagRuns/r1/taskInstances/train/xcomEntries";
    for (const path of [`${base}/model/uri`, `${base}/model%2Furi`]) {
      expect(await call("GET", path)).toMatchObject({
        status: 200,
        body: { key: "model/uri", value: "runs:/1/model" },
      });
    }
    await call("POST", "/api/v2/variables", { key: "team/a", value: "v" });
    expect(await call("GET", "/api/v2/variables/team/a")).toMatchObject({
      status: 200,
      body: { key: "team/a", value: "v" },
    });
    expect((await call("DELETE", "/api/v2/variables/team/a")).status).toBe(204);
    await call("POST", "/api/v2/pools", { name: "gpu/a100", slots: 2 });
    expect(await call("GET", "/api/v2/pools/gpu/a100")).toMatchObject({
      status: 200,
      body: { name: "gpu/a100", slots: 2 },
    });
    // A parameter of one segment still ends at its slash.
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns/r1/x")).status).toBe(404);
  });

  it("does pool CRUD, starting with default_pool like a fresh install", async () => {
    const { call, client } = await setup();
    const fresh = await call("GET", "/api/v2/pools");
    expect(fresh.body.pools.map((p: { name: string }) => p.name)).toEqual(["default_pool"]);
    expect(fresh.body.pools[0]).toMatchObject({
      slots: 128,
      description: "Default pool",
      open_slots: 128,
    });
    expect(
      (await client.pools.create({ name: "gpu", slots: 2, include_deferred: false })).open_slots,
    ).toBe(2);
    expect((await call("POST", "/api/v2/pools", { name: "gpu", slots: 2 })).status).toBe(409);
    expect((await call("POST", "/api/v2/pools", { name: "bad", slots: -5 })).status).toBe(422);
    expect(
      (await call("PATCH", "/api/v2/pools/gpu", { name: "gpu", slots: 4, include_deferred: true }))
        .body.slots,
    ).toBe(4);
    expect((await call("PATCH", "/api/v2/pools/gpu", { slots: 5 })).status).toBe(422);
    expect((await call("DELETE", "/api/v2/pools/default_pool")).body).toEqual({
      detail: "Default Pool can't be deleted",
    });
    await client.pools.delete("gpu");
    const err = await client.pools.get("gpu").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowApiError);
    expect((err as AirflowApiError).status).toBe(404);
  });
});

describe("the client helpers against the fake", () => {
  it("triggers and waits for success, reading XComs", async () => {
    const { clock, fake, client } = await setup();
    addPipeline(fake);
    const run = await client.triggerDagRun("pipe", {
      runId: "manual__2025-01-01T00:00:00+00:00",
      conf: { a: 1 },
    });
    expect(run.state).toBe("queued");
    const seen: string[] = [];
    const result = await client.waitForDagRun("pipe", run.dag_run_id, {
      pollIntervalMs: 1,
      timeoutMs: 5000,
      onProgress: (r) => {
        seen.push(r.state);
        clock.advance(1000);
      },
    });
    expect(result.state).toBe("success");
    expect(result.failedTaskInstances).toEqual([]);
    expect(result.taskInstances.map((t) => [t.task_id, t.state])).toEqual([
      ["extract", "success"],
      ["train", "success"],
      ["report", "success"],
      ["publish", "success"],
    ]);
    expect(result.noTaskInstances).toBe(false);
    expect(seen.at(-1)).toBe("success");
    expect(seen).toContain("running");
    const xcom = await client.getXcom("pipe", run.dag_run_id, "train", "model_uri");
    expect(xcom.value).toBe("runs:/1/model");
    expect((await client.getXcom("pipe", run.dag_run_id, "extract", "return_value")).value).toEqual(
      { rows: 3 },
    );
    // A string output that reads as JSON is still the string the task pushed.
    expect((await client.getXcom("pipe", run.dag_run_id, "train", "threshold")).value).toBe("0.9");
  });

  it("refuses a run id reserved for scheduled runs, as Airflow 3 does, and creates no run", async () => {
    const { fake, client } = await setup();
    addPipeline(fake);
    const refused = await client
      .triggerDagRun("pipe", { runId: "scheduled__2024" })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(AirflowApiError);
    expect([refused.status, refused.detail]).toEqual([
      400,
      "A manual DAG run cannot use ID 'scheduled__2024' since it is reserved for scheduled runs",
    ]);
    expect(await client.latestDagRun("pipe")).toBeNull();
  });

  it("says when a run succeeded without task instances (a logical date before start_date)", async () => {
    const { fake, client } = await setup();
    fake.addDag({
      dagId: "dated",
      startDate: "2025-01-01T00:00:00Z",
      tasks: [{ taskId: "a", xcom: { return_value: 1 } }],
    });
    const run = await client.triggerDagRun("dated", { logicalDate: "2024-06-01T00:00:00Z" });
    const result = await client.waitForDagRun("dated", run.dag_run_id, {
      pollIntervalMs: 1,
      onProgress: () => fake.settle(),
    });
    expect([result.state, result.taskInstances, result.noTaskInstances]).toEqual([
      "success",
      [],
      true,
    ]);
    const xcom = await client.getXcom("dated", run.dag_run_id, "a", "return_value").catch((e) => e);
    expect(xcom).toMatchObject({ status: 404 });
  });

  it("waits on the fake's manual clock when the client is given it (clock: its sleep and now)", async () => {
    const { clock, fake } = await setup();
    addPipeline(fake);
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fake.fetch,
      clock,
    });
    const run = await client.triggerDagRun("pipe");
    const t0 = clock.now();
    const result = await client.waitForDagRun("pipe", run.dag_run_id, { pollIntervalMs: 500 });
    expect(result.state).toBe("success");
    // Three layers of one-second tasks from the trigger on, each 2 ms scheduled and queued, after
    // the run's 1 ms queued: it ends at 3007 ms, seen by the poll at 3500 (every 500 ms).
    expect(clock.now() - t0).toBe(3500);
    // The clock's sleep stops as a real one does when the wait is cancelled.
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(clock.sleep(1000, controller.signal)).rejects.toThrow("stop");
    expect(clock.now() - t0).toBe(3500);
    // Retries' back-off waits on it too: a Retry-After of 20 s passes on the clock.
    const limited = rateLimited({ retryAfterSeconds: 20, times: 1 });
    const retrying = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fetchFrom([limited, ...fake.handlers]),
      clock,
    });
    await retrying.getDagRun("pipe", run.dag_run_id);
    expect([limited.hits(), clock.now() - t0]).toEqual([1, 23_500]);
  });

  it("waits for a failed run and returns its failed task instances", async () => {
    const { fake, client } = await setup();
    addPipeline(fake, { extract: "failed" });
    const run = await client.triggerDagRun("pipe");
    const result = await client.waitForDagRun("pipe", run.dag_run_id, {
      pollIntervalMs: 1,
      onProgress: () => fake.settle(),
    });
    expect(result.state).toBe("failed");
    expect(result.failedTaskInstances.map((t) => [t.task_id, t.state])).toEqual([
      ["extract", "failed"],
    ]);
    expect(result.upstreamFailedTaskInstances.map((t) => t.task_id).sort()).toEqual([
      "publish",
      "report",
      "train",
    ]);
  });

  it("pages task instances and import errors over more than one page", async () => {
    const { fake, client } = await setup();
    fake.addDag({
      dagId: "wide",
      tasks: Array.from({ length: 150 }, (_, i) => ({ taskId: `t${i}` })),
    });
    const run = await client.triggerDagRun("wide", { runId: "r" });
    fake.settle();
    const tis = await client.listTaskInstances("wide", run.dag_run_id);
    expect(tis).toHaveLength(150);
    expect(new Set(tis.map((t) => t.task_id)).size).toBe(150);
    expect(tis.every((t) => t.state === "success")).toBe(true);
    for (let i = 0; i < 130; i++)
      fake.addImportError({ filename: `bad_${i}.py`, stackTrace: `Error ${i}` });
    const errors = await client.listImportErrors();
    expect(errors).toHaveLength(130);
    expect(errors[129]?.filename).toBe("bad_129.py");
  });

  it("pauses, clears and reruns through the helpers", async () => {
    const { fake, client } = await setup();
    addPipeline(fake, { publish: "failed" });
    expect((await client.setDagPaused("pipe", true)).is_paused).toBe(true);
    expect((await client.unpauseDag("pipe")).is_paused).toBe(false);
    const run = await client.triggerDagRun("pipe", { runId: "r1" });
    fake.settle();
    fake.setScript("pipe", {});
    const cleared = await client.clearTaskInstances("pipe", { runId: "r1", onlyFailed: true });
    expect(cleared.task_instances.map((t) => t.task_id)).toEqual(["publish"]);
    fake.settle();
    expect((await client.getDagRun("pipe", run.dag_run_id)).state).toBe("success");
  });

  it("fetches a new token once after a 401 (expired token)", async () => {
    const { clock, fake } = await setup({ tokenTtlSeconds: 30 });
    const before = fake.tokenRequests();
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fake.fetch,
    });
    await client.version();
    fake.addDag({ dagId: "d", tasks: [{ taskId: "t" }] });
    await client.setDagPaused("d", false);
    expect(fake.tokenRequests()).toBe(before + 1);
    clock.advance(31_000);
    await client.setDagPaused("d", true);
    expect(fake.tokenRequests()).toBe(before + 2);
    fake.expireTokens();
    await client.setDagPaused("d", false);
    expect(fake.tokenRequests()).toBe(before + 3);
  });

  it("retries a 503 and then gets the fake's answer", async () => {
    const fake = createAirflowFake();
    fake.addDag({ dagId: "d", tasks: [{ taskId: "t" }] });
    let failures = 0;
    const flaky = http.all(`${fake.baseUrl}/api/v2/dags/*`, () => {
      if (failures >= 2) return undefined;
      failures++;
      return new HttpResponse("unavailable", { status: 503 });
    });
    const retries: number[] = [];
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fetchFrom([flaky, ...fake.handlers]),
      sleep: async () => {},
      onRetry: (info) => retries.push(info.attempt),
    });
    const run = await client.triggerDagRun("d", { runId: "r1" }); // idempotent: retried
    expect(run.dag_run_id).toBe("r1");
    expect(failures).toBe(2);
    expect(retries).toEqual([1, 2]);
  });

  it("maps the fake's errors to AirflowApiError with Airflow's detail", async () => {
    const { client } = await setup();
    const err = (await client.getDagRun("nope", "x").catch((e: unknown) => e)) as AirflowApiError;
    expect(err).toBeInstanceOf(AirflowApiError);
    expect([err.status, err.detail]).toEqual([
      404,
      "The DagRun with dag_id: `nope` and run_id: `x` was not found",
    ]);
  });
});

describe("XComs, DAG details and sources", () => {
  it("answers XComs like Airflow (native, stringify, list, 404)", async () => {
    const { fake, call } = await setup();
    addPipeline(fake);
    await call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: "r1", logical_date: null });
    const base = "/api/v2/dags/pipe/dagRuns/r1/taskInstances";
    expect((await call("GET", `${base}/extract/xcomEntries/return_value`)).status).toBe(404);
    fake.settle();
    const native = await call("GET", `${base}/extract/xcomEntries/return_value`);
    expect(native.body).toMatchObject({
      key: "return_value",
      task_id: "extract",
      run_id: "r1",
      value: { rows: 3 },
    });
    const text = await call("GET", `${base}/extract/xcomEntries/return_value?stringify=true`);
    expect(text.body.value).toBe("{'rows': 3}");
    // None is null, stringified or not (XComResponseString keeps None).
    for (const q of ["", "?stringify=true"]) {
      expect((await call("GET", `${base}/publish/xcomEntries/nothing${q}`)).body.value).toBeNull();
    }
    const list = await call("GET", `${base}/train/xcomEntries`);
    expect(list.body.xcom_entries.map((e: { key: string }) => e.key)).toEqual([
      "model_uri",
      "return_value",
      "threshold",
    ]);
    // A string that reads as JSON: deserialize=true reads it once more, as Airflow 3 does.
    const threshold = `${base}/train/xcomEntries/threshold`;
    expect((await call("GET", threshold)).body.value).toBe("0.9");
    expect((await call("GET", `${threshold}?deserialize=true`)).body.value).toBe(0.9);
    expect(list.body.xcom_entries[0]).not.toHaveProperty("value");
    expect(await call("GET", `${base}/train/xcomEntries/nope`)).toEqual({
      status: 404,
      body: { detail: "XCom entry with key: `nope` not found" },
    });
  });

  it("serves DAG details, sources and tags", async () => {
    const { fake, call, client } = await setup();
    fake.addDag({
      dagId: "d",
      tasks: [{ taskId: "t" }],
      tags: ["b", "a"],
      startDate: "2025-01-01T00:00:00Z",
      source: "print('hi')\n",
    });
    const details = await call("GET", "/api/v2/dags/d/details");
    expect(details.body).toMatchObject({
      dag_id: "d",
      start_date: "2025-01-01T00:00:00Z",
      timezone: "UTC",
    });
    expect(details.body.tags.map((t: { name: string }) => t.name)).toEqual(["a", "b"]);
    expect((await client.getDagSource("d")).content).toBe("print('hi')\n");
    expect((await call("GET", "/api/v2/dags/nope")).body).toEqual({
      detail: "The Dag with ID: `nope` was not found",
    });
  });
});

describe("reset", () => {
  it("forgets everything but the seeds", async () => {
    const fake = createAirflowFake({
      dags: [{ dagId: "seeded", tasks: [{ taskId: "t" }] }],
      importErrors: [{ filename: "bad.py", stackTrace: "boom" }],
    });
    fake.addDag({ dagId: "extra", tasks: [{ taskId: "t" }] });
    fake.setVariable("v", "1");
    fake.reset();
    const client = createAirflowClient({
      baseUrl: fake.baseUrl,
      auth: { username: "admin", password: "admin" },
      fetch: fake.fetch,
    });
    const dags = await client.api.GET("/api/v2/dags");
    expect(dags.data?.dags.map((d) => d.dag_id)).toEqual(["seeded"]);
    expect(await client.listImportErrors()).toHaveLength(1);
    expect((await client.api.GET("/api/v2/variables")).data?.total_entries).toBe(0);
  });
});

describe("routes of the API the fake does not implement", () => {
  it("answer 501 NOT_MOCKED, not the server's 'no such route' 404 or a 405", async () => {
    const { call } = await setup();
    for (const [method, path] of [
      ["GET", "/api/v2/connections/enqueue-test"],
      ["PATCH", "/api/v2/dags/d/dagRuns/r/taskInstances/t"],
    ] as const) {
      const r = await call(method, path, method === "GET" ? undefined : {});
      expect([r.status, r.body.error_code], `${method} ${path}`).toEqual([501, "NOT_MOCKED"]);
    }
    expect((await call("GET", "/api/v2/no_such_route")).status).toBe(404);
  });

  it("list filters: dates, run type and run id applied; the server's others are 501, unknown ones ignored", async () => {
    const { fake, call } = await setup();
    addPipeline(fake);
    const trigger = (id: string, logical: string | null) =>
      call("POST", "/api/v2/dags/pipe/dagRuns", { dag_run_id: id, logical_date: logical });
    await trigger("jan", "2025-01-15T00:00:00Z");
    await trigger("mar", "2025-03-15T00:00:00Z");
    await trigger("none", null);
    const ids = async (query: string) => {
      const r = await call("GET", `/api/v2/dags/pipe/dagRuns?${query}`);
      expect(r.status, query).toBe(200);
      return r.body.dag_runs.map((x: { dag_run_id: string }) => x.dag_run_id).sort();
    };
    expect(
      await ids("logical_date_gte=2025-01-01T00:00:00Z&logical_date_lte=2025-02-01T00:00:00Z"),
    ).toEqual(["jan"]);
    expect(await ids("logical_date_gt=2025-01-15T00:00:00Z")).toEqual(["mar"]);
    expect(await ids("run_type=scheduled")).toEqual([]);
    expect(await ids("run_type=manual&run_type=scheduled")).toEqual(["jan", "mar", "none"]);
    expect(await ids("run_id_pattern=a")).toEqual(["jan", "mar"]);
    // `|` is either, as in Airflow's pattern filters.
    expect(await ids("run_id_pattern=jan|non")).toEqual(["jan", "none"]);
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns?run_type=bogus")).status).toBe(422);
    // Runs not started or not ended pass lower bounds on those dates, and upper bounds that
    // are still ahead of now.
    expect(await ids("end_date_gte=2000-01-01T00:00:00Z")).toEqual(["jan", "mar", "none"]);
    expect(await ids("end_date_lte=2999-01-01T00:00:00Z")).toEqual(["jan", "mar", "none"]);
    expect(await ids("start_date_lt=2000-01-01T00:00:00Z")).toEqual([]);
    expect(await ids("run_after_gte=2098-01-01T00:00:00Z")).toEqual([]);
    // A parameter the server does not know is ignored, as FastAPI ignores it.
    expect(await ids("no_such_filter=1")).toEqual(["jan", "mar", "none"]);
    expect((await call("GET", "/api/v2/dags/pipe/dagRuns?logical_date_gte=soon")).status).toBe(422);
    for (const path of [
      "/api/v2/dags?owners=nobody",
      "/api/v2/dags/pipe/dagRuns?conf_contains=x",
      "/api/v2/dags/~/dagRuns?triggering_user_name_pattern=nobody",
      "/api/v2/dags/pipe/dagRuns/jan/taskInstances?pool=nopool",
    ]) {
      const r = await call("GET", path);
      expect([r.status, r.body.error_code], path).toEqual([501, "NOT_MOCKED"]);
      expect(r.body.message).toContain("which the server filters by");
    }
  });

  it("answers values under sensitive names as ***, by the variable's key and by keys inside its JSON", async () => {
    const { call } = await setup();
    const put = (key: string, value: unknown) => call("POST", "/api/v2/variables", { key, value });
    const got = async (key: string) =>
      (await call("GET", `/api/v2/variables/${encodeURIComponent(key)}`)).body.value;
    await put("Parity-API.Token", "hunter2-secret");
    await put("conn", {
      user: "u",
      password: "p4ss",
      port: 5432,
      nested: [{ api_key: "k", n: 1 }],
    });
    await put("my_passwords", { a: "x", b: 2, c: ["y", true] });
    await put("data_dir", "/opt/data");
    expect(await got("Parity-API.Token")).toBe("***");
    expect(await got("conn")).toBe(
      '{"user": "u", "password": "***", "port": 5432, "nested": [{"api_key": "***", "n": 1}]}',
    );
    expect(await got("my_passwords")).toBe('{"a": "***", "b": 2, "c": ["***", true]}');
    expect(await got("data_dir")).toBe("/opt/data");
    expect((await put("db_password", "x")).body.value).toBe("***");
  });

  it("the list routes' query parameters are the spec's", () => {
    const spec = parse(
      readFileSync(new URL("../../../specs/airflow/v2-rest-api.yaml", import.meta.url), "utf8"),
    ) as {
      paths: Record<string, { get: { parameters?: { name: string; in: string }[] } }>;
    };
    for (const [route, names] of Object.entries(AIRFLOW_LIST_QUERY)) {
      const query = (spec.paths[route]?.get.parameters ?? []).filter((p) => p.in === "query");
      expect([...names].sort(), route).toEqual(query.map((p) => p.name).sort());
    }
  });

  it("the list of the API's routes is the spec's", () => {
    const spec = parse(
      readFileSync(new URL("../../../specs/airflow/v2-rest-api.yaml", import.meta.url), "utf8"),
    ) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(AIRFLOW_SPEC_ROUTES.map(([m, p]) => `${m} ${p}`).sort()).toEqual(routes.sort());
  });
});

describe("checks the server makes", () => {
  it("a state filter with an unknown state is a 422; none stands for no state", async () => {
    const { call } = await setup();
    expect(await call("GET", "/api/v2/dags/~/dagRuns?state=succeeded")).toEqual({
      status: 422,
      body: {
        detail: "Invalid value for state. Valid values are queued, running, success, failed",
      },
    });
    expect((await call("GET", "/api/v2/dags/~/dagRuns?state=none")).status).toBe(200);
  });

  it("clearTaskInstances refuses what ClearTaskInstancesBody refuses", async () => {
    const { call } = await setup();
    const msg = async (body: unknown) => {
      const r = await call("POST", "/api/v2/dags/nope/clearTaskInstances", body);
      return `${r.status} ${r.body.detail[0]?.msg}`;
    };
    expect(await msg({ only_failed: true, only_running: true })).toBe(
      "422 Value error, only_failed and only_running both are set to True",
    );
    expect(await msg({ task_ids: [] })).toBe(
      "422 Value error, task_ids list should have at least 1 element.",
    );
    expect(await msg({ dry_run: "nope" })).toBe(
      "422 Input should be a valid boolean, unable to interpret input",
    );
  });
});
