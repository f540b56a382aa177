/**
 * The Kubeflow Pipelines SDK for tests: the project-local venv `.venv-kfp` (built by
 * test/python/setup-engines.sh from test/python/requirements-kfp.lock), the offline validation
 * gate test/python/check_kfp.py, compiling reference pipelines written with the real SDK, and
 * offline runs through kfp.local (test/python/run_kfp_local.py).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export const KFP_VENV = process.env.MLGEN_KFP_VENV ?? join(ROOT, ".venv-kfp");
export const KFP_PYTHON = join(KFP_VENV, "bin", "python");
export const CHECK_KFP = join(ROOT, "test/python/check_kfp.py");
export const RUN_KFP_LOCAL = join(ROOT, "test/python/run_kfp_local.py");

/**
 * Makes sure .venv-kfp matches the committed lock: when its stamp (the sha256 of the lock that
 * setup-engines.sh writes, then the version of its recipe) names the lock nothing runs;
 * otherwise setup-engines.sh builds the venvs.
 * Never skips: a missing venv after that is an error.
 */
export function ensureKfp(): void {
  const lock = readFileSync(join(ROOT, "test/python/requirements-kfp.lock"));
  const want = createHash("sha256").update(lock).digest("hex");
  const stamp = join(KFP_VENV, ".lock-sha256");
  const have = existsSync(stamp) ? readFileSync(stamp, "utf8").split(" ")[0]?.trim() : "";
  if (have !== want || !existsSync(KFP_PYTHON))
    execFileSync("bash", [join(ROOT, "test/python/setup-engines.sh")], { stdio: "inherit" });
  requireKfpPython();
}

function requireKfpPython(): void {
  if (!existsSync(KFP_PYTHON))
    throw new Error(
      `no kfp venv python at ${KFP_PYTHON}: run bash test/python/setup-engines.sh (or ensureKfp())`,
    );
}

interface Exec {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runPython(args: string[], timeoutMs = 600_000): Promise<Exec> {
  requireKfpPython();
  return new Promise((ok, fail) => {
    execFile(
      KFP_PYTHON,
      args,
      {
        encoding: "utf8",
        timeout: timeoutMs,
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, PYTHONWARNINGS: "ignore", NO_COLOR: "1" },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") {
          fail(new Error(`${KFP_PYTHON} ${args.join(" ")} failed: ${error.message}\n${stderr}`));
          return;
        }
        ok({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr });
      },
    );
  });
}

const lastLine = (text: string) => text.trim().split("\n").at(-1) ?? "";

/** One line of check_kfp.py's output. */
export interface KfpCheck {
  readonly file: string;
  readonly ok: boolean;
  /** Each starts with the YAML path it is about, e.g. `root.dag.tasks[train].componentRef.name: …`. */
  readonly errors: string[];
}

/** Runs the offline gate over the files (one python process); one result per file, in order. */
export async function checkKfp(files: string[]): Promise<KfpCheck[]> {
  if (files.length === 0) return [];
  const r = await runPython([CHECK_KFP, ...files]);
  const lines = r.stdout.split("\n").filter((l) => l.trim() !== "");
  if ((r.code !== 0 && r.code !== 1) || lines.length !== files.length)
    throw new Error(`check_kfp.py exited ${r.code} with ${lines.length} results:\n${r.stderr}`);
  return lines.map((l) => JSON.parse(l) as KfpCheck);
}

export interface KfpCompile {
  /** A Python file that defines one or more @dsl.pipeline functions. */
  readonly py: string;
  readonly out: string;
  /** The pipeline to compile; optional when the file defines exactly one. */
  readonly functionName?: string;
}

const COMPILE = `
import importlib.util, json, sys, warnings
warnings.filterwarnings("ignore")
from kfp import compiler
from kfp.dsl.graph_component import GraphComponent
for i, job in enumerate(json.loads(sys.argv[1])):
    spec = importlib.util.spec_from_file_location(f"kfp_sample_{i}", job["py"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if job.get("functionName"):
        pipeline = getattr(mod, job["functionName"])
    else:
        found = [v for v in vars(mod).values() if isinstance(v, GraphComponent)]
        if len(found) != 1:
            sys.exit(f"{job['py']}: {len(found)} pipelines; pass functionName")
        pipeline = found[0]
    compiler.Compiler().compile(pipeline, job["out"])
`;

