/**
 * Lint benchmark: how fast `mlgen lint` checks hand-written Airflow DAG files, in process and as
 * the whole `mlgen lint` command, and how long one file takes from a cold process (what a
 * pre-commit hook pays), against ruff's Airflow rules (`ruff check --select AIR`) on the same files,
 * all in the same run.
 *
 *   npm run bench:lint                                   print the results as Markdown
 *   node_modules/.bin/tsx bench/lint-bench.ts --write    also replace the lint section of
 *                                                        bench/README.md (lint markers only)
 *
 * Options: --files N (DAG files to generate, default 1,000), --cold N (cold single-file runs,
 * default 15), --rounds N (in-process passes and whole-folder process runs, default 5), --strict
 * (exit 1 when a target fails; by default targets are only reported), --keep (leave the corpus in
 * its temporary folder and print where), --build DIR (measure the `packages/cli/dist` and
 * `packages/lint/dist` under DIR instead of this repository's, e.g. a build of an older commit,
 * for a before/after comparison in the same conditions; never written to the README).
 * Progress and the PASS/FAIL lines go to stderr, the Markdown to stdout. It measures the built
 * CLI and linter: run `npm run build` first. ruff comes from the engine venv
 * (`.venv-engines/bin/ruff`, pinned in test/python/requirements.lock); without it the ruff rows
 * are skipped with a loud message.
 */

import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");
const README = join(ROOT, "bench", "README.md");
const BUILD = resolve(argString("--build") ?? ROOT);
const BIN = join(BUILD, "packages", "cli", "dist", "bin.js");
/** The command users (and the pre-commit hook) run: it starts from the CLI's startup snapshot. */
const MLGEN = join(BUILD, "packages", "cli", "bin", "mlgen");
const LINT_DIST = join(BUILD, "packages", "lint", "dist", "index.js");
const RUFF = join(process.env.MLGEN_ENGINE_VENV ?? join(ROOT, ".venv-engines"), "bin", "ruff");
const MARKERS = ["<!-- lint-results:start -->", "<!-- lint-results:end -->"] as const;
const TARGET_FILES_PER_S = 1000;
const TARGET_COLD_MS = 300;

const log = (s: string) => process.stderr.write(`lint-bench: ${s}\n`);

function argString(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i === -1) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The corpus: DAG files of the shapes teams write, generated from a fixed seed, so every run
// lints the same bytes. About one file in four carries a defect that a rule reports.

