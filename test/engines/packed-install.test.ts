/**
 * mlgen installed from its packed tarballs (`pnpm pack` of each package, as a release publishes
 * them) into a project outside this repository: `mlgen init`, `mlgen compile` and `mlgen lint`
 * work from what the packages carry alone (templates precompiled, no file of the checkout read),
 * and real Airflow 3 imports the DAG that installed mlgen wrote. The tarballs' dependencies come
 * from the npm registry.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureEngines, inspectDags, ROOT, tempDir } from "./harness.js";

const PNPM = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager as string;
let app = "";

/** The installed `mlgen` in the project, its output and exit code; no NODE_OPTIONS of vitest's. */
function mlgen(...args: string[]) {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  const r = spawnSync(join(app, "node_modules/.bin/mlgen"), args, {
    cwd: app,
    env: { ...env, NO_COLOR: "1" },
    encoding: "utf8",
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

beforeAll(() => {
  ensureEngines();
  const packs = tempDir("packs");
  for (const name of readdirSync(join(ROOT, "packages")).sort()) {
    // pnpm turns the `workspace:*` dependencies into the versions packed beside them.
    execFileSync("npx", ["--yes", PNPM, "pack", "--pack-destination", packs], {
      cwd: join(ROOT, "packages", name),
      stdio: "pipe",
    });
  }
  app = join(tempDir("packed"), "churn_model");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), '{ "name": "churn-model", "private": true }\n');
  const tarballs = readdirSync(packs).map((f) => join(packs, f));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...tarballs], {
    cwd: app,
    stdio: "pipe",
  });
}, 600_000);

describe("mlgen installed from its packed tarballs", () => {
  it("carries everything it runs: nothing of the checkout is packed or needed", () => {
    const compiler = join(app, "node_modules/@mlgen/compiler");
    expect(existsSync(join(compiler, "dist/templates.generated.js"))).toBe(true);
    expect(existsSync(join(app, "node_modules/@mlgen/cli/bin/mlgen"))).toBe(true);
  });

  it("scaffolds, compiles for both targets and lints a project; Airflow 3 imports the DAG", () => {
    const init = mlgen("init", ".", "--yes", "--target", "all");
    expect(init.code, init.out).toBe(0);
    const compile = mlgen("compile");
    expect(compile.code, compile.out).toBe(0);
    expect(compile.out).toContain("compiled 1 pipeline into dags: 3 files written");
    expect(compile.out).toContain("compiled 1 pipeline into kubeflow: 2 files written");
    const lint = mlgen("lint");
    expect(lint.code, lint.out).toBe(0);
    const seen = inspectDags(join(app, "dags"));
    expect(seen.import_errors).toEqual({});
    expect(Object.keys(seen.dags.churn_model?.tasks ?? {}).sort()).toEqual([
      "evaluate_model",
      "prepare_data",
      "train_model",
      "validate_data",
    ]);
  });

  it("a service's clients run against the mocks, all from the tarballs (docs/guides/testing-with-mocks.md)", () => {
    writeFileSync(
      join(app, "mocked.mjs"),
      `import { createAirflowClient } from "@mlgen/airflow-client";
import { createMlflowClient } from "@mlgen/mlflow-client";
import { serviceUnavailable } from "@mlgen/mocks";
import { setupMlgenMocks } from "@mlgen/mocks/node";

const mocks = setupMlgenMocks({ hooks: false, airflow: { taskDurationMs: 5 } });
mocks.listen();
try {
  mocks.airflow.addDag({ dagId: "train", tasks: [{ taskId: "fit" }] });
  const airflow = createAirflowClient({ baseUrl: mocks.airflow.baseUrl, auth: { username: "admin", password: "admin" } });
  const mlflow = createMlflowClient({ trackingUri: mocks.mlflow.baseUrl, env: {} });
  const flaps = serviceUnavailable({ url: mocks.airflow.baseUrl, method: "GET", times: 2 });
  mocks.use(flaps);
  const run = await airflow.triggerDagRun("train");
  const done = await airflow.waitForDagRun("train", run.dag_run_id);
  const experiment = await mlflow.getOrCreateExperiment("churn");
  console.log(JSON.stringify({ state: done.state, retried: flaps.hits(), experiment: experiment.name }));
} finally {
  mocks.close();
}
`,
    );
    const r = spawnSync(process.execPath, ["mocked.mjs"], { cwd: app, encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    const seen = JSON.parse(r.stdout.trim().split("\n").at(-1) as string);
    expect(seen).toEqual({ state: "success", retried: 2, experiment: "churn" });
  });

  it("the Airflow fake runs a pipeline's DAG (@mlgen/mocks/pipeline, with the compiler installed beside it)", () => {
    writeFileSync(
      join(app, "pipeline-dag.mjs"),
      `import { pipeline } from "@mlgen/dsl";
import { createAirflowFake } from "@mlgen/mocks";
import { airflowDagOf } from "@mlgen/mocks/pipeline";

const def = pipeline("churn", {}, (p) => {
  const score = p.bash("score", { command: "echo 0.9" });
  p.bash("publish", { command: "echo published" }).after(score);
});
const spec = airflowDagOf(def);
const fake = createAirflowFake();
fake.addDag(spec);
console.log(JSON.stringify(spec.tasks.map((t) => [t.taskId, t.operator, t.upstream])));
`,
    );
    const r = spawnSync(process.execPath, ["pipeline-dag.mjs"], { cwd: app, encoding: "utf8" });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1) as string)).toEqual([
      ["score", "BashOperator", []],
      ["publish", "BashOperator", ["score"]],
    ]);
  });
});
