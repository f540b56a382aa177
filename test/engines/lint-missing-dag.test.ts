/**
 * missing-dag (MLG2036) against real Airflow: in a DAG folder, a TriggerDagRunOperator and an
 * ExternalTaskSensor naming a DAG id a letter off the one the folder defines. Real Airflow fails
 * the trigger (the DAG is not found) and times the sensor out, every DAG of the folder run once
 * with dag.test(); with the id the finding names, both succeed and mlgen lint says nothing.
 * DAGs made in a loop with f-string ids: a trigger of one of them runs and is not said, while a
 * typo of a written id beside them still is.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runFolderOnce } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
    from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
except ImportError:
    from airflow.operators.trigger_dagrun import TriggerDagRunOperator
    from airflow.sensors.external_task import ExternalTaskSensor
`;

const TARGETS = `${HEAD}
with DAG("ingest_churn", schedule="@daily", start_date=START, catchup=False):
    EmptyOperator(task_id="load")

with DAG("deploy_model", schedule=None, start_date=START, catchup=False):
    EmptyOperator(task_id="push")
`;

const retrain = (ingest: string, deploy: string) => `${HEAD}
with DAG("retrain_churn", schedule="@daily", start_date=START, catchup=False):
    ExternalTaskSensor(task_id="wait_ingest", external_dag_id="${ingest}", external_task_id="load", mode="poke", poke_interval=1, timeout=3)
    TriggerDagRunOperator(task_id="start_deploy", trigger_dag_id="${deploy}")
`;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-missing-dag");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("fails the trigger and times the sensor out where missing-dag reports their DAG ids; with the ids it names, both succeed", async () => {
    const typos = { "targets.py": TARGETS, "retrain.py": retrain("ingest_churm", "deploy_modle") };
    const findings = await lintTogether(work, version, typos, "missing-dag");
    expect(
      findings.map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]} | ${f.fix}`),
    ).toEqual([
      "retrain.py:26 task 'wait_ingest' waits for DAG 'ingest_churm', which no linted file defines | name 'ingest_churn', the DAG id closest to it in the linted files; if 'ingest_churm' is defined where this run did not look (another DAG folder or bundle), lint that folder too or silence the finding there",
      "retrain.py:27 task 'start_deploy' triggers DAG 'deploy_modle', which no linted file defines | name 'deploy_model', the DAG id closest to it in the linted files; if 'deploy_modle' is defined where this run did not look (another DAG folder or bundle), lint that folder too or silence the finding there",
    ]);
    // One run of each DAG of the folder as written: the sensor and the trigger fail.
    const typo = runFolderOnce(work, version, "typo", typos);
    expect(typo.states).toMatchObject({
      "ingest_churn.load": "success",
      "retrain_churn.wait_ingest": "failed",
      "retrain_churn.start_deploy": "failed",
    });
    expect(typo.output).toContain("AirflowSensorTimeout");
    expect(typo.output).toMatch(
      version === 3
        ? /Dag with dag_id: 'deploy_modle' not found/
        : /DagNotFound: Dag id deploy_modle not found/,
    );
    const fixedFiles = {
      "targets.py": TARGETS,
      "retrain.py": retrain("ingest_churn", "deploy_model"),
    };
    expect(await lintTogether(work, version, fixedFiles, "missing-dag")).toEqual([]);
    const fixed = runFolderOnce(work, version, "fixed", fixedFiles);
    expect(fixed.states).toMatchObject({
      "retrain_churn.wait_ingest": "success",
      "retrain_churn.start_deploy": "success",
    });
  });

  it("takes an id a loop's f-string builds as defined (the trigger runs), and still says a typo of a written one", async () => {
    const files = {
      "sources.py": `${HEAD}
for source in ["crm", "web"]:
    with DAG(f"ingest_{source}", schedule=None, start_date=START, catchup=False):
        EmptyOperator(task_id="load")

with DAG("deploy_model", schedule=None, start_date=START, catchup=False):
    EmptyOperator(task_id="push")
`,
      "retrain.py": `${HEAD}
with DAG("retrain_crm", schedule=None, start_date=START, catchup=False):
    TriggerDagRunOperator(task_id="start_ingest", trigger_dag_id="ingest_crm")
    TriggerDagRunOperator(task_id="start_deploy", trigger_dag_id="deploy_modle")
`,
    };
    const findings = await lintTogether(work, version, files, "missing-dag");
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]}`)).toEqual([
      "retrain.py:27 task 'start_deploy' triggers DAG 'deploy_modle', which no linted file defines",
    ]);
    const run = runFolderOnce(work, version, "loop", files);
    expect(run.states).toMatchObject({
      "retrain_crm.start_ingest": "success",
      "retrain_crm.start_deploy": "failed",
    });
  });
});