/** mulberry32: small, fast and the same on every platform. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof prng>;

const DOMAINS = [
  "orders",
  "users",
  "events",
  "payments",
  "sessions",
  "inventory",
  "clicks",
  "churn",
  "fraud",
  "ranking",
  "forecast",
  "recsys",
] as const;
const TABLES = ["customers", "orders", "items", "refunds", "visits", "devices", "stores"] as const;
const MODELS = ["logreg", "xgboost", "lightgbm", "random_forest", "mlp"] as const;
const SCHEDULES = ['"@daily"', '"@hourly"', '"0 3 * * *"', '"@weekly"', "None"] as const;

const AF3_IMPORTS = `from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup, Variable, chain, dag, task
`;

const AF2_IMPORTS = `from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.dummy import DummyOperator
from airflow.operators.python import PythonOperator
from airflow.sensors.filesystem import FileSensor
from airflow.utils.task_group import TaskGroup
`;

function defaultArgs(r: Rng): string {
  const lines = ['    "owner": "data-platform",'];
  if (!r.chance(0.1)) lines.push(`    "retries": ${r.int(1, 4)},`);
  lines.push(`    "retry_delay": timedelta(minutes=${r.int(1, 15)}),`);
  if (!r.chance(0.1)) lines.push(`    "execution_timeout": timedelta(hours=${r.int(1, 6)}),`);
  if (!r.chance(0.1)) lines.push('    "on_failure_callback": notify_failure,');
  if (r.chance(0.3)) lines.push('    "depends_on_past": False,');
  return `default_args = {\n${lines.join("\n")}\n}\n`;
}

const NOTIFY = `

def notify_failure(context):
    ti = context["task_instance"]
    print(f"task {ti.task_id} failed in {ti.dag_id}, try {ti.try_number}")

`;

function startDate(r: Rng, af2: boolean): string {
  if (r.chance(0.04)) return af2 ? "datetime.now() - timedelta(days=1)" : "pendulum.now()";
  return af2
    ? `datetime(2024, ${r.int(1, 12)}, ${r.int(1, 28)})`
    : `pendulum.datetime(2025, ${r.int(1, 12)}, ${r.int(1, 28)}, tz="UTC")`;
}

function dataPath(r: Rng, domain: string): string {
  if (r.chance(0.05)) return `"/home/airflow/data/${domain}/raw.csv"`;
  if (r.chance(0.4)) return `Variable.get("${domain}_raw_path")`;
  return `"s3://lake/${domain}/raw/{{ ds }}.parquet"`;
}

/** Classic operators: callables that push and pull, Jinja pulls in bash, a group per table. */
function classicFile(r: Rng, i: number, af2: boolean): string {
  const domain = r.pick(DOMAINS);
  const dagId = `${domain}_etl_${i}`;
  const tables = TABLES.slice(0, r.int(2, TABLES.length));
  const out: string[] = [af2 ? AF2_IMPORTS : AF3_IMPORTS, NOTIFY, defaultArgs(r)];
  if (r.chance(0.05)) out.push('\nBATCH_SIZE = Variable.get("batch_size", default_var=500)\n');
  out.push(`
def extract(ti, **context):
    import csv

    path = ${dataPath(r, domain)}
    with open(path) as f:
        rows = list(csv.reader(f))
    ti.xcom_push(key="row_count", value=len(rows))
    ti.xcom_push(key="data_path", value=path)
    return path


def check_rows(ti):
    rows = ti.xcom_pull(task_ids="extract", key="${r.chance(0.05) ? "rowcount" : "row_count"}")
    if rows is None or rows < ${r.int(10, 500)}:
        raise ValueError(f"too few rows: {rows}")
    return "load_all" if rows > ${r.int(1000, 9000)} else "load_sample"


def load(ti, table):
    path = ti.xcom_pull(task_ids="extract", key="data_path")
    print(f"loading {table} from {path}")
    ti.xcom_push(key="table_name", value=table)
`);
  const schedule = r.pick(SCHEDULES);
  const sched = af2 && r.chance(0.7) ? `schedule_interval=${schedule}` : `schedule=${schedule}`;
  out.push(`

with DAG(
    dag_id="${dagId}",
    ${sched},
    start_date=${startDate(r, af2)},
    default_args=default_args,
    catchup=False,
    tags=["${domain}", "etl"],
) as dag:
`);
  const empty = af2 ? "DummyOperator" : "EmptyOperator";
  const poke = r.chance(0.1);
  out.push(`    start = ${empty}(task_id="start")
    wait = FileSensor(
        task_id="wait_for_${domain}",
        filepath="incoming/${domain}/{{ ds }}.done",
        mode="${poke ? "poke" : "reschedule"}",
        poke_interval=${r.pick([60, 120, 300])},
        timeout=timedelta(hours=${r.int(2, 12)}),
    )
    extract_task = PythonOperator(task_id="extract", python_callable=extract)
    branch = BranchPythonOperator(task_id="check_rows", python_callable=check_rows)
    load_all = ${empty}(task_id="load_all")
    load_sample = ${empty}(task_id="load_sample")
    start >> wait >> extract_task >> branch >> [load_all, load_sample]
`);
  const groups = r.int(1, 3);
  for (let g = 0; g < groups; g++) {
    const group = `${r.pick(["stage", "publish", "quality"])}_${g}`;
    out.push(`
    with TaskGroup("${group}", tooltip="${group} for ${domain}") as ${group}:
        for table in ${JSON.stringify(tables)}:
            load_table = PythonOperator(
                task_id=f"load_{table}",
                python_callable=load,
                op_kwargs={"table": table},
            )
            check = BashOperator(
                task_id=f"check_{table}",
                bash_command="dq-check --table {{ ti.xcom_pull(task_ids='${group}.load_' ~ params.t, key='table_name') }} --date {{ ds }}",
                params={"t": table},
            )
            load_table >> check
    load_all >> ${group}
`);
  }
  const reports = r.int(1, 6);
  for (let k = 0; k < reports; k++) {
    const key = r.pick(["row_count", "data_path"]);
    out.push(`    report_${k} = BashOperator(
        task_id="report_${k}",
        bash_command="echo {{ ti.xcom_pull(task_ids='extract', key='${key}') }} >> ${r.chance(0.04) ? "/tmp/report.log" : "report.log"}",
    )
    extract_task >> report_${k}
`);
  }
  return out.join("");
}

