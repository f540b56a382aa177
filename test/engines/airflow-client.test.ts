/**
 * @mlgen/airflow-client against a real Airflow 3 (api-server, scheduler, dag-processor,
 * triggerer; SQLite; simple auth manager; short-lived tokens) and a real MLflow server, both
 * started here on 127.0.0.1 and stopped by PID. Faults come from a proxy on 127.0.0.1.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AirflowApiError,
  type AirflowClient,
  AirflowDagRunExistsError,
  AirflowMappedTaskError,
  AirflowRequestError,
  createAirflowClient,
} from "../../packages/airflow-client/src/index.js";
import { run as mlgen } from "../../packages/cli/src/run.js";
import { type FaultProxy, startFaultProxy } from "../support/fault-proxy.js";
import { ROOT } from "../support/pipelines.js";
import { type AirflowServer, startAirflow } from "./airflow-server.js";
import { ensureEngines, type MlflowServer, startMlflow, tempDir } from "./harness.js";

// Long enough that no request of a loaded CI machine (2 CPUs, several Airflow stacks) sits in
// the API server past a fresh token's expiry (20 s did: a refreshed token was refused once), short
// enough that the file's own runs outlast it, so the last test below mostly waits for nothing.
const JWT_SECONDS = 60;
let airflow: AirflowServer;
let mlflow: MlflowServer;
let client: AirflowClient;
let tokenRequests = 0;
/** When the answer to the client's last token request came (Date.now()): minted before then. */
let lastTokenAt = 0;
const RUN_ID = "manual__2025-06-01T12:00:00+00:00"; // `+` and `:` must be URL-encoded

/** A fetch that counts token requests, to prove refresh on 401 happens. */
const countingFetch: typeof fetch = (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (!url.endsWith("/auth/token")) return fetch(input, init);
  tokenRequests++;
  return fetch(input, init).then((response) => {
    lastTokenAt = Date.now();
    return response;
  });
};

beforeAll(async () => {
  ensureEngines();
  const work = tempDir("client");
  const dags = join(work, "dags");
  cpSync(join(ROOT, "examples/iris-quickstart/dags"), dags, { recursive: true });
  // Mentions "airflow" and "dag" so the dag-processor parses it, and fails on import.
  writeFileSync(
    join(dags, "broken_dag.py"),
    "from airflow.sdk import DAG\n\nraise ValueError('broken on purpose')\n",
  );
  // A run that prints, fails with a chained exception, and leaves a task that never runs.
  writeFileSync(
    join(dags, "log_demo.py"),
    [
      "import datetime",
      "",
      "from airflow.providers.standard.operators.python import PythonOperator",
      "from airflow.sdk import DAG",
      "",
      "",
      "def say():",
      '    print("hello from say")',
      "",
      "",
      "def fail():",
      "    try:",
      '        {}["rows"]',
      "    except KeyError as e:",
      '        raise ValueError("bad input: no rows") from e',
      "",
      "",
      'with DAG("log_demo", schedule=None, start_date=datetime.datetime(2025, 1, 1)):',
      '    say_task = PythonOperator(task_id="say", python_callable=say)',
      '    fail_task = PythonOperator(task_id="fail", python_callable=fail, retries=0)',
      '    after = PythonOperator(task_id="after", python_callable=say)',
      "    say_task >> fail_task >> after",
      "",
    ].join("\n"),
  );
  // A mapped task (dynamic task mapping) whose map index 1 fails: each index has its own log.
  writeFileSync(
    join(dags, "map_demo.py"),
    [
      "import datetime",
      "",
      "from airflow.sdk import dag, task",
      "",
      "",
      '@dag(dag_id="map_demo", schedule=None, start_date=datetime.datetime(2025, 1, 1))',
      "def map_demo():",
      "    @task",
      "    def square(x):",
      '        print("squaring", x)',
      "        if x == 2:",
      '            raise RuntimeError("two is bad")',
      "        return x * x",
      "",
      "    square.expand(x=[1, 2, 3])",
      "",
      "",
      "map_demo()",
      "",
    ].join("\n"),
  );
  mlflow = await startMlflow(join(work, "mlflow"));
  airflow = await startAirflow({
    dagsFolder: dags,
    jwtExpirationSeconds: JWT_SECONDS,
    env: { MLFLOW_TRACKING_URI: mlflow.url, AIRFLOW_VAR_IRIS_DATA_DIR: join(work, "iris-data") },
  });
  client = createAirflowClient({
    baseUrl: airflow.url,
    auth: { username: airflow.username, password: airflow.password },
    fetch: countingFetch,
  });
});

