/**
 * Airflow client benchmark: the overhead of @mlgen/airflow-client's helpers over raw `fetch`
 * with hand-built URLs and a bearer token, for the same call sequence against the same real
 * Airflow 3 server, measured in the same run.
 *
 *   node_modules/.bin/tsx bench/client-bench.ts            print the results as Markdown
 *   node_modules/.bin/tsx bench/client-bench.ts --write    also replace the client section of
 *                                                          bench/README.md (client markers only)
 *
 * Options: --rounds N (measured rounds per scenario, default 15), --tasks N (task instances in the
 * benchmark DAG run, default 1250), --strict (exit 1 when the overhead target fails).
 * Progress goes to stderr, the Markdown to stdout. Airflow is always stopped (try/finally).
 */

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import {
  type AirflowClient,
  createAirflowClient,
  createTransport,
} from "../packages/airflow-client/src/index.js";
import { type AirflowServer, startAirflow } from "../test/engines/airflow-server.js";
import { ensureEngines, tempDir } from "../test/engines/harness.js";

const README = resolve(import.meta.dirname, "README.md");
const START = "<!-- client-results:start -->";
const END = "<!-- client-results:end -->";
const TARGET = 1.05;
const DAG_ID = "mlgen_client_bench";
const RUN_ID = "bench_run";
const PAGE = 100;
const REPLAY_ROUNDS = 31;

