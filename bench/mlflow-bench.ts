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
 * --strict (exit 1 when the throughput target fails). Progress goes to stderr, the Markdown to
 * stdout. The server is always stopped by PID (try/finally).
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs, promisify } from "node:util";
import { createMlflowClient, toArray } from "../packages/mlflow-client/src/index.js";
import { ensureEngines, PYTHON, ROOT, startMlflow, tempDir } from "../test/engines/harness.js";

const README = resolve(import.meta.dirname, "README.md");
const START = "<!-- mlflow-results:start -->";
const END = "<!-- mlflow-results:end -->";
const TARGET = 2;
const KEYS = 20;
const STEPS = 5000;
const POINTS = KEYS * STEPS;

const log = (s: string) => process.stderr.write(`mlflow-bench: ${s}\n`);
const run = promisify(execFile);

const { values: flags } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    runs: { type: "string", default: "5000" },
    write: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  },
});

function positive(name: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} needs a positive integer`);
  return v;
}

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

async function main(): Promise<void> {
  const rounds = positive("rounds", flags.rounds);
  const runs = positive("runs", flags.runs);
  ensureEngines();
  const work = tempDir("mlflow-bench");
  const server = await startMlflow(work);
  const started = Date.now();
  const load = os.loadavg();
  try {
    const client = createMlflowClient({ trackingUri: server.url, env: {} });
    const exp = await client.getOrCreateExperiment("bench-log");
    const points = Array.from({ length: POINTS }, (_, i) => ({
      key: `m${Math.floor(i / STEPS)}`,
      value: 1 / ((i % STEPS) + 1),
      timestamp: 1_700_000_000_000 + (i % STEPS),
      step: i % STEPS,
    }));
    const ts: number[] = [];
    const py: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate who goes first; each side logs into a fresh run.
      for (const side of r % 2 ? ["py", "ts"] : ["ts", "py"]) {
        const target = await client.createRun({
          experimentId: exp.experiment_id,
          runName: `${side}-${r}`,
        });
        if (side === "ts") {
          const t = performance.now();
          await client.logBatch(target.info.run_id, { metrics: points });
          ts.push((performance.now() - t) / 1000);
        } else {
          const out = await python(
            "log",
            server.url,
            target.info.run_id,
            String(KEYS),
            String(STEPS),
          );
          if (out.points !== POINTS) throw new Error(`python logged ${String(out.points)} points`);
          py.push(Number(out.seconds));
        }
        const history = await toArray(client.getMetricHistory(target.info.run_id, "m7"));
        if (history.length !== STEPS)
          throw new Error(`${side} run holds ${history.length} points of m7`);
        log(`round ${r + 1} ${side}: ${(side === "ts" ? ts : py).at(-1)?.toFixed(2)} s`);
      }
    }

    log(`creating ${runs} runs to search`);
    const searchExp = await client.getOrCreateExperiment("bench-search");
    // Seeding is not measured: a few at a time, with a long timeout (one server worker, SQLite).
    const seeder = createMlflowClient({ trackingUri: server.url, env: {}, timeoutMs: 300_000 });
    for (let i = 0; i < runs; i += 4) {
      await Promise.all(
        Array.from({ length: Math.min(4, runs - i) }, (_, j) =>
          seeder.createRun({ experimentId: searchExp.experiment_id, runName: `r${i + j}` }),
        ),
      );
    }
    const tsSearch: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t = performance.now();
      const all = await toArray(client.searchRuns({ experimentIds: [searchExp.experiment_id] }));
      tsSearch.push((performance.now() - t) / 1000);
      if (all.length !== runs) throw new Error(`searchRuns read ${all.length} runs`);
    }
    const pySearchOut = await python("search", server.url, searchExp.experiment_id, String(rounds));
    if (pySearchOut.runs !== runs) throw new Error(`search_runs read ${String(pySearchOut.runs)}`);
    const pySearch = pySearchOut.seconds as number[];

    const tsRate = POINTS / median(ts);
    const pyRate = POINTS / median(py);
    const ratio = tsRate / pyRate;
    const pass = ratio >= TARGET;
    const fmt = (x: number) => Math.round(x).toLocaleString("en-US");
    const { stdout: pyVersion } = await run(PYTHON, [
      "-c",
      "import mlflow, sys; print(mlflow.__version__, sys.version.split()[0])",
    ]);
    const [mlflowVersion, pythonVersion] = pyVersion.trim().split(" ");
    const md = [
      `Run on ${new Date(started).toISOString().slice(0, 10)}: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, mlflow ${mlflowVersion} server (1 worker, SQLite, 127.0.0.1) and Python client on Python ${pythonVersion}; load average ${load.map((x) => x.toFixed(2)).join(" ")} at the start. ${rounds} rounds per side, alternating; medians.`,
      "",
      "| Scenario | @mlgen/mlflow-client | Python MlflowClient | TS / Python | Target | Result |",
      "| --- | ---: | ---: | ---: | --- | --- |",
      `| log ${fmt(POINTS)} metric points (${KEYS} keys × ${fmt(STEPS)} steps), one call | ${median(ts).toFixed(2)} s = **${fmt(tsRate)} points/s** | ${median(py).toFixed(2)} s = **${fmt(pyRate)} points/s** | **${ratio.toFixed(2)}×** throughput | ≥ ${TARGET}× | ${pass ? "PASS" : "FAIL"} |`,
      `| read ${fmt(runs)} runs (\`searchRuns\` / \`search_runs\` pages of 1,000) | ${median(tsSearch).toFixed(2)} s | ${median(pySearch).toFixed(2)} s | ${(median(pySearch) / median(tsSearch)).toFixed(2)}× faster | — | — |`,
      "",
      `Per round, log (s, TS / Python): ${ts.map((t, i) => `${t.toFixed(2)}/${py[i]?.toFixed(2)}`).join(", ")}. Search (s, TS / Python): ${tsSearch.map((t, i) => `${t.toFixed(2)}/${pySearch[i]?.toFixed(2)}`).join(", ")}.`,
    ].join("\n");
    process.stdout.write(`${md}\n`);
    log(
      `${pass ? "PASS" : "FAIL"}: TS logs ${ratio.toFixed(2)}× Python's points per second (target ≥ ${TARGET}×)`,
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
  } finally {
    await server.stop();
  }
}

await main();