/** TaskFlow: @dag with @task functions wired by their return values, multiple outputs. */
function taskflowFile(r: Rng, i: number): string {
  const domain = r.pick(DOMAINS);
  const model = r.pick(MODELS);
  const out: string[] = [AF3_IMPORTS, NOTIFY, defaultArgs(r)];
  if (r.chance(0.05)) out.push("\nimport pandas as pd\n");
  const validate = !r.chance(0.08);
  out.push(`

@dag(
    dag_id="${domain}_${model}_training_${i}",
    schedule=${r.pick(SCHEDULES)},
    start_date=${startDate(r, false)},
    catchup=False,
    default_args=default_args,
    tags=["ml", "${domain}"],
)
def ${domain}_${model}_training_${i}():
    @task
    def fetch_data():
        path = Variable.get("${domain}_training_data")
        return path
`);
  if (validate) {
    out.push(`
    @task
    def validate_data(path):
        import pandas as pd

        frame = pd.read_parquet(path)
        if frame.empty:
            raise ValueError("no rows")
        return path
`);
  }
  const steps = r.int(1, 4);
  for (let s = 0; s < steps; s++) {
    out.push(`
    @task
    def featurize_${s}(path):
        from features import build_features

        return build_features(path, step=${s})
`);
  }
  out.push(`
    @task(multiple_outputs=True)
    def train_model(features):
        from sklearn.ensemble import RandomForestClassifier

        model = RandomForestClassifier(n_estimators=${r.int(50, 500)})
        return {"model_uri": f"models:/${domain}/{features}", "accuracy": 0.9}

    @task
    def evaluate(ti=None):
        accuracy = ti.xcom_pull(task_ids="train_model", key="${r.chance(0.05) ? "acc" : "accuracy"}")
        if accuracy < ${r.pick([0.7, 0.8, 0.85])}:
            raise ValueError("model too weak")
        return accuracy

    @task.branch
    def choose(accuracy):
        return "deploy" if accuracy > 0.9 else "retrain"

    deploy = BashOperator(
        task_id="deploy",
        bash_command="deploy-model {{ ti.xcom_pull(task_ids='train_model', key='model_uri') }}",
    )
    retrain = EmptyOperator(task_id="retrain")

    data = fetch_data()
`);
  let prev = validate ? "validate_data(data)" : "data";
  for (let s = 0; s < steps; s++) {
    out.push(`    step_${s} = featurize_${s}(${prev})\n`);
    prev = `step_${s}`;
  }
  out.push(`    trained = train_model(${prev})
    score = evaluate()
    trained >> score
    choose(score) >> [deploy, retrain]


${domain}_${model}_training_${i}()
`);
  return out.join("");
}

