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
import { AIRFLOW2_PYTHON, ensureEngines, inspectDags, PYTHON, tempDir } from "./harness.js";

const HEAD = `import pendulum

try:
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG, dag
except ImportError:
    from airflow import DAG
    from airflow.decorators import dag
    from airflow.operators.empty import EmptyOperator

START = pendulum.datetime(2025, 1, 1, tz="UTC")
`;

const FILES: Record<string, string> = {
  "sales_daily.py": `${HEAD}\nwith DAG("sales_daily", schedule="@daily", start_date=START, catchup=False):\n    EmptyOperator(task_id="score")\n\nwith DAG("sales_only_here", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "sales_daily_v2.py": `${HEAD}\n@dag(schedule="@daily", start_date=START, catchup=False)\ndef sales_daily():\n    EmptyOperator(task_id="score_v2")\n\n\nsales_daily()\n`,
  "scores.py": `${HEAD}\nwith DAG(dag_id="scores", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
  "scores_copy.py": `${HEAD}\nwith DAG(dag_id="scores", schedule=None, start_date=START):\n    EmptyOperator(task_id="b")\n`,
  "sales_draft.py": `${HEAD}\n@dag(schedule=None, start_date=START)\ndef sales_daily():\n    EmptyOperator(task_id="draft")\n`,
  "regions.py": `${HEAD}\nfor region in ["eu", "us"]:\n    with DAG(f"scores_{region}", schedule=None, start_date=START):\n        EmptyOperator(task_id="a")\n`,
  "unique.py": `${HEAD}\nwith DAG("unique", schedule=None, start_date=START):\n    EmptyOperator(task_id="a")\n`,
};

let folder = "";
beforeAll(() => {
  ensureEngines();
  folder = join(tempDir("lint-folder"), "dags");
  mkdirSync(folder, { recursive: true });
  for (const [name, source] of Object.entries(FILES)) writeFileSync(join(folder, name), source);
}, 900_000);

/** DAG id → the files an AirflowDagDuplicatedIdException names, from a DagBag of the folder. */
function refused(python: string): Record<string, string[]> {
  const seen = inspectDags(folder, { python });
  const out: Record<string, string[]> = {};
  for (const error of Object.values(seen.import_errors)) {
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
    const airflow = refused(python);
    const files = readdirSync(folder)
      .sort()
      .map((file) => ({ file, path: join(folder, file) }));
    const linted = await lintPythonFiles(files, { airflowVersion }, 0);
    const mlgen: Record<string, string[]> = {};
    for (const r of linted) {
      for (const f of r.findings.filter((x) => x.ruleId === "duplicate-dag-id")) {
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
});
