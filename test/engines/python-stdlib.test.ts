/**
 * The standard-library names mlgen refuses as project modules (MLG1011) are Python's own, and
 * real Airflow does import the standard library's module instead of a DAG-folder one of that name.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PYTHON_STDLIB } from "../../packages/compiler/src/passes/stdlib.js";
import { AIRFLOW2_PYTHON, airflowEnv, ensureEngines, PYTHON, tempDir } from "./harness.js";

beforeAll(() => ensureEngines(), 600_000);

describe("project modules named like the standard library", () => {
  it("the list is the engine Python's sys.stdlib_module_names, without the private ones", () => {
    const names = execFileSync(
      PYTHON,
      [
        "-c",
        "import json, sys; print(json.dumps(sorted(m for m in sys.stdlib_module_names if not m.startswith('_'))))",
      ],
      { encoding: "utf8" },
    );
    expect([...PYTHON_STDLIB].sort()).toEqual(JSON.parse(names));
  });

  it.each([
    ["Airflow 3", PYTHON],
    ["Airflow 2", AIRFLOW2_PYTHON],
  ])("%s imports the standard library's module, not the DAG folder's", (_name, python) => {
    const home = tempDir("stdlib-home");
    const dags = join(tempDir("stdlib-dags"), "dags");
    mkdirSync(dags);
    // statistics is not imported by Airflow itself: only sys.path's order decides.
    writeFileSync(join(dags, "statistics.py"), "def project_mean(xs):\n    return 0\n");
    writeFileSync(
      join(dags, "uses_it.py"),
      "# airflow dag\nfrom statistics import project_mean  # noqa: F401\n",
    );
    const script = `
import json
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=${JSON.stringify(dags)})
print(json.dumps({k.rsplit("/", 1)[-1]: v for k, v in bag.import_errors.items()}))
`;
    const errors = JSON.parse(
      execFileSync(python, ["-c", script], {
        encoding: "utf8",
        env: airflowEnv(home, dags),
      })
        .trim()
        .split("\n")
        .at(-1) as string,
    ) as Record<string, string>;
    expect(Object.keys(errors)).toEqual(["uses_it.py"]);
    expect(errors["uses_it.py"]).toContain("cannot import name 'project_mean' from 'statistics'");
  });
});