/** Loops over models and partitions, nested groups, chain() and cross-group edges. */
function fanoutFile(r: Rng, i: number): string {
  const domain = r.pick(DOMAINS);
  const models = MODELS.slice(0, r.int(2, MODELS.length));
  const parts = r.int(2, 8);
  const out: string[] = [AF3_IMPORTS, NOTIFY, defaultArgs(r)];
  out.push(`
MODELS = ${JSON.stringify(models)}
PARTITIONS = [f"part_{n:02d}" for n in range(${parts})]


def train_one(ti, model_name, partition):
    data = ti.xcom_pull(task_ids=f"prepare.split_{partition}", key="data_path")
    print(f"training {model_name} on {data}")
    return {"model_uri": f"models:/${domain}_{model_name}/{partition}", "score": 0.5}


def split(ti, partition):
    ti.xcom_push(key="data_path", value=f"s3://lake/${domain}/{partition}")


def pick_best(ti):
    scores = ti.xcom_pull(task_ids=[f"train.{m}.fit_{p}" for m in MODELS for p in PARTITIONS])
    return max(scores, key=lambda s: s["score"]) if scores else None


with DAG(
    "${domain}_fanout_${i}",
    schedule=${r.pick(SCHEDULES)},
    start_date=${startDate(r, false)},
    default_args=default_args,
    catchup=False,
    max_active_runs=${r.int(1, 3)},
):
    begin = EmptyOperator(task_id="begin")
    with TaskGroup("prepare") as prepare:
        for partition in PARTITIONS:
            PythonOperator(
                task_id=f"split_{partition}",
                python_callable=split,
                op_kwargs={"partition": partition},
            )
    with TaskGroup("train") as train:
        for model_name in MODELS:
            with TaskGroup(model_name):
                for partition in PARTITIONS:
                    PythonOperator(
                        task_id=f"fit_{partition}",
                        python_callable=train_one,
                        op_kwargs={"model_name": model_name, "partition": partition},
                        retries=${r.int(0, 3)},
                    )
    best = PythonOperator(task_id="pick_best", python_callable=pick_best)
    publish = BashOperator(
        task_id="publish",
        bash_command="publish {{ ti.xcom_pull(task_ids='pick_best') }}",
        env={"TARGET": "${r.chance(0.05) ? "/mnt/models/out" : "s3://models/out"}"},
    )
    chain(begin, prepare, train, best, publish)
`);
  const extra = r.int(0, 6);
  for (let k = 0; k < extra; k++) {
    out.push(`    audit_${k} = BashOperator(task_id="audit_${k}", bash_command="audit --step ${k} --run {{ run_id }}")
    publish >> audit_${k}
`);
  }
  return out.join("");
}

function corpusFile(r: Rng, i: number): string {
  const x = r.next();
  if (x < 0.35) return classicFile(r, i, false);
  if (x < 0.45) return classicFile(r, i, true);
  if (x < 0.75) return taskflowFile(r, i);
  return fanoutFile(r, i);
}

function generateCorpus(dir: string, count: number): string[] {
  const r = prng(20261128);
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `team_${String(i % 10).padStart(2, "0")}`);
    mkdirSync(sub, { recursive: true });
    const file = join(sub, `dag_${String(i).padStart(4, "0")}.py`);
    writeFileSync(file, corpusFile(r, i));
    files.push(file);
  }
  return files.sort();
}

