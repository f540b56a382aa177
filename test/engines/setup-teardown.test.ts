/**
 * Setup and teardown tasks (the setup-teardown fixture) run by real Airflow 3 and 2 with
 * `airflow dags test`: what the teardowns do after the work succeeded, after it failed and after
 * the setup failed, and the task after a group whose last task is a teardown. A file of its own,
 * so that it runs beside airflow-constructs, not after it.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../support/pipelines.js";
import { SETUP_TEARDOWN_RUNS } from "../support/setup-teardown-runs.js";
import {
  AIRFLOW2_PYTHON,
  AIRFLOW2_VENV,
  airflowEnv,
  bin,
  ensureEngines,
  mlgenHere,
  PYTHON,
  runEngine,
  tempDir,
} from "./harness.js";

interface Engine {
  readonly work: string;
  readonly home: string;
  readonly dags: string;
  readonly python: string;
  readonly airflow: string;
}

/** A home of its own for the version, migrated, and the fixture compiled for it. */
async function prepare(version: 3 | 2): Promise<Engine> {
  ensureEngines();
  const work = tempDir(`setup-teardown-${version}`);
  const home = join(work, "airflow");
  mkdirSync(home);
  const dags = join(work, "dags");
  const file = join(ROOT, "test/fixtures/pipelines/setup-teardown.pipeline.ts");
  const root = join(ROOT, "test/fixtures");
  const args = [
    "compile",
    file,
    "--root",
    root,
    "--out",
    dags,
    "--airflow-version",
    String(version),
  ];
  if ((await mlgenHere(...args)) !== 0) throw new Error(`compiling for Airflow ${version} failed`);
  const engine = {
    work,
    home,
    dags,
    python: version === 3 ? PYTHON : AIRFLOW2_PYTHON,
    airflow: version === 3 ? bin("airflow") : join(AIRFLOW2_VENV, "bin", "airflow"),
  };
  const migrate = runEngine(engine.airflow, ["db", "migrate"], airflowEnv(home, dags));
  if (migrate.status !== 0) throw new Error(`airflow db migrate failed:\n${migrate.output}`);
  return engine;
}

/** The runs' states by logical date (test/python/ti_states.py). */
function runStates(
  engine: Engine,
): Record<string, { state: string; tasks: Record<string, string> }> {
  const out = join(engine.work, "states.json");
  const r = runEngine(
    engine.python,
    [join(ROOT, "test/python/ti_states.py"), "setup_teardown", out],
    airflowEnv(engine.home, engine.dags),
  );
  if (r.status !== 0) throw new Error(`ti_states.py failed:\n${r.output.slice(-3000)}`);
  const runs = JSON.parse(readFileSync(out, "utf8")) as Record<
    string,
    { logical_date: string | null; state: string; tasks: Record<string, string> }
  >;
  return Object.fromEntries(
    Object.values(runs).flatMap((v) => (v.logical_date ? [[v.logical_date.slice(0, 10), v]] : [])),
  );
}

describe.each([3, 2] as const)("setup and teardown tasks on real Airflow %i", (version) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await prepare(version);
  });
  const run = (date: string, conf: { failWork?: boolean; failSetup?: boolean }) => {
    const root = join(engine.work, `scratch-${date}`);
    const r = runEngine(
      engine.airflow,
      ["dags", "test", "setup_teardown", date, "-c", JSON.stringify({ root, ...conf })],
      airflowEnv(engine.home, engine.dags),
    );
    return { r, root, states: runStates(engine)[date] };
  };

  it("the teardown removes what the setup made after the work succeeded, and the run succeeds", () => {
    const { r, root, states } = run("2025-06-01", {});
    expect(r.status, r.output.slice(-5000)).toBe(0);
    expect(states?.state).toBe(SETUP_TEARDOWN_RUNS.ok.state);
    expect(states?.tasks).toEqual(SETUP_TEARDOWN_RUNS.ok.tasks);
    expect(existsSync(join(root, "scratch")), "the teardown removed the scratch folder").toBe(
      false,
    );
    expect(readFileSync(join(root, "done.txt"), "utf8")).toBe("done\n");
  });

  it("after the work failed the teardowns still run (one reading the work's output gets None), the task after the group does not, and the run fails (a teardown is left out of its state)", () => {
    const { r, root, states } = run("2025-06-02", { failWork: true });
    expect(r.status).not.toBe(0);
    expect(states?.state).toBe(SETUP_TEARDOWN_RUNS.failWork.state);
    expect(states?.tasks).toEqual(SETUP_TEARDOWN_RUNS.failWork.tasks);
    expect(existsSync(join(root, "scratch"))).toBe(false);
  });

  it("when its setup failed a teardown does not run (nothing to remove); one without setups does", () => {
    const { r, root, states } = run("2025-06-03", { failSetup: true });
    expect(r.status).not.toBe(0);
    expect(states?.state).toBe(SETUP_TEARDOWN_RUNS.failSetup.state);
    expect(states?.tasks).toEqual(SETUP_TEARDOWN_RUNS.failSetup.tasks);
    expect(existsSync(join(root, "done.txt"))).toBe(true);
  });
});
