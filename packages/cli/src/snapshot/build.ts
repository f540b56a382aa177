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
  const r = spawnSync(process.execPath, ["--snapshot-blob", tmp, "--build-snapshot", bundle], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
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