// ---------------------------------------------------------------------------------------------
// Measurements.

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
function median(xs: readonly number[]): number {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const rate = (files: number, millis: number) =>
  Math.round((files * 1000) / millis).toLocaleString("en-US");

interface ProcessRun {
  wall: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

function timeProcess(cmd: string, args: string[], cwd: string, env = process.env): ProcessRun {
  const t = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const wall = performance.now() - t;
  if (r.error) throw r.error;
  return { wall, status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  what: string;
  runs: number;
  median: number;
  min: number;
  max: number;
  files: number;
}

interface ProcessSpec {
  what: string;
  files: number;
  once: () => ProcessRun;
  check: (r: ProcessRun) => void;
}

/**
 * Runs each command once as a warm-up (file-system cache; the output is checked), then `runs`
 * rounds in which every command runs once, so a change in the machine's load hits all alike.
 */
function processRows(runs: number, specs: readonly ProcessSpec[]): Row[] {
  for (const spec of specs) spec.check(spec.once());
  const walls = specs.map(() => [] as number[]);
  for (let k = 0; k < runs; k++) {
    specs.forEach((spec, i) => {
      const r = spec.once();
      spec.check(r);
      walls[i]?.push(r.wall);
    });
  }
  return specs.map((spec, i) => {
    const w = walls[i] ?? [];
    return {
      what: spec.what,
      runs,
      files: spec.files,
      median: median(w),
      min: Math.min(...w),
      max: Math.max(...w),
    };
  });
}

const processRow = (
  what: string,
  runs: number,
  files: number,
  once: () => ProcessRun,
  check: (r: ProcessRun) => void,
): Row => processRows(runs, [{ what, files, once, check }])[0] as Row;

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

function commit(): string {
  if (BUILD !== ROOT) return `the build in ${BUILD}`;
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  const dirty = spawnSync("git", ["status", "--porcelain", "--", "packages"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  return `${r.stdout.trim() || "unknown"}${dirty.stdout.trim() ? ", with uncommitted changes" : ""}`;
}

type LintModule = {
  lintPythonSource: (
    file: string,
    source: string,
  ) => { ruleId: string; file: string; line: number }[];
};

async function main() {
  const write = process.argv.includes("--write");
  const strict = process.argv.includes("--strict");
  const keep = process.argv.includes("--keep");
  const count = argValue("--files", 1000);
  const coldRuns = argValue("--cold", 15);
  const rounds = argValue("--rounds", 5);
  const blob = join(BUILD, "packages", "cli", "dist", "snapshot", `mlgen-${process.version}.blob`);
  for (const f of [BIN, LINT_DIST, blob]) {
    if (!existsSync(f)) throw new Error(`${relative(ROOT, f)} is missing: run npm run build first`);
  }
  const m = machine();
  const loadBefore = m.load();
  const started = Date.now();
  const work = join(os.tmpdir(), `mlgen-lint-bench-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  const corpus = join(work, "dags");
  try {
    const files = generateCorpus(corpus, count);
    const texts = files.map((f) => readFileSync(f, "utf8"));
    const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
    const lines = texts.reduce((n, t) => n + t.split("\n").length - 1, 0);
    log(`${count} DAG files, ${(bytes / 1024).toFixed(0)} KiB, ${lines} lines in ${corpus}`);

    // (a) In process: lintPythonSource over every file, the way `mlgen lint` calls it.
    const importStart = performance.now();
    const lint = (await import(pathToFileURL(LINT_DIST).href)) as LintModule;
    const importMs = performance.now() - importStart;
    const shown = files.map((f) => relative(work, f));
    const pass = () => {
      const t = performance.now();
      let findings = 0;
      const byRule: Record<string, number> = {};
      for (let k = 0; k < files.length; k++) {
        const found = lint.lintPythonSource(shown[k] as string, texts[k] as string);
        findings += found.length;
        for (const f of found) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
      }
      return { ms: performance.now() - t, findings, byRule };
    };
    const first = pass();
    const passes = Array.from({ length: rounds }, () => pass());
    const warm = median(passes.map((p) => p.ms));
    const filesWithFindings = new Set<string>();
    for (let k = 0; k < files.length; k++) {
      if (lint.lintPythonSource(shown[k] as string, texts[k] as string).length > 0) {
        filesWithFindings.add(shown[k] as string);
      }
    }
    log(
      `in process: first pass ${ms(first.ms)} ms, warm median ${ms(warm)} ms; ${first.findings} findings in ${filesWithFindings.size} files`,
    );

    // (b) The whole command over the folder, JSON output (so the findings can be compared).
    const cliEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete cliEnv.FORCE_COLOR;
    // As in a user's shell (and NODE_OPTIONS makes bin/mlgen take the plain CLI).
    delete cliEnv.NODE_OPTIONS;
    // NODE_EXTRA_CA_CERTS makes Node 20 read the certificate file at every start-up (about 0.1 s
    // here): a setting of this machine, not of mlgen, so the whole-folder and the cold rows run
    // with and without it, and each is checked against the target.
    const envs: { label: string; env: NodeJS.ProcessEnv }[] = [{ label: "", env: cliEnv }];
    if (process.env.NODE_EXTRA_CA_CERTS) {
      const typical = { ...cliEnv };
      delete typical.NODE_EXTRA_CA_CERTS;
      envs[0] = { label: "; NODE_EXTRA_CA_CERTS set, as here", env: cliEnv };
      envs.push({ label: "; NODE_EXTRA_CA_CERTS unset", env: typical });
    }
    const cliRows = processRows(
      rounds,
      envs.map(({ label, env }) => ({
        what: `\`mlgen lint dags/ --format json\` (${count} files, whole process${label})`,
        files: count,
        once: () => timeProcess(MLGEN, ["lint", "dags", "--format", "json"], work, env),
        check: (r: ProcessRun) => {
          const found = JSON.parse(r.stdout) as unknown[];
          if (found.length !== first.findings) {
            throw new Error(
              `mlgen lint printed ${found.length} findings, in process found ${first.findings}:\n${r.stderr}`,
            );
          }
        },
      })),
    );
    const cli = cliRows[0] as Row;
    log(`whole command: median ${cliRows.map((c) => `${ms(c.median)} ms`).join(" / ")}`);

    // (c) One file from a cold process: what a pre-commit hook pays for a one-file commit.
    const one = shown[Math.floor(count / 2)] as string;
    const lintStatus = (r: ProcessRun) => {
      if (r.status !== 0 && r.status !== 1) throw new Error(`mlgen lint failed:\n${r.stderr}`);
    };
    const coldRows = processRows(
      coldRuns,
      envs.flatMap(({ label, env }) => [
        {
          what: `\`mlgen lint ${one.split("/").pop()}\` (1 file, cold process${label})`,
          files: 1,
          once: () => timeProcess(MLGEN, ["lint", one], work, env),
          check: lintStatus,
        },
        {
          what: `\`mlgen --version\` (cold process${label}; for reference)`,
          files: 0,
          once: () => timeProcess(MLGEN, ["--version"], work, env),
          check: (r: ProcessRun) => {
            if (r.status !== 0) throw new Error(`mlgen --version failed:\n${r.stderr}`);
          },
        },
        {
          what: `\`mlgen lint ${one.split("/").pop()}\` with MLGEN_NO_SNAPSHOT=1 (the plain CLI${label}; for reference)`,
          files: 1,
          once: () => timeProcess(MLGEN, ["lint", one], work, { ...env, MLGEN_NO_SNAPSHOT: "1" }),
          check: lintStatus,
        },
        {
          what: `\`node -e ''\` (Node start-up floor${label}; for reference)`,
          files: 0,
          once: () => timeProcess(process.execPath, ["-e", ""], work, env),
          check: () => {},
        },
      ]),
    );
    const colds = coldRows.filter((_, i) => i % 4 === 0);
    const references = coldRows.filter((_, i) => i % 4 !== 0);
    const cold = colds[0] as Row;
    // The same file in a project with an mlgen.config.ts (its lint.rules apply to DAG files):
    // the config is TypeScript, so mlgen loads it (bundled by esbuild, cached) and validates it.
    const project = join(work, "with-config");
    mkdirSync(join(project, "node_modules", "@mlgen"), { recursive: true });
    symlinkSync(join(BUILD, "packages", "cli"), join(project, "node_modules", "@mlgen", "cli"));
    writeFileSync(join(project, "package.json"), '{ "private": true, "type": "module" }\n');
    writeFileSync(
      join(project, "mlgen.config.ts"),
      'import { defineConfig } from "@mlgen/cli";\n\nexport default defineConfig({\n  pipelines: ["pipelines/*.pipeline.ts"],\n  lint: { rules: { "missing-retries": "error" } },\n});\n',
    );
    copyFileSync(join(work, one), join(project, "dag.py"));
    const withConfig = processRow(
      `the same file in a project with an \`mlgen.config.ts\` (cold process${envs[0]?.label ?? ""})`,
      Math.max(3, Math.round(coldRuns / 2)),
      1,
      () => timeProcess(MLGEN, ["lint", "dag.py"], project, cliEnv),
      lintStatus,
    );
    log(`cold single file: ${colds.map((c) => `${ms(c.median)} ms`).join(" / ")}`);

    // (d) ruff's Airflow rules on the same files.
    const ruffRows: Row[] = [];
    let ruffVersion = "";
    let ruffFindings = 0;
    if (existsSync(RUFF)) {
      ruffVersion = spawnSync(RUFF, ["--version"], { encoding: "utf8" }).stdout.trim();
      const ruffArgs = ["check", "--isolated", "--select", "AIR", "--no-cache"];
      const ruffCheck = (r: ProcessRun) => {
        if (r.status !== 0 && r.status !== 1) throw new Error(`ruff failed:\n${r.stderr}`);
      };
      ruffFindings = (
        JSON.parse(
          timeProcess(RUFF, [...ruffArgs, "--output-format", "json", "dags"], work).stdout,
        ) as unknown[]
      ).length;
      ruffRows.push(
        processRow(
          `\`ruff check --select AIR --no-cache dags/\` (${count} files, all CPUs)`,
          rounds,
          count,
          () => timeProcess(RUFF, [...ruffArgs, "dags"], work),
          ruffCheck,
        ),
        processRow(
          `the same with one thread (\`RAYON_NUM_THREADS=1\`)`,
          rounds,
          count,
          () =>
            timeProcess(RUFF, [...ruffArgs, "dags"], work, {
              ...process.env,
              RAYON_NUM_THREADS: "1",
            }),
          ruffCheck,
        ),
        processRow(
          `\`ruff check --select AIR --no-cache ${one.split("/").pop()}\` (1 file, cold process)`,
          coldRuns,
          1,
          () => timeProcess(RUFF, [...ruffArgs, one], work),
          ruffCheck,
        ),
      );
      log(`ruff: folder median ${ms(ruffRows[0]?.median ?? 0)} ms`);
    } else {
      log(`NO RUFF at ${RUFF}: the ruff rows are skipped (bash test/python/setup-engines.sh)`);
    }

    const loadAfter = m.load();
    const seconds = Math.round((Date.now() - started) / 1000);
    const inProcessRate = (count * 1000) / warm;
    const verdicts = [
      {
        what: `in-process throughput, ${count} files (warm median pass)`,
        goal: `≥ ${TARGET_FILES_PER_S.toLocaleString("en-US")} files/s`,
        value: `${rate(count, warm)} files/s`,
        ok: inProcessRate >= TARGET_FILES_PER_S,
      },
      ...cliRows.map((c, i) => ({
        what: `whole \`mlgen lint\` process over ${count} files (median${envs[i]?.label ?? ""})`,
        goal: `≥ ${TARGET_FILES_PER_S.toLocaleString("en-US")} files/s`,
        value: `${rate(count, c.median)} files/s`,
        ok: (count * 1000) / c.median >= TARGET_FILES_PER_S,
      })),
      ...colds.map((c, i) => ({
        what: `one file from a cold process (median${envs[i]?.label ?? ""})`,
        goal: `< ${TARGET_COLD_MS} ms`,
        value: `${ms(c.median)} ms`,
        ok: c.median < TARGET_COLD_MS,
      })),
    ];

    const md: string[] = [];
    md.push(
      `Run on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${seconds} s in all: ${m.nproc} CPUs (${m.cpu}), ${m.memGb} GB RAM, ${m.os}; ` +
        `load average ${loadBefore} before and ${loadAfter} after. Node ${process.version}, mlgen commit ${commit()}${ruffVersion ? `, ${ruffVersion}` : ""}. ` +
        `Corpus: ${count} generated DAG files, ${(bytes / 1024).toFixed(0)} KiB, ${lines.toLocaleString("en-US")} lines (${Math.round(lines / count)} per file); ` +
        `mlgen reports ${first.findings} findings in ${filesWithFindings.size} files (${Object.entries(
          first.byRule,
        )
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")})${ruffVersion ? `; ruff's AIR rules report ${ruffFindings}` : ""}.`,
    );
    md.push("");
    md.push("| Target | Goal | Measured | Result |");
    md.push("| --- | --- | ---: | --- |");
    for (const v of verdicts) {
      md.push(`| ${v.what} | ${v.goal} | **${v.value}** | ${v.ok ? "PASS" : "FAIL"} |`);
    }
    md.push("");
    md.push("| Measure | Runs | Median | Min | Max | Files/s (median) |");
    md.push("| --- | ---: | ---: | ---: | ---: | ---: |");
    const passMin = Math.min(...passes.map((p) => p.ms));
    const passMax = Math.max(...passes.map((p) => p.ms));
    md.push(
      `| in process: \`lintPythonSource\` over ${count} files, warm passes | ${rounds} | **${ms(warm)} ms** | ${ms(passMin)} ms | ${ms(passMax)} ms | **${rate(count, warm)}** |`,
    );
    md.push(
      `| in process: the first pass (cold JIT; importing the linter took ${ms(importMs)} ms more) | 1 | ${ms(first.ms)} ms | | | ${rate(count, first.ms)} |`,
    );
    for (const row of [...cliRows, ...colds, withConfig, ...ruffRows, ...references]) {
      md.push(
        `| ${row.what} | ${row.runs} | **${ms(row.median)} ms** | ${ms(row.min)} ms | ${ms(row.max)} ms | ${row.files ? rate(row.files, row.median) : ""} |`,
      );
    }
    if (ruffRows.length > 0) {
      const [ruffAll, ruffOne, ruffCold] = ruffRows as [Row, Row, Row];
      md.push("");
      md.push(
        `**mlgen lint ÷ ruff --select AIR, whole processes on the same ${count} files: ${(cli.median / ruffAll.median).toFixed(1)}×** ` +
          `(${ms(cli.median)} ms ÷ ${ms(ruffAll.median)} ms; ruff uses all ${m.nproc} CPUs, mlgen a worker thread per CPU beyond two: ${m.nproc > 2 ? `${m.nproc - 1} threads` : "one thread"} here). ` +
          `With ruff on one thread: ${(cli.median / ruffOne.median).toFixed(1)}×. ` +
          `One file, cold: ${(cold.median / ruffCold.median).toFixed(1)}× (${ms(cold.median)} ms ÷ ${ms(ruffCold.median)} ms). ` +
          "ruff is the speed reference (native code, far fewer and simpler Airflow rules); mlgen's rules resolve task ids through groups and loops and follow XCom keys across tasks and Jinja, which ruff does not.",
      );
    }
    const markdown = md.join("\n");
    process.stdout.write(`${markdown}\n`);
    for (const v of verdicts) {
      log(`${v.ok ? "PASS" : "FAIL"}  ${v.what} = ${v.value} (goal ${v.goal})`);
    }
    if (write && BUILD !== ROOT)
      log("--build given: not writing another build's numbers into the README");
    else if (write) {
      const text = readFileSync(README, "utf8");
      const a = text.indexOf(MARKERS[0]);
      const b = text.indexOf(MARKERS[1]);
      if (a === -1 || b < a) throw new Error(`${README} has no ${MARKERS.join(" … ")} block`);
      writeFileSync(
        README,
        `${text.slice(0, a + MARKERS[0].length)}\n${markdown}\n${text.slice(b)}`,
      );
      log(`wrote the results into ${relative(ROOT, README)}`);
    }
    if (strict && verdicts.some((v) => !v.ok)) process.exitCode = 1;
  } finally {
    if (keep) log(`corpus kept in ${corpus}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

await main();
