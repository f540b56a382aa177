import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { table } from "../src/commands/airflow.js";
import { run } from "../src/run.js";
import { closedPort } from "./project.js";

async function cli(env: Record<string, string>, ...argv: string[]) {
  let stderr = "";
  let stdout = "";
  const code = await run(argv, {
    cwd: process.cwd(),
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

/** What `mlgen` says while it tries a refused request four times, then gives up. */
const refused = (method: string, origin: string, path: string) =>
  new RegExp(
    `^${[1, 2, 3]
      .map(
        (n) =>
          `mlgen: ${method} ${path} \\(attempt ${n}\\): connection refused \\(ECONNREFUSED\\); trying again in [0-9.]+ s\n`,
      )
      .join(
        "",
      )}mlgen: ${method} ${origin}${path} failed: connection refused \\(ECONNREFUSED\\), after 4 attempts\n$`,
  );

describe("mlgen airflow", () => {
  it("without a server says how to give one", async () => {
    const r = await cli({}, "airflow", "errors");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("no server given");
    expect(r.stderr).toContain("MLGEN_AIRFLOW_URL");
  });

  it("without a server, in a project whose dev stack runs (mlgen dev up), uses its Airflow and login, and says so", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { devPaths, writeState } = await import("../src/dev/state.js");
    const { createAirflowFake } = await import("../../mocks/src/index.js");
    const fake = createAirflowFake({
      users: [{ username: "admin", password: "dev-S3cret", role: "admin" }],
    });
    fake.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
    const dir = mkdtempSync(join(tmpdir(), "mlgen-dev-stack-"));
    const io = { cwd: dir, env: {}, stdout: () => {}, stderr: () => {} };
    writeState(devPaths(io, undefined), {
      version: 1,
      startedAt: "2026-12-06T00:00:00.000Z",
      project: dir,
      dagsFolder: join(dir, "dags"),
      venv: join(dir, "venv"),
      airflow: { url: fake.baseUrl, port: 8080, username: "admin", password: "dev-S3cret" },
      mlflow: { url: "http://127.0.0.1:5000", port: 5000 },
      processes: [],
    });
    const { vi } = await import("vitest");
    vi.stubGlobal("fetch", fake.fetch);
    try {
      let stderr = "";
      const code = await run(["airflow", "trigger", "train"], {
        ...io,
        stderr: (t) => {
          stderr += t;
        },
      });
      expect(stderr).toContain(
        `mlgen airflow: no --url or MLGEN_AIRFLOW_URL given; using the dev stack's (${fake.baseUrl}, from .mlgen/dev/state.json)`,
      );
      expect(stderr).not.toContain("dev-S3cret");
      expect(code).toBe(0);
    } finally {
      vi.unstubAllGlobals();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a user without a password is refused before any request", async () => {
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9", MLGEN_AIRFLOW_USER: "admin" },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("a user needs a password");
  });

  it("a password in the URL is used to log in and never printed; a bad URL is a usage error", async () => {
    // Nothing listens on the port: the token request, made with the URL's user and password,
    // fails. The login is retried like any request that may be repeated, each retry said.
    const port = await closedPort();
    const r = await cli(
      { MLGEN_AIRFLOW_URL: `http://admin:S3cretPW@127.0.0.1:${port}` },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(refused("POST", `http://127.0.0.1:${port}`, "/auth/token"));
    expect(r.stderr).not.toContain("S3cretPW");
    for (const url of ["ftp://admin:S3cretPW@host", "http//admin:S3cretPW@host"]) {
      const bad = await cli({ MLGEN_AIRFLOW_URL: url }, "airflow", "errors");
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^mlgen: the Airflow URL (must be http\(s\)|is not a URL)/);
      expect(bad.stderr).not.toContain("S3cretPW");
    }
  });

  it("a 403 (logged in, a role that does not allow it) says so and how to get the right role", async () => {
    const { createAirflowFake } = await import("../../mocks/src/index.js");
    const fake = createAirflowFake({
      users: [{ username: "vera", password: "vera-pw", role: "viewer" }],
    });
    fake.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
    const { vi } = await import("vitest");
    vi.stubGlobal("fetch", fake.fetch);
    try {
      const env = {
        MLGEN_AIRFLOW_URL: fake.baseUrl,
        MLGEN_AIRFLOW_USER: "vera",
        MLGEN_AIRFLOW_PASSWORD: "vera-pw",
      };
      const r = await cli(env, "airflow", "trigger", "train");
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "mlgen: POST /api/v2/dags/train/dagRuns → 403: Forbidden\n  fix: the user is logged in but its role does not allow this (Airflow's simple auth manager: viewer reads DAGs and runs, user also triggers, pauses and clears, op also manages variables and pools, admin everything); use a user whose role does, or ask an admin to change the role\n",
      );
      expect(r.stderr).not.toContain("vera-pw");
      // Other errors get no such fix.
      const missing = await cli(env, "airflow", "status", "nope");
      expect(missing.stderr).not.toContain("fix:");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("status says what the server answered, not 'no runs', when it answers an error", async () => {
    const answers: Record<string, [number, unknown]> = {
      "/api/v2/dags/broken/dagRuns": [500, { detail: "boom" }],
      "/api/v2/dags/unknown/dagRuns": [404, { detail: "The Dag with ID: `unknown` was not found" }],
      "/api/v2/dags/idle/dagRuns": [200, { dag_runs: [], total_entries: 0 }],
    };
    const server = createServer((req, res) => {
      const [status, body] = answers[new URL(req.url ?? "/", "http://x").pathname] ?? [418, {}];
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const status = (dag: string) => cli(env, "airflow", "status", dag);
      expect(await status("broken")).toMatchObject({
        code: 1,
        stderr: "mlgen: GET /api/v2/dags/broken/dagRuns → 500: boom\n",
      });
      expect(await status("unknown")).toMatchObject({
        code: 1,
        stderr:
          "mlgen: GET /api/v2/dags/unknown/dagRuns → 404: The Dag with ID: `unknown` was not found\n",
      });
      expect(await status("idle")).toMatchObject({
        code: 1,
        stderr: "mlgen airflow status: idle has no runs\n",
      });
    } finally {
      server.close();
    }
  }, 60_000);

  it("status --exit-status exits 1 unless the run succeeded; without it, 0 whatever the state", async () => {
    const runs: Record<string, string> = { good: "success", bad: "failed", busy: "running" };
    const server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const dag = /^\/api\/v2\/dags\/([^/]+)\//.exec(path)?.[1] ?? "";
      const run = { dag_id: dag, dag_run_id: "r1", state: runs[dag], logical_date: null };
      const body = path.endsWith("/dagRuns")
        ? { dag_runs: [run], total_entries: 1 }
        : path.endsWith("/taskInstances")
          ? { task_instances: [], total_entries: 0 }
          : run;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const codes = async (...flags: string[]) => {
        const out: Record<string, number> = {};
        for (const dag of Object.keys(runs)) {
          const r = await cli(env, "airflow", "status", dag, ...flags);
          expect(r.stderr).toBe("");
          expect(r.stdout).toContain(runs[dag] as string);
          out[dag] = r.code;
        }
        return out;
      };
      expect(await codes()).toEqual({ good: 0, bad: 0, busy: 0 });
      expect(await codes("--exit-status")).toEqual({ good: 0, bad: 1, busy: 1 });
      expect(await codes("--exit-status", "--json")).toEqual({ good: 0, bad: 1, busy: 1 });
      expect((await cli(env, "airflow", "status", "bad", "r1", "--exit-status")).code).toBe(1);
    } finally {
      server.close();
    }
  }, 60_000);

  it("status of a failed run shows the end of each failed task's log, where the traceback is", async () => {
    const logPaths: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const path = url.pathname;
      const run = { dag_id: "d", dag_run_id: "r1", state: "failed", logical_date: null };
      const ti = (task_id: string, state: string, try_number: number, map_index = -1) => ({
        task_id,
        state,
        try_number,
        map_index,
        duration: 1,
      });
      let status = 200;
      let body: unknown = run;
      if (path.endsWith("/taskInstances")) {
        const tis = [
          ti("load", "success", 1),
          ti("fail", "failed", 2),
          ti("shard", "failed", 1, 3),
        ];
        body = { task_instances: [...tis, ti("after", "upstream_failed", 0)], total_entries: 4 };
      } else if (path.includes("/logs/")) {
        logPaths.push(`${path}${url.search}`);
        if (path.includes("/shard/")) {
          status = 403;
          body = { detail: "Forbidden" };
        } else {
          const lines = Array.from({ length: 40 }, (_, i) => ({ event: `line ${i + 1}` }));
          body = { content: lines, continuation_token: null };
        }
      }
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const r = await cli(env, "airflow", "status", "d", "r1");
      expect(r.code).toBe(0);
      const tail = Array.from({ length: 30 }, (_, i) => `  line ${i + 11}\n`).join("");
      expect(r.stdout).toContain(`\nlog of fail (try 2, its last 30 lines):\n${tail}`);
      expect(r.stdout).not.toContain("line 10\n");
      expect(r.stdout).toContain(
        "\nlog of shard[3] (try 1): could not be read: GET /api/v2/dags/d/dagRuns/r1/taskInstances/shard/logs/1 → 403: Forbidden\n",
      );
      // The try and index the table has; nothing for a task that never ran.
      expect(logPaths).toEqual([
        "/api/v2/dags/d/dagRuns/r1/taskInstances/fail/logs/2?full_content=true&map_index=-1",
        "/api/v2/dags/d/dagRuns/r1/taskInstances/shard/logs/1?full_content=true&map_index=3",
      ]);
      // --json stays the run and its task instances.
      const json = await cli(env, "airflow", "status", "d", "r1", "--json");
      expect(json.stdout).not.toContain("log of");
      expect(logPaths).toHaveLength(2);
    } finally {
      server.close();
    }
  }, 60_000);

  it("logs of a mapped task without --map-index says which map indexes there are, which failed, and the flag to pass", async () => {
    const seen: string[] = [];
    let failedIndexes = [1];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${url.pathname}${url.search}`);
      let status = 200;
      let body: unknown;
      if (url.pathname.endsWith("/listMapped")) {
        const failed = url.searchParams.getAll("state").includes("failed");
        const indexes = failed ? failedIndexes : [0];
        body = {
          task_instances: indexes.map((i) => ({ task_id: "square", map_index: i })),
          total_entries: failed ? failedIndexes.length : 3,
        };
      } else if (url.pathname.endsWith("/taskInstances/square")) {
        // Airflow 3.3.2's answer for a mapped task's instance asked without its index.
        status = 404;
        body = { detail: "Task instance is mapped, add the map_index value to the URL" };
      } else if (url.pathname.endsWith("/taskInstances/square/1")) {
        body = { task_id: "square", map_index: 1, try_number: 1 };
      } else if (url.pathname.includes("/logs/")) {
        body = { content: [{ event: "two is bad" }], continuation_token: null };
      }
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const r = await cli(env, "airflow", "logs", "d", "square", "r1");
      expect(r).toMatchObject({
        code: 2,
        stdout: "",
        stderr:
          "mlgen airflow logs: square of d r1 is a mapped task (3 task instances, map indexes 0 to 2; failed: 1): each map index has its own log\n  fix: pass --map-index 1\n",
      });
      failedIndexes = [0, 2];
      const two = await cli(env, "airflow", "logs", "d", "square", "r1");
      expect(two.stderr).toContain("(3 task instances, map indexes 0 to 2; failed: 0, 2)");
      expect(two.stderr).toContain(
        "fix: pass --map-index with one of the failed, e.g. --map-index 0\n",
      );
      seen.length = 0;
      const given = await cli(env, "airflow", "logs", "d", "square", "r1", "--map-index", "1");
      expect(given).toMatchObject({ code: 0, stdout: "two is bad\n" });
      expect(seen).toEqual([
        "/api/v2/dags/d/dagRuns/r1/taskInstances/square/1",
        "/api/v2/dags/d/dagRuns/r1/taskInstances/square/logs/1?full_content=true&map_index=1",
      ]);
    } finally {
      server.close();
    }
  }, 60_000);

  it("logs prints a task's log (the latest run and try unless told), --json its messages", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      seen.push(`${url.pathname}${url.search}`);
      const run = { dag_id: "d", dag_run_id: "r9", state: "failed", logical_date: null };
      let body: unknown = run;
      if (url.pathname.endsWith("/dagRuns")) body = { dag_runs: [run], total_entries: 1 };
      else if (url.pathname.endsWith("/taskInstances/fail"))
        body = { task_id: "fail", try_number: 2 };
      else if (url.pathname.endsWith("/taskInstances/after"))
        body = { task_id: "after", try_number: 0 };
      else if (url.pathname.includes("/logs/")) {
        body = {
          content: [
            { event: "::group::Log message source details" },
            { event: "/x.log" },
            { event: "::endgroup::" },
            { event: "boom", level: "error" },
          ],
          continuation_token: null,
        };
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const latest = await cli(env, "airflow", "logs", "d", "fail");
      expect(latest).toMatchObject({ code: 0, stdout: "ERROR - boom\n", stderr: "" });
      expect(seen.splice(0)).toEqual([
        "/api/v2/dags/d/dagRuns?limit=1&order_by=-run_after",
        "/api/v2/dags/d/dagRuns/r9/taskInstances/fail",
        "/api/v2/dags/d/dagRuns/r9/taskInstances/fail/logs/2?full_content=true&map_index=-1",
      ]);
      const given = await cli(
        env,
        "airflow",
        "logs",
        "d",
        "fail",
        "r1",
        "--try",
        "1",
        "--map-index",
        "4",
      );
      expect(given.code).toBe(0);
      expect(seen.splice(0)).toEqual([
        "/api/v2/dags/d/dagRuns/r1/taskInstances/fail/logs/1?full_content=true&map_index=4",
      ]);
      const json = await cli(env, "airflow", "logs", "d", "fail", "r1", "--json");
      expect(JSON.parse(json.stdout)).toMatchObject({
        tryNumber: 2,
        text: "ERROR - boom",
        complete: true,
      });
      const never = await cli(env, "airflow", "logs", "d", "after", "r1");
      expect(never).toMatchObject({
        code: 1,
        stdout: "",
        stderr: "mlgen airflow logs: after of d r1 has not run (no try, no log)\n",
      });
      seen.length = 0;
      const bad = await cli(env, "airflow", "logs", "d", "fail", "r1", "--try", "0");
      expect(bad).toMatchObject({
        code: 2,
        stderr: "mlgen airflow logs: --try takes a whole number of 1 or more (got '0')\n",
      });
      expect(seen).toEqual([]);
    } finally {
      server.close();
    }
  }, 60_000);

  it("trigger sends a logical date: now by default, the one given, or none", async () => {
    const bodies: Record<string, unknown>[] = [];
    const server = createServer((req, res) => {
      let text = "";
      req.on("data", (c) => {
        text += c;
      });
      req.on("end", () => {
        bodies.push(JSON.parse(text || "{}") as Record<string, unknown>);
        const run = { dag_run_id: `r${bodies.length}`, state: "queued", dag_id: "d" };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(run));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const before = Date.now();
      expect((await cli(env, "airflow", "trigger", "d")).code).toBe(0);
      const sent = Date.parse(String(bodies[0]?.logical_date));
      expect(sent).toBeGreaterThanOrEqual(before - 1000);
      expect(sent).toBeLessThanOrEqual(Date.now());
      const given = ["airflow", "trigger", "d", "--logical-date"];
      expect((await cli(env, ...given, "2025-03-01")).code).toBe(0);
      expect((await cli(env, ...given, "2025-03-01T06:00:00+02:00")).code).toBe(0);
      expect((await cli(env, ...given, "none")).code).toBe(0);
      expect(bodies.slice(1).map((b) => b.logical_date)).toEqual([
        "2025-03-01T00:00:00Z",
        "2025-03-01T06:00:00+02:00",
        null,
      ]);
      for (const wrong of ["2025-03-01T06:00:00", "2025-02-30", "2025-01-01T24:00:00Z"]) {
        const bad = await cli(env, ...given, wrong);
        expect(bad.code, wrong).toBe(2);
        expect(bad.stderr).toContain("is not an ISO date-time with a timezone");
      }
      expect(bodies).toHaveLength(4);
    } finally {
      server.close();
    }
  }, 60_000);

  it("trigger run again with the same --run-id finds its run (the logical date it already has)", async () => {
    const existing = {
      dag_run_id: "X",
      dag_id: "d",
      state: "running",
      conf: { n: 1 },
      logical_date: "2025-06-01T10:00:00Z",
    };
    const server = createServer((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method === "GET") return json(200, existing);
      req.resume();
      req.on("end", () => json(409, { detail: "DAG Run with id X already exists" }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const again = await cli(env, "airflow", "trigger", "d", "--run-id", "X", "--conf", '{"n":1}');
      expect(again.stderr).toBe("");
      expect(again.stdout).toBe("triggered d X (running)\n");
      expect(again.code).toBe(0);
      // Another conf under the same run id is a conflict, said as Airflow said it.
      const other = await cli(env, "airflow", "trigger", "d", "--run-id", "X", "--conf", '{"n":2}');
      expect(other.code).toBe(1);
      expect(other.stderr).toContain("409");
    } finally {
      server.close();
    }
  }, 60_000);

  it("--timeout must be seconds; a paused DAG is said at once; a wait that runs out is exit 1", async () => {
    const server = createServer((req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      req.resume();
      req.on("end", () => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        if (req.method === "POST")
          return json(200, { dag_id: "d", dag_run_id: "r", state: "queued" });
        if (path === "/api/v2/dags/d") return json(200, { dag_id: "d", is_paused: true });
        if (path.endsWith("/taskInstances"))
          return json(200, { task_instances: [], total_entries: 0 });
        return json(200, { dag_id: "d", dag_run_id: "r", state: "queued" });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const bad = await cli(env, "airflow", "trigger", "d", "--wait", "--timeout", "abc");
      expect([bad.code, bad.stderr]).toEqual([
        2,
        "mlgen airflow trigger: --timeout abc is not a number of seconds\n",
      ]);
      const waited = await cli(env, "airflow", "trigger", "d", "--wait", "--timeout", "1");
      expect(waited.code).toBe(1);
      expect(waited.stderr).toContain(
        "mlgen airflow trigger: d is paused, so the run waits until it is unpaused",
      );
      expect(waited.stderr).toContain(
        "mlgen: dag run d/r still queued after 1 s: the DAG is paused",
      );
      expect(waited.stderr).not.toContain("internal error");
    } finally {
      server.close();
    }
  }, 60_000);

  it("a wait whose polls keep failing until its timeout is exit 1, said as the client says it", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.method === "POST")
          return res
            .writeHead(200, { "content-type": "application/json" })
            .end(JSON.stringify({ dag_id: "d", dag_run_id: "r", state: "queued" }));
        res.writeHead(503, { "content-type": "application/json" }).end('{"detail":"down"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = { MLGEN_AIRFLOW_URL: url, MLGEN_AIRFLOW_TOKEN: "t" };
      const waited = await cli(env, "airflow", "trigger", "d", "--wait", "--timeout", "1");
      expect(waited.stderr).not.toContain("internal error");
      expect(waited.code).toBe(1);
      expect(waited.stderr).toContain("mlgen: waitForDagRun gave up on dag run d/r");
    } finally {
      server.close();
    }
  }, 60_000);

  it("--conf must be a JSON object", async () => {
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9" },
      "airflow",
      "trigger",
      "d",
      "--conf",
      "{bad",
    );
    // A flag given a value it does not take is a usage error (packages/cli/README.md).
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--conf is not a JSON object");
  });

  it("an unreachable server is a one-line error naming the server and why, each retry said", async () => {
    const port = await closedPort();
    const r = await cli(
      { MLGEN_AIRFLOW_URL: `http://127.0.0.1:${port}`, MLGEN_AIRFLOW_TOKEN: "secret-token" },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(refused("GET", `http://127.0.0.1:${port}`, "/api/v2/importErrors"));
    expect(r.stderr).not.toContain("secret-token");
  }, 60_000);

  it("a port fetch never connects to fails at once, saying so", async () => {
    // Port 9 (discard) is on the fetch standard's list of blocked ports: no retry can help.
    const r = await cli(
      { MLGEN_AIRFLOW_URL: "http://127.0.0.1:9", MLGEN_AIRFLOW_TOKEN: "t" },
      "airflow",
      "errors",
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "mlgen: GET http://127.0.0.1:9/api/v2/importErrors failed: fetch refuses to connect to this port (a port browsers block), after 1 attempt\n",
    );
  });
});

describe("table", () => {
  it("pads columns to the widest cell", () => {
    expect(
      table(
        ["A", "BB"],
        [
          ["xxx", "y"],
          ["z", ""],
        ],
      ),
    ).toBe("A    BB\nxxx  y\nz\n");
  });
});
