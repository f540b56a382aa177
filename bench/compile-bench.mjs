#!/usr/bin/env node
// Compile-time benchmark for mlgen. See bench/README.md for what is measured and why.
//
//   node bench/compile-bench.mjs            print the results as Markdown
//   node bench/compile-bench.mjs --write    also replace the results section of bench/README.md
//   options: --skip-peer (no Airflow runs), --strict (exit 1 when a target fails)
//
// Needs the built packages (`pnpm build`). Plain Node ESM, no dependencies beyond the dist files.

import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const README = join(ROOT, "bench", "README.md");
const CLI_BIN = join(ROOT, "packages", "cli", "dist", "bin.js");
const DIST = {
  dsl: join(ROOT, "packages", "dsl", "dist", "index.js"),
  compiler: join(ROOT, "packages", "compiler", "dist", "index.js"),
  core: join(ROOT, "packages", "core", "dist", "index.js"),
  view: join(ROOT, "packages", "compiler", "dist", "targets", "airflow", "view.js"),
};
const GENERATOR = join(ROOT, "bench", "generate-pipeline.mjs");
/** The peer's Python; MLGEN_BENCH_PYTHON points it at another environment with Airflow. */
const VENV_PYTHON = process.env.MLGEN_BENCH_PYTHON ?? join(ROOT, ".venv-engines", "bin", "python");
const EXAMPLES = ["iris-quickstart", "training-pipeline"];
const START = "<!-- results:start -->";
const END = "<!-- results:end -->";

/** Pipeline sizes for the in-process timings: warm-up runs, then measured runs (median). */
const SIZES = [
  { n: 10, warmup: 20, runs: 30 },
  { n: 1000, warmup: 10, runs: 20 },
  { n: 10000, warmup: 2, runs: 4 },
];
const MEMORY_N = 10000;
const PEER_N = 1000;
const RUNS = {
  example: { warmup: 1, runs: 5 },
  cli1k: { warmup: 1, runs: 3 },
  version: { warmup: 2, runs: 10 },
  nodeBaseline: { warmup: 1, runs: 10 },
  /** Python processes; each imports Airflow once and builds the DagBag PEER_PARSES times. */
  peerProcesses: 3,
  peerParses: 3,
};
const TARGETS = {
  compile1kMs: 300,
  scale10kOver1k: 12,
  peakRssMb: 300,
  versionMs: 200,
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const ms = (x) =>
  Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : "n/a";
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);
const fmtInt = (n) => n.toLocaleString("en-US");
const now = () => performance.now();

// ---------------------------------------------------------------------------------------------
// Child mode 1: in-process compile timings for one size, printed as JSON on the last line.

async function loadDist() {
  const [dsl, compiler, core, view, gen] = await Promise.all(
    [DIST.dsl, DIST.compiler, DIST.core, DIST.view, GENERATOR].map(
      (f) => import(pathToFileURL(f).href),
    ),
  );
  return { dsl, compiler, core, view, gen };
}

/** DSL evaluation + lowerPipeline + Airflow emit, each timed. Throws when compilation fails. */
function compileOnce(lib, n, modules) {
  const t0 = now();
  const def = lib.gen.buildPipeline(lib.dsl, n);
  const t1 = now();
  const lowered = lib.compiler.lowerPipeline({ ir: def.ir, sourceMap: def.sourceMap, modules });
  const t2 = now();
  if (!lowered.ok || def.problems.length > 0) {
    const first = [...def.problems, ...lowered.diagnostics][0];
    throw new Error(`the ${n}-task pipeline did not compile: ${JSON.stringify(first)}`);
  }
  const files = lib.compiler.airflowTarget.emit({
    ir: lowered.ir,
    hash: lowered.hash,
    sourceFile: "pipelines/bench.pipeline.ts",
    sourceMap: def.sourceMap,
    pythonFiles: [],
  });
  const t3 = now();
  return {
    start: t0,
    times: { dsl: t1 - t0, lower: t2 - t1, emit: t3 - t2, total: t3 - t0 },
    def,
    lowered,
    files,
  };
}

