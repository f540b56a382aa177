/**
 * Building the CLI's startup snapshot (see entry.ts): `node --build-snapshot` of the bundle,
 * written to a temporary file and renamed, so a reader sees a whole blob or none. One blob per
 * Node version, beside the bundle; `bin/mlgen` uses it when it is there.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

export const snapshotDir = (cliDir: string) => join(cliDir, "dist", "snapshot");
export const bundlePath = (cliDir: string) => join(snapshotDir(cliDir), "mlgen.cjs");
/** The files the bundle was made from (bundle.ts), which the snapshot checks at start. */
export const inputsPath = (cliDir: string) => join(snapshotDir(cliDir), "mlgen.inputs.json");
/** The name bin/mlgen looks for: `mlgen-$(node --version).blob`. */
export const blobPath = (cliDir: string) =>
  join(snapshotDir(cliDir), `mlgen-${process.version}.blob`);

/**
 * V8 options of every run from the snapshot, and of its build: Node refuses a snapshot built
 * with other V8 options, so bin/mlgen passes exactly these (a test keeps the two equal). An
 * `mlgen` run is short, and most of its code runs before V8's optimizing compiler has finished
 * with it: linting 1,000 files on a 2-CPU machine, the one background compiler thread had
 * seconds of work queued, so the hot functions ran unoptimized for most of the run. Each option
 * makes that work smaller, so optimized code lands sooner:
 * - less inlining (300 bytecodes per function instead of 920), no loop peeling and no escape
 *   analysis: each optimization is cheaper;
 * - array builtins (`map`, `join`, spreads, ...) called, not inlined: inlined, they check the
 *   array's elements kind, and an array built another way (`[]` against one pushed to, one
 *   from `map` in optimized code against one from the builtin) threw the whole caller's
 *   optimized code away; 15 such deoptimizations of the linter's largest functions, each
 *   compiled again, became 2.
 * Measured alternately against no options (bench/README.md, "Lint"): the 1,000-file lint took
 * about a quarter less wall time and 35 % less CPU, a 5,000-file lint and a 1,000-task
 * Kubeflow compile were no slower.
 */
export const SNAPSHOT_V8_FLAGS: readonly string[] = [
  "--max-inlined-bytecode-size-cumulative=300",
  "--no-turbo-loop-peeling",
  "--no-turbo-escape",
  "--no-turbo-inline-array-builtins",
];

/** A build older than this is taken to have died, and its lock is ignored. */
const STALE_LOCK_MS = 120_000;

/**
 * Builds the snapshot of the bundle for the running Node and returns the blob's path; throws
 * with Node's output on failure.
 */
export function buildSnapshot(cliDir: string): string {
  const bundle = bundlePath(cliDir);
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build the CLI (npm run build)`);
  const blob = blobPath(cliDir);
  const tmp = `${blob}.${process.pid}.tmp`;
  const r = spawnSync(
    process.execPath,
    [...SNAPSHOT_V8_FLAGS, "--snapshot-blob", tmp, "--build-snapshot", bundle],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    },
  );
  if (r.status !== 0 || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    // Node warns that child_process is "not yet fully verified" in snapshots: noise, not cause.
    const output = `${r.stderr ?? ""}${r.stdout ?? ""}`
      .split("\n")
      .filter((l) => !/fully verified|may still work|request support|trace-warnings/.test(l))
      .join("\n")
      .trim();
    throw new Error(`building the startup snapshot failed (exit ${r.status}):\n${output}`);
  }
  renameSync(tmp, blob);
  return blob;
}

/**
 * Takes the build lock beside the blob (one taken more than two minutes ago counts as dead);
 * returns its release, or null when another process holds it or the folder is read-only.
 */
export function takeBuildLock(cliDir: string): (() => void) | null {
  const lock = `${blobPath(cliDir)}.lock`;
  try {
    if (Date.now() - statSync(lock).mtimeMs < STALE_LOCK_MS) return null;
    rmSync(lock, { force: true });
  } catch {
    // No lock: nobody is building.
  }
  try {
    closeSync(openSync(lock, "wx"));
  } catch {
    return null;
  }
  return () => rmSync(lock, { force: true });
}

/**
 * Builds the snapshot in a detached background process (make.js --background): what the
 * snapshot asks for when it finds itself stale, the files it was built from having changed.
 */
export function startSnapshotBuild(cliDir: string): void {
  const child = spawn(process.execPath, [join(snapshotDir(cliDir), "make.js"), "--background"], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, MLGEN_NO_SNAPSHOT: "1" },
  });
  child.on("error", () => {});
  child.unref();
}
