/**
 * getTaskLog: which requests it sends (the task instance's latest try, then that try's whole log
 * as JSON), and the text it makes of Airflow's structured messages. Against real Airflow 3:
 * test/engines/airflow-client.test.ts.
 */
import { describe, expect, it } from "vitest";
import { createAirflowClient } from "../src/index.js";

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
      "getTaskLog: tryNumber is 1 or more (got 0)",
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
});
