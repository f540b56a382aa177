/**
 * getTaskLog: which requests it sends (the task instance's latest try, then that try's whole log
 * as JSON), and the text it makes of Airflow's structured messages. Against real Airflow 3:
 * test/engines/airflow-client.test.ts.
 */
import { describe, expect, it } from "vitest";
import { AirflowApiError, AirflowMappedTaskError, createAirflowClient } from "../src/index.js";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** A server that answers a task instance and its log, and the requests it saw. */
function server(ti: Record<string, unknown>, log: Record<string, unknown>) {
  const seen: string[] = [];
  const fetch = async (input: Request | string | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const url = new URL(req.url);
    seen.push(`${url.pathname}${url.search} accept=${req.headers.get("accept")}`);
    if (url.pathname.endsWith("/auth/token")) return json(201, { access_token: "t" });
    if (url.pathname.includes("/logs/")) return json(200, log);
    return json(200, ti);
  };
  const client = createAirflowClient({
    baseUrl: "http://af",
    fetch: fetch as typeof globalThis.fetch,
  });
  return { client, seen };
}

const SOURCES = [
  { event: "::group::Log message source details" },
  { event: "/opt/airflow/logs/dag_id=d/run_id=r/task_id=t/attempt=2.log" },
  { event: "::endgroup::" },
];

