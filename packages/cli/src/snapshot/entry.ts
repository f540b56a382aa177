/**
 * The entry of mlgen's startup snapshot: bundled into dist/snapshot/mlgen.cjs (bundle.ts) and
 * turned into a V8 startup snapshot by `node --build-snapshot` (build.ts). Building it loads
 * the CLI and runs a warm-up compile and lint, so the snapshot holds mlgen loaded, compiled and
 * with its caches filled; `bin/mlgen` then starts Node from it (`node --snapshot-blob`), which
 * skips loading and compiling about 300 modules on every run.
 *
 * Run outside `--build-snapshot` (Node loading the module normally), it does nothing.
 */

import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import Module, { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import v8 from "node:v8";
import * as compiler from "@mlgen/compiler";
import * as core from "@mlgen/core";
import * as dsl from "@mlgen/dsl";
import * as lint from "@mlgen/lint";
import * as cli from "../index.js";
import { abandonLoads, useSnapshotLoader } from "../load.js";
import { exitOnUncaught, run } from "../run.js";
// Loaded (and so held by the snapshot) now, not when the command first needs them.
import "commander";
import "../commands/compile.js";
import "../commands/graph.js";
import "../commands/lint.js";
import { inputsPath, startSnapshotBuild } from "./build.js";
import { createSnapshotLoader } from "./loader.js";
import { WARMUP_DAG, WARMUP_TASKS, warmupPipeline } from "./warmup.js";

const MODULES: Readonly<Record<string, unknown>> = {
  "@mlgen/cli": cli,
  "@mlgen/compiler": compiler,
  "@mlgen/core": core,
  "@mlgen/dsl": dsl,
  "@mlgen/lint": lint,
};

/** This bundle: dist/snapshot/mlgen.cjs of the CLI package (a CommonJS script). */
declare const __filename: string;
const BUNDLE = __filename;
const CLI_DIR = join(dirname(BUNDLE), "..", "..");
const PLAIN_BIN = join(CLI_DIR, "dist", "bin.js");

/** A file whose content the snapshot holds, as it was when the snapshot was built. */
type Stamp = readonly [path: string, mtimeMs: number, size: number];

function stamp(path: string): Stamp {
  const s = statSync(path);
  return [path, s.mtimeMs, s.size];
}

/** Commands that run for long: their start-up does not matter, the plain CLI serves them. */
function longRunning(argv: readonly string[]): boolean {
  return argv[0] === "dev" || argv.includes("--watch") || argv.includes("-w");
}

/**
 * The CLI folder of the blob this process started from (`--snapshot-blob .../dist/snapshot/x`),
 * or null when Node was not given one.
 */
function startedFrom(): string | null {
  const args = process.execArgv;
  const at = args.indexOf("--snapshot-blob");
  const blob =
    at >= 0 ? args[at + 1] : args.find((a) => a.startsWith("--snapshot-blob="))?.slice(16);
  if (!blob) return null;
  try {
    return join(dirname(realpathSync(blob)), "..", "..");
  } catch {
    return null;
  }
}

function realOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Runs the plain CLI (tsx, modules from disk) with the same arguments, and exits as it did. */
function runPlain(argv: readonly string[], bin = PLAIN_BIN): void {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    stdio: "inherit",
    env: { ...process.env, MLGEN_NO_SNAPSHOT: "1" },
  });
  if (r.signal) process.kill(process.pid, r.signal);
  process.exitCode = r.status ?? 1;
}

