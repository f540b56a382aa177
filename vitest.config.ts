import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

// Tests import each package's TypeScript source through the "@mlgen/source" export condition.
// Vitest runs tests in Vite's SSR environment, which takes its conditions from `ssr.resolve`;
// without it, cross-package imports would load the last build's dist/.
const resolve = { conditions: ["@mlgen/source"] };
const ssr = { resolve: { conditions: ["@mlgen/source"], externalConditions: ["@mlgen/source"] } };

export default defineConfig({
  test: {
    // One test file per CPU. Vitest's default is one fewer, which on a 2-CPU CI machine ran
    // every file one after another; most of an engine file's time is spent in the Airflow,
    // MLflow and kfp processes it starts, not in its worker.
    maxWorkers: availableParallelism(),
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: "types",
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ["packages/*/test/**/*.test-d.ts"],
            tsconfig: "./tsconfig.json",
          },
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: "engines",
          include: ["test/engines/**/*.test.ts"],
          // The venvs and the built CLI, once, before the files run side by side.
          globalSetup: ["test/engines/global-setup.ts"],
          // Real Airflow and MLflow are slow to start; these files share the engine venvs (built
          // before the run, read-only during it) and run side by side, each in homes, ports and
          // temp folders of its own.
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
