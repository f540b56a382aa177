/**
 * Real engines: what `mlgen lint` finds only by reading the DAG files of a folder together. A DAG
 * id that two files define (duplicate-dag-id, MLG2027) is reported in exactly the files real
 * Airflow 3 and Airflow 2 (each from its pinned venv) name when a DagBag of the folder refuses
 * the later one (AirflowDagDuplicatedIdException: "Ignoring DAG x from B - also found in A"),
 * and in no other: not for an uncalled @dag function of the same name, DAGs made in a loop, or
 * ids each file has alone.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lintPythonFiles } from "../../packages/lint/src/index.js";
import { DAG_HEAD } from "./dag-head.js";
import {
  AIRFLOW2_PYTHON,
  ensureEngines,
  type InspectedDags,
  inspectDags,
  PYTHON,
  tempDir,
} from "./harness.js";

const FILES: Record<string, string> = {
  "sales_daily.py": `${DAG_HEAD}\nwith DAG("sales_daily", schedule="@daily", start_date=START, catchup=False):\n    EmptyOperator(task_id="score")\n\nwith DAG("sales_only_here", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "sales_daily_v2.py": `${DAG_HEAD}\n@dag(schedule="@daily", start_date=START, catchup=False)\ndef sales_daily():\n    EmptyOperator(task_id="score_v2")\n\n\nsales_daily()\n`,
  "scores.py": `${DAG_HEAD}\nwith DAG(dag_id="scores", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "scores_copy.py": `${DAG_HEAD}\nwith DAG(dag_id="scores", schedule=None, start_date=START):\n    EmptyOperator(task_id="b")\n`,
  "sales_draft.py": `${DAG_HEAD}\n@dag(schedule=None, start_date=START)\ndef sales_daily():\n    EmptyOperator(task_id="draft")\n`,
  "regions.py": `${DAG_HEAD}\nfor region in ["eu", "us"]:\n    with DAG(f"scores_{region}", schedule=None, start_date=START):\n        EmptyOperator(task_id="a")\n`,
  "unique.py": `${DAG_HEAD}\nwith DAG("unique", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
  // One id twice in a file: the last DAG replaces the first, without an error. Not in branches.
  "twice.py": `${DAG_HEAD}\nwith DAG("twice", schedule="@daily", start_date=START, catchup=False):\n    EmptyOperator(task_id="first")\n\nwith DAG("twice", schedule=None, start_date=START):\n    EmptyOperator(task_id="second")\n\n\n@dag(dag_id="twice_decorated", schedule=None, start_date=START)\ndef v1():\n    EmptyOperator(task_id="v1")\n\n\n@dag(dag_id="twice_decorated", schedule=None, start_date=START)\ndef v2():\n    EmptyOperator(task_id="v2")\n\n\nv1()\nv2()\n\nif START.year > 2000:\n    with DAG("branched", schedule=None, start_date=START):\n        EmptyOperator(task_id="new")\nelse:\n    with DAG("branched", schedule=None, start_date=START):\n        EmptyOperator(task_id="old")\n`,
};

let folder = "";
/** What each version's DagBag of the folder saw. */
const seen: Partial<Record<2 | 3, InspectedDags>> = {};
beforeAll(() => {
  ensureEngines();
  folder = join(tempDir("lint-folder"), "dags");
  mkdirSync(folder, { recursive: true });
  for (const [name, source] of Object.entries(FILES)) writeFileSync(join(folder, name), source);
}, 900_000);

/** DAG id → the files an AirflowDagDuplicatedIdException names, from a DagBag of the folder. */
function refused(python: string, version: 2 | 3): Record<string, string[]> {
  const bag = inspectDags(folder, { python });
  seen[version] = bag;
  const out: Record<string, string[]> = {};
  for (const error of Object.values(bag.import_errors)) {
    const m =
      /AirflowDagDuplicatedIdException: Ignoring DAG (\S+) from (\S+) - also found in (\S+)/.exec(
        error,
      );
    if (!m) throw new Error(`an import error of another kind:\n${error}`);
    out[m[1] as string] = [basename(m[2] as string), basename(m[3] as string)].sort();
  }
  return out;
}

describe.each([
  ["Airflow 3", PYTHON, 3],
  ["Airflow 2", AIRFLOW2_PYTHON, 2],
] as const)("%s", (_name, python, airflowVersion) => {
  it("refuses a duplicate DAG id in exactly the files mlgen lint reports it in (duplicate-dag-id)", async () => {
    const airflow = refused(python, airflowVersion);
    const files = readdirSync(folder)
      .sort()
      .map((file) => ({ file, path: join(folder, file) }));
    const linted = await lintPythonFiles(files, { airflowVersion }, 0);
    const mlgen: Record<string, string[]> = {};
    for (const r of linted) {
      const acrossFiles = (x: (typeof r.findings)[number]) =>
        x.ruleId === "duplicate-dag-id" && / is also defined in /.test(x.message);
      for (const f of r.findings.filter(acrossFiles)) {
        const id = /^DAG id '([^']+)'/.exec(f.message)?.[1] as string;
        mlgen[id] = [...(mlgen[id] ?? []), r.file].sort();
        expect(f.severity).toBe("error");
      }
    }
    expect(airflow).toEqual({
      sales_daily: ["sales_daily.py", "sales_daily_v2.py"],
      scores: ["scores.py", "scores_copy.py"],
    });
    expect(mlgen).toEqual(airflow);
  }, 600_000);

  it("keeps one of the DAGs a file makes with an id, silently: mlgen lint reports each of them (duplicate-dag-id)", async () => {
    const bag = seen[airflowVersion] ?? inspectDags(folder, { python });
    // Airflow loads the file, with one DAG of each id (which one is left to a set's order: not
    // always the last), and no error; the branches make one.
    expect(Object.keys(bag.import_errors).filter((f) => f.endsWith("twice.py"))).toEqual([]);
    expect([["first"], ["second"]]).toContainEqual(Object.keys(bag.dags.twice?.tasks ?? {}));
    expect([["v1"], ["v2"]]).toContainEqual(Object.keys(bag.dags.twice_decorated?.tasks ?? {}));
    expect(Object.keys(bag.dags.branched?.tasks ?? {})).toEqual(["new"]);
    const [twice] = await lintPythonFiles(
      [{ file: "twice.py", path: join(folder, "twice.py") }],
      { airflowVersion },
      0,
    );
    const lines = FILES["twice.py"]?.split("\n") ?? [];
    const dropped = (twice?.findings ?? [])
      .filter((f) => f.ruleId === "duplicate-dag-id")
      .map((f) => lines[f.line - 1]?.trim());
    expect(dropped).toEqual([
      'with DAG("twice", schedule="@daily", start_date=START, catchup=False):',
      'with DAG("twice", schedule=None, start_date=START):',
      '@dag(dag_id="twice_decorated", schedule=None, start_date=START)',
      '@dag(dag_id="twice_decorated", schedule=None, start_date=START)',
    ]);
  }, 600_000);
});