async function warmUp(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mlgen-snapshot-warmup-"));
  try {
    mkdirSync(join(dir, "pipelines"));
    mkdirSync(join(dir, "tasks"));
    mkdirSync(join(dir, "dags"));
    // Placeholders: the warm-up loader below hands out modules made here, never reads them.
    writeFileSync(join(dir, "mlgen.config.ts"), "");
    writeFileSync(join(dir, "pipelines", "warm.pipeline.ts"), "");
    writeFileSync(join(dir, "tasks", "warm.py"), WARMUP_TASKS);
    writeFileSync(join(dir, "dags", "warm_dag.py"), WARMUP_DAG);
    const modules: Record<string, Record<string, unknown>> = {
      "mlgen.config.ts": {
        default: cli.defineConfig({
          pipelines: ["pipelines/*.pipeline.ts"],
          target: "all",
          kubeflow: { timeouts: true },
        }),
      },
      "warm.pipeline.ts": { default: warmupPipeline },
    };
    const loader = async (file: string) => modules[file.split(/[\\/]/).pop() ?? ""] ?? {};
    useSnapshotLoader(() => Object.assign(loader, { dispose: async () => {} }));
    let out = "";
    const io = {
      cwd: dir,
      env: {},
      stdout: (t: string) => {
        out += t;
      },
      stderr: (t: string) => {
        out += t;
      },
    };
    for (const argv of [
      ["compile"],
      ["compile", "--check"],
      ["lint"],
      ["lint", "dags", "--format", "json"],
      ["graph", "--format", "mermaid"],
    ]) {
      const code = await run(argv, io);
      if (code !== 0 && !(argv[0] === "lint" && code === 1))
        throw new Error(`warm-up 'mlgen ${argv.join(" ")}' exited ${code}:\n${out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Node will not start from a snapshot whose build ran a module from disk (JSON runs nothing).
  const loaded = Object.keys((Module as unknown as { _cache: object })._cache).filter(
    (f) => !f.endsWith(".json"),
  );
  if (loaded.length > 0)
    throw new Error(
      `the warm-up loaded modules from disk, not from the bundle: ${loaded.join(", ")}`,
    );
}

/** MLGEN_SNAPSHOT_TRACE=1: say on stderr whether the snapshot served the run, and if not why. */
function trace(what: string): void {
  if (process.env.MLGEN_SNAPSHOT_TRACE)
    process.stderr.write(`mlgen: snapshot: ${what.replace(/\s*\n\s*/g, " ")}\n`);
}

/** process.exit as Node gives it: the loader's guard replaces it while user modules load. */
let exit: typeof process.exit = process.exit;

async function main(stamps: readonly Stamp[]): Promise<void> {
  exit = process.exit;
  const argv = process.argv.slice(1);
  // A blob copied or moved with its package (a restored CI cache, a Docker COPY, a second
  // checkout) holds the code of where it was built, and its stamps name files there: the
  // package it sits in serves the run, and gets a snapshot of its own.
  const here = startedFrom();
  if (here !== null && here !== realOr(CLI_DIR)) {
    trace(
      `moved (built in ${CLI_DIR}); running the plain CLI of ${here} and rebuilding the snapshot there`,
    );
    startSnapshotBuild(here);
    return runPlain(argv, join(here, "dist", "bin.js"));
  }
  const changed = stamps.find(([path, mtimeMs, size]) => {
    try {
      const [, m, s] = stamp(path);
      return m !== mtimeMs || s !== size;
    } catch {
      return true;
    }
  });
  if (changed) {
    trace(`stale (${changed[0]} changed); running the plain CLI and rebuilding the snapshot`);
    startSnapshotBuild(CLI_DIR);
    return runPlain(argv);
  }
  if (longRunning(argv) || process.env.MLGEN_NO_SNAPSHOT) {
    trace("a long-running command, or MLGEN_NO_SNAPSHOT; running the plain CLI");
    return runPlain(argv);
  }
  trace("serving this run");
  exitOnUncaught();
  process.exitCode = await run(argv);
}

if (v8.startupSnapshot?.isBuildingSnapshot()) {
  // No top-level await: the bundle is CommonJS, as `--build-snapshot` wants.
  warmUp().then(() => {
    const esbuild = () => createRequire(join(CLI_DIR, "package.json"))("esbuild");
    const unsupported = (reason: string): never => {
      trace(`${reason}; running the plain CLI`);
      runPlain(process.argv.slice(1));
      // The plain CLI has said all there is to say about the module still loading here.
      abandonLoads();
      return exit();
    };
    useSnapshotLoader(() => createSnapshotLoader({ modules: MODULES, esbuild, unsupported }));
    // What the snapshot holds: the bundle and the files it was made from (a rebuilt dist/ makes
    // the snapshot stale even before it is bundled again); the templates are among them,
    // precompiled (templates.generated.ts).
    const inputs = JSON.parse(readFileSync(inputsPath(CLI_DIR), "utf8")) as string[];
    const stamps = [BUNDLE, ...inputs].map(stamp);
    v8.startupSnapshot.setDeserializeMainFunction(() => {
      void main(stamps);
    });
  });
}