afterAll(async () => {
  await airflow?.stop();
  await mlflow?.stop();
});

async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe("airflow client against a real Airflow 3", () => {
  it("gets a token and reads the server version", async () => {
    const v = await client.version();
    expect(v.version).toMatch(/^3\.3\./);
    expect(tokenRequests).toBe(1);
  });

  it("lists DAGs (paginated) once the dag-processor has parsed the folder", async () => {
    const ids = await eventually(async () => {
      const all: string[] = [];
      for await (const dag of client.paginate("/api/v2/dags", {})) all.push(dag.dag_id);
      return all.includes("iris_quickstart") ? all : undefined;
    });
    expect(ids).toContain("iris_quickstart");
  });

  it("pauses and unpauses a DAG", async () => {
    expect((await client.pauseDag("iris_quickstart")).is_paused).toBe(true);
    expect((await client.unpauseDag("iris_quickstart")).is_paused).toBe(false);
  });

  it("triggers the compiled iris example and waits for success, with progress", async () => {
    const run = await client.triggerDagRun("iris_quickstart", {
      runId: RUN_ID,
      conf: { n_estimators: 20 },
      note: "from the client test",
    });
    expect(run.dag_run_id).toBe(RUN_ID);
    expect(run.logical_date).toBeNull();
    const progress: string[] = [];
    const result = await client.waitForDagRun("iris_quickstart", RUN_ID, {
      timeoutMs: 300_000,
      pollIntervalMs: 1000,
      onProgress: (r, tis) =>
        progress.push(`${r.state}:${tis.filter((t) => t.state === "success").length}`),
    });
    expect(result.state, JSON.stringify(result.failedTaskInstances)).toBe("success");
    expect(result.failedTaskInstances).toEqual([]);
    expect(result.taskInstances.map((t) => t.task_id).sort()).toEqual([
      "prepare_data",
      "train_model",
    ]);
    expect(result.noTaskInstances).toBe(false);
    expect(progress.at(-1)).toBe("success:2");
  });

  it("says when a run succeeded having run nothing: a logical date before the DAG's start_date", async () => {
    // iris_quickstart starts on 2025-01-01: Airflow creates no task instance for this run.
    const run = await client.triggerDagRun("iris_quickstart", {
      runId: "before_start_date",
      logicalDate: "2024-06-01T00:00:00Z",
    });
    const result = await client.waitForDagRun("iris_quickstart", run.dag_run_id, {
      timeoutMs: 120_000,
      pollIntervalMs: 500,
    });
    expect([result.state, result.taskInstances, result.noTaskInstances]).toEqual([
      "success",
      [],
      true,
    ]);
    const xcom = await client
      .getXcom("iris_quickstart", run.dag_run_id, "train_model", "accuracy")
      .catch((e: unknown) => e);
    expect(xcom).toMatchObject({ status: 404 });
  });

  it("a logical date already taken is an AirflowDagRunExistsError naming that run (the real 409)", async () => {
    // The run above has it; without a run id, Airflow's only word is "Unique constraint violation".
    const logicalDate = "2024-06-01T00:00:00Z";
    const err = await client.triggerDagRun("iris_quickstart", { logicalDate }).catch((e) => e);
    expect(err).toBeInstanceOf(AirflowDagRunExistsError);
    expect(err).toMatchObject({
      status: 409,
      clash: "logical date",
      dagId: "iris_quickstart",
      existingRunId: "before_start_date",
    });
    expect(err.message).toContain(
      `a run of iris_quickstart with logical date ${logicalDate} already exists ('before_start_date'): trigger with another logical date`,
    );
  });

  it("an abort stops waitForDagRun's polls against the server at once, with the reason", async () => {
    // Paused, the DAG's run stays queued: the wait would go on until its timeout.
    await client.pauseDag("iris_quickstart");
    const runId = "cancelled_wait";
    try {
      await client.triggerDagRun("iris_quickstart", {
        runId,
        logicalDate: "2025-03-01T00:00:00Z",
      });
      const controller = new AbortController();
      let polls = 0;
      const waiting = client
        .waitForDagRun("iris_quickstart", runId, {
          timeoutMs: 300_000,
          pollIntervalMs: 300,
          signal: controller.signal,
          onProgress: () => polls++,
        })
        .catch((e: unknown) => e);
      await eventually(async () => (polls >= 2 ? true : undefined), 30_000);
      controller.abort(new Error("deploy cancelled"));
      expect(await waiting).toEqual(new Error("deploy cancelled"));
      const after = polls;
      await new Promise((r) => setTimeout(r, 1500));
      expect(polls).toBe(after);
      expect((await client.getDagRun("iris_quickstart", runId)).state).toBe("queued");
    } finally {
      // Gone before the DAG runs again, so the tests below see only their runs.
      await client.api.DELETE("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", {
        params: { path: { dag_id: "iris_quickstart", dag_run_id: runId } },
      });
      await client.unpauseDag("iris_quickstart");
    }
  });

  it("reads the run's XCom and task instances", async () => {
    const xcom = await client.getXcom("iris_quickstart", RUN_ID, "train_model", "accuracy");
    expect(Number(xcom.value)).toBeGreaterThan(0.85);
    const tis = await client.listTaskInstances("iris_quickstart", RUN_ID);
    expect(tis.map((t) => [t.task_id, t.state]).sort()).toEqual([
      ["prepare_data", "success"],
      ["train_model", "success"],
    ]);
  });

  it("reads a task's log: what it printed, a raised exception as its traceback, none for a task that never ran", async () => {
    await eventually(async () =>
      (await client.getDag("log_demo").catch(() => undefined)) ? true : undefined,
    );
    await client.unpauseDag("log_demo");
    const run = await client.triggerDagRun("log_demo", { runId: "manual__log_demo" });
    const result = await client.waitForDagRun("log_demo", run.dag_run_id, {
      timeoutMs: 300_000,
      pollIntervalMs: 1000,
    });
    expect(result.state).toBe("failed");
    const said = await client.getTaskLog("log_demo", run.dag_run_id, "say");
    expect(said.tryNumber).toBe(1);
    expect(said.complete).toBe(true);
    expect(said.text).toMatch(/^\[\S+\] \{task\.stdout\} INFO - hello from say$/m);
    expect(said.text).toMatch(
      /^\[\S+\] \{python\.py:\d+\} INFO - Done\. Returned value was: None$/m,
    );
    // Not where the log was read from, nor what every line repeats.
    expect(said.text).not.toContain("Log message source details");
    expect(said.text).not.toContain("ti_id=");
    expect(said.messages.some((m) => m.event === "hello from say")).toBe(true);
    const failed = await client.getTaskLog("log_demo", run.dag_run_id, "fail");
    expect(failed.tryNumber).toBe(1);
    // As Python prints it: the cause first, then the exception it caused, each with its frames.
    expect(failed.text).toMatch(
      /Traceback \(most recent call last\):\n {2}File "[^"]*log_demo\.py", line 13, in fail\nKeyError: '?rows'?\n\nThe above exception was the direct cause of the following exception:\n\nTraceback \(most recent call last\):\n(?: {2}File .*\n)* {2}File "[^"]*log_demo\.py", line 15, in fail\nValueError: bad input: no rows/,
    );
    // Never ran (upstream_failed): no try, no log, no request for logs/0.
    expect(await client.getTaskLog("log_demo", run.dag_run_id, "after")).toEqual({
      tryNumber: 0,
      messages: [],
      text: "",
      complete: true,
    });
    const first = await client.getTaskLog("log_demo", run.dag_run_id, "say", { tryNumber: 1 });
    expect(first.text).toBe(said.text);
    await expect(
      client.getTaskLog("log_demo", run.dag_run_id, "say", { tryNumber: 2 }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it("reads a mapped task's log by its task instance, and says to pass mapIndex when asked by task id alone", async () => {
    await eventually(async () =>
      (await client.getDag("map_demo").catch(() => undefined)) ? true : undefined,
    );
    await client.unpauseDag("map_demo");
    const run = await client.triggerDagRun("map_demo", { runId: "manual__map_demo" });
    const result = await client.waitForDagRun("map_demo", run.dag_run_id, {
      timeoutMs: 300_000,
      pollIntervalMs: 1000,
    });
    expect(result.state).toBe("failed");
    expect(result.failedTaskInstances.map((t) => [t.task_id, t.map_index])).toEqual([
      ["square", 1],
    ]);
    // The README's loop: the task instance itself, its map_index with it.
    for (const ti of result.failedTaskInstances) {
      const log = await client.getTaskLog("map_demo", run.dag_run_id, ti);
      expect(log.tryNumber).toBe(1);
      expect(log.text).toMatch(/^\[\S+\] \{task\.stdout\} INFO - squaring 2$/m);
      expect(log.text).toMatch(/\nRuntimeError: two is bad/);
      const byIndex = await client.getTaskLog("map_demo", run.dag_run_id, "square", {
        mapIndex: ti.map_index,
      });
      expect(byIndex.text).toBe(log.text);
    }
    // By task id alone: Airflow's 404 "Task instance is mapped", said with what to pass.
    const err = await client
      .getTaskLog("map_demo", run.dag_run_id, "square")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowMappedTaskError);
    expect(err).toMatchObject({
      status: 404,
      path: "/api/v2/dags/map_demo/dagRuns/manual__map_demo/taskInstances/square",
      detail: "Task instance is mapped, add the map_index value to the URL",
      mapIndexCount: 3,
      failedMapIndexes: [1],
    });
    expect((err as Error).message).toContain(
      "square is a mapped task (3 task instances, map indexes 0 to 2; failed: map index 1): pass its map index",
    );
    expect((err as Error).message).toContain("{ mapIndex: 1 }");
    // With a try given, Airflow says only "TaskInstance not found": the same error.
    const withTry = await client
      .getTaskLog("map_demo", run.dag_run_id, "square", { tryNumber: 1 })
      .catch((e: unknown) => e);
    expect(withTry).toBeInstanceOf(AirflowMappedTaskError);
    expect(withTry).toMatchObject({ status: 404, failedMapIndexes: [1] });
    // A task that is not mapped keeps Airflow's own 404 for a try it does not have.
    const notMapped = await client
      .getTaskLog("log_demo", "manual__log_demo", "say", { tryNumber: 2 })
      .catch((e: unknown) => e);
    expect(notMapped).not.toBeInstanceOf(AirflowMappedTaskError);
    expect(notMapped).toMatchObject({ status: 404 });
  });

  it("pages runs and task instances by cursor, one a page, as by offset", async () => {
    // Two runs of iris_quickstart by now (the triggers above), two task instances in the first.
    const pages = async <T>(it: AsyncIterable<T>) => {
      const out: T[] = [];
      for await (const x of it) out.push(x);
      return out;
    };
    const runs = "/api/v2/dags/{dag_id}/dagRuns" as const;
    const path = { dag_id: "iris_quickstart" };
    const byOffset = await pages(client.paginate(runs, { path, query: { order_by: ["id"] } }, 1));
    const byCursor = await pages(
      client.paginate(runs, { path, query: { order_by: ["id"], cursor: "" } }, 1),
    );
    expect(byOffset.length).toBeGreaterThanOrEqual(2);
    expect(byCursor.map((r) => r.dag_run_id)).toEqual(byOffset.map((r) => r.dag_run_id));
    const tis = await pages(
      client.paginate(
        "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances",
        { path: { ...path, dag_run_id: RUN_ID }, query: { cursor: "" } },
        1,
      ),
    );
    expect(tis.map((t) => t.task_id).sort()).toEqual(["prepare_data", "train_model"]);
  });

  it("reads the import error of a deliberately broken DAG file", async () => {
    const errors = await eventually(async () => {
      const list = await client.listImportErrors();
      return list.some((e) => e.filename?.endsWith("broken_dag.py")) ? list : undefined;
    });
    const broken = errors.find((e) => e.filename?.endsWith("broken_dag.py"));
    expect(broken?.stack_trace).toContain("broken on purpose");
  });

  it("throws a typed error with the server's detail and no credentials", async () => {
    const err = await client.getDagRun("no_such_dag", "x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AirflowApiError);
    const e = err as AirflowApiError;
    expect(e.status).toBe(404);
    expect(e.method).toBe("GET");
    expect(String(e.detail)).toMatch(/not found/i);
    expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(
      airflow.password === "admin" ? "Bearer" : airflow.password,
    );
    // Lists name the path asked, with its ids, as every other helper does.
    const pages = async (it: AsyncIterable<unknown>) => {
      for await (const _ of it);
    };
    const listed = await pages(
      client.paginate("/api/v2/dags/{dag_id}/dagRuns", { path: { dag_id: "no_such_dag" } }),
    ).catch((x: unknown) => x);
    expect(listed).toMatchObject({ status: 404, path: "/api/v2/dags/no_such_dag/dagRuns" });
    expect(String(listed)).toContain("GET /api/v2/dags/no_such_dag/dagRuns → 404");
    const tis = await client
      .listTaskInstances("iris_quickstart", "no_such_run")
      .catch((x: unknown) => x);
    expect(tis).toMatchObject({
      status: 404,
      path: "/api/v2/dags/iris_quickstart/dagRuns/no_such_run/taskInstances",
    });
  });

  it("manages variables, connections and pools, dry-runs a clear, and reads a DAG's source", async () => {
    await client.variables.create({ key: "mlgen_test", value: "v1" });
    expect((await client.variables.get("mlgen_test")).value).toBe("v1");
    await client.variables.update("mlgen_test", { key: "mlgen_test", value: "v2" });
    expect((await client.variables.get("mlgen_test")).value).toBe("v2");
    await client.variables.delete("mlgen_test");
    await expect(client.variables.get("mlgen_test")).rejects.toMatchObject({ status: 404 });
    await client.pools.create({ name: "mlgen_pool", slots: 3, include_deferred: false });
    expect((await client.pools.get("mlgen_pool")).slots).toBe(3);
    await client.pools.delete("mlgen_pool");
    await client.connections.create({
      connection_id: "mlgen_conn",
      conn_type: "http",
      host: "example.invalid",
    });
    expect((await client.connections.get("mlgen_conn")).host).toBe("example.invalid");
    await client.connections.update("mlgen_conn", {
      connection_id: "mlgen_conn",
      conn_type: "http",
      host: "other.invalid",
    });
    expect((await client.connections.get("mlgen_conn")).host).toBe("other.invalid");
    await client.connections.delete("mlgen_conn");
    await expect(client.connections.get("mlgen_conn")).rejects.toMatchObject({ status: 404 });
    const cleared = await client.clearTaskInstances("iris_quickstart", {
      runId: RUN_ID,
      taskIds: ["train_model"],
      dryRun: true,
    });
    expect(cleared.task_instances.map((t) => t.task_id)).toEqual(["train_model"]);
    const source = await client.getDagSource("iris_quickstart");
    expect(source.content).toContain("# Generated by mlgen");
  });
});

describe("mlgen airflow (CLI) against the same server", () => {
  async function cli(...argv: string[]) {
    let stdout = "";
    let stderr = "";
    const env = {
      MLGEN_AIRFLOW_URL: airflow.url,
      MLGEN_AIRFLOW_USER: airflow.username,
      MLGEN_AIRFLOW_PASSWORD: airflow.password,
    };
    const code = await mlgen(argv, {
      cwd: ROOT,
      env,
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
    });
    return { code, stdout, stderr };
  }

  it("trigger --wait shows progress and a task table, and exits 0 on success", async () => {
    const r = await cli(
      "airflow",
      "trigger",
      "iris_quickstart",
      "--wait",
      "--run-id",
      "cli_run_1",
      "--conf",
      '{"n_estimators": 10}',
    );
    expect(r.stderr).toMatch(/triggered iris_quickstart cli_run_1; waiting/);
    expect(r.stderr).toMatch(/running: .*\d+ (success|running|queued)/);
    expect(r.stdout).toMatch(/^iris_quickstart cli_run_1: success\n/);
    expect(r.stdout).toMatch(/TASK\s+MAP\s+STATE\s+TRY\s+DURATION/);
    expect(r.stdout).toMatch(/train_model\s+success\s+1\s+\d/);
    expect(r.code).toBe(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(
      airflow.password === "admin" ? "Bearer " : airflow.password,
    );
  });

  it("status of a failed run shows the failed task's log, its traceback at the end", async () => {
    const r = await cli("airflow", "status", "log_demo", "manual__log_demo");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^log_demo manual__log_demo: failed\n/);
    expect(r.stdout).toMatch(
      /\nlog of fail \(try 1[^)]*\):\n[\s\S]* {2}ValueError: bad input: no rows\n/,
    );
    expect(r.stdout).not.toContain("log of say");
    expect(r.stdout).not.toContain("log of after");
    // The whole log of one task.
    const log = await cli("airflow", "logs", "log_demo", "fail", "manual__log_demo");
    expect(log.code).toBe(0);
    expect(log.stdout).toMatch(/\{task_runner\.py:\d+\} ERROR - Task failed with exception/);
    expect(log.stdout).toMatch(/\nValueError: bad input: no rows\n/);
  });

  it("logs of a mapped task without --map-index names the failed map index and the flag; with it, prints that log", async () => {
    const r = await cli("airflow", "logs", "map_demo", "square", "manual__map_demo");
    expect(r).toMatchObject({
      code: 2,
      stdout: "",
      stderr:
        "mlgen airflow logs: square of map_demo manual__map_demo is a mapped task (3 task instances, map indexes 0 to 2; failed: 1): each map index has its own log\n  fix: pass --map-index 1\n",
    });
    const one = await cli(
      "airflow",
      "logs",
      "map_demo",
      "square",
      "manual__map_demo",
      "--map-index",
      "1",
    );
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/\nRuntimeError: two is bad\n/);
  });

  it("status --json prints the latest run and its task instances", async () => {
    const r = await cli("airflow", "status", "iris_quickstart", "--json");
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      dagRun: { dag_run_id: string; state: string; logical_date: string | null };
      taskInstances: unknown[];
    };
    expect(parsed.dagRun).toMatchObject({ dag_run_id: "cli_run_1", state: "success" });
    // The trigger set a logical date (now), as the Airflow UI does: templates can read ds.
    expect(Date.now() - Date.parse(parsed.dagRun.logical_date ?? "")).toBeLessThan(15 * 60_000);
    expect(parsed.taskInstances).toHaveLength(2);
  });

  it("errors lists the broken file and exits 1", async () => {
    const r = await cli("airflow", "errors");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken_dag\.py: ValueError: broken on purpose/);
  });

  it("a wrong password is a one-line error naming the endpoint, never the password", async () => {
    let stderr = "";
    const code = await mlgen(
      [
        "airflow",
        "errors",
        "--url",
        airflow.url,
        "--user",
        "admin",
        "--password",
        "wrong-secret-pw",
      ],
      {
        cwd: ROOT,
        env: {},
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
      },
    );
    expect(code).toBe(1);
    expect(stderr).toBe("mlgen: POST /auth/token → 401: Invalid credentials\n");
    expect(stderr).not.toContain("wrong-secret-pw");
  });
});

