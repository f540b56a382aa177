/**
 * Once before the engine files, which run side by side (vitest.config.ts): the engine venvs
 * they share, built from the locks, and the CLI they run (bin/mlgen and its startup snapshot),
 * built from the sources. Each file then only reads them, so none builds into a folder another
 * is reading from (a half-written snapshot packed by packed-install, a venv synced twice).
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export default function setup(): void {
  const run = (file: string, args: string[]) =>
    execFileSync(file, args, { cwd: ROOT, stdio: "inherit" });
  run("bash", [join(ROOT, "test/python/setup-engines.sh")]);
  run(join(ROOT, "node_modules/.bin/tsc"), ["-b", "packages/cli", "packages/mocks"]);
  run(process.execPath, [join(ROOT, "packages/cli/dist/snapshot/make.js")]);
}
