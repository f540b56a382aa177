/**
 * Mocks benchmark: how many requests per second the in-memory fakes of @mlgen/mocks answer, in
 * process, the two ways tests use them — msw's `setupServer` intercepting the global fetch, and
 * the fake's own `fetch` (no interception) — against the peer a test would otherwise need: the
 * real `mlflow server` (SQLite, 127.0.0.1) answering the same requests in the same run.
 *
 *   npm run bench:mocks                                    print the results as Markdown
 *   node_modules/.bin/tsx bench/mocks-bench.ts --write     also replace the mocks section of
 *                                                          bench/README.md (mocks markers only)
 *
 * Options: --requests N (per measured pass, default 10,000), --rounds N (default 3), --no-real
 * (skip the real-server peer; the ratio row then says so), --strict (exit 1 when the target
 * fails). Progress and the PASS/FAIL lines go to stderr, the Markdown to stdout. The real server
 * comes from the engine venv (`bash test/python/setup-engines.sh`) and is stopped by PID.
 */
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { createAirflowFake, createMlflowFake } from "../packages/mocks/src/index.js";
import { startMlflow, tempDir } from "../test/engines/harness.js";

const ROOT = resolve(import.meta.dirname, "..");
const README = join(ROOT, "bench", "README.md");
const MARKERS = ["<!-- mocks-results:start -->", "<!-- mocks-results:end -->"] as const;
const TARGET_RPS = 5000;
const { values: flags } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    "no-real": { type: "boolean", default: false },
    "peer-requests": { type: "string", default: "1000" },
    write: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  },
});
const REQUESTS = positive("requests");
const ROUNDS = positive("rounds");
/** The real server answers a few hundred requests a second at best: its pass is shorter, and
 * compared as a rate. */
const PEER_REQUESTS = positive("peer-requests");
const log = (s: string) => process.stderr.write(`mocks-bench: ${s}\n`);