describe("getTaskLog", () => {
  it("reads the latest try's whole log as JSON, and writes its messages as lines, without the sources block", async () => {
    const { client, seen } = server(
      { task_id: "t", try_number: 2, state: "failed" },
      {
        content: [
          ...SOURCES,
          {
            timestamp: "2025-06-01T12:00:01.5Z",
            level: "info",
            logger: "task.stdout",
            event: "hello",
            dag_id: "d",
            task_id: "t",
            try_number: 2,
          },
          {
            timestamp: "2025-06-01T12:00:02Z",
            level: "warning",
            event: "slow",
            rows: 3,
            ok: false,
          },
          {
            timestamp: "2025-06-01T12:00:03Z",
            level: "error",
            logger: "task",
            filename: "task_runner.py",
            lineno: 1012,
            event: "Task failed with exception",
            error_detail: [
              {
                exc_type: "ValueError",
                exc_value: "bad input",
                is_cause: false,
                frames: [
                  { filename: "/dags/d.py", lineno: 9, name: "run" },
                  { filename: "/dags/d.py", lineno: 15, name: "fail" },
                ],
              },
              {
                exc_type: "KeyError",
                exc_value: "'rows'",
                is_cause: true,
                frames: [{ filename: "/dags/d.py", lineno: 13, name: "fail" }],
              },
            ],
          },
        ],
        continuation_token: null,
      },
    );
    const log = await client.getTaskLog("d", "manual__2025-06-01T12:00:00+00:00", "t");
    expect(seen).toEqual([
      "/api/v2/dags/d/dagRuns/manual__2025-06-01T12%3A00%3A00%2B00%3A00/taskInstances/t accept=null",
      "/api/v2/dags/d/dagRuns/manual__2025-06-01T12%3A00%3A00%2B00%3A00/taskInstances/t/logs/2?full_content=true&map_index=-1 accept=application/json",
    ]);
    expect(log.tryNumber).toBe(2);
    expect(log.complete).toBe(true);
    expect(log.messages).toHaveLength(6);
    expect(log.text).toBe(
      [
        "[2025-06-01T12:00:01.5Z] {task.stdout} INFO - hello",
        "[2025-06-01T12:00:02Z] WARNING - slow rows=3 ok=false",
        "[2025-06-01T12:00:03Z] {task_runner.py:1012} ERROR - Task failed with exception",
        "Traceback (most recent call last):",
        '  File "/dags/d.py", line 13, in fail',
        "KeyError: 'rows'",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/dags/d.py", line 9, in run',
        '  File "/dags/d.py", line 15, in fail',
        "ValueError: bad input",
      ].join("\n"),
    );
  });

  it("takes a given try and a mapped task's index; plain lines of an older log are messages too; a token means more may come", async () => {
    const { client, seen } = server(
      {},
      { content: ["line one", "line two"], continuation_token: "more" },
    );
    const log = await client.getTaskLog("d", "r", "t", { tryNumber: 1, mapIndex: 3 });
    expect(seen).toEqual([
      "/api/v2/dags/d/dagRuns/r/taskInstances/t/logs/1?full_content=true&map_index=3 accept=application/json",
    ]);
    expect(log).toEqual({
      tryNumber: 1,
      messages: [{ event: "line one" }, { event: "line two" }],
      text: "line one\nline two",
      complete: false,
    });
    await expect(client.getTaskLog("d", "r", "t", { tryNumber: 0 })).rejects.toThrow(
      "getTaskLog: tryNumber must be a whole number, 1 or more (got 0)",
    );
  });

  it("a task that never ran has no log, and no logs/0 is asked for", async () => {
    const { client, seen } = server({ task_id: "t", try_number: 0, state: "upstream_failed" }, {});
    expect(await client.getTaskLog("d", "r", "t", { mapIndex: 2 })).toEqual({
      tryNumber: 0,
      messages: [],
      text: "",
      complete: true,
    });
    expect(seen).toEqual(["/api/v2/dags/d/dagRuns/r/taskInstances/t/2 accept=null"]);
  });

  describe("a mapped task (square.expand(x=[1, 2, 3]), map index 1 failed)", () => {
    /** Airflow 3.3.2's answers for a mapped task's instances, and the requests seen. */
    function mappedServer(opts: { listMapped?: "ok" | "fails" | "not mapped" | "none" } = {}) {
      const seen: string[] = [];
      const fetch = async (input: Request | string | URL, init?: RequestInit) => {
        const req = input instanceof Request ? input : new Request(input, init);
        const url = new URL(req.url);
        const path = url.pathname;
        seen.push(`${path}${url.search}`);
        const mapIndex = url.searchParams.get("map_index");
        if (path.endsWith("/listMapped")) {
          if (opts.listMapped === "fails") return json(500, { detail: "boom" });
          if (opts.listMapped === "not mapped")
            return json(404, { detail: "Task id square is not mapped" });
          // A run Airflow does not have: none listed, even of a task that is mapped.
          if (opts.listMapped === "none")
            return json(200, { task_instances: [], total_entries: 0 });
          const tis = [0, 1, 2].map((i) => ({
            task_id: "square",
            map_index: i,
            state: i === 1 ? "failed" : "success",
            try_number: 1,
          }));
          const states = url.searchParams.getAll("state");
          const chosen = tis.filter((t) => states.length === 0 || states.includes(t.state));
          const limit = Number(url.searchParams.get("limit") ?? 100);
          return json(200, {
            task_instances: chosen.slice(0, limit),
            total_entries: chosen.length,
          });
        }
        if (path.endsWith("/taskInstances/square")) {
          // The real server's answer for a mapped task's instance without its index.
          return json(404, {
            detail: "Task instance is mapped, add the map_index value to the URL",
          });
        }
        if (/\/taskInstances\/square\/\d+$/.test(path)) {
          return json(200, {
            task_id: "square",
            map_index: Number(path.split("/").at(-1)),
            try_number: 1,
          });
        }
        if (path.includes("/xcomEntries/")) {
          // Airflow 3.3.2 answers a mapped task's XCom without map_index as any missing entry.
          const key = decodeURIComponent(path.split("/").at(-1) ?? "");
          if (mapIndex === null) {
            return json(404, { detail: `XCom entry with key: \`${key}\` not found` });
          }
          return json(200, { key, map_index: Number(mapIndex), value: Number(mapIndex) ** 2 });
        }
        if (path.includes("/logs/")) {
          if (mapIndex === "-1") return json(404, { detail: "TaskInstance not found" });
          return json(200, {
            content: [{ event: `squaring ${Number(mapIndex) + 1}` }],
            continuation_token: null,
          });
        }
        return json(404, { detail: "Not Found" });
      };
      const client = createAirflowClient({
        baseUrl: "http://af",
        fetch: fetch as typeof globalThis.fetch,
      });
      return { client, seen };
    }

    it("takes the task instance itself, as waitForDagRun's failedTaskInstances give it: its map_index goes with it", async () => {
      const { client, seen } = mappedServer();
      const ti = { task_id: "square", map_index: 1, state: "failed", try_number: 1 };
      const log = await client.getTaskLog("d", "r", ti);
      expect(log.text).toBe("squaring 2");
      expect(seen).toEqual([
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/1",
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/logs/1?full_content=true&map_index=1",
      ]);
      // mapIndex, when given, wins; a task instance that is not mapped is asked as before.
      seen.length = 0;
      expect((await client.getTaskLog("d", "r", ti, { mapIndex: 2 })).text).toBe("squaring 3");
      expect(seen[0]).toBe("/api/v2/dags/d/dagRuns/r/taskInstances/square/2");
    });

    it("asked by its task id alone, says it is mapped, which map indexes there are and which failed, and to pass mapIndex", async () => {
      const { client, seen } = mappedServer();
      const err = await client.getTaskLog("d", "r", "square").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AirflowMappedTaskError);
      expect(err).toBeInstanceOf(AirflowApiError);
      expect(err).toMatchObject({
        status: 404,
        method: "GET",
        path: "/api/v2/dags/d/dagRuns/r/taskInstances/square",
        detail: "Task instance is mapped, add the map_index value to the URL",
        dagId: "d",
        runId: "r",
        taskId: "square",
        mapIndexCount: 3,
        failedMapIndexes: [1],
      });
      expect((err as Error).message).toBe(
        'GET /api/v2/dags/d/dagRuns/r/taskInstances/square → 404: square is a mapped task (3 task instances, map indexes 0 to 2; failed: map index 1): pass its map index, as getTaskLog(dagId, runId, ti) with the task instance (from waitForDagRun or listTaskInstances) or getTaskLog(dagId, runId, "square", { mapIndex: 1 })',
      );
      expect(seen.slice(1).sort()).toEqual([
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/listMapped?limit=1&order_by=map_index",
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/listMapped?limit=100&state=failed&order_by=map_index",
      ]);
    });

    it("with a try given (Airflow's 404 then says only 'TaskInstance not found') it says so too; a task that is not mapped keeps Airflow's 404", async () => {
      const { client } = mappedServer();
      const err = await client
        .getTaskLog("d", "r", "square", { tryNumber: 1 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AirflowMappedTaskError);
      expect(err).toMatchObject({
        path: "/api/v2/dags/d/dagRuns/r/taskInstances/square/logs/1",
        detail: "TaskInstance not found",
        failedMapIndexes: [1],
      });
      expect((err as Error).message).toContain("{ mapIndex: 1 }");
      const plain = await mappedServer({ listMapped: "not mapped" })
        .client.getTaskLog("d", "r", "square", { tryNumber: 1 })
        .catch((e: unknown) => e);
      expect(plain).not.toBeInstanceOf(AirflowMappedTaskError);
      expect(plain).toMatchObject({ status: 404, detail: "TaskInstance not found" });
      const noRun = await mappedServer({ listMapped: "none" })
        .client.getTaskLog("d", "no_such_run", "square", { tryNumber: 1 })
        .catch((e: unknown) => e);
      expect(noRun).not.toBeInstanceOf(AirflowMappedTaskError);
      expect(noRun).toMatchObject({ status: 404, detail: "TaskInstance not found" });
    });

    it("getXcom of a mapped task without mapIndex says it is mapped and what to pass, with one request more", async () => {
      const { client, seen } = mappedServer();
      const err = await client.getXcom("d", "r", "square", "return_value").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AirflowMappedTaskError);
      expect(err).toMatchObject({
        status: 404,
        path: "/api/v2/dags/d/dagRuns/r/taskInstances/square/xcomEntries/return_value",
        detail: "XCom entry with key: `return_value` not found",
        taskId: "square",
        mapIndexCount: 3,
        failedMapIndexes: null,
      });
      expect((err as Error).message).toBe(
        'GET /api/v2/dags/d/dagRuns/r/taskInstances/square/xcomEntries/return_value → 404: square is a mapped task (3 task instances, map indexes 0 to 2): pass its map index, as getXcom(dagId, runId, "square", "return_value", { mapIndex: 0 })',
      );
      expect(seen).toEqual([
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/xcomEntries/return_value",
        "/api/v2/dags/d/dagRuns/r/taskInstances/square/listMapped?limit=1&order_by=map_index",
      ]);
      // With its map index: the entry, no more requests.
      seen.length = 0;
      const entry = await client.getXcom("d", "r", "square", "return_value", { mapIndex: 2 });
      expect([entry.value, seen.length]).toEqual([4, 1]);
      // A task that is not mapped keeps Airflow's 404.
      const plain = await mappedServer({ listMapped: "not mapped" })
        .client.getXcom("d", "r", "square", "nope")
        .catch((e: unknown) => e);
      expect(plain).not.toBeInstanceOf(AirflowMappedTaskError);
      expect(plain).toMatchObject({
        status: 404,
        detail: "XCom entry with key: `nope` not found",
      });
    });

    it("when the mapped instances cannot be listed, still says to pass mapIndex", async () => {
      const { client } = mappedServer({ listMapped: "fails" });
      const err = await client.getTaskLog("d", "r", "square").catch((e: unknown) => e);
      expect(err).toMatchObject({ mapIndexCount: null, failedMapIndexes: null });
      expect((err as Error).message).toBe(
        'GET /api/v2/dags/d/dagRuns/r/taskInstances/square → 404: square is a mapped task: pass its map index, as getTaskLog(dagId, runId, ti) with the task instance (from waitForDagRun or listTaskInstances) or getTaskLog(dagId, runId, "square", { mapIndex: 0 })',
      );
    });
  });
});
