/**
 * Kubeflow compile benchmark: `mlgen compile --target kubeflow` against the kfp Python
 * compiler on the same pipelines (chains of 10, 100 and 1,000 python tasks), whole processes,
 * in the same run. See bench/README.md ("Kubeflow compile") for what is measured and why.
 *
 *   node_modules/.bin/tsx bench/kfp-bench.ts            print the results as Markdown
 *   node_modules/.bin/tsx bench/kfp-bench.ts --write    also replace the kfp results section of
 *                                                       bench/README.md (kfp markers only)
 *
 * Options: --runs N (measured runs per side and size, default 3), --warmup N (default 1),
 * --sizes 10,100,1000, --build DIR (measure the built packages of another checkout, e.g. a
 * patched copy; never written into the README), --no-pyc (kfp without cached bytecode: Python compiles kfp's modules in
 * every run), --profile (one extra `node --cpu-prof` run of mlgen on the largest size, summarized
 * by phase), --strict (exit 1 when a target fails). Progress goes to stderr, the Markdown to
 * stdout. Needs the built CLI (`pnpm build`) and the kfp venv (`bash test/python/setup-engines.sh`).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { SNAPSHOT_V8_FLAGS } from "../packages/cli/src/snapshot/build.js";

const ROOT = resolve(import.meta.dirname, "..");
const README = join(ROOT, "bench", "README.md");
const START = "<!-- kfp-results:start -->";
const END = "<!-- kfp-results:end -->";
const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    sizes: { type: "string", default: "10,100,1000" },
    build: { type: "string" },
    write: { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
    "no-pyc": { type: "boolean", default: false },
    profile: { type: "boolean", default: false },
  },
});
/** The checkout whose built packages are measured (`--build DIR`, e.g. a patched copy). */
const BUILD = resolve(flags.build ?? ROOT);
/** The command users run: bin/mlgen, which starts Node from the CLI's startup snapshot. */
const MLGEN = join(BUILD, "packages", "cli", "bin", "mlgen");
const BLOB = join(BUILD, "packages", "cli", "dist", "snapshot", `mlgen-${process.version}.blob`);
const KFP_VENV = process.env.MLGEN_KFP_VENV ?? join(ROOT, ".venv-kfp");
const KFP_PYTHON = join(KFP_VENV, "bin", "python");
const PEER = join(ROOT, "bench", "kfp-peer");
const TIME = "/usr/bin/time";
/** kfp wall time ÷ mlgen wall time, at least (the issue's targets). */
const TARGETS: Readonly<Record<number, number>> = { 10: 8, 1000: 30 };

const log = (s: string) => process.stderr.write(`kfp-bench: ${s}\n`);

function count(name: string, text: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} needs an integer ≥ ${min}`);
  return v;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const ms = (x: number) =>
  Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0)) : "n/a";
const secs = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(2)} s` : "n/a");
const mib = (kb: number) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MB` : "n/a");
const kib = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(0)} KiB`;
const int = (n: number) => n.toLocaleString("en-US");
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}×` : "n/a");

// ---------------------------------------------------------------------------------------------
// The two projects, generated per size.

/** The mlgen project: config, one pipeline module (a chain of n python tasks), one task module. */
function mlgenProject(dir: string, n: number): { config: string; out: string } {
  mkdirSync(join(dir, "pipelines"), { recursive: true });
  mkdirSync(join(dir, "tasks"), { recursive: true });
  mkdirSync(join(dir, "node_modules", "@mlgen"), { recursive: true });
  // The packages as a user's project sees them (bare `@mlgen/cli` and `@mlgen/dsl` imports).
  for (const pkg of ["cli", "dsl"])
    symlinkSync(join(BUILD, "packages", pkg), join(dir, "node_modules", "@mlgen", pkg), "dir");
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, "mlgen.config.ts"),
    [
      'import { defineConfig } from "@mlgen/cli";',
      "",
      "export default defineConfig({",
      '  pipelines: ["pipelines/*.pipeline.ts"],',
      '  target: "kubeflow",',
      "});",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "pipelines", "chain.pipeline.ts"),
    `import { pipeline } from "@mlgen/dsl";

const N = ${n};

