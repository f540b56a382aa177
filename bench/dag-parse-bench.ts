/**
 * DAG parse benchmark: how long real Airflow takes to parse (fill a DagBag with) the production
 * pipeline's DAG file that mlgen generates, against the same pipeline written by hand (classic
 * operators, and TaskFlow) and the same pipeline loaded by dag-factory from YAML, all measured in
 * the same run by the same Python process tree (bench/peers/parse_driver.py).
 *
 *   node_modules/.bin/tsx bench/dag-parse-bench.ts            print the results as Markdown
 *   node_modules/.bin/tsx bench/dag-parse-bench.ts --write    also replace the parse section of
 *                                                             bench/README.md (parse markers only)
 *
 * Options: --samples N (measured parses per variant and mode, after 3 warm-ups; default 30), --no-pyc (PYTHONDONTWRITEBYTECODE=1: every parse compiles the DAG file; its
 * own README block), --strict (exit 1 when a target fails; by default targets are only reported).
 * Progress goes to stderr, the Markdown to stdout. The generated DAG file is copied fresh from
 * examples/production-pipeline/dags at every run, never committed here.
 */

import { spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { airflowEnv, ensureEngines, PYTHON, ROOT, tempDir } from "../test/engines/harness.js";

const README = resolve(import.meta.dirname, "README.md");
const PEERS = resolve(import.meta.dirname, "peers");
const EXAMPLE = join(ROOT, "examples", "production-pipeline");
const GENERATED_FILE = join(EXAMPLE, "dags", "production_pipeline.py");
const MARKERS = {
  pyc: ["<!-- parse-results:start -->", "<!-- parse-results:end -->"],
  nopyc: ["<!-- parse-results-nopyc:start -->", "<!-- parse-results-nopyc:end -->"],
} as const;
/** generated ≤ 1.1 × hand-written; generated < dag-factory. */
const TARGET_HANDWRITTEN = 1.1;
const TARGET_DAGFACTORY = 1;
/** Parses per variant and mode that are run first and dropped. */
const WARMUP = 3;

const log = (s: string) => process.stderr.write(`dag-parse-bench: ${s}\n`);

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The four variants, each in its own fresh folder (a deployable dags folder: the tasks/ modules
// beside the DAG file, though no variant imports them at parse time).

type VariantName = "generated" | "classic" | "taskflow" | "dagfactory";

interface Variant {
  name: VariantName;
  label: string;
  dagId: string;
  /** Files copied into the variant's folder: [source, name in the folder]. */
  files: [string, string][];
  /** The file Airflow parses. */
  entry: string;
}

const VARIANTS: Variant[] = [
  {
    name: "generated",
    label: "mlgen (generated)",
    dagId: "production_pipeline",
    files: [[GENERATED_FILE, "production_pipeline.py"]],
    entry: "production_pipeline.py",
  },
  {
    name: "classic",
    label: "hand-written, classic operators",
    dagId: "production_pipeline_handwritten_classic",
    files: [
      [join(PEERS, "production_handwritten_classic.py"), "production_handwritten_classic.py"],
    ],
    entry: "production_handwritten_classic.py",
  },
  {
    name: "taskflow",
    label: "hand-written, TaskFlow",
    dagId: "production_pipeline_handwritten",
    files: [[join(PEERS, "production_handwritten.py"), "production_handwritten.py"]],
    entry: "production_handwritten.py",
  },
  {
    name: "dagfactory",
    label: "dag-factory (YAML)",
    dagId: "production_pipeline_dagfactory",
    files: [
      [join(PEERS, "production_dagfactory.py"), "production_dagfactory.py"],
      [join(PEERS, "production_dagfactory.yml"), "production_dagfactory.yml"],
      [join(PEERS, "production_callables.py"), "production_callables.py"],
    ],
    entry: "production_dagfactory.py",
  },
];

function prepare(work: string): Record<VariantName, string> {
  const entries = {} as Record<VariantName, string>;
  for (const v of VARIANTS) {
    const dir = join(work, v.name);
    mkdirSync(dir, { recursive: true });
    for (const [src, name] of v.files) {
      if (!existsSync(src)) throw new Error(`missing ${src}`);
      cpSync(src, join(dir, name));
    }
    cpSync(join(EXAMPLE, "tasks"), join(dir, "tasks"), { recursive: true });
    entries[v.name] = join(dir, v.entry);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The driver's answer.

interface Sample {
  wall_ms: number;
  cpu_ms: number;
  dags: Record<string, number>;
  errors: Record<string, string>;
  warnings: number;
}

interface InspectedTask {
  operator: string;
  upstream: string[];
  [key: string]: unknown;
}

interface InspectedDag {
  tags: string[];
  tasks: Record<string, InspectedTask>;
  [key: string]: unknown;
}

interface DriverResult {
  airflow_version: string;
  dag_factory_version: string;
  python_version: string;
  import_airflow_ms: number;
  inspect: Record<
    VariantName,
    { import_errors: Record<string, string>; dags: Record<string, InspectedDag> }
  >;
  variants: Record<VariantName, { pre_import_ms: number[]; forked: Sample[]; inproc: Sample[] }>;
}

function runDriver(config: object, work: string, noPyc: boolean): Promise<DriverResult> {
  const configFile = join(work, "config.json");
  const outFile = join(work, "result.json");
  writeFileSync(configFile, JSON.stringify(config, null, 1));
  const env: NodeJS.ProcessEnv = airflowEnv(join(work, "home"), join(work, "empty"), {
    AIRFLOW__LOGGING__LOGGING_LEVEL: "WARNING",
    // dag-factory would otherwise send a usage ping to scarf.sh while the DAG is parsed.
    AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY: "False",
    DO_NOT_TRACK: "True",
    SCARF_NO_ANALYTICS: "True",
    PYTHONHASHSEED: "0",
  });
  // dag-factory expands $VARS over the whole YAML; the loader sets CONFIG_ROOT_DIR itself.
  for (const k of ["CONFIG_ROOT_DIR", "MODEL_TYPE", "ACCURACY", "PYTHONDONTWRITEBYTECODE"]) {
    delete env[k];
  }
  if (noPyc) env.PYTHONDONTWRITEBYTECODE = "1";
  return new Promise((resolvePromise, reject) => {
    const child = spawn(PYTHON, [join(PEERS, "parse_driver.py"), configFile, outFile], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let tail = "";
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString("utf8")).slice(-8000);
    };
    child.stdout.on("data", keep);
    let pending = "";
    child.stderr.on("data", (chunk: Buffer) => {
      keep(chunk);
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("parse_driver:")) log(line.slice(14));
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`parse_driver.py exited with ${code}; output tail:\n${tail}`));
        return;
      }
      resolvePromise(JSON.parse(readFileSync(outFile, "utf8")) as DriverResult);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Checks: every variant is the same pipeline, and every parse produced it without errors.

function normalizeOperator(name: string): string {
  // TaskFlow's @task / @task.branch build these private subclasses of the classic operators.
  const m = /^_(\w+)DecoratedOperator$/.exec(name);
  return m ? `${m[1]}Operator` : name;
}

function sameStructure(result: DriverResult): string[] {
  const problems: string[] = [];
  const dagOf = (v: Variant): InspectedDag | undefined => {
    const got = result.inspect[v.name];
    for (const [file, err] of Object.entries(got.import_errors)) {
      problems.push(`${v.label}: import error in ${file}: ${err.split("\n").slice(-3).join(" ")}`);
    }
    const ids = Object.keys(got.dags);
    if (ids.length !== 1 || ids[0] !== v.dagId) {
      problems.push(`${v.label}: expected exactly the DAG ${v.dagId}, got [${ids.join(", ")}]`);
    }
    return got.dags[v.dagId];
  };
  const [reference, ...peers] = VARIANTS as [Variant, ...Variant[]];
  const ref = dagOf(reference);
  if (!ref) return problems;
  for (const v of peers) {
    const dag = dagOf(v);
    if (!dag) continue;
    const refIds = Object.keys(ref.tasks).sort();
    const ids = Object.keys(dag.tasks).sort();
    if (JSON.stringify(refIds) !== JSON.stringify(ids)) {
      problems.push(`${v.label}: task ids differ: [${ids.join(", ")}] vs [${refIds.join(", ")}]`);
      continue;
    }
    for (const id of refIds) {
      const a = ref.tasks[id] as InspectedTask;
      const b = dag.tasks[id] as InspectedTask;
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        let x = a[key];
        let y = b[key];
        if (key === "operator") {
          x = normalizeOperator(String(x));
          y = normalizeOperator(String(y));
        }
        if (JSON.stringify(x) !== JSON.stringify(y)) {
          problems.push(
            `${v.label}: task ${id}: ${key} is ${JSON.stringify(y)}, generated has ${JSON.stringify(x)}`,
          );
        }
      }
    }
    for (const key of new Set([...Object.keys(ref), ...Object.keys(dag)])) {
      if (key === "tasks") continue;
      let x = ref[key];
      let y = dag[key];
      // dag-factory always adds the tag "dagfactory" (documented in bench/README.md).
      if (key === "tags" && v.name === "dagfactory") {
        y = (y as string[]).filter((t) => t !== "dagfactory");
      }
      x = JSON.stringify(x);
      y = JSON.stringify(y);
      if (x !== y) problems.push(`${v.label}: DAG ${key} is ${y}, generated has ${x}`);
    }
  }
  return problems;
}

function sampleProblems(result: DriverResult): string[] {
  const problems: string[] = [];
  for (const v of VARIANTS) {
    const got = result.variants[v.name];
    for (const [mode, samples] of [
      ["forked", got.forked],
      ["in-process", got.inproc],
    ] as const) {
      if (samples.length === 0) problems.push(`${v.label}: no ${mode} samples`);
      for (const s of samples) {
        const errors = Object.entries(s.errors);
        const dags = JSON.stringify(s.dags);
        if (errors.length > 0 || dags !== JSON.stringify({ [v.dagId]: 12 })) {
          problems.push(
            `${v.label} (${mode}): a parse gave DAGs ${dags} and errors ${JSON.stringify(errors).slice(0, 1500)}`,
          );
          break;
        }
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Statistics and Markdown.

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}
/** Nearest-rank percentile. */
function pct(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
/** Three decimals, so that a ratio just above a target never prints as the target itself. */
const ratio = (x: number) => x.toFixed(3);

interface Stats {
  n: number;
  median: number;
  p90: number;
  min: number;
  cpu: number;
}
function stats(samples: readonly Sample[]): Stats {
  const wall = samples.map((s) => s.wall_ms);
  return {
    n: samples.length,
    median: median(wall),
    p90: pct(wall, 90),
    min: Math.min(...wall),
    cpu: median(samples.map((s) => s.cpu_ms)),
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism(),
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    memGb: (os.totalmem() / 1024 ** 3).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    load: () =>
      os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" "),
  };
}

function generatedHeader(): string {
  const hash = /# IR sha256: ([0-9a-f]{12})/.exec(readFileSync(GENERATED_FILE, "utf8"))?.[1];
  return hash ? `IR sha256 ${hash}…` : "no IR hash found";
}

async function main() {
  const write = process.argv.includes("--write");
  const strict = process.argv.includes("--strict");
  const noPyc = process.argv.includes("--no-pyc");
  const samples = argValue("--samples", 30);
  const m = machine();
  const loadBefore = m.load();
  const started = Date.now();

  ensureEngines();
  const work = tempDir("parse-bench");
  try {
    const entries = prepare(work);
    mkdirSync(join(work, "empty"));
    const sizes = Object.fromEntries(
      VARIANTS.map((v) => [v.name, v.files.reduce((sum, [src]) => sum + statSync(src).size, 0)]),
    ) as Record<VariantName, number>;
    log(
      `${VARIANTS.length} variants × (${WARMUP} + ${samples} forked + ${WARMUP} + ${samples} in-process parses)` +
        `${noPyc ? ", PYTHONDONTWRITEBYTECODE=1" : ""}; load average ${loadBefore}`,
    );
    const result = await runDriver(
      {
        variants: VARIANTS.map((v) => ({ name: v.name, file: entries[v.name] })),
        empty_dir: join(work, "empty"),
        inspect_module_dir: join(ROOT, "test", "python"),
        fork_warmup: WARMUP,
        fork_samples: samples,
        inproc_warmup: WARMUP,
        inproc_samples: samples,
      },
      work,
      noPyc,
    );
    const loadAfter = m.load();
    const seconds = Math.round((Date.now() - started) / 1000);

    const problems = [...sameStructure(result), ...sampleProblems(result)];
    if (problems.length > 0) {
      for (const p of problems) log(`MISMATCH  ${p}`);
      throw new Error(
        `the variants are not the same pipeline or did not parse cleanly (${problems.length} problems above); no timings reported`,
      );
    }
    log("structure check: all four variants have the same 12 task ids, upstream ids and settings");

    const st = Object.fromEntries(
      VARIANTS.map((v) => [
        v.name,
        {
          forked: stats(result.variants[v.name].forked),
          inproc: stats(result.variants[v.name].inproc),
        },
      ]),
    ) as Record<VariantName, { forked: Stats; inproc: Stats }>;
    const gen = st.generated;
    const verdicts: { what: string; mode: string; value: number; goal: string; ok: boolean }[] = [];
    for (const [mode, key] of [
      ["fork per parse (DAG processor)", "forked"],
      ["in-process, repeated", "inproc"],
    ] as const) {
      for (const peer of ["classic", "taskflow"] as const) {
        const value = gen[key].median / st[peer][key].median;
        verdicts.push({
          what: `generated ÷ ${VARIANTS.find((v) => v.name === peer)?.label}`,
          mode,
          value,
          goal: `≤ ${TARGET_HANDWRITTEN}`,
          ok: value <= TARGET_HANDWRITTEN,
        });
      }
      const value = gen[key].median / st.dagfactory[key].median;
      verdicts.push({
        what: "generated ÷ dag-factory (YAML)",
        mode,
        value,
        goal: `< ${TARGET_DAGFACTORY}`,
        ok: value < TARGET_DAGFACTORY,
      });
    }

    const md: string[] = [];
    md.push(
      `Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${seconds} s in all: ${m.nproc} CPUs (${m.cpu}), ${m.memGb} GB RAM, ${m.os}; ` +
        `load average ${loadBefore} before and ${loadAfter} after. Airflow ${result.airflow_version}, dag-factory ${result.dag_factory_version}, Python ${result.python_version}` +
        `${noPyc ? ", **PYTHONDONTWRITEBYTECODE=1** (no `.pyc`: every parse compiles the DAG file)" : " (bytecode cached in `__pycache__`, Python's default)"}. ` +
        `Generated file: examples/production-pipeline/dags/production_pipeline.py (${generatedHeader()}). ` +
        `Per variant ${st.generated.forked.n} forked and ${st.generated.inproc.n} in-process parses after ${WARMUP} warm-ups each, interleaved across variants. ` +
        `Importing Airflow in the driver took ${ms(result.import_airflow_ms)} ms (not counted anywhere below).`,
    );
    md.push("");
    md.push("| Target | Measured as | Ratio of medians | Goal | Result |");
    md.push("| --- | --- | ---: | --- | --- |");
    for (const t of verdicts) {
      md.push(
        `| ${t.what} | ${t.mode} | **${ratio(t.value)}** | ${t.goal} | ${t.ok ? "PASS" : "FAIL"} |`,
      );
    }
    md.push("");
    md.push(
      "DagBag fill time of the one file, in ms (wall clock around `DagBag(dag_folder=<file>)`; CPU = process CPU time of the same call, median):",
    );
    md.push("");
    md.push(
      "| Variant | Source | Fork per parse: median | p90 | min | CPU | In-process: median | p90 | min | CPU | Warnings per parse |",
    );
    md.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const v of VARIANTS) {
      const s = st[v.name];
      const warnings = result.variants[v.name].forked[0]?.warnings ?? 0;
      md.push(
        `| ${v.label} | ${(sizes[v.name] / 1024).toFixed(1)} KiB | **${ms(s.forked.median)}** | ${ms(s.forked.p90)} | ${ms(s.forked.min)} | ${ms(s.forked.cpu)} | **${ms(s.inproc.median)}** | ${ms(s.inproc.p90)} | ${ms(s.inproc.min)} | ${ms(s.inproc.cpu)} | ${warnings} |`,
      );
    }
    md.push("");
    md.push(
      `Ratios of CPU medians (less sensitive to a busy machine): generated ÷ classic ${ratio(gen.forked.cpu / st.classic.forked.cpu)} forked, ${ratio(gen.inproc.cpu / st.classic.inproc.cpu)} in-process; ` +
        `generated ÷ TaskFlow ${ratio(gen.forked.cpu / st.taskflow.forked.cpu)} / ${ratio(gen.inproc.cpu / st.taskflow.inproc.cpu)}; ` +
        `generated ÷ dag-factory ${ratio(gen.forked.cpu / st.dagfactory.forked.cpu)} / ${ratio(gen.inproc.cpu / st.dagfactory.inproc.cpu)}. ` +
        `Pre-importing the file's airflow.* modules in the variant parent, once (not counted): ${VARIANTS.map((v) => `${v.name} ${ms(median(result.variants[v.name].pre_import_ms))} ms`).join(", ")}.`,
    );
    const markdown = md.join("\n");
    process.stdout.write(`${markdown}\n`);
    for (const t of verdicts) {
      log(`${t.ok ? "PASS" : "FAIL"}  ${t.what} (${t.mode}) = ${ratio(t.value)} (goal ${t.goal})`);
    }

    if (write) {
      // Re-read right before writing: only this benchmark's block is replaced.
      const [start, end] = noPyc ? MARKERS.nopyc : MARKERS.pyc;
      const text = readFileSync(README, "utf8");
      const a = text.indexOf(start);
      const b = text.indexOf(end);
      if (a === -1 || b < a) throw new Error(`${README} has no ${start} … ${end} block to replace`);
      writeFileSync(README, `${text.slice(0, a + start.length)}\n${markdown}\n${text.slice(b)}`);
      log(`wrote the results into ${README}`);
    }
    if (strict && verdicts.some((t) => !t.ok)) process.exitCode = 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