function positive(name: "requests" | "rounds" | "peer-requests"): number {
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

type Fetch = typeof fetch;

async function json(
  f: Fetch,
  url: string,
  body?: unknown,
  method = body === undefined ? "GET" : "POST",
) {
  const r = await f(
    url,
    body === undefined
      ? { method }
      : { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text.slice(0, 300)}`);
  return text === "" ? {} : JSON.parse(text);
}

/**
 * The MLflow mix a service's tests send: per four requests, one metric logged, the run read back,
 * a tag set and a filtered search (the search sees a growing run history, as a real one does).
 */
async function mlflowPass(f: Fetch, base: string, n: number, tag: string): Promise<number> {
  const api = `${base}/api/2.0/mlflow`;
  const exp = await json(f, `${api}/experiments/create`, { name: `bench-${tag}-${Date.now()}` });
  const runs: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await json(f, `${api}/runs/create`, {
      experiment_id: exp.experiment_id,
      start_time: Date.now(),
    });
    runs.push(r.run.info.run_id);
  }
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const runId = runs[i % runs.length] as string;
    switch (i % 4) {
      case 0:
        await json(f, `${api}/runs/log-metric`, {
          run_id: runId,
          key: "loss",
          value: 1 / (i + 1),
          timestamp: 1_700_000_000_000 + i,
          step: i,
        });
        break;
      case 1:
        await json(f, `${api}/runs/get?run_id=${runId}`);
        break;
      case 2:
        await json(f, `${api}/runs/set-tag`, { run_id: runId, key: `k${i % 7}`, value: String(i) });
        break;
      default:
        await json(f, `${api}/runs/search`, {
          experiment_ids: [exp.experiment_id],
          filter: "metrics.loss < 0.5",
          max_results: 10,
        });
    }
  }
  return performance.now() - t0;
}

/** The Airflow mix: trigger a run, read it, list its task instances, read a variable. */
async function airflowPass(
  f: Fetch,
  base: string,
  n: number,
  token: string,
  tag: string,
): Promise<number> {
  const auth = { authorization: `Bearer ${token}` };
  const call = async (path: string, body?: unknown) => {
    const r = await f(
      `${base}${path}`,
      body === undefined
        ? { headers: auth }
        : {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify(body),
          },
    );
    if (!r.ok) throw new Error(`${path}: ${r.status} ${(await r.text()).slice(0, 300)}`);
    await r.arrayBuffer();
  };
  await call("/api/v2/variables", { key: "bench", value: "1" });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const runId = `bench_${tag}_${Math.floor(i / 4)}`;
    switch (i % 4) {
      case 0:
        await call("/api/v2/dags/bench_dag/dagRuns", { dag_run_id: runId, logical_date: null });
        break;
      case 1:
        await call(`/api/v2/dags/bench_dag/dagRuns/${runId}`);
        break;
      case 2:
        await call(`/api/v2/dags/bench_dag/dagRuns/${runId}/taskInstances`);
        break;
      default:
        await call("/api/v2/variables/bench");
    }
  }
  return performance.now() - t0;
}

async function airflowToken(f: Fetch, base: string): Promise<string> {
  const r = await json(f, `${base}/auth/token`, { username: "admin", password: "admin" });
  return r.access_token as string;
}

interface Row {
  readonly what: string;
  readonly ms: number[];
  /** Requests per pass, when not REQUESTS. */
  readonly requests?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const rps = (ms: number, n = REQUESTS) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString("en-US");

async function main() {
  const rows: Row[] = [];
  const started = Date.now();
  const load = os.loadavg();

  const mlflow = createMlflowFake();
  const airflow = createAirflowFake({ taskDurationMs: 5 });
  const seedDag = () =>
    airflow.addDag({
      dagId: "bench_dag",
      tasks: [{ taskId: "extract" }, { taskId: "train", upstream: ["extract"] }],
    });
  seedDag();
  const floor: Row = { what: "msw floor: one trivial handler through `setupServer`", ms: [] };
  const mlIntercepted: Row = {
    what: "MLflow fake through msw `setupServer` (global fetch intercepted)",
    ms: [],
  };
  const mlDirect: Row = {
    what: "MLflow fake through `fake.fetch` (no interception, no msw server listening)",
    ms: [],
  };
  const afIntercepted: Row = { what: "Airflow fake through msw `setupServer`", ms: [] };
  const afDirect: Row = {
    what: "Airflow fake through `fake.fetch` (no msw server listening)",
    ms: [],
  };

  // Phase 1, the fakes' own fetch. No msw server listens: while one does, msw's interceptors
  // slow every Request and Response in the process (about 1.8× here), which a test that uses
  // fake.fetch does not pay.
  const direct = async (r: number) => {
    mlflow.reset();
    mlDirect.ms.push(await mlflowPass(mlflow.fetch, mlflow.baseUrl, REQUESTS, `d${r}`));
    airflow.reset();
    seedDag();
    afDirect.ms.push(
      await airflowPass(
        airflow.fetch,
        airflow.baseUrl,
        REQUESTS,
        await airflowToken(airflow.fetch, airflow.baseUrl),
        `d${r}`,
      ),
    );
    log(
      `fake.fetch round ${r + 1}/${ROUNDS}: mlflow ${mlDirect.ms.at(-1)?.toFixed(0)} ms, airflow ${afDirect.ms.at(-1)?.toFixed(0)} ms`,
    );
  };
  await mlflowPass(mlflow.fetch, mlflow.baseUrl, 500, "warm-direct");
  await airflowPass(
    airflow.fetch,
    airflow.baseUrl,
    500,
    await airflowToken(airflow.fetch, airflow.baseUrl),
    "warm",
  );
  for (let r = 0; r < ROUNDS; r++) await direct(r);

  // Phase 2, through msw's setupServer, as setupMlgenMocks() runs them; and msw's floor, one
  // trivial handler through the same interception.
  const floorHandler = http.get("http://floor.mock/x", () => HttpResponse.json({ ok: true }));
  const server = setupServer(floorHandler, ...mlflow.handlers, ...airflow.handlers);
  server.listen({ onUnhandledRequest: "error" });
  const floorPass = async () => {
    const t0 = performance.now();
    for (let i = 0; i < REQUESTS; i++) await (await fetch("http://floor.mock/x")).json();
    return performance.now() - t0;
  };
  await floorPass();
  await mlflowPass(fetch, mlflow.baseUrl, 500, "warm");
  for (let r = 0; r < ROUNDS; r++) {
    floor.ms.push(await floorPass());
    mlflow.reset();
    mlIntercepted.ms.push(await mlflowPass(fetch, mlflow.baseUrl, REQUESTS, `i${r}`));
    airflow.reset();
    seedDag();
    afIntercepted.ms.push(
      await airflowPass(
        fetch,
        airflow.baseUrl,
        REQUESTS,
        await airflowToken(fetch, airflow.baseUrl),
        `i${r}`,
      ),
    );
    log(
      `setupServer round ${r + 1}/${ROUNDS}: floor ${floor.ms.at(-1)?.toFixed(0)}, mlflow ${mlIntercepted.ms.at(-1)?.toFixed(0)}, airflow ${afIntercepted.ms.at(-1)?.toFixed(0)} ms`,
    );
  }
  server.close();
  rows.push(floor, mlIntercepted, mlDirect, afIntercepted, afDirect);

  // The peer: the real MLflow server answering the same requests over HTTP on 127.0.0.1.
  let real: Row | undefined;
  if (!flags["no-real"]) {
    const dir = tempDir("mocks-bench");
    log("starting the real mlflow server (peer)");
    const srv = await startMlflow(dir);
    try {
      real = {
        what: `real \`mlflow server\` (SQLite, 1 worker, 127.0.0.1), the same mix, ${fmt(PEER_REQUESTS)} requests`,
        ms: [],
        requests: PEER_REQUESTS,
      };
      await mlflowPass(fetch, srv.url, 100, "warm-real");
      real.ms.push(await mlflowPass(fetch, srv.url, PEER_REQUESTS, "real"));
      log(`real server: ${real.ms[0]?.toFixed(0)} ms`);
    } finally {
      await srv.stop();
    }
    rows.push(real);
  } else log("--no-real: the real-server peer is skipped, so no ratio is printed");

  const checks = [
    { what: "MLflow fake through `fake.fetch`", rps: rps(median(mlDirect.ms)) },
    { what: "Airflow fake through `fake.fetch`", rps: rps(median(afDirect.ms)) },
  ];
  const pass = checks.every((c) => c.rps >= TARGET_RPS);
  const best = median(mlIntercepted.ms);
  const lines: string[] = [];
  lines.push(
    `Run on ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC: ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}, msw 2.15.0; load average ${load.map((x) => x.toFixed(2)).join(" ")} at the start. ${fmt(REQUESTS)} sequential requests per pass, median of ${ROUNDS} passes after a warm-up (the real server: one pass of ${fmt(PEER_REQUESTS)}).`,
    "",
    "| Target | Goal | Measured | Result |",
    "| --- | --- | ---: | --- |",
    ...checks.map(
      (c) =>
        `| ${c.what}, ${fmt(REQUESTS)} requests | ≥ ${fmt(TARGET_RPS)} req/s | **${fmt(c.rps)} req/s** | ${c.rps >= TARGET_RPS ? "PASS" : "FAIL"} |`,
    ),
    "",
    "| Measure | Passes | Median | Min | Max | Requests/s (median) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  );
  for (const row of rows) {
    const m = median(row.ms);
    lines.push(
      `| ${row.what} | ${row.ms.length} | **${m.toFixed(0)} ms** | ${Math.min(...row.ms).toFixed(0)} ms | ${Math.max(...row.ms).toFixed(0)} ms | **${fmt(rps(m, row.requests))}** |`,
    );
  }
  lines.push("");
  if (real) {
    const realRps = rps(median(real.ms), PEER_REQUESTS);
    const viaMsw = rps(best);
    const viaFetch = rps(median(mlDirect.ms));
    lines.push(
      `**MLflow fake ÷ real \`mlflow server\`, requests per second on the same mix: ${(viaMsw / realRps).toFixed(1)}× through msw's \`setupServer\`, ${(viaFetch / realRps).toFixed(1)}× through \`fake.fetch\`** (${fmt(viaMsw)} and ${fmt(viaFetch)} against ${fmt(realRps)} requests/s). The real server is the peer a test suite would otherwise start.`,
    );
  } else lines.push("The real-server peer was skipped (`--no-real`): no ratio.");
  lines.push(
    "",
    `Through msw's global interception the fakes answer ${fmt(rps(median(mlIntercepted.ms)))} (MLflow) and ${fmt(rps(median(afIntercepted.ms)))} (Airflow) requests/s, against msw's own floor of ${fmt(rps(median(floor.ms)))} requests/s for one trivial handler on the same machine: the interception, not the fakes, sets that ceiling. Tests that need more pass \`fake.fetch\` to the clients.`,
  );
  const markdown = lines.join("\n");
  process.stdout.write(`${markdown}\n`);
  log(`${pass ? "PASS" : "FAIL"}  ≥ ${TARGET_RPS} requests/s through the fakes`);
  if (flags.write) {
    const readme = readFileSync(README, "utf8");
    const [start, end] = MARKERS;
    const a = readme.indexOf(start);
    const b = readme.indexOf(end);
    if (a === -1 || b === -1) throw new Error(`bench/README.md has no ${start} … ${end} section`);
    writeFileSync(README, `${readme.slice(0, a + start.length)}\n${markdown}\n${readme.slice(b)}`);
    log("bench/README.md updated (mocks section only)");
  }
  if (flags.strict && !pass) process.exitCode = 1;
}

await main();