/** A chain of N python tasks, each passing its integer output on to the next one. */
export default pipeline(
  "chain_${n}",
  { description: \`A chain of \${N} python tasks.\`, params: { seed: 1 } },
  (p) => {
    let prev = p.python("step_0", {
      fn: "tasks/chain.py:step",
      inputs: { value: p.params.seed },
      outputs: { value: "int" },
    });
    for (let i = 1; i < N; i++) {
      prev = p.python(\`step_\${i}\`, {
        fn: "tasks/chain.py:step",
        inputs: { value: prev.out.value },
        outputs: { value: "int" },
      });
    }
  },
);
`,
  );
  writeFileSync(
    join(dir, "tasks", "chain.py"),
    [
      '"""One step of the benchmark chain."""',
      "",
      "",
      "def step(value: int) -> dict:",
      '    return {"value": value + 1}',
      "",
    ].join("\n"),
  );
  return { config: join(dir, "mlgen.config.ts"), out: join(dir, "out") };
}

/** bench/kfp-peer/gen_pipeline.py with its N and OUT settings replaced. */
function kfpProject(dir: string, n: number): { script: string; out: string } {
  mkdirSync(dir, { recursive: true });
  let text = readFileSync(join(PEER, "gen_pipeline.py"), "utf8");
  const set = (marker: string, line: string) => {
    const re = new RegExp(`^.*# mlgen-bench: ${marker}$`, "m");
    if (!re.test(text)) throw new Error(`gen_pipeline.py has no '# mlgen-bench: ${marker}' line`);
    text = text.replace(re, line);
  };
  set("N", `N = ${n}`);
  set("OUT", `OUT = "chain_${n}.yaml"`);
  writeFileSync(join(dir, "gen_pipeline.py"), text);
  return { script: join(dir, "gen_pipeline.py"), out: join(dir, `chain_${n}.yaml`) };
}

// ---------------------------------------------------------------------------------------------
// Whole processes: wall time, CPU time and peak RSS.

interface Measured {
  wall: number;
  /** user + system CPU time of the process, ms. */
  cpu: number;
  maxRssKb: number;
}

const HAVE_TIME = existsSync(TIME);

/** Without /usr/bin/time: a preload that writes the child's own resource usage on exit. */
function usagePreload(tmp: string): string {
  const file = join(tmp, "usage-preload.cjs");
  writeFileSync(
    file,
    [
      'const { writeFileSync } = require("node:fs");',
      'process.on("exit", () => {',
      "  const u = process.resourceUsage();",
      "  writeFileSync(process.env.MLGEN_BENCH_USAGE, JSON.stringify({",
      "    cpu: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));",
      "});",
      "",
    ].join("\n"),
  );
  return file;
}