/** The passes of lowerPipeline (as compile.ts runs them) and the two halves of emit, each timed. */
function breakdownOnce(lib, n, modules) {
  const { core, compiler, view } = lib;
  const def = lib.gen.buildPipeline(lib.dsl, n);
  const ctx = { sourceMap: def.sourceMap, report: () => {} };
  const t = {};
  let mark = now();
  const step = (name, fn) => {
    const r = fn();
    const end = now();
    t[name] = end - mark;
    mark = end;
    return r;
  };
  const parsed = step("zod safeParse", () => core.pipelineSchema.safeParse(def.ir).data);
  const withDeps = step("inferDependencies", () => compiler.inferDependencies(parsed));
  step("resolveRefs", () => compiler.resolveRefs(withDeps, ctx));
  step("checkGraph", () => compiler.checkGraph(withDeps, ctx));
  step("checkModules", () => compiler.checkModules(withDeps, modules, ctx));
  const ir = step("orderTasks (incl. canonicalize)", () => compiler.orderTasks(withDeps));
  // compile.ts hashes the already-canonical IR with hashCanonicalIR where core has it.
  const hash = core.hashCanonicalIR
    ? step("hashCanonicalIR (JSON + sha256)", () => core.hashCanonicalIR(ir))
    : step("hashIR (canonicalize + JSON + sha256)", () => core.hashIR(ir));
  step("emit: dagView", () => view.dagView(ir, hash, "pipelines/bench.pipeline.ts"));
  step("emit: renderDag (dagView + template + blank-line fixup)", () =>
    compiler.renderDag({
      ir,
      hash,
      sourceFile: "pipelines/bench.pipeline.ts",
      sourceMap: {},
      pythonFiles: [],
    }),
  );
  return t;
}

// No forced GC between runs: `gc()` shrinks the young generation, and the run after it was
// about twice as slow as a steady-state run, which is not how a compile behaves.
async function childTime(n, warmup, runs, breakdownRuns) {
  const lib = await loadDist();
  const modules = lib.gen.moduleSources();
  // GC pauses inside each run, from the `gc` performance entries (delivered asynchronously).
  const gcEntries = [];
  const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  observer.observe({ entryTypes: ["gc"] });
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
  const run = async () => {
    const r = compileOnce(lib, n, modules);
    await tick();
    await tick();
    const end = r.start + r.times.total;
    const gc = gcEntries
      .filter((e) => e.startTime >= r.start && e.startTime < end)
      .reduce((a, e) => a + e.duration, 0);
    gcEntries.length = 0;
    return { ...r, times: { ...r.times, gc } };
  };
  let first = null;
  let shape = null;
  for (let i = 0; i < warmup; i++) {
    const r = await run();
    if (i === 0) {
      first = r.times;
      const edges = r.lowered.ir.tasks.reduce((a, t) => a + t.upstream.length, 0);
      const bash = r.lowered.ir.tasks.filter((t) => t.kind === "bash").length;
      shape = {
        tasks: r.lowered.ir.tasks.length,
        edges,
        bash,
        dagBytes: r.files[0].content.length,
      };
    }
  }
  const measured = [];
  for (let i = 0; i < runs; i++) {
    measured.push((await run()).times);
  }
  const breakdown = [];
  for (let i = 0; i < breakdownRuns; i++) {
    breakdown.push(breakdownOnce(lib, n, modules));
  }
  observer.disconnect();
  process.stdout.write(`${JSON.stringify({ n, first, runs: measured, shape, breakdown })}\n`);
}

// ---------------------------------------------------------------------------------------------
// Child mode 2: peak memory of one compile of MEMORY_N tasks in a fresh process.