describe("retries and timeouts through a fault-injecting proxy", () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(airflow.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const viaProxy = (extra: Partial<Parameters<typeof createAirflowClient>[0]> = {}) =>
    createAirflowClient({
      baseUrl: proxy.url,
      auth: { username: airflow.username, password: airflow.password },
      retry: { baseDelayMs: 50 },
      ...extra,
    });

  it("retries a GET through 503, 503 to the real 200", async () => {
    const c = viaProxy();
    await c.version(); // token first, so the script hits the GET
    proxy.seen.length = 0;
    proxy.script([
      { kind: "status", status: 503 },
      { kind: "status", status: 503 },
    ]);
    const v = await c.version();
    expect(v.version).toMatch(/^3\./);
    expect(proxy.seen.map((s) => s.fault)).toEqual(["status", "status", "pass"]);
  });

  it("honours Retry-After on 429", async () => {
    const c = viaProxy();
    await c.version();
    proxy.seen.length = 0;
    proxy.script([{ kind: "status", status: 429, headers: { "retry-after": "2" } }]);
    await c.version();
    const [first, second] = proxy.seen;
    expect(proxy.seen).toHaveLength(2);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  });

  it("waitForDagRun rides out an outage longer than the transport's retries (uses the iris run above)", async () => {
    const c = viaProxy({ retry: { retries: 1, baseDelayMs: 50 } });
    await c.version();
    proxy.seen.length = 0;
    // Six 503s: three polls of two attempts each fail, as while an API server restarts.
    proxy.script(Array.from({ length: 6 }, () => ({ kind: "status" as const, status: 503 })));
    const failed: number[] = [];
    const result = await c.waitForDagRun("iris_quickstart", RUN_ID, {
      pollIntervalMs: 200,
      timeoutMs: 60_000,
      onPollError: (e, n) => failed.push(n, (e as AirflowApiError).status),
    });
    expect(result.state).toBe("success");
    expect(failed).toEqual([1, 503, 2, 503, 3, 503]);
    expect(proxy.seen.slice(0, 7).map((s) => s.fault)).toEqual([
      ...Array.from({ length: 6 }, () => "status"),
      "pass",
    ]);
  });

  it("does not retry a trigger without a run id (not idempotent)", async () => {
    const c = viaProxy();
    await c.version();
    proxy.seen.length = 0;
    proxy.script([{ kind: "status", status: 503 }]);
    await expect(c.triggerDagRun("iris_quickstart")).rejects.toMatchObject({
      status: 503,
      method: "POST",
    });
    expect(proxy.seen).toHaveLength(1);
  });

  it("times out against a server that never answers", async () => {
    const silent = await startFaultProxy(null);
    try {
      const c = createAirflowClient({
        baseUrl: silent.url,
        auth: { token: "t" },
        timeoutMs: 300,
        retry: { retries: 1, baseDelayMs: 10 },
      });
      const err = await c.version().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AirflowRequestError);
      expect(err).toMatchObject({ kind: "timeout", attempts: 2 });
    } finally {
      await silent.close();
    }
  });
});

describe("tokens", () => {
  // Last, so the runs above have mostly outlasted the client's token: what is left to wait is the
  // rest of its life. The token was minted before its answer came, so it has expired by then.
  it("fetched a new token on its own after its token expired (short jwt_expiration_time)", async () => {
    const expired = lastTokenAt + (JWT_SECONDS + 2) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, expired - Date.now())));
    const before = tokenRequests;
    await client.getDagRun("iris_quickstart", RUN_ID);
    expect(tokenRequests).toBe(before + 1);
  });
});