function runTimed(
  what: string,
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; usage?: () => { cpu: number; maxRssKb: number } },
): Measured {
  const argv = HAVE_TIME ? [TIME, ["-v", cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(argv[0] as string, argv[1] as string[], {
    cwd: opts.cwd,
    env: opts.env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(
      `${what} exited ${r.status}:\n${r.stderr.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
  if (HAVE_TIME) {
    const num = (re: RegExp) => Number(re.exec(r.stderr)?.[1] ?? Number.NaN);
    const user = num(/User time \(seconds\): ([\d.]+)/);
    const sys = num(/System time \(seconds\): ([\d.]+)/);
    return {
      wall,
      cpu: (user + sys) * 1000,
      maxRssKb: num(/Maximum resident set size \(kbytes\): (\d+)/),
    };
  }
  const u = opts.usage?.() ?? { cpu: Number.NaN, maxRssKb: Number.NaN };
  return { wall, ...u };
}

interface Side {
  runs: Measured[];
  bytes: number;
  sha: string;
  /** kfp only: phase times (import, define, compile) of each measured run, ms. */
  phases: { import: number; define: number; compile: number }[];
}

const summary = (runs: readonly Measured[]) => ({
  wall: median(runs.map((r) => r.wall)),
  min: Math.min(...runs.map((r) => r.wall)),
  max: Math.max(...runs.map((r) => r.wall)),
  cpu: median(runs.map((r) => r.cpu)),
  rss: Math.max(...runs.map((r) => r.maxRssKb)),
});

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function yamlIn(dir: string): string {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
  if (files.length !== 1)
    throw new Error(`expected one YAML file in ${dir}, found ${files.length}`);
  return join(dir, files[0] as string);
}

// ---------------------------------------------------------------------------------------------
// Profile: one `node --cpu-prof` run of mlgen, its main thread split into phases.

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Innermost matching frame wins: each sample counts once, so the phases add up to the total. */
const PHASES: readonly { name: string; match: (fn: string, url: string) => boolean }[] = [
  {
    name: "the spec's YAML (escape/yaml.ts)",
    match: (f) => f === "yamlDocuments",
  },
  {
    name: "component source per task (Handlebars `kubeflow/component.py.hbs`)",
    match: (f) => f === "renderComponent",
  },
  {
    name: "executor command per task (executors.ts `pythonCommand`)",
    match: (f) => f === "pythonCommand",
  },
  { name: "rest of `pythonComponent` (component.ts)", match: (f) => f === "pythonComponent" },
  { name: "`buildShape` (scopes.ts)", match: (f) => f === "buildShape" },
  { name: "rest of `buildPipelineSpec` (spec.ts)", match: (f) => f === "buildPipelineSpec" },
  { name: "`lowerPipeline` (zod, checks, ordering, IR hash)", match: (f) => f === "lowerPipeline" },
  {
    name: "loading the config and pipeline modules, and the pipeline body (DSL evaluation)",
    match: (f) => f === "loadConfig" || f === "loadPipelines",
  },
  {
    name: "writing the output (`planWrites`, `applyPlan`)",
    match: (f) => f === "planWrites" || f === "applyPlan",
  },
  { name: "garbage collection", match: (f) => f === "(garbage collector)" },
  {
    name: "idle (I/O)",
    match: (f) => f === "(idle)",
  },
];
const OTHER = "the rest: start-up, argument parsing, finding the files, …";

function summarizeProfile(file: string) {
  const prof = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n] as const));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOf = new Map<number, string>();
  const phase = (id: number): string => {
    const known = phaseOf.get(id);
    if (known) return known;
    const n = byId.get(id);
    const hit = n && PHASES.find((p) => p.match(n.callFrame.functionName, n.callFrame.url));
    const parentId = parent.get(id);
    const name = hit ? hit.name : parentId === undefined ? OTHER : phase(parentId);
    phaseOf.set(id, name);
    return name;
  };
  const phases = new Map<string, number>();
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = (prof.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const p = phase(id);
    phases.set(p, (phases.get(p) ?? 0) + dt);
    const f = byId.get(id)?.callFrame;
    if (f && /\/(packages|node_modules)\//.test(f.url)) {
      const where = f.url.replace(/^.*\/(packages|node_modules)\//, "$1/").replace(/\?.*$/, "");
      const key = `\`${f.functionName || "(anonymous)"}\` ${where}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + dt);
    }
  });
  return {
    total,
    phases: [...phases].sort((a, b) => b[1] - a[1]),
    self: [...self].sort((a, b) => b[1] - a[1]).slice(0, 12),
  };
}

function profileMlgen(
  tmp: string,
  n: number,
  config: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): { wall: number; main: ReturnType<typeof summarizeProfile>; workerBusy: number } {
  const dir = join(tmp, "cpu-prof");
  rmSync(dir, { recursive: true, force: true });
  const out = join(tmp, "profile-out");
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      "--cpu-prof",
      "--cpu-prof-dir",
      dir,
      ...SNAPSHOT_V8_FLAGS,
      "--snapshot-blob",
      BLOB,
      "--",
      "compile",
      "--config",
      config,
      "--target",
      "kubeflow",
      "--out",
      out,
    ],
    { cwd, env, encoding: "utf8" },
  );
  const wall = performance.now() - t0;
  if (r.status !== 0)
    throw new Error(`profiled mlgen compile (${n}) exited ${r.status}: ${r.stderr}`);
  // One profile per thread; the main thread's is the one that ran the compile.
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => summarizeProfile(join(dir, f)));
  const isMain = (p: ReturnType<typeof summarizeProfile>) =>
    p.phases.some(([name]) => name.startsWith("the spec's YAML"));
  const main = profiles.find(isMain) ?? profiles[0];
  if (!main) throw new Error("no CPU profile was written");
  const workerBusy = profiles
    .filter((p) => p !== main)
    .reduce((a, p) => a + p.total - (p.phases.find(([k]) => k.startsWith("idle"))?.[1] ?? 0), 0);
  return { wall, main, workerBusy };
}

// ---------------------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  if (BUILD !== ROOT) {
    return {
      nproc: os.availableParallelism(),
      cpu: cpus[0]?.model?.trim() ?? "unknown",
      memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      commit: `the build in ${BUILD}`,
    };
  }
  const git = (args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout;
  const head = git(["rev-parse", "--short", "HEAD"]).trim() || "unknown";
  const dirty = git(["status", "--porcelain", "--", "packages", "templates"]).trim();
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    commit: `${head}${dirty ? " + uncommitted changes" : ""}`,
  };
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

async function main(): Promise<void> {
  const runs = count("runs", flags.runs, 1);
  const warmup = count("warmup", flags.warmup, 1);
  const sizes = flags.sizes.split(",").map((s) => count("sizes", s.trim(), 1));
  const noPyc = flags["no-pyc"];
  if (!existsSync(BLOB)) throw new Error(`${BLOB} is missing: run \`npm run build\` first`);
  if (!existsSync(KFP_PYTHON)) {
    throw new Error(`${KFP_PYTHON} is missing: run \`bash test/python/setup-engines.sh\` first`);
  }
  const started = performance.now();
  const loadStart = loadavg();
  const info = machine();
  const tmp = mkdtempSync(join(os.tmpdir(), "mlgen-kfp-bench-"));
  // The children see the bench's environment without NODE_OPTIONS (tsx or a debugger's).
  const { NODE_OPTIONS: _nodeOptions, ...baseEnv } = process.env;
  const usageFile = join(tmp, "usage.json");
  const nodeEnv: NodeJS.ProcessEnv = { ...baseEnv, MLGEN_BENCH_USAGE: usageFile };
  // Bytecode: uv installs kfp without .pyc files (pip writes them at install time). By default
  // Python may cache them (in a prefix folder of our own, filled by the warm-up run); with
  // --no-pyc it compiles every module of kfp and its dependencies in every run.
  const { PYTHONDONTWRITEBYTECODE: _dontWrite, ...pyBase } = baseEnv;
  const pyEnv: NodeJS.ProcessEnv = {
    ...pyBase,
    PYTHONPYCACHEPREFIX: join(tmp, noPyc ? "no-pycache" : "pycache"),
    ...(noPyc ? { PYTHONDONTWRITEBYTECODE: "1" } : {}),
  };
  const preload = HAVE_TIME ? null : usagePreload(tmp);
  // NODE_EXTRA_CA_CERTS (set in some sandboxes and CI images) makes every Node start-up read a
  // certificate file, about 0.1 s here: mlgen runs without it, as on a developer's machine, and
  // the floors below show what it costs.
  const { NODE_EXTRA_CA_CERTS: extraCa, ...noCaEnv } = nodeEnv;
  const mlEnv: NodeJS.ProcessEnv = {
    ...noCaEnv,
    ...(preload ? { NODE_OPTIONS: `--require ${preload}` } : {}),
  };
  const readUsage = () =>
    JSON.parse(readFileSync(usageFile, "utf8")) as { cpu: number; maxRssKb: number };
  try {
    log(
      `${info.nproc} CPUs, load ${loadStart}; ${runs} runs after ${warmup} warm-up per side and size`,
    );
    const projects = sizes.map((n) => {
      const ml = mlgenProject(join(tmp, `mlgen-${n}`), n);
      const kfp = kfpProject(join(tmp, `kfp-${n}`), n);
      return { n, ml, kfp, mlDir: join(tmp, `mlgen-${n}`), kfpDir: join(tmp, `kfp-${n}`) };
    });
    const runMlgen = (p: (typeof projects)[number]): Measured => {
      rmSync(p.ml.out, { recursive: true, force: true });
      return runTimed(
        `mlgen compile (${p.n})`,
        MLGEN,
        ["compile", "--config", p.ml.config, "--target", "kubeflow", "--out", p.ml.out],
        { cwd: p.mlDir, env: mlEnv, usage: readUsage },
      );
    };
    const statsFile = join(tmp, "kfp-stats.json");
    const runKfp = (p: (typeof projects)[number]): Measured => {
      rmSync(p.kfp.out, { force: true });
      rmSync(statsFile, { force: true });
      const m = runTimed(`kfp gen_pipeline.py (${p.n})`, KFP_PYTHON, [p.kfp.script], {
        cwd: p.kfpDir,
        env: { ...pyEnv, KFP_BENCH_STATS: statsFile },
        usage: () => {
          const s = JSON.parse(readFileSync(statsFile, "utf8")) as { max_rss_kb: number };
          return { cpu: Number.NaN, maxRssKb: s.max_rss_kb };
        },
      });
      return m;
    };
    const kfpPhases = () => {
      const s = JSON.parse(readFileSync(statsFile, "utf8")) as Record<string, number>;
      return {
        import: (s.import_s ?? Number.NaN) * 1000,
        define: (s.define_s ?? Number.NaN) * 1000,
        compile: (s.compile_s ?? Number.NaN) * 1000,
      };
    };

    // 1. Warm-up runs (mlgen's cache of the user's modules bundled, Python's bytecode cache, the
    //    file-system cache); they also write the outputs that are checked before any measured run.
    const results = new Map<number, { ml: Side; kfp: Side }>();
    for (const p of projects) {
      log(`warm-up, ${int(p.n)} tasks`);
      for (let i = 0; i < warmup; i++) {
        runMlgen(p);
        runKfp(p);
      }
      const mlFile = yamlIn(p.ml.out);
      results.set(p.n, {
        ml: { runs: [], bytes: statSync(mlFile).size, sha: sha256(mlFile), phases: [] },
        kfp: { runs: [], bytes: statSync(p.kfp.out).size, sha: sha256(p.kfp.out), phases: [] },
      });
    }

    // 2. Both outputs of every size must load with kfp and be the expected chain.
    log("checking the outputs with kfp.components.load_component_from_file");
    const verifyArgs = projects.flatMap((p) => [
      String(p.n),
      yamlIn(p.ml.out),
      String(p.n),
      p.kfp.out,
    ]);
    const v = spawnSync(KFP_PYTHON, [join(PEER, "verify.py"), ...verifyArgs], {
      env: pyEnv,
      encoding: "utf8",
      maxBuffer: 16 * 1024 * 1024,
    });
    const checks = v.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { file: string; ok: boolean; tasks: number; errors: string[] });
    if (v.status !== 0 || checks.length !== verifyArgs.length / 2) {
      throw new Error(
        `the outputs did not pass the check (exit ${v.status}):\n${v.stdout}${v.stderr.trim().split("\n").slice(-5).join("\n")}`,
      );
    }
    log(`all ${checks.length} outputs load with kfp and are chains of the expected length`);

    // 3. Measured runs, interleaved (the side that goes first alternates), so a busy moment on
    //    the machine hits both sides alike.
    const changed: string[] = [];
    for (const p of projects) {
      const r = results.get(p.n);
      if (!r) continue;
      log(`measuring, ${int(p.n)} tasks (${runs} runs per side)`);
      for (let i = 0; i < runs; i++) {
        const order = i % 2 === 0 ? (["ml", "kfp"] as const) : (["kfp", "ml"] as const);
        for (const side of order) {
          if (side === "ml") r.ml.runs.push(runMlgen(p));
          else {
            r.kfp.runs.push(runKfp(p));
            r.kfp.phases.push(kfpPhases());
          }
        }
      }
      if (sha256(yamlIn(p.ml.out)) !== r.ml.sha) changed.push(`mlgen ${p.n}`);
      if (sha256(p.kfp.out) !== r.kfp.sha) changed.push(`kfp ${p.n}`);
      const ml = summary(r.ml.runs);
      const kfp = summary(r.kfp.runs);
      log(
        `  mlgen ${secs(ml.wall)}, kfp ${secs(kfp.wall)}: kfp ÷ mlgen = ${ratio(kfp.wall / ml.wall)}`,
      );
    }

    // 4. Floors: what starting each side costs before any pipeline.
    log("start-up floors");
    const floor = (what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
      const all: Measured[] = [];
      for (let i = 0; i < warmup + runs; i++) {
        const m = runTimed(what, cmd, args, {
          cwd: tmp,
          env,
          usage: () => ({ cpu: Number.NaN, maxRssKb: Number.NaN }),
        });
        if (i >= warmup) all.push(m);
      }
      return { what, ...summary(all) };
    };
    const { NODE_EXTRA_CA_CERTS: _ca, ...noCaBase } = baseEnv;
    const floors = [
      floor("`node -e ''`", process.execPath, ["-e", ""], noCaBase),
      ...(extraCa
        ? [
            floor(
              "`node -e ''` with NODE_EXTRA_CA_CERTS set, as in this environment",
              process.execPath,
              ["-e", ""],
              baseEnv,
            ),
          ]
        : []),
      floor(
        "`mlgen --version` (bin/mlgen: from the startup snapshot)",
        MLGEN,
        ["--version"],
        noCaBase,
      ),
      floor("`mlgen --version` with MLGEN_NO_SNAPSHOT=1 (the plain CLI)", MLGEN, ["--version"], {
        ...noCaBase,
        MLGEN_NO_SNAPSHOT: "1",
      }),
      floor("`python -c 'pass'` (kfp venv)", KFP_PYTHON, ["-c", "pass"], pyEnv),
      floor(
        `\`python -c 'from kfp import compiler, dsl'\`${noPyc ? " (no .pyc)" : ""}`,
        KFP_PYTHON,
        ["-c", "from kfp import compiler, dsl"],
        pyEnv,
      ),
    ];

    // 5. Optional profile of the largest size.
    let profile: ReturnType<typeof profileMlgen> | null = null;
    const largest = projects[projects.length - 1];
    if (flags.profile && largest) {
      log(`profiling mlgen compile of ${int(largest.n)} tasks (node --cpu-prof)`);
      profile = profileMlgen(tmp, largest.n, largest.ml.config, largest.mlDir, noCaBase);
    }

    // 6. Markdown.
    const loadEnd = loadavg();
    const busy = Number(loadStart.split(" ")[0]) >= info.nproc / 2;
    const kfpVersion = spawnSync(
      KFP_PYTHON,
      ["-c", "import kfp, sys; print(kfp.__version__, sys.version.split()[0])"],
      {
        env: pyEnv,
        encoding: "utf8",
      },
    )
      .stdout.trim()
      .split(" ");
    const mlVersion = spawnSync(MLGEN, ["--version"], { encoding: "utf8" }).stdout.trim();
    const md: string[] = [];
    md.push(
      `Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${((performance.now() - started) / 1000).toFixed(0)} s in all: ` +
        `${info.nproc} CPUs (${info.cpu}), ${info.memGb} GB RAM, ${info.os}; load average ${loadStart} before and ${loadEnd} after. ` +
        `Node ${process.version}, mlgen ${mlVersion} (commit ${info.commit}) run as \`bin/mlgen\`, from its startup snapshot` +
        `${extraCa ? ", without the environment's NODE_EXTRA_CA_CERTS" : ""}; kfp ${kfpVersion[0] ?? "?"} on Python ${kfpVersion[1] ?? "?"}` +
        `${noPyc ? ", **without cached bytecode** (`--no-pyc`)" : ", bytecode cached"}. ` +
        `Median of ${runs} measured runs per side and size after ${warmup} warm-up, interleaved; peak RSS is the largest of the measured runs` +
        `${HAVE_TIME ? " (`/usr/bin/time -v`)" : " (the processes' own getrusage)"}. ` +
        `All ${checks.length} outputs were checked with \`kfp.components.load_component_from_file\` and are chains of the expected length.`,
    );
    if (busy) {
      md.push("");
      md.push(
        `**Warning: the machine was busy (1-minute load average ${loadStart.split(" ")[0]} on ${info.nproc} CPUs at the start); wall times are inflated and noisy, the CPU-time ratio is the steadier one.**`,
      );
    }
    if (changed.length) {
      md.push("");
      md.push(`**Warning: the output changed between runs for ${changed.join(", ")}.**`);
    }
    md.push("");
    md.push(
      "| Tasks | mlgen | kfp | **kfp ÷ mlgen** | Target | Result | CPU: mlgen | CPU: kfp | CPU ratio |",
    );
    md.push("| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
    const verdicts: { n: number; got: number; goal: number; ok: boolean }[] = [];
    for (const p of projects) {
      const r = results.get(p.n);
      if (!r) continue;
      const ml = summary(r.ml.runs);
      const kfp = summary(r.kfp.runs);
      const x = kfp.wall / ml.wall;
      const goal = TARGETS[p.n];
      const ok = goal === undefined ? null : x >= goal;
      if (goal !== undefined) verdicts.push({ n: p.n, got: x, goal, ok: x >= goal });
      md.push(
        `| ${int(p.n)} | ${secs(ml.wall)} | ${secs(kfp.wall)} | **${ratio(x)}** | ${goal === undefined ? "–" : `≥ ${goal}×`} | ${ok === null ? "–" : ok ? "PASS" : "**FAIL**"} | ${secs(ml.cpu)} | ${secs(kfp.cpu)} | ${ratio(kfp.cpu / ml.cpu)} |`,
      );
    }
    md.push("");
    md.push("Spread, memory and output, per size:");
    md.push("");
    md.push(
      "| Tasks | mlgen min–max | kfp min–max | mlgen peak RSS | kfp peak RSS | mlgen YAML | kfp YAML | kfp: import / define / compile |",
    );
    md.push("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const p of projects) {
      const r = results.get(p.n);
      if (!r) continue;
      const ml = summary(r.ml.runs);
      const kfp = summary(r.kfp.runs);
      const ph = (k: "import" | "define" | "compile") => ms(median(r.kfp.phases.map((x) => x[k])));
      md.push(
        `| ${int(p.n)} | ${secs(ml.min)}–${secs(ml.max)} | ${secs(kfp.min)}–${secs(kfp.max)} | ${mib(ml.rss)} | ${mib(kfp.rss)} | ${kib(r.ml.bytes)} | ${kib(r.kfp.bytes)} | ${ph("import")} / ${ph("define")} / ${ph("compile")} ms |`,
      );
    }
    md.push("");
    md.push("Start-up floors (whole processes, median wall and CPU time):");
    md.push("");
    md.push("| Command | Wall | CPU |");
    md.push("| --- | ---: | ---: |");
    for (const f of floors) md.push(`| ${f.what} | ${ms(f.wall)} ms | ${ms(f.cpu)} ms |`);
    if (profile) {
      md.push("");
      md.push(
        `Where one \`mlgen compile\` of ${int(largest?.n ?? 0)} tasks spends its main thread (\`node --cpu-prof\`, one run, ${secs(profile.wall)} wall with the profiler; ` +
          `${ms(profile.main.total)} ms of samples; other threads were busy another ${ms(profile.workerBusy)} ms):`,
      );
      md.push("");
      md.push("| Phase | ms | share |");
      md.push("| --- | ---: | ---: |");
      for (const [name, t] of profile.main.phases)
        md.push(`| ${name} | ${ms(t)} | ${((t / profile.main.total) * 100).toFixed(0)} % |`);
      md.push("");
      md.push("Top self time in mlgen's packages and dependencies:");
      md.push("");
      md.push("| Function | ms |");
      md.push("| --- | ---: |");
      for (const [name, t] of profile.main.self) md.push(`| ${name} | ${ms(t)} |`);
    }
    const markdown = md.join("\n");
    process.stdout.write(`${markdown}\n`);
    if (busy) log("WARNING: the machine was busy when this run started; timings are inflated");
    for (const v of verdicts)
      log(
        `${v.ok ? "PASS" : "FAIL"}  ${int(v.n)} tasks: kfp ÷ mlgen = ${ratio(v.got)} (target ≥ ${v.goal}×)`,
      );

    if (flags.write && BUILD !== ROOT) {
      log("--build given: not writing another build's numbers into the README");
    } else if (flags.write) {
      const text = readFileSync(README, "utf8");
      const a = text.indexOf(START);
      const b = text.indexOf(END);
      if (a === -1 || b === -1 || b < a) {
        log(`${README} has no ${START} … ${END} section; nothing written`);
        process.exitCode = 1;
      } else {
        writeFileSync(README, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
        log(`wrote the results into ${README}`);
      }
    }
    if (flags.strict && verdicts.some((v) => !v.ok)) process.exitCode = 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