const log = (s: string) => process.stderr.write(`client-bench: ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const int = (x: number) => x.toLocaleString("en-US");

/** Flat DAG of `n` EmptyOperator tasks: the scheduler marks them success without running them. */
function dagSource(n: number): string {
  return [
    "from datetime import datetime",
    "",
    "from airflow.providers.standard.operators.empty import EmptyOperator",
    "from airflow.sdk import DAG",
    "",
    "with DAG(",
    `    dag_id="${DAG_ID}",`,
    "    schedule=None,",
    "    start_date=datetime(2025, 1, 1),",
    "    catchup=False,",
    "    max_active_runs=1,",
    "    max_active_tasks=4,",
    '    tags=["bench"],',
    "):",
    `    for i in range(${n}):`,
    '        EmptyOperator(task_id=f"t{i:05d}")',
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// The two implementations of each scenario. Both count requests and items the same way.

interface Tally {
  requests: number;
  items: number;
}

interface Impl {
  paginateAll(t: Tally): Promise<string[]>;
  mixed(t: Tally): Promise<void>;
}

function clientImpl(client: AirflowClient): Impl {
  return {
    async paginateAll(t) {
      const ids: string[] = [];
      // paginate makes ceil(total / 100) requests; counted from the pages it yields below.
      const it = client.paginate("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", {
        path: { dag_id: DAG_ID, dag_run_id: RUN_ID },
      });
      for await (const ti of it) {
        if (ids.length % PAGE === 0) t.requests++;
        ids.push(ti.task_id);
      }
      t.items += ids.length;
      return ids;
    },
    async mixed(t) {
      for (let i = 0; i < 20; i++) {
        await client.version();
        await client.getDagRun(DAG_ID, RUN_ID);
        t.requests += 2;
        t.items += 2;
        if (i % 4 === 0) {
          for await (const _dag of client.paginate("/api/v2/dags", {})) t.items++;
          t.requests++;
        }
      }
    },
  };
}

function rawImpl(base: string, token: string, doFetch: typeof fetch = fetch): Impl {
  const headers = { authorization: `Bearer ${token}` };
  async function getJson(path: string): Promise<Record<string, unknown>> {
    const res = await doFetch(`${base}${path}`, { headers });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  }
  /** The same limit/offset loop and stop rule as the client's paginate. */
  async function listAll(path: string, key: string, t: Tally, onItem: (x: unknown) => void) {
    for (let offset = 0; ; ) {
      const page = await getJson(`${path}?limit=${PAGE}&offset=${offset}`);
      t.requests++;
      const items = page[key];
      if (!Array.isArray(items) || items.length === 0) return;
      for (const x of items) onItem(x);
      t.items += items.length;
      offset += items.length;
      const total = page.total_entries;
      if (items.length < PAGE || (typeof total === "number" && offset >= total)) return;
    }
  }
  const dagRun = `/api/v2/dags/${encodeURIComponent(DAG_ID)}/dagRuns/${encodeURIComponent(RUN_ID)}`;
  return {
    async paginateAll(t) {
      const ids: string[] = [];
      await listAll(`${dagRun}/taskInstances`, "task_instances", t, (x) =>
        ids.push((x as { task_id: string }).task_id),
      );
      return ids;
    },
    async mixed(t) {
      for (let i = 0; i < 20; i++) {
        await getJson("/api/v2/version");
        await getJson(dagRun);
        t.requests += 2;
        t.items += 2;
        if (i % 4 === 0) await listAll("/api/v2/dags", "dags", t, () => {});
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface Sample {
  wallMs: number;
  cpuMs: number;
  requests: number;
  items: number;
}

async function timed(fn: (t: Tally) => Promise<unknown>): Promise<Sample> {
  const t: Tally = { requests: 0, items: 0 };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn(t);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, ...t };
}

interface ScenarioResult {
  name: string;
  raw: Sample[];
  client: Sample[];
}

/** One warm-up each, then `rounds` rounds; the order within a round alternates. */
async function measure(
  name: string,
  rounds: number,
  raw: (t: Tally) => Promise<unknown>,
  client: (t: Tally) => Promise<unknown>,
  quiet = false,
): Promise<ScenarioResult> {
  await timed(client);
  await timed(raw);
  const r: ScenarioResult = { name, raw: [], client: [] };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      r.client.push(await timed(client));
      r.raw.push(await timed(raw));
    } else {
      r.raw.push(await timed(raw));
      r.client.push(await timed(client));
    }
    const c = r.client.at(-1);
    const w = r.raw.at(-1);
    if (c && w && !quiet) {
      log(
        `${name} round ${i + 1}/${rounds}: client ${ms(c.wallMs)}, raw ${ms(w.wallMs)} (${c.requests} vs ${w.requests} requests)`,
      );
    }
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Where the client's time goes, without Airflow's: (1) the same two scenarios, same code, against
// a replay server (a separate Node process answering every URL with the body recorded from
// Airflow), so the server costs almost nothing and the difference is the client's own cost;
// (2) per call, against a fetch stub (no network at all), layer by layer.

interface Recorded {
  body: string;
  contentType: string;
}

/** A fetch that records every GET's answer by URL (path + query) and hands back a copy. */
function recordingFetch(into: Map<string, Recorded>): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    const body = await res.text();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const contentType = res.headers.get("content-type") ?? "";
    into.set(`${url.pathname}${url.search}`, { body, contentType });
    return new Response(body, { status: res.status, headers: res.headers });
  };
}

const REPLAY_SERVER = `
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
const answers = JSON.parse(readFileSync(process.argv[1], "utf8"));
const server = createServer((req, res) => {
  const a = answers[req.url];
  if (!a) { res.writeHead(404, { "content-type": "application/json" }); res.end('{"detail":"not recorded"}'); return; }
  res.writeHead(200, { "content-type": a.contentType, "content-length": Buffer.byteLength(a.body) });
  res.end(a.body);
});
server.listen(0, "127.0.0.1", () => process.stdout.write(server.address().port + "\\n"));
`;

interface ReplayServer {
  url: string;
  stop(): void;
}

async function startReplay(answers: Map<string, Recorded>, dir: string): Promise<ReplayServer> {
  const file = join(dir, "answers.json");
  writeFileSync(file, JSON.stringify(Object.fromEntries(answers)));
  const child = spawn(process.execPath, ["--input-type=module", "-e", REPLAY_SERVER, file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((ok, fail) => {
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`replay server exited (${code})`)));
    child.stdout?.once("data", (d: Buffer) => ok(String(d).trim()));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

function replay(r: Recorded): Response {
  return new Response(r.body, {
    status: 200,
    headers: {
      "content-type": r.contentType,
      "content-length": String(Buffer.byteLength(r.body)),
    },
  });
}

interface DiagRow {
  what: string;
  bytes: number;
  us: Record<Layer, number>;
}

type Layer = "raw" | "transport" | "openapi" | "helper";
const LAYERS: readonly Layer[] = ["raw", "transport", "openapi", "helper"];

/**
 * µs per call for each layer: batches of `n` calls, layers interleaved within a batch (order
 * reversed every other batch), first batch discarded, median over the rest.
 */
async function perCall(
  fns: Record<Layer, () => Promise<unknown>>,
  n: number,
  batches = 15,
): Promise<Record<Layer, number>> {
  const out: Record<Layer, number[]> = { raw: [], transport: [], openapi: [], helper: [] };
  for (let b = 0; b <= batches; b++) {
    for (const layer of b % 2 ? [...LAYERS].reverse() : LAYERS) {
      const fn = fns[layer];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fn();
      if (b > 0) out[layer].push(((performance.now() - t0) * 1000) / n);
    }
  }
  return {
    raw: median(out.raw),
    transport: median(out.transport),
    openapi: median(out.openapi),
    helper: median(out.helper),
  };
}

async function stubLayers(base: string, token: string, answers: Map<string, Recorded>) {
  const dagRunPath = `/api/v2/dags/${DAG_ID}/dagRuns/${RUN_ID}`;
  const tiPath = `${dagRunPath}/taskInstances?limit=${PAGE}&offset=0`;
  const find = (key: string) => {
    const r = answers.get(key);
    if (!r) throw new Error(`nothing recorded for ${key}`);
    return r;
  };
  const version = find("/api/v2/version");
  const dagRun = find(dagRunPath);
  // The first page, made the last one too, so paginate makes exactly one request.
  const page = JSON.parse(find(tiPath).body) as {
    task_instances: unknown[];
    total_entries: number;
  };
  page.total_entries = page.task_instances.length;
  const onePage: Recorded = { body: JSON.stringify(page), contentType: find(tiPath).contentType };

  const stub = async (input: string | URL | Request, _init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.includes("/taskInstances")) return replay(onePage);
    if (url.includes("/version")) return replay(version);
    return replay(dagRun);
  };
  const headers = { authorization: `Bearer ${token}` };
  const opts = { baseUrl: base, auth: { token }, fetch: stub as typeof fetch };
  const transport = createTransport(opts);
  const client = createAirflowClient(opts);
  const raw = async (path: string) => (await stub(`${base}${path}`, { headers })).json();
  const viaTransport = async (path: string) =>
    (await transport(new Request(`${base}${path}`))).json();
  const tiRoute = "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances" as const;
  const ids = { dag_id: DAG_ID, dag_run_id: RUN_ID };

  const rows: DiagRow[] = [];
  const cases: [string, Recorded, Record<Layer, () => Promise<unknown>>, number][] = [
    [
      "GET /api/v2/version (`version()`)",
      version,
      {
        raw: () => raw("/api/v2/version"),
        transport: () => viaTransport("/api/v2/version"),
        openapi: () => client.api.GET("/api/v2/version"),
        helper: () => client.version(),
      },
      1000,
    ],
    [
      "GET a dag run (`getDagRun`)",
      dagRun,
      {
        raw: () => raw(dagRunPath),
        transport: () => viaTransport(dagRunPath),
        openapi: () =>
          client.api.GET("/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}", { params: { path: ids } }),
        helper: () => client.getDagRun(DAG_ID, RUN_ID),
      },
      1000,
    ],
    [
      "one page of 100 task instances (`paginate`)",
      onePage,
      {
        raw: async () => {
          const p = (await raw(tiPath)) as { task_instances: unknown[] };
          let n = 0;
          for (const _ti of p.task_instances) n++;
          return n;
        },
        transport: () => viaTransport(tiPath),
        openapi: () =>
          client.api.GET(tiRoute, { params: { path: ids, query: { limit: PAGE, offset: 0 } } }),
        helper: async () => {
          let n = 0;
          for await (const _ti of client.paginate(tiRoute, { path: ids })) n++;
          return n;
        },
      },
      100,
    ],
  ];
  for (const [what, rec, fns, n] of cases) {
    const us = await perCall(fns, n);
    rows.push({ what, bytes: Buffer.byteLength(rec.body), us });
    log(`stub ${what}: ${LAYERS.map((l) => `${l} ${us[l].toFixed(0)} µs`).join(", ")}`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 1000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s: ${what}`);
    await sleep(intervalMs);
  }
}