async function childMemory(n, dagOut) {
  const gc = globalThis.gc ?? (() => {});
  const lib = await loadDist();
  const modules = lib.gen.moduleSources();
  gc();
  const base = process.memoryUsage();
  const baseMaxRss = process.resourceUsage().maxRSS * 1024;
  const samples = [];
  const sample = (phase) => samples.push({ phase, ...process.memoryUsage() });
  const t0 = now();
  const def = lib.gen.buildPipeline(lib.dsl, n);
  sample("after DSL");
  const lowered = lib.compiler.lowerPipeline({ ir: def.ir, sourceMap: def.sourceMap, modules });
  sample("after lowerPipeline");
  if (!lowered.ok) throw new Error("memory child: compile failed");
  const files = lib.compiler.airflowTarget.emit({
    ir: lowered.ir,
    hash: lowered.hash,
    sourceFile: "pipelines/bench.pipeline.ts",
    sourceMap: def.sourceMap,
    pythonFiles: [],
  });
  sample("after emit");
  const elapsed = now() - t0;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  const retained = process.memoryUsage();
  if (dagOut) writeFileSync(dagOut, files[0].content);
  process.stdout.write(
    `${JSON.stringify({
      n,
      elapsed,
      gcExposed: typeof globalThis.gc === "function",
      base: { rss: base.rss, heapUsed: base.heapUsed, maxRss: baseMaxRss },
      samples,
      peakRss,
      peakHeapUsed: Math.max(...samples.map((s) => s.heapUsed)),
      peakHeapTotal: Math.max(...samples.map((s) => s.heapTotal)),
      retainedHeapUsed: retained.heapUsed,
      kept: [def.ir.tasks.length, lowered.ir.tasks.length, files.length],
    })}\n`,
  );
}

// ---------------------------------------------------------------------------------------------
// Main process: orchestrates children and external processes, prints Markdown.

