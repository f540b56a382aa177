/**
 * MLflow client benchmark: logging 100,000 metric points to one real `mlflow server` with
 * `logBatch` of @mlgen/mlflow-client and with Python's `MlflowClient.log_batch`, in the same
 * run, and reading 5,000 runs back with `searchRuns` and `search_runs`.
 *
 *   node_modules/.bin/tsx bench/mlflow-bench.ts           print the results as Markdown
 *   node_modules/.bin/tsx bench/mlflow-bench.ts --write   also replace the MLflow section of
 *                                                         bench/README.md (mlflow markers only)
 *
 * Options: --rounds N (rounds per side, default 3), --runs N (runs to search, default 5000),
 * --backend sqlite|postgres|both (the server's tracking store, default both: SQLite with one
 * worker, as the tests run it, and PostgreSQL 16 from the engine venv's pgserver wheel with
 * --workers N server workers, default 4, as MLflow is deployed for a team), --concurrency N (the
 * TS client's requests in flight, default its own default), --strict (exit 1
 * when the throughput target fails; it is judged on the PostgreSQL server when there is one). Progress goes to stderr, the Markdown to
 * stdout. The servers are always stopped by PID (try/finally).
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { createMlflowClient, toArray } from "../packages/mlflow-client/src/index.js";
import { ensureEngines, PYTHON, ROOT, startMlflow, tempDir } from "../test/engines/harness.js";
import { startPostgres } from "./postgres.js";

const README = resolve(import.meta.dirname, "README.md");
const START = "<!-- mlflow-results:start -->";
const END = "<!-- mlflow-results:end -->";
const TARGET = 2;
const KEYS = 20;
const STEPS = 5000;
const POINTS = KEYS * STEPS;
/** Steps per key of the untimed warm-up: 20,000 points, as many as before, over every key. */
const WARM_STEPS = 1000;

const log = (s: string) => process.stderr.write(`mlflow-bench: ${s}\n`);
const run = promisify(execFile);

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    runs: { type: "string", default: "5000" },
    backend: { type: "string", default: "both" },
    workers: { type: "string", default: "4" },
    concurrency: { type: "string", default: "" },
    write: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  },
});

function positive(name: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

/** The client's `concurrency` when --concurrency is given, otherwise its default. */
const concurrencyOption = () =>
  flags.concurrency ? { concurrency: positive("concurrency", flags.concurrency) } : {};

/** The middle value (the mean of the two middle ones for an even count). */
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return ((s[Math.floor((s.length - 1) / 2)] ?? 0) + (s[Math.ceil((s.length - 1) / 2)] ?? 0)) / 2;
};

async function python(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(PYTHON, [join(ROOT, "test/python/mlflow_bench.py"), ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
}

type Backend = "sqlite" | "postgres";

interface LogResult {
  readonly backend: Backend;
  readonly label: string;
  readonly ts: number[];
  readonly py: number[];
  /** MLflow server worker processes. */
  readonly workers: number;
  /** CPU seconds the server side (MLflow's workers, the database) spent on each round. */
  readonly tsServerCpu: number[];
  readonly pyServerCpu: number[];
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux build in use). */
const TICKS = 100;

/**
 * CPU seconds (user + system) spent so far by the servers started as these process groups
 * (spawnServer): the processes of each group and the children of its leader, as PostgreSQL's
 * backends each start a session of their own; those that ended are counted in their waited-for
 * parent's times. NaN without /proc.
 */
function groupCpu(groups: readonly number[]): number {
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return Number.NaN;
  }
  for (const pid of entries) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // Fields after the command's closing parenthesis, from the state as 0: ppid 1, pgrp 2,
    // utime 11, stime 12, cutime 13, cstime 14.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (!groups.includes(Number(f[2])) && !groups.includes(Number(f[1]))) continue;
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / TICKS;
}

/** One warm-up per side (not timed), then `rounds` timed rounds, each side into a fresh run. */
async function logRounds(
  url: string,
  rounds: number,
  serverGroups: readonly number[],
): Promise<Omit<LogResult, "backend" | "label" | "workers">> {
  const client = createMlflowClient({ trackingUri: url, env: {} });
  const exp = await client.getOrCreateExperiment("bench-log");
  const points = Array.from({ length: POINTS }, (_, i) => ({
    key: `m${Math.floor(i / STEPS)}`,
    value: 1 / ((i % STEPS) + 1),
    timestamp: 1_700_000_000_000 + (i % STEPS),
    step: i % STEPS,
  }));
  // The first requests a server worker answers import and set up what later ones reuse. The
  // warm-up has the rounds' shape (all 20 keys, 1,000 steps each), so the TS client's requests
  // in flight reach every server worker, as in the rounds; 4 keys left workers cold for round 1.
  const warm = await client.createRun({ experimentId: exp.experiment_id, runName: "warm-up" });
  await client.logBatch(
    warm.info.run_id,
    { metrics: points.filter((p) => p.step < WARM_STEPS) },
    concurrencyOption(),
  );
  await python("log", url, warm.info.run_id, String(KEYS), String(WARM_STEPS));
  const ts: number[] = [];
  const py: number[] = [];
  const tsServerCpu: number[] = [];
  const pyServerCpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first; each side logs into a fresh run.
    for (const side of r % 2 ? ["py", "ts"] : ["ts", "py"]) {
      const target = await client.createRun({
        experimentId: exp.experiment_id,
        runName: `${side}-${r}`,
      });
      const cpuBefore = groupCpu(serverGroups);
      if (side === "ts") {
        const t = performance.now();
        await client.logBatch(target.info.run_id, { metrics: points }, concurrencyOption());
        ts.push((performance.now() - t) / 1000);
      } else {
        const out = await python("log", url, target.info.run_id, String(KEYS), String(STEPS));
        if (out.points !== POINTS) throw new Error(`python logged ${String(out.points)} points`);
        py.push(Number(out.seconds));
      }
      (side === "ts" ? tsServerCpu : pyServerCpu).push(groupCpu(serverGroups) - cpuBefore);
      const history = await toArray(client.getMetricHistory(target.info.run_id, "m7"));
      if (history.length !== STEPS)
        throw new Error(`${side} run holds ${history.length} points of m7`);
      log(`round ${r + 1} ${side}: ${(side === "ts" ? ts : py).at(-1)?.toFixed(2)} s`);
    }
  }
  return { ts, py, tsServerCpu, pyServerCpu };
}

