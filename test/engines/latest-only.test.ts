/**
 * p.latestOnly(): a backfill of past days runs the tasks before the gate and skips the ones
 * after it (and what needs them; a task with a trigger rule of its own still runs), a manual
 * run runs them all. On real Airflow 3.3.2 (scheduler, dag-processor and api-server started
 * here; the backfill made through the REST API, as a user's service or the UI makes it) and
 * with Airflow 2.11.2's `airflow dags backfill`, whose runs are backfill runs too.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AirflowClient,
  createAirflowClient,
} from "../../packages/airflow-client/src/index.js";
import { createAirflowFake } from "../../packages/mocks/src/index.js";
import { airflowDagOf, type PipelineDefinitionLike } from "../../packages/mocks/src/pipeline.js";
import { ROOT } from "../support/pipelines.js";
import { type AirflowServer, startAirflow, untilListed } from "./airflow-server.js";
import {
  AIRFLOW2_PYTHON,
  AIRFLOW2_VENV,
  airflowEnv,
  ensureEngines,
  isAlive,
  mlgenHere,
  runEngine,
  tempDir,
} from "./harness.js";

const FIXTURE = join(ROOT, "test/fixtures/pipelines/latest-only.pipeline.ts");
const SCHEDULED = join(ROOT, "test/fixtures/pipelines/latest-only-scheduled.pipeline.ts");
let work = "";

/** The tasks of a run of a past day (a backfill's) and of a manual run. */
const PAST = {
  train: "success",
  latest: "success",
  deploy: "skipped",
  announce: "skipped",
  report: "success",
  // Right after the gate: skipped whatever its rule (all_done).
  cleanup: "skipped",
};
const MANUAL = {
  train: "success",
  latest: "success",
  deploy: "success",
  announce: "success",
  report: "success",
  cleanup: "success",
};

async function compile(version: 2 | 3, file = FIXTURE, under = ""): Promise<string> {
  const dags = join(work, `dags-${version}`, under);
  const args = ["compile", file, "--root", join(ROOT, "test/fixtures"), "--out", dags];
  if ((await mlgenHere(...args, "--airflow-version", String(version))) !== 0)
    throw new Error(`compiling ${file} for Airflow ${version} failed`);
  return dags;
}

/** A run of the fixture's DAG in the Airflow fake (airflowDagOf), settled. */
async function fakeRun(runId: string, conditions: Record<string, boolean> = {}) {
  const fake = createAirflowFake();
  const def = (await import(FIXTURE)).default as PipelineDefinitionLike;
  fake.addDag(airflowDagOf(def, { conditions }));
  const mock = createAirflowClient({
    baseUrl: fake.baseUrl,
    auth: { username: "admin", password: "admin" },
    fetch: fake.fetch,
  });
  await mock.triggerDagRun("latest_only", { runId });
  fake.settle();
  return { mock, run: await mock.waitForDagRun("latest_only", runId, { timeoutMs: 1000 }) };
}

beforeAll(() => {
  ensureEngines();
  work = tempDir("latest-only");
});