function runNode(args, { label, cwd = ROOT } = {}) {
  const r = spawnSync(process.execPath, args, {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(
      `${label ?? args.join(" ")} exited ${r.status}\n${r.stderr}\n${r.stdout}`.trim(),
    );
  }
  return r.stdout;
}

function lastJsonLine(text) {
  const lines = text.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** Wall time of a whole process, median of `runs` after `warmup` unmeasured runs. */
function timeProcess(cmd, args, { warmup, runs, cwd = ROOT, env = process.env, label }) {
  const once = () => {
    const t0 = now();
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const t = now() - t0;
    if (r.status !== 0) {
      throw new Error(`${label}: ${cmd} ${args.join(" ")} exited ${r.status}\n${r.stderr}`.trim());
    }
    return { t, stdout: r.stdout };
  };
  for (let i = 0; i < warmup; i++) once();
  const times = [];
  let stdout = "";
  for (let i = 0; i < runs; i++) {
    const r = once();
    times.push(r.t);
    stdout = r.stdout;
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), runs, stdout };
}

const PEER_SCRIPT = `
import json, sys, time
t0 = time.perf_counter()
try:
    from airflow.dag_processing.dagbag import DagBag  # Airflow 3.x
    kwargs = {}
except ImportError:  # Airflow 2.x
    from airflow.models.dagbag import DagBag
    kwargs = {"include_examples": False}
import airflow
t1 = time.perf_counter()
parses = []
bag = None
for _ in range(int(sys.argv[3])):
    s = time.perf_counter()
    bag = DagBag(dag_folder=sys.argv[1], **kwargs)
    parses.append(time.perf_counter() - s)
out = {
    "airflow": airflow.__version__,
    "python": sys.version.split()[0],
    "import_s": t1 - t0,
    "parses_s": parses,
    "dags": {k: len(v.task_dict) for k, v in bag.dags.items()},
    "import_errors": {k: str(v)[:500] for k, v in bag.import_errors.items()},
}
with open(sys.argv[2], "w") as f:
    json.dump(out, f)
`;

function measurePeer(tmp, dagFile, expectedTasks) {
  if (!existsSync(VENV_PYTHON)) {
    return {
      skipped: `the engine venv is missing (${VENV_PYTHON}); build it with \`bash test/python/setup-engines.sh\``,
    };
  }
  if (!dagFile || !existsSync(dagFile))
    return { skipped: "no generated 1,000-task DAG file to parse" };
  const folder = join(tmp, "peer-dags");
  mkdirSync(folder, { recursive: true });
  copyFileSync(dagFile, join(folder, "bench_dag.py"));
  const home = join(tmp, "airflow-home");
  mkdirSync(home, { recursive: true });
  const env = {
    ...process.env,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    AIRFLOW__CORE__DAGS_FOLDER: folder,
  };
  const processes = [];
  for (let i = 0; i < RUNS.peerProcesses; i++) {
    const out = join(tmp, `peer-${i}.json`);
    const t0 = now();
    const r = spawnSync(VENV_PYTHON, ["-c", PEER_SCRIPT, folder, out, String(RUNS.peerParses)], {
      env,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const wall = now() - t0;
    if (r.status !== 0 || !existsSync(out)) {
      return {
        skipped: `the Airflow DagBag run failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`,
      };
    }
    const data = JSON.parse(readFileSync(out, "utf8"));
    const extra = data.parses_s.slice(1).reduce((a, b) => a + b, 0) * 1000;
    processes.push({ ...data, wall, coldWall: wall - extra });
  }
  const last = processes[processes.length - 1];
  const problems = [];
  if (Object.keys(last.import_errors).length > 0) {
    problems.push(`import errors: ${JSON.stringify(last.import_errors)}`);
  }
  const counts = Object.values(last.dags);
  if (counts.length !== 1 || counts[0] !== expectedTasks) {
    problems.push(
      `expected one DAG with ${expectedTasks} tasks, DagBag saw ${JSON.stringify(last.dags)}`,
    );
  }
  return {
    airflow: last.airflow,
    python: last.python,
    importMs: median(processes.map((p) => p.import_s * 1000)),
    firstParseMs: median(processes.map((p) => p.parses_s[0] * 1000)),
    warmParseMs: median(processes.flatMap((p) => p.parses_s.slice(1).map((s) => s * 1000))),
    coldProcessMs: median(processes.map((p) => p.coldWall)),
    processes: processes.length,
    parses: RUNS.peerParses,
    problems,
  };
}

/** The memory child, under `/usr/bin/time -v` when it exists for a second max-RSS reading. */
function measureMemory() {
  const nodeArgs = ["--expose-gc", SELF, "--child-memory", String(MEMORY_N)];
  const useTime = existsSync("/usr/bin/time");
  const r = useTime
    ? spawnSync("/usr/bin/time", ["-v", process.execPath, ...nodeArgs], {
        cwd: ROOT,
        encoding: "utf8",
      })
    : spawnSync(process.execPath, nodeArgs, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`memory child exited ${r.status}\n${r.stderr}`);
  const data = lastJsonLine(r.stdout);
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? "");
  return { ...data, timeMaxRss: m ? Number(m[1]) * 1024 : null };
}

/** A throwaway project whose pipeline module builds the PEER_N-task pipeline, for `mlgen compile`. */
async function setUpCliProject(tmp) {
  const dir = join(tmp, "cli-project");
  mkdirSync(join(dir, "pipelines"), { recursive: true });
  mkdirSync(join(dir, "tasks"), { recursive: true });
  // Without "type": "module" tsx loads the .ts pipeline as CommonJS and `export default` ends up
  // under `default.default`, which mlgen does not find (MLG1010).
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ private: true, type: "module" })}\n`,
  );
  const { moduleSources } = await import(pathToFileURL(GENERATOR).href);
  for (const [path, source] of moduleSources()) writeFileSync(join(dir, path), source);
  writeFileSync(
    join(dir, "pipelines", "bench.pipeline.ts"),
    [
      `import * as dsl from ${JSON.stringify(DIST.dsl)};`,
      `import { buildPipeline } from ${JSON.stringify(GENERATOR)};`,
      "",
      `export default buildPipeline(dsl, ${PEER_N});`,
      "",
    ].join("\n"),
  );
  return dir;
}

function machine() {
  const cpus = os.cpus();
  const nproc =
    typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length;
  let version = "n/a";
  try {
    version = runNode([CLI_BIN, "--version"]).trim();
  } catch {
    // Reported as n/a; the cold `--version` timing below fails loudly if the CLI is broken.
  }
  let commit = "unknown";
  const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  if (head.status === 0) {
    const dirty = spawnSync("git", ["status", "--porcelain", "--", "packages", "templates"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    commit = `${head.stdout.trim()}${dirty.stdout?.trim() ? " + uncommitted changes" : ""}`;
  }
  return {
    commit,
    nproc,
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" "),
    node: process.version,
    mlgen: version,
  };
}

function pass(ok) {
  return ok === null ? "SKIP" : ok ? "PASS" : "FAIL";
}

async function main() {
  const args = new Set(process.argv.slice(2));
  const write = args.has("--write");
  const skipPeer = args.has("--skip-peer");
  const strict = args.has("--strict");
  const missing = [...Object.values(DIST), CLI_BIN].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    console.error(
      `bench: built files are missing (${missing.join(", ")}); run \`pnpm build\` first`,
    );
    process.exit(1);
  }
  const started = now();
  const log = (s) => process.stderr.write(`bench: ${s}\n`);
  const tmp = mkdtempSync(join(os.tmpdir(), "mlgen-bench-"));
  try {
    const info = machine();
    log(`${info.nproc} CPUs, node ${info.node}, mlgen ${info.mlgen}`);

    // 1. In-process compile timings, one fresh node child per size.
    const sizes = [];
    for (const s of SIZES) {
      log(`in-process compile, ${fmtInt(s.n)} tasks (${s.warmup} warm-up + ${s.runs} runs)`);
      const breakdownRuns = s.n >= 1000 ? Math.min(3, s.runs) : 0;
      const out = runNode(
        [
          SELF,
          "--child-time",
          String(s.n),
          String(s.warmup),
          String(s.runs),
          String(breakdownRuns),
        ],
        { label: `timing child (${s.n})` },
      );
      const r = lastJsonLine(out);
      const med = (k) => median(r.runs.map((x) => x[k]));
      const breakdown = {};
      for (const key of Object.keys(r.breakdown[0] ?? {}))
        breakdown[key] = median(r.breakdown.map((b) => b[key]));
      sizes.push({
        ...s,
        ...r.shape,
        first: r.first,
        dsl: med("dsl"),
        lower: med("lower"),
        emit: med("emit"),
        total: med("total"),
        gc: med("gc"),
        breakdown,
      });
    }

    // 2. Peak memory at MEMORY_N tasks, in a fresh process of its own.
    log(`peak memory, ${fmtInt(MEMORY_N)} tasks (separate process)`);
    const memory = measureMemory();

    // 3. Cold processes: the CLI on the examples, on a PEER_N-task pipeline, and --version.
    const cli = [];
    for (const ex of EXAMPLES) {
      log(
        `mlgen compile examples/${ex} (cold process, ${RUNS.example.warmup} warm-up + ${RUNS.example.runs} runs)`,
      );
      const r = timeProcess(
        process.execPath,
        [
          CLI_BIN,
          "compile",
          "--config",
          `examples/${ex}/mlgen.config.ts`,
          "--out",
          join(tmp, "examples-out", ex),
        ],
        { ...RUNS.example, label: `mlgen compile ${ex}` },
      );
      cli.push({ what: `\`mlgen compile\` examples/${ex}`, ...r });
    }
    const project = await setUpCliProject(tmp);
    const cliOut = join(project, "dags");
    let cli1k = null;
    log(`mlgen compile of a ${fmtInt(PEER_N)}-task pipeline (cold process)`);
    try {
      cli1k = timeProcess(
        process.execPath,
        [
          CLI_BIN,
          "compile",
          join(project, "pipelines", "bench.pipeline.ts"),
          "--root",
          project,
          "--out",
          cliOut,
        ],
        { ...RUNS.cli1k, label: `mlgen compile ${PEER_N}` },
      );
      cli.push({ what: `\`mlgen compile\` of the ${fmtInt(PEER_N)}-task pipeline`, ...cli1k });
    } catch (e) {
      log(`WARNING: ${(e.message ?? String(e)).split("\n").slice(0, 6).join("\n  ")}`);
    }
    log(
      `mlgen --version (cold process, ${RUNS.version.warmup} warm-up + ${RUNS.version.runs} runs)`,
    );
    const version = timeProcess(process.execPath, [CLI_BIN, "--version"], {
      ...RUNS.version,
      label: "mlgen --version",
    });
    cli.push({ what: "`mlgen --version`", ...version });
    const nodeBaseline = timeProcess(process.execPath, ["-e", ""], {
      ...RUNS.nodeBaseline,
      label: "node -e ''",
    });
    cli.push({ what: "`node -e ''` (Node start-up floor, for reference)", ...nodeBaseline });

    // 4. The peer: Airflow's DagBag parsing the same generated PEER_N-task DAG file.
    let dagFile = join(cliOut, `bench_${PEER_N}_tasks.py`);
    if (!existsSync(dagFile)) {
      dagFile = join(tmp, "inproc-dag.py");
      runNode(["--expose-gc", SELF, "--child-memory", String(PEER_N), dagFile], {
        label: "DAG writer",
      });
    }
    let peer;
    if (skipPeer) peer = { skipped: "--skip-peer was given" };
    else {
      log(
        `peer: Airflow DagBag parse of the ${fmtInt(PEER_N)}-task DAG (${RUNS.peerProcesses} processes × ${RUNS.peerParses} parses)`,
      );
      peer = measurePeer(tmp, dagFile, PEER_N);
    }

    // 5. Targets.
    const s1k = sizes.find((s) => s.n === 1000);
    const s10k = sizes.find((s) => s.n === 10000);
    const scale = s10k.total / s1k.total;
    const peakRss = Math.max(memory.peakRss, memory.timeMaxRss ?? 0);
    const targets = [
      [
        `${fmtInt(1000)}-task pipeline compiles (DSL + lower + emit, warm median)`,
        `< ${TARGETS.compile1kMs} ms`,
        `${ms(s1k.total)} ms`,
        s1k.total < TARGETS.compile1kMs,
      ],
      [
        `${fmtInt(10000)} tasks vs ${fmtInt(1000)} tasks`,
        `≤ ${TARGETS.scale10kOver1k}×`,
        `${scale.toFixed(1)}×`,
        scale <= TARGETS.scale10kOver1k,
      ],
      [
        `peak memory (RSS) at ${fmtInt(MEMORY_N)} tasks`,
        `< ${TARGETS.peakRssMb} MB`,
        `${mb(peakRss)} MB`,
        peakRss < TARGETS.peakRssMb * 1024 * 1024,
      ],
      [
        "`mlgen --version` cold start (median)",
        `< ${TARGETS.versionMs} ms`,
        `${ms(version.median)} ms`,
        version.median < TARGETS.versionMs,
      ],
    ];

    // 6. Markdown.
    const md = [];
    const loadEnd = os.loadavg();
    // The load at the end includes this benchmark's own processes; only the start says "busy".
    const busy = Number(info.load.split(" ")[0]) >= info.nproc / 2;
    md.push(
      `- **Run:** ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${((now() - started) / 1000).toFixed(0)} s in all; ` +
        `load average (1/5/15 min) ${info.load} at start, ${loadEnd.map((x) => x.toFixed(2)).join(" ")} at the end (this benchmark included)`,
    );
    md.push(
      `- **Machine:** ${info.nproc} CPUs (nproc; ${info.cpu}), ${info.memGb} GB RAM, ${info.os}`,
    );
    md.push(
      `- **Software:** Node ${info.node}, mlgen ${info.mlgen} (commit ${info.commit})` +
        (peer.airflow ? `, Airflow ${peer.airflow} on Python ${peer.python}` : ", Airflow not run"),
    );
    if (busy) {
      md.push("");
      md.push(
        `**Warning: the machine was busy when this run started (1-minute load average ≥ ${info.nproc / 2} on ${info.nproc} CPUs); timings are inflated and noisy.**`,
      );
    }
    md.push("");
    md.push("### Targets");
    md.push("");
    md.push("| Target | Goal | Measured | Result |");
    md.push("| --- | --- | --- | --- |");
    for (const [what, goal, got, ok] of targets)
      md.push(`| ${what} | ${goal} | ${got} | **${pass(ok)}** |`);
    md.push("");
    md.push("### In-process compile time (ms)");
    md.push("");
    md.push(
      "Median of the measured runs after the warm-up runs, in one fresh process per size. *First run* is the first compile in that process (cold JIT, template compiled on first use): what a single `mlgen compile` pays for the pipeline.",
    );
    md.push("");
    md.push(
      "| Tasks | Edges | DAG file | Runs | DSL eval | lowerPipeline | Airflow emit | **Total** | of which GC | First run |",
    );
    md.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const s of sizes) {
      md.push(
        `| ${fmtInt(s.tasks)} (${s.bash} bash) | ${fmtInt(s.edges)} | ${(s.dagBytes / 1024).toFixed(0)} KiB | ${s.warmup}+${s.runs} | ${ms(s.dsl)} | ${ms(s.lower)} | ${ms(s.emit)} | **${ms(s.total)}** | ${ms(s.gc)} | ${ms(s.first.total)} |`,
      );
    }
    md.push("");
    md.push(
      `Per task: ${sizes.map((s) => `${fmtInt(s.n)} → ${((s.total / s.n) * 1000).toFixed(0)} µs`).join(", ")}.`,
    );
    md.push("");
    const bd = sizes.filter((s) => Object.keys(s.breakdown).length > 0);
    if (bd.length > 0) {
      md.push("### Where lowering and emit time goes (ms, median of 3 separate runs)");
      md.push("");
      md.push(
        "The passes called one by one, as `lowerPipeline` (compile.ts) calls them; `renderDag` includes its own `dagView`.",
      );
      md.push("");
      md.push(`| Step | ${bd.map((s) => `${fmtInt(s.n)} tasks`).join(" | ")} |`);
      md.push(`| --- | ${bd.map(() => "---:").join(" | ")} |`);
      for (const key of Object.keys(bd[0].breakdown))
        md.push(`| ${key} | ${bd.map((s) => ms(s.breakdown[key])).join(" | ")} |`);
      md.push("");
    }
    md.push(`### Peak memory, ${fmtInt(MEMORY_N)} tasks (fresh process, one compile)`);
    md.push("");
    md.push("| Measure | MB |");
    md.push("| --- | ---: |");
    md.push(`| Peak RSS of the process (getrusage maxrss) | **${mb(memory.peakRss)}** |`);
    if (memory.timeMaxRss !== null)
      md.push(`| Peak RSS as \`/usr/bin/time -v\` reports it | ${mb(memory.timeMaxRss)} |`);
    md.push(
      `| RSS / heap used before compiling (Node + dist loaded) | ${mb(memory.base.rss)} / ${mb(memory.base.heapUsed)} |`,
    );
    for (const smp of memory.samples)
      md.push(
        `| RSS / heap used / heap total ${smp.phase} | ${mb(smp.rss)} / ${mb(smp.heapUsed)} / ${mb(smp.heapTotal)} |`,
      );
    md.push(
      `| Heap still live after a full GC (IR, source map and DAG text kept) | ${mb(memory.retainedHeapUsed)} |`,
    );
    md.push("");
    md.push("### Cold processes (ms, whole process wall time)");
    md.push("");
    md.push("| Command | Runs | Median | Min | Max |");
    md.push("| --- | ---: | ---: | ---: | ---: |");
    for (const c of cli)
      md.push(`| ${c.what} | ${c.runs} | **${ms(c.median)}** | ${ms(c.min)} | ${ms(c.max)} |`);
    md.push("");
    md.push(`### Peer: Airflow DagBag parsing the same ${fmtInt(PEER_N)}-task DAG file`);
    md.push("");
    const peerLines = [];
    if (peer.skipped) {
      peerLines.push(`**PEER SKIPPED: ${peer.skipped}.**`);
    } else {
      if (peer.problems.length)
        peerLines.push(`**WARNING: the peer run looks wrong: ${peer.problems.join("; ")}.**`, "");
      const warmRatio = s1k.total / peer.warmParseMs;
      const coldRatio = cli1k ? cli1k.median / peer.coldProcessMs : Number.NaN;
      peerLines.push("| Measure | ms |");
      peerLines.push("| --- | ---: |");
      peerLines.push(
        `| \`DagBag(dag_folder=…)\` parse, repeated in a warm process (median) | **${ms(peer.warmParseMs)}** |`,
      );
      peerLines.push(`| First DagBag parse in a process (median) | ${ms(peer.firstParseMs)} |`);
      peerLines.push(`| \`import airflow\` + DagBag class (median) | ${ms(peer.importMs)} |`);
      peerLines.push(
        `| Whole cold process: python start + import + first parse (median) | ${ms(peer.coldProcessMs)} |`,
      );
      peerLines.push("");
      peerLines.push(
        `**mlgen compile / Airflow DagBag parse of the same pipeline = ${warmRatio.toFixed(2)}** ` +
          `(${ms(s1k.total)} ms warm in-process compile ÷ ${ms(peer.warmParseMs)} ms warm DagBag parse).`,
      );
      peerLines.push("");
      peerLines.push(
        `First time in a process (cold JIT on both sides): ${(s1k.first.total / peer.firstParseMs).toFixed(2)} ` +
          `(${ms(s1k.first.total)} ms first compile ÷ ${ms(peer.firstParseMs)} ms first DagBag parse).`,
      );
      peerLines.push("");
      peerLines.push(
        `Cold processes: \`mlgen compile\` of the ${fmtInt(PEER_N)}-task pipeline ÷ \`python -c\` importing Airflow and parsing it = ` +
          `${Number.isFinite(coldRatio) ? coldRatio.toFixed(2) : "n/a"} (${cli1k ? ms(cli1k.median) : "n/a"} ms ÷ ${ms(peer.coldProcessMs)} ms).`,
      );
      peerLines.push("");
      peerLines.push(`(${peer.processes} Python processes × ${peer.parses} DagBag parses each.)`);
    }
    md.push(...peerLines);
    const markdown = md.join("\n");

    process.stdout.write(`${markdown}\n`);
    if (peer.skipped) {
      log("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
      log(`!!! PEER SKIPPED: ${peer.skipped}`);
      log("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
    }
    if (busy) log("WARNING: the machine was busy when this run started; timings are inflated");
    for (const [what, , got, ok] of targets) log(`${pass(ok)}  ${what}: ${got}`);
    if (!peer.skipped) {
      log(
        `mlgen compile / Airflow DagBag parse of the same pipeline = ${(s1k.total / peer.warmParseMs).toFixed(2)}` +
          (peer.problems.length ? " (PEER RUN LOOKS WRONG, see above)" : ""),
      );
    }

    if (write) {
      const text = readFileSync(README, "utf8");
      const a = text.indexOf(START);
      const b = text.indexOf(END);
      if (a === -1 || b === -1 || b < a) {
        console.error(`bench: ${README} has no ${START} … ${END} section; nothing written`);
        process.exitCode = 1;
      } else {
        writeFileSync(README, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
        log(`wrote the results into ${README}`);
      }
    }
    if (strict && targets.some(([, , , ok]) => ok === false)) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--child-time") {
  await childTime(Number(rest[0]), Number(rest[1]), Number(rest[2]), Number(rest[3] ?? 0));
} else if (mode === "--child-memory") {
  await childMemory(Number(rest[0]), rest[1]);
} else {
  await main();
}