async function getToken(base: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`POST /auth/token: HTTP ${res.status}`);
  const body = (await res.json()) as { access_token?: unknown };
  if (typeof body.access_token !== "string") throw new Error("no access_token");
  return body.access_token;
}

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    node: process.version,
    undici: process.versions.undici ?? "unknown",
  };
}

function pkgVersion(rel: string): string {
  try {
    const p = JSON.parse(readFileSync(resolve(import.meta.dirname, rel), "utf8")) as {
      version?: string;
    };
    return p.version ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function main() {
  const write = process.argv.includes("--write");
  const strict = process.argv.includes("--strict");
  const rounds = argValue("--rounds", 15);
  const nTasks = argValue("--tasks", 1250);
  const m = machine();
  log(`machine: ${m.nproc} CPUs (${m.cpu}), node ${m.node}, load ${m.load}`);

  ensureEngines();
  const work = tempDir("client-bench");
  const dags = join(work, "dags");
  let airflow: AirflowServer | undefined;
  let replayServer: ReplayServer | undefined;
  try {
    mkdirSync(dags, { recursive: true });
    writeFileSync(join(dags, `${DAG_ID}.py`), dagSource(nTasks));
    log(`starting Airflow with a ${int(nTasks)}-task DAG in ${dags}`);
    // No triggerer (nothing defers); no re-parsing every few seconds of the big DAG file, which
    // would keep a CPU busy during the measurements (the first parse happens at start-up).
    airflow = await startAirflow({ dagsFolder: dags, triggerer: false, dagRefreshSeconds: 600 });
    const base = airflow.url;
    log(
      `Airflow healthy at ${base} (db migrate ${ms(airflow.startup.migrateMs)}, components ${ms(airflow.startup.healthyMs)})`,
    );
    const token = await getToken(base, airflow.username, airflow.password);
    const auth = { authorization: `Bearer ${token}` };
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers: auth });
      return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
    };
    const airflowVersion = String((await get("/api/v2/version"))?.version ?? "unknown");

    const t0 = Date.now();
    await waitFor(
      "DAG parsed",
      async () => {
        const dag = await get(`/api/v2/dags/${DAG_ID}`);
        return dag ? true : undefined;
      },
      300_000,
    );
    log(`DAG parsed after ${((Date.now() - t0) / 1000).toFixed(0)} s; triggering ${RUN_ID}`);

    const client = createAirflowClient({ baseUrl: base, auth: { token } });
    await client.triggerDagRun(DAG_ID, { runId: RUN_ID });
    const tiPath = `/api/v2/dags/${DAG_ID}/dagRuns/${RUN_ID}/taskInstances`;
    const t1 = Date.now();
    await waitFor(
      `${nTasks} task instances`,
      async () => {
        const page = await get(`${tiPath}?limit=1`);
        const total = page?.total_entries;
        return typeof total === "number" && total >= nTasks ? total : undefined;
      },
      600_000,
    );
    log(`${int(nTasks)} task instances exist after ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    // The data should not change while it is read: wait (bounded) for the run to finish.
    let runState = "unknown";
    try {
      runState = await waitFor(
        "run finished",
        async () => {
          const run = await get(`/api/v2/dags/${DAG_ID}/dagRuns/${RUN_ID}`);
          const state = run?.state;
          return state === "success" || state === "failed" ? String(state) : undefined;
        },
        600_000,
        2000,
      );
    } catch {
      runState = String((await get(`/api/v2/dags/${DAG_ID}/dagRuns/${RUN_ID}`))?.state);
      log(`run not finished after 10 min (state ${runState}); measuring anyway`);
    }
    log(`run ${RUN_ID} is ${runState} after ${((Date.now() - t1) / 1000).toFixed(0)} s`);

    const viaClient = clientImpl(client);
    const viaRaw = rawImpl(base, token);

    // Same data either way.
    const a = await viaClient.paginateAll({ requests: 0, items: 0 });
    const b = await viaRaw.paginateAll({ requests: 0, items: 0 });
    const uniq = new Set(a).size;
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
      throw new Error(`client and raw read different task instances (${a.length} vs ${b.length})`);
    }
    log(`both read ${int(a.length)} task instances (${int(uniq)} distinct task ids)`);

    const loadBefore = machine().load;
    const scenarios = [
      await measure(
        "paginate all task instances",
        rounds,
        (t) => viaRaw.paginateAll(t),
        (t) => viaClient.paginateAll(t),
      ),
      await measure(
        "mixed sequence (20× version, 20× getDagRun, 5× list DAGs)",
        rounds,
        (t) => viaRaw.mixed(t),
        (t) => viaClient.mixed(t),
      ),
    ];
    const loadAfter = machine().load;

    // Where the time goes: the same sequences against a replay of Airflow's answers.
    log("recording Airflow's answers for the replay server");
    const answers = new Map<string, Recorded>();
    const recorder = rawImpl(base, token, recordingFetch(answers));
    await recorder.paginateAll({ requests: 0, items: 0 });
    await recorder.mixed({ requests: 0, items: 0 });
    replayServer = await startReplay(answers, work);
    const replayClient = clientImpl(
      createAirflowClient({ baseUrl: replayServer.url, auth: { token } }),
    );
    const replayRaw = rawImpl(replayServer.url, token);
    const replayed = [
      await measure(
        "paginate all task instances",
        REPLAY_ROUNDS,
        (t) => replayRaw.paginateAll(t),
        (t) => replayClient.paginateAll(t),
        true,
      ),
      await measure(
        "mixed sequence",
        REPLAY_ROUNDS,
        (t) => replayRaw.mixed(t),
        (t) => replayClient.mixed(t),
        true,
      ),
    ];
    replayServer.stop();
    replayServer = undefined;
    for (const r of replayed) {
      log(
        `replay ${r.name}: client ${ms(median(r.client.map((x) => x.wallMs)))}, raw ${ms(median(r.raw.map((x) => x.wallMs)))}`,
      );
    }
    const layers = await stubLayers(base, token, answers);

    // ---- Markdown
    const md: string[] = [];
    md.push(
      `Run on ${new Date().toISOString().slice(0, 10)}: ${m.nproc} CPUs (${m.cpu}), ${m.memGb} GB RAM, ${m.os}; ` +
        `Node ${m.node} (undici ${m.undici}); openapi-fetch ${pkgVersion("../packages/airflow-client/node_modules/openapi-fetch/package.json")}; ` +
        `Airflow ${airflowVersion} (api-server with 1 worker, SQLite, LocalExecutor) on 127.0.0.1; ` +
        `load average ${loadBefore} before and ${loadAfter} after the Airflow measurements. ` +
        `DAG run with ${int(nTasks)} task instances (run state ${runState}); ` +
        `${rounds} measured rounds per scenario after 1 warm-up each, client and raw alternating.`,
      "",
      "| Scenario | Requests | Items read | raw `fetch` median | client median | client / raw | Target | Result | Node CPU raw / client (median) |",
      "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    );
    const verdicts: [string, number, boolean][] = [];
    for (const s of scenarios) {
      const raw = median(s.raw.map((x) => x.wallMs));
      const cli = median(s.client.map((x) => x.wallMs));
      const ratio = cli / raw;
      const ok = ratio <= TARGET;
      verdicts.push([s.name, ratio, ok]);
      const req = s.client[0]?.requests ?? 0;
      const reqRaw = s.raw[0]?.requests ?? 0;
      const items = s.client[0]?.items ?? 0;
      md.push(
        `| ${s.name} | ${req === reqRaw ? int(req) : `${req} / ${reqRaw}`} | ${int(items)} | ${ms(raw)} | ${ms(cli)} | **${ratio.toFixed(3)}** | ≤ ${TARGET.toFixed(2)} | ${ok ? "PASS" : "FAIL"} | ${ms(median(s.raw.map((x) => x.cpuMs)))} / ${ms(median(s.client.map((x) => x.cpuMs)))} |`,
      );
    }
    md.push("", "Per round (wall ms, client / raw, in the order measured):", "");
    for (const s of scenarios) {
      const pairs = s.client.map(
        (c, i) => `${c.wallMs.toFixed(0)}/${s.raw[i]?.wallMs.toFixed(0) ?? "?"}`,
      );
      const ratios = s.client.map((c, i) => c.wallMs / (s.raw[i]?.wallMs ?? Number.NaN));
      md.push(
        `- ${s.name}: ${pairs.join(", ")} — per-round ratio median ${median(ratios).toFixed(3)}, range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
      );
    }
    md.push(
      "",
      `The client's own cost — the same two sequences, same code, against a replay server (a separate Node process on 127.0.0.1 answering each URL with the body recorded from Airflow above, so the server side costs almost nothing); medians of ${REPLAY_ROUNDS} alternating rounds:`,
      "",
      "| Scenario | Requests | raw `fetch` | client | client − raw | per request | (client − raw) ÷ raw time against Airflow |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const [i, r] of replayed.entries()) {
      const raw = median(r.raw.map((x) => x.wallMs));
      const cli = median(r.client.map((x) => x.wallMs));
      const req = r.raw[0]?.requests ?? 1;
      const real = scenarios[i];
      const realRaw = real ? median(real.raw.map((x) => x.wallMs)) : Number.NaN;
      md.push(
        `| ${real?.name ?? r.name} | ${req} | ${ms(raw)} | ${ms(cli)} | ${ms(cli - raw)} | ${(((cli - raw) * 1000) / req).toFixed(0)} µs | ${(((cli - raw) / realRaw) * 100).toFixed(2)} % |`,
      );
    }
    md.push(
      "",
      "Per call with no network at all (a stub `fetch` returning the recorded body; median µs per call, layers interleaved): _raw_ = stub + `json()`; _transport_ = `createTransport` over the stub + `json()`; _openapi-fetch_ = `client.api.GET` (openapi-fetch + transport, parses the body); _helper_ = the client method (`api.GET` + `unwrap`, or `paginate` reading every item).",
      "",
      "| Call | Body | raw | transport | openapi-fetch | helper | helper − raw |",
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    );
    for (const d of layers) {
      const kb = d.bytes >= 1024 ? `${int(Math.round(d.bytes / 1024))} KB` : `${d.bytes} B`;
      md.push(
        `| ${d.what} | ${kb} | ${d.us.raw.toFixed(0)} µs | ${d.us.transport.toFixed(0)} µs | ${d.us.openapi.toFixed(0)} µs | ${d.us.helper.toFixed(0)} µs | ${(d.us.helper - d.us.raw).toFixed(0)} µs |`,
      );
    }
    const markdown = md.join("\n");
    process.stdout.write(`${markdown}\n`);
    for (const [name, ratio, ok] of verdicts) {
      log(
        `${ok ? "PASS" : "FAIL"}  ${name}: client / raw fetch = ${ratio.toFixed(3)} (≤ ${TARGET})`,
      );
    }

    if (write) {
      // Re-read right before writing: only the client section is replaced (or appended).
      const text = readFileSync(README, "utf8");
      const a = text.indexOf(START);
      const b = text.indexOf(END);
      if (a !== -1 && b > a) {
        writeFileSync(README, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
      } else {
        const sep = text.endsWith("\n") ? "\n" : "\n\n";
        writeFileSync(README, `${text}${sep}## Airflow client\n\n${START}\n${markdown}\n${END}\n`);
      }
      log(`wrote the results into ${README}`);
    }
    if (strict && verdicts.some(([, , ok]) => !ok)) process.exitCode = 1;
  } finally {
    replayServer?.stop();
    if (airflow) {
      log("stopping Airflow");
      await airflow.stop();
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