/** `runs` runs seeded (not timed), then read back `rounds` times by each side. */
async function searchRounds(url: string, runs: number, rounds: number) {
  log(`creating ${runs} runs to search`);
  const client = createMlflowClient({ trackingUri: url, env: {} });
  const searchExp = await client.getOrCreateExperiment("bench-search");
  // Seeding is not measured: a few at a time, with a long timeout.
  const seeder = createMlflowClient({ trackingUri: url, env: {}, timeoutMs: 300_000 });
  for (let i = 0; i < runs; i += 4) {
    await Promise.all(
      Array.from({ length: Math.min(4, runs - i) }, (_, j) =>
        seeder.createRun({ experimentId: searchExp.experiment_id, runName: `r${i + j}` }),
      ),
    );
  }
  const ts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    const all = await toArray(client.searchRuns({ experimentIds: [searchExp.experiment_id] }));
    ts.push((performance.now() - t) / 1000);
    if (all.length !== runs) throw new Error(`searchRuns read ${all.length} runs`);
  }
  const out = await python("search", url, searchExp.experiment_id, String(rounds));
  if (out.runs !== runs) throw new Error(`search_runs read ${String(out.runs)}`);
  return { ts, py: out.seconds as number[] };
}

async function main(): Promise<void> {
  const rounds = positive("rounds", flags.rounds);
  const runs = positive("runs", flags.runs);
  const workers = positive("workers", flags.workers);
  const backends: Backend[] =
    flags.backend === "both" ? ["sqlite", "postgres"] : [flags.backend as Backend];
  if (!backends.every((b) => b === "sqlite" || b === "postgres"))
    throw new Error("--backend is sqlite, postgres or both");
  ensureEngines();
  const work = tempDir("mlflow-bench");
  const started = Date.now();
  const load = os.loadavg();
  const results: LogResult[] = [];
  let search: { ts: number[]; py: number[]; label: string } | undefined;
  for (const backend of backends) {
    const dir = join(work, backend);
    mkdirSync(dir);
    const pg = backend === "postgres" ? await startPostgres() : undefined;
    try {
      const n = pg ? workers : 1;
      const label = pg
        ? `PostgreSQL ${pg.version}, ${n} server workers`
        : "SQLite, 1 server worker";
      log(`mlflow server on ${label}`);
      const server = await startMlflow(dir, {
        workers: n,
        // (startMlflow turns MLflow's job runners off: they would skew the first rounds.)
        ...(pg ? { backendStoreUri: pg.uri } : {}),
      });
      try {
        results.push({
          backend,
          label,
          workers: n,
          ...(await logRounds(server.url, rounds, [server.pid, ...(pg ? [pg.pid] : [])])),
        });
        if (!search) search = { label, ...(await searchRounds(server.url, runs, rounds)) };
      } finally {
        await server.stop();
      }
    } finally {
      await pg?.stop();
    }
  }

  const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
  const judged = results.find((r) => r.backend === "postgres") ?? results[0];
  const rows = results.map((r) => {
    const tsRate = POINTS / median(r.ts);
    const pyRate = POINTS / median(r.py);
    // The lower of two readings, so one slow round on either side cannot carry the result:
    // the ratio of the medians, and the median of each round's own ratio.
    const perRound = median(r.ts.map((t, i) => (r.py[i] ?? 0) / t));
    const ratio = Math.min(tsRate / pyRate, perRound);
    return {
      r,
      ratio,
      line: `| log ${fmt(POINTS)} metric points (${KEYS} keys × ${fmt(STEPS)} steps), one call; ${r.label} | ${median(r.ts).toFixed(2)} s = **${fmt(tsRate)} points/s** | ${median(r.py).toFixed(2)} s = **${fmt(pyRate)} points/s** | **${ratio.toFixed(2)}×** throughput (medians ${(tsRate / pyRate).toFixed(2)}×, per round ${perRound.toFixed(2)}×) | ${r === judged ? `≥ ${TARGET}×` : "—"} | ${r === judged ? (ratio >= TARGET ? "PASS" : "FAIL") : "—"} |`,
    };
  });
  const pass = (rows.find((x) => x.r === judged)?.ratio ?? 0) >= TARGET;
  const { stdout: pyVersion } = await run(PYTHON, [
    "-c",
    "import mlflow, sys; print(mlflow.__version__, sys.version.split()[0])",
  ]);
  const [mlflowVersion, pythonVersion] = pyVersion.trim().split(" ");
  const md = [
    `Run on ${new Date(started).toISOString().slice(0, 10)}: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, mlflow ${mlflowVersion} server on 127.0.0.1 (${results.map((r) => r.label).join("; ")}) and the Python client on Python ${pythonVersion}; @mlgen/mlflow-client ${flags.concurrency ? `with concurrency ${flags.concurrency}` : "at its default concurrency (8)"}; load average ${load.map((x) => x.toFixed(2)).join(" ")} at the start. ${rounds} rounds per side after one warm-up, alternating; medians.`,
    "",
    "| Scenario | @mlgen/mlflow-client | Python MlflowClient | TS / Python | Target | Result |",
    "| --- | ---: | ---: | ---: | --- | --- |",
    ...rows.map((x) => x.line),
    ...(search
      ? [
          `| read ${fmt(runs)} runs (\`searchRuns\` / \`search_runs\` pages of 1,000); ${search.label} | ${median(search.ts).toFixed(2)} s | ${median(search.py).toFixed(2)} s | ${(median(search.py) / median(search.ts)).toFixed(2)}× faster | — | — |`,
        ]
      : []),
    "",
    ...results.map(
      (r) =>
        `Per round, log (s, TS / Python), ${r.label}: ${r.ts.map((t, i) => `${t.toFixed(2)}/${r.py[i]?.toFixed(2)}`).join(", ")}.`,
    ),
    ...results.flatMap((r) => {
      const tsCpu = median(r.tsServerCpu);
      const pyCpu = median(r.pyServerCpu);
      if (!Number.isFinite(tsCpu) || !Number.isFinite(pyCpu)) return [];
      // What the server side needs sets the pace: the least time any client could take is that
      // CPU time spread over as many CPUs as it can use at once (the machine's, or its worker
      // processes' if fewer), with nothing lost to contention and the client's own CPU left out.
      const lanes = Math.min(os.availableParallelism(), r.workers);
      const least = pyCpu / lanes;
      return [
        `Server side, ${r.label} (the MLflow server's processes and the database's, CPU time per round, median): ${tsCpu.toFixed(2)} s in the TS rounds, ${pyCpu.toFixed(2)} s in Python's for the same points. Spread over ${lanes} CPU${lanes === 1 ? "" : "s"} (${os.availableParallelism()} on this machine, ${r.workers} server worker${r.workers === 1 ? "" : "s"}), Python's ${pyCpu.toFixed(2)} s take at least ${least.toFixed(2)} s, so no client can beat Python's ${median(r.py).toFixed(2)} s by more than **${(median(r.py) / least).toFixed(2)}×** here; the TS rounds used ${((tsCpu / (median(r.ts) * lanes)) * 100).toFixed(0)} % of that CPU.`,
      ];
    }),
    ...(search
      ? [
          `Search (s, TS / Python): ${search.ts.map((t, i) => `${t.toFixed(2)}/${search?.py[i]?.toFixed(2)}`).join(", ")}.`,
        ]
      : []),
  ].join("\n");
  process.stdout.write(`${md}\n`);
  log(
    `${pass ? "PASS" : "FAIL"}: TS logs ${rows.find((x) => x.r === judged)?.ratio.toFixed(2)}× Python's points per second on ${judged?.label} (target ≥ ${TARGET}×)`,
  );
  if (flags.write) {
    const text = readFileSync(README, "utf8");
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    if (a === -1 || b === -1) throw new Error(`bench/README.md has no ${START} … ${END}`);
    writeFileSync(README, `${text.slice(0, a + START.length)}\n${md}\n${text.slice(b)}`);
    log("wrote bench/README.md");
  }
  if (!pass && flags.strict) process.exitCode = 1;
}

await main();