describe("a latest-only gate on real Airflow 3", () => {
  let airflow: AirflowServer;
  let client: AirflowClient;

  beforeAll(async () => {
    const dags = await compile(3);
    // The scheduled pipeline beside it, in a folder of its own (a second pipeline's output).
    await compile(3, SCHEDULED, "scheduled");
    // Paused at creation, each DAG unpaused by its test: the other's scheduled runs would
    // write to the SQLite database while the backfill is made.
    airflow = await startAirflow({
      dagsFolder: dags,
      triggerer: false,
      env: { AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: "True" },
    });
    client = createAirflowClient({
      baseUrl: airflow.url,
      auth: { username: airflow.username, password: airflow.password },
    });
  });

  afterAll(async () => {
    const pids = Object.values(airflow?.pids ?? {});
    await airflow?.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a backfill's runs skip the deploy and what needs it, the all_done task runs; a manual run deploys, as the fake's run of the pipeline does", async () => {
    await untilListed(airflow, client, "latest_only");
    await client.unpauseDag("latest_only");
    // On SQLite, Airflow refuses a backfill while the scheduler holds the database (503,
    // "Database is locked. Backfill creation is not supported on SQLite under concurrent
    // access"), or answers late: asked again until it is made, each time waiting two minutes.
    const patient = createAirflowClient({
      baseUrl: airflow.url,
      auth: { username: airflow.username, password: airflow.password },
      timeoutMs: 120_000,
    });
    const body = {
      dag_id: "latest_only",
      from_date: "2025-06-01T00:00:00Z",
      to_date: "2025-06-02T00:00:00Z",
      run_backwards: false,
      reprocess_behavior: "none" as const,
      max_active_runs: 10,
    };
    let made = await patient.api.POST("/api/v2/backfills", { body });
    for (let i = 0; made.response.status === 503 && i < 30; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      made = await patient.api.POST("/api/v2/backfills", { body });
    }
    expect(made.response.status, JSON.stringify(made.error)).toBe(200);
    const listed = await client.api.GET("/api/v2/dags/{dag_id}/dagRuns", {
      params: { path: { dag_id: "latest_only" }, query: { run_type: ["backfill"] } },
    });
    const runIds = (listed.data?.dag_runs ?? []).map((r) => r.dag_run_id).sort();
    expect(runIds).toEqual([
      "backfill__2025-06-01T00:00:00+00:00",
      "backfill__2025-06-02T00:00:00+00:00",
    ]);
    /** What the gate pushed in a run, by key (the REST API's list of its XComs). */
    const pushed = async (api: AirflowClient, runId: string) => {
      const listed = await api.api.GET(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
        {
          params: { path: { dag_id: "latest_only", dag_run_id: runId, task_id: "latest" } },
        },
      );
      const keys = (listed.data?.xcom_entries ?? []).map((x) => x.key).sort();
      // The gate's followers come from a set: in any order on the server.
      const sorted = (v: unknown): unknown =>
        Array.isArray(v)
          ? [...v].sort()
          : v !== null && typeof v === "object"
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sorted(x)]))
            : v;
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        out[key] = sorted((await api.getXcom("latest_only", runId, "latest", key)).value);
      }
      return out;
    };
    let pastPushed: Record<string, unknown> = {};
    for (const runId of runIds) {
      const done = await client.waitForDagRun("latest_only", runId, { timeoutMs: 180_000 });
      pastPushed = await pushed(client, runId);
      expect(done.state, airflow.logs().slice(-5000)).toBe("success");
      expect(Object.fromEntries(done.taskInstances.map((t) => [t.task_id, t.state]))).toEqual(PAST);
      const log = await client.getTaskLog("latest_only", runId, "latest");
      expect(log.text).toContain("Not latest execution, skipping downstream.");
    }
    await client.triggerDagRun("latest_only", { runId: "manual-run" });
    const manual = await client.waitForDagRun("latest_only", "manual-run", { timeoutMs: 180_000 });
    expect(manual.state).toBe("success");
    const states = Object.fromEntries(manual.taskInstances.map((t) => [t.task_id, t.state]));
    expect(states).toEqual(MANUAL);
    expect((await client.getTaskLog("latest_only", "manual-run", "latest")).text).toContain(
      "Manually triggered DAG_Run: allowing execution to proceed.",
    );

    const { mock, run: faked } = await fakeRun("manual-run");
    expect(Object.fromEntries(faked.taskInstances.map((t) => [t.task_id, t.state]))).toEqual(
      states,
    );
    // The gate returns the tasks right after it, which the fake's gate pushes too.
    const manualPushed = await pushed(client, "manual-run");
    expect(manualPushed).toEqual({
      return_value: ["cleanup", "deploy"],
      skipmixin_key: { followed: ["cleanup", "deploy"] },
    });
    expect(await pushed(mock, "manual-run")).toEqual(manualPushed);

    // A past interval's run, as the fake's gate decides it with conditions: the same skips
    // and the same XComs as the backfill's runs.
    const { mock: pastClient, run: pastRun } = await fakeRun("past-run", { latest: false });
    expect(Object.fromEntries(pastRun.taskInstances.map((t) => [t.task_id, t.state]))).toEqual(
      PAST,
    );
    expect(pastPushed).toEqual({ skipmixin_key: { followed: [] } });
    expect(await pushed(pastClient, "past-run")).toEqual(pastPushed);
  });
  it("the scheduler's run of the latest interval is let through: the gate finds the clock inside its window", async () => {
    const dagId = "latest_only_scheduled";
    await untilListed(airflow, client, dagId);
    // Unpaused without catch-up, the DAG gets a run of the two-minute mark before at once
    // (CronTriggerTimetable aligns to the previous mark), whose window may be nearly over when
    // its gate runs; the run of the next mark is made on time.
    await client.unpauseDag(dagId);
    const listedAt = Date.now();
    let runId: string | undefined;
    const until = Date.now() + 240_000;
    while (runId === undefined) {
      const listed = await client.api.GET("/api/v2/dags/{dag_id}/dagRuns", {
        params: { path: { dag_id: dagId }, query: { run_type: ["scheduled"] } },
      });
      runId = listed.data?.dag_runs?.find(
        (r) => r.logical_date != null && Date.parse(r.logical_date) >= listedAt,
      )?.dag_run_id;
      if (runId !== undefined) break;
      if (Date.now() > until) throw new Error(`no scheduled run of ${dagId}:\n${airflow.logs()}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    const done = await client.waitForDagRun(dagId, runId, { timeoutMs: 180_000 });
    await client.pauseDag(dagId);
    expect(done.state).toBe("success");
    expect(Object.fromEntries(done.taskInstances.map((t) => [t.task_id, t.state]))).toEqual({
      latest: "success",
      train: "success",
      deploy: "success",
    });
    expect((await client.getTaskLog(dagId, runId, "latest")).text).toContain(
      "Latest, allowing execution to proceed.",
    );
  });
});

describe("a latest-only gate with Airflow 2's backfill", () => {
  it("the backfill's runs skip the deploy and what needs it, the all_done task runs; a `dags test` run deploys", async () => {
    const dags = await compile(2);
    const home = join(work, "airflow2");
    mkdirSync(home);
    // The backfill runs each task as `airflow tasks run`, found on PATH.
    const env = airflowEnv(home, dags, {
      PATH: `${join(AIRFLOW2_VENV, "bin")}:${process.env.PATH ?? ""}`,
    });
    const airflow2 = join(AIRFLOW2_VENV, "bin", "airflow");
    const migrate = runEngine(airflow2, ["db", "migrate"], env);
    expect(migrate.status, migrate.output.slice(-3000)).toBe(0);
    const backfill = runEngine(
      airflow2,
      ["dags", "backfill", "-s", "2025-06-01", "-e", "2025-06-02", "latest_only"],
      env,
    );
    expect(backfill.status, backfill.output.slice(-5000)).toBe(0);
    const test = runEngine(airflow2, ["dags", "test", "latest_only", "2025-06-03"], env);
    expect(test.status, test.output.slice(-5000)).toBe(0);
    const out = join(work, "states-2.json");
    const r = runEngine(
      AIRFLOW2_PYTHON,
      [join(ROOT, "test/python/ti_states.py"), "latest_only", out],
      env,
    );
    expect(r.status, r.output.slice(-3000)).toBe(0);
    const runs = JSON.parse(readFileSync(out, "utf8")) as Record<
      string,
      { state: string; tasks: Record<string, string> }
    >;
    expect(runs).toEqual({
      "backfill__2025-06-01T00:00:00+00:00": expect.objectContaining({
        state: "success",
        tasks: PAST,
      }),
      "backfill__2025-06-02T00:00:00+00:00": expect.objectContaining({
        state: "success",
        tasks: PAST,
      }),
      "manual__2025-06-03T00:00:00+00:00": expect.objectContaining({
        state: "success",
        tasks: MANUAL,
      }),
    });
  });
});