/** Compiles SDK-written pipelines to PipelineSpec YAML with the real compiler (one process). */
export async function compileKfpSamples(jobs: readonly KfpCompile[]): Promise<void> {
  const r = await runPython(["-c", COMPILE, JSON.stringify(jobs)]);
  if (r.code !== 0) throw new Error(`kfp compile failed (${r.code}):\n${r.stderr.slice(-4000)}`);
}

export function compileKfpPython(py: string, out: string, functionName?: string): Promise<void> {
  return compileKfpSamples([functionName === undefined ? { py, out } : { py, out, functionName }]);
}

/** The YAML documents of a file as JSON values (PyYAML safe_load_all: what check_kfp.py sees). */
export async function readKfpYaml(file: string): Promise<unknown[]> {
  const r = await runPython([
    "-c",
    "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
    file,
  ]);
  if (r.code !== 0) throw new Error(`cannot read ${file} as YAML:\n${r.stderr}`);
  return JSON.parse(lastLine(r.stdout)) as unknown[];
}

/** Writes documents as YAML (JSON is YAML): doc 1 the PipelineSpec, doc 2 a PlatformSpec. */
export function writeKfpYaml(file: string, docs: readonly unknown[]): void {
  writeFileSync(file, `${docs.map((d) => JSON.stringify(d, null, 1)).join("\n---\n")}\n`);
}

/** One executor task as run_kfp_local.py records it. */
export interface KfpLocalTask {
  /** The task's key in its DAG, e.g. `square`. */
  readonly task: string;
  /** "" at the top level; `for-loop-1-iteration-0` inside a loop iteration. */
  readonly scope: string;
  readonly status: "SUCCESS" | "FAILURE";
  readonly outputs: Record<string, unknown>;
}

export interface KfpLocalRun {
  readonly ok: boolean;
  /** The pipeline's outputs (root.dag.outputs); only when ok. */
  readonly outputs?: Record<string, unknown>;
  /** Executor tasks in the order they finished (loop iterations run two at a time). */
  readonly tasks: KfpLocalTask[];
  /** kfp.local's log warnings, e.g. a condition it could not evaluate (it then skips the branch). */
  readonly warnings?: string[];
  readonly error?: string;
  /** The run's log (task output and kfp.local's logging). */
  readonly log: string;
}

export interface KfpLocalOptions {
  /** Where task outputs go (default: a fresh temp dir). */
  readonly pipelineRoot?: string;
  /** Run kfp.local without run_kfp_local.py's fixes for kfp.local defects. */
  readonly asIs?: boolean;
}

/**
 * Runs a pipeline YAML offline: kfp.local.SubprocessRunner(use_venv=False) runs each
 * lightweight-Python task on the host with the venv's python. Container components are refused
 * by kfp.local (they need DockerRunner). Resolves with ok=false when the run fails.
 */
export async function runKfpLocal(
  yamlFile: string,
  args: Record<string, unknown> = {},
  options: KfpLocalOptions = {},
): Promise<KfpLocalRun> {
  const argv = [RUN_KFP_LOCAL, yamlFile, "--args", JSON.stringify(args)];
  if (options.pipelineRoot !== undefined) argv.push("--pipeline-root", options.pipelineRoot);
  if (options.asIs) argv.push("--as-is");
  const r = await runPython(argv);
  let parsed: Omit<KfpLocalRun, "log">;
  try {
    parsed = JSON.parse(lastLine(r.stdout)) as Omit<KfpLocalRun, "log">;
  } catch {
    throw new Error(
      `run_kfp_local.py exited ${r.code} without a result:\n${r.stderr.slice(-4000)}`,
    );
  }
  if (parsed.ok !== (r.code === 0))
    throw new Error(`run_kfp_local.py exited ${r.code} but reported ok=${parsed.ok}`);
  return { ...parsed, log: r.stderr };
}
