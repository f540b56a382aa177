/**
 * `node dist/snapshot/make.js`: bundles the built CLI (bundle.ts) and builds its startup snapshot
 * for this Node (build.ts), saying so; `npm run build` runs it. With `--background` (bin/mlgen when
 * there is no blob for this Node yet, or the snapshot when the files it holds have changed):
 * quietly, and not while another process is at it.
 */
import { fileURLToPath } from "node:url";
import { buildSnapshot, takeBuildLock } from "./build.js";
import { bundleCli } from "./bundle.js";

const cliDir = fileURLToPath(new URL("../../", import.meta.url));

if (process.argv.includes("--background")) {
  const release = takeBuildLock(cliDir);
  if (release) {
    try {
      await bundleCli(cliDir);
      buildSnapshot(cliDir);
    } catch {
      // The next run tries again; the plain CLI serves meanwhile.
    } finally {
      release();
    }
  }
} else {
  try {
    const t0 = performance.now();
    await bundleCli(cliDir);
    const blob = buildSnapshot(cliDir);
    process.stdout.write(
      `mlgen: startup snapshot ${blob} built in ${Math.round(performance.now() - t0)} ms\n`,
    );
  } catch (e) {
    process.stderr.write(`mlgen: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
