import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lowerPipeline, renderDag } from "../../packages/compiler/src/index.js";
import { pipeline, seconds } from "../../packages/dsl/src/index.js";
import { AIRFLOW2_PYTHON, ensureEngines, PYTHON, ROOT, tempDir } from "./harness.js";

const MODULE = "tasks/sensor_poke.py";
const SOURCE = readFileSync(join(ROOT, "test/fixtures", MODULE), "utf8");

/** A python sensor whose check returns Airflow's PokeReturnValue, ready or not by `ready`. */
function dagFor(ready: boolean, version: 2 | 3): string {
  const ir = pipeline("poke_value", {}, (p) => {
    p.pythonSensor("wait", {
      fn: `${MODULE}:poke_value`,
      inputs: { ready, rows: 42 },
      outputs: { rows: "int" },
      mode: "poke",
      timeout: seconds(60),
    });
  }).ir;
  const r = lowerPipeline({ ir, sourceMap: {}, modules: new Map([[MODULE, SOURCE]]) });
  if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join("\n"));
  return renderDag({
    ...r,
    sourceFile: "pipelines/p.pipeline.ts",
    sourceMap: {},
    pythonFiles: [{ path: MODULE, content: SOURCE }],
    settings: { airflowVersion: version },
  });
}

let dir = "";
beforeAll(() => {
  ensureEngines();
  dir = tempDir("sensor-poke");
}, 600_000);

describe.each([
  [3, PYTHON],
  [2, AIRFLOW2_PYTHON],
] as const)("a python sensor's PokeReturnValue on real Airflow %i", (version, python) => {
  /** What the real PythonSensor's poke returns, and what its check pushed. */
  function poke(ready: boolean): Record<string, unknown> {
    const folder = join(dir, `${version}-${ready}`);
    mkdirSync(join(folder, "tasks"), { recursive: true });
    cpSync(join(ROOT, "test/fixtures", MODULE), join(folder, MODULE));
    writeFileSync(join(folder, "poke_value.py"), dagFor(ready, version));
    const r = spawnSync(
      python,
      [join(ROOT, "test/python/poke_sensor.py"), join(folder, "poke_value.py"), "wait"],
      {
        cwd: folder,
        encoding: "utf8",
        env: { ...process.env, AIRFLOW_HOME: join(folder, "home"), PYTHONPATH: folder },
        timeout: 120_000,
      },
    );
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    return JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}");
  }

  it("is_done=True: its xcom_value is the outputs, pushed (checked) under their keys, and the poke is done", () => {
    expect(poke(true)).toEqual({ is_done: true, xcom_value: null, pushed: { rows: 42 } });
  });

  it("is_done=False: not done, nothing pushed (its xcom_value is not taken)", () => {
    expect(poke(false)).toEqual({ is_done: false, xcom_value: null, pushed: {} });
  });
});
