/**
 * Real Airflow 3 (pinned in test/python/requirements.lock) imports every generated DAG,
 * and what it sees equals what the IR says. ruff's Airflow rules pass on every file.
 */
import { cpSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { run } from "../../packages/cli/src/run.js";
import {
  EXAMPLES,
  expectedSchedule,
  expectedTasks,
  lowerFile,
  ROOT,
} from "../support/pipelines.js";
import {
  bin,
  ensureEngines,
  type InspectedDags,
  inspectDags,
  runEngine,
  tempDir,
} from "./harness.js";

const SINK = join(ROOT, "test/fixtures/pipelines/kitchen-sink.pipeline.ts");
let sinkOut = "";
let inspected: InspectedDags;

async function compileSink(out: string): Promise<void> {
  const io = {
    cwd: ROOT,
    stdout: () => {},
    stderr: (t: string) => process.stderr.write(t),
    env: {},
  };
  const code = await run(
    ["compile", SINK, "--root", join(ROOT, "test/fixtures"), "--out", out],
    io,
  );
  if (code !== 0) throw new Error(`compiling the kitchen sink failed with ${code}`);
}

beforeAll(async () => {
  ensureEngines();
  // One folder holding every DAG under test, as a deployment would have it.
  const dags = tempDir("dags");
  for (const ex of EXAMPLES)
    cpSync(join(ROOT, "examples", ex.name, "dags"), dags, { recursive: true });
  sinkOut = join(dags, "sink");
  mkdirSync(sinkOut);
  await compileSink(sinkOut);
  inspected = inspectDags(dags);
});

describe("real Airflow imports the generated DAGs", () => {
  it("with zero import errors", () => {
    expect(inspected.import_errors).toEqual({});
    expect(Object.keys(inspected.dags).sort()).toEqual([
      "iris_quickstart",
      "kitchen_sink",
      "ml_training_pipeline",
    ]);
  });

  const cases = [
    ...EXAMPLES.map((e) => ({
      id: e.dagId,
      file: join(ROOT, "examples", e.name, e.pipeline),
      root: join(ROOT, "examples", e.name),
    })),
    { id: "kitchen_sink", file: SINK, root: join(ROOT, "test/fixtures") },
  ];
  it.each(cases)(
    "$id: tasks, upstream ids, retries, delays, timeouts and schedule equal the IR",
    async ({ id, file, root }) => {
      const { ir } = await lowerFile(file, root);
      const dag = inspected.dags[id];
      expect(dag).toBeDefined();
      if (!dag) return;
      expect(dag.schedule).toBe(expectedSchedule(ir.schedule));
      expect(dag.catchup).toBe(ir.catchup);
      expect(dag.tags).toEqual([...ir.tags].sort());
      expect(dag.description).toBe(ir.description);
      if (ir.maxActiveRuns !== null) expect(dag.max_active_runs).toBe(ir.maxActiveRuns);
      if (ir.maxActiveTasks !== null) expect(dag.max_active_tasks).toBe(ir.maxActiveTasks);
      expect(dag.dagrun_timeout).toBe(ir.dagrunTimeout);
      expect(dag.params).toEqual(
        Object.fromEntries(Object.entries(ir.params).map(([k, p]) => [k, p.default])),
      );
      const seen = Object.fromEntries(
        Object.entries(dag.tasks).map(([taskId, t]) => {
          const { owner: _owner, ...rest } = t;
          return [taskId, rest];
        }),
      );
      expect(seen).toEqual(expectedTasks(ir));
      for (const t of Object.values(dag.tasks)) expect(t.owner).toBe(ir.owner ?? "airflow");
    },
  );

  it("start dates are the same instant as written (Airflow stores them in UTC)", () => {
    expect(inspected.dags.kitchen_sink?.start_date).toBe("2025-03-04T03:06:07+00:00");
    expect(inspected.dags.iris_quickstart?.start_date).toBe("2025-01-01T00:00:00+00:00");
  });
});

describe("ruff's Airflow rules", () => {
  it("pass on every generated DAG (ruff check --preview --select AIR,F,E9)", () => {
    const files = [
      ...EXAMPLES.map((e) => join(ROOT, "examples", e.name, "dags", `${e.dagId}.py`)),
      ...readdirSync(sinkOut)
        .filter((f) => f.endsWith(".py"))
        .map((f) => join(sinkOut, f)),
    ];
    expect(files).toHaveLength(3);
    const r = runEngine(
      bin("ruff"),
      ["check", "--no-cache", "--preview", "--select", "AIR,F,E9", ...files],
      process.env,
    );
    expect(r.output).toContain("All checks passed");
    expect(r.status).toBe(0);
  });
});
