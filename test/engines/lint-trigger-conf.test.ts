/**
 * trigger-conf (MLG2035) against real Airflow: the DAG a TriggerDagRunOperator starts, run with
 * the conf the trigger sends (dag.test(run_conf=...)), takes the param's default where a conf
 * key is a letter off the param (its task checks the values it was sent, and fails); with the
 * key the finding names, the run gets the value. The trigger task itself succeeds either way.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runDagsOnce, writeDagFolder } from "./lint-together.js";

const HEAD = `${DAG_HEAD}
try:
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
    from airflow.sdk import Param
except ImportError:
    from airflow.models.param import Param
    from airflow.operators.trigger_dagrun import TriggerDagRunOperator
`;

const TARGET = `${HEAD}

with DAG(
    "retrain",
    schedule=None,
    start_date=START,
    params={"learning_rate": Param(0.1, type="number"), "epochs": 3},
):

    @task
    def fit(params=None):
        assert params["learning_rate"] == 0.5, f"learning_rate {params['learning_rate']}"
        assert params["epochs"] == 5, f"epochs {params['epochs']}"

    fit()
`;

const CONF = { learning_rte: 0.5, epochs: 5 };
const FIXED = { learning_rate: 0.5, epochs: 5 };

const trigger = (conf: Record<string, number>) => `${HEAD}

with DAG("nightly", schedule=None, start_date=START):
    TriggerDagRunOperator(task_id="kick", trigger_dag_id="retrain", conf=${JSON.stringify(conf)})
`;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-trigger-conf");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("runs the triggered DAG with the default where trigger-conf reports a key, and with the value once the key is fixed", async () => {
    const files = { "retrain.py": TARGET, "nightly.py": trigger(CONF) };
    const findings = await lintTogether(work, version, files, "trigger-conf");
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message} | ${f.fix}`)).toEqual([
      "nightly.py:27 task 'kick' triggers DAG 'retrain' with conf key 'learning_rte', which is none of its params: Airflow puts it into the run's conf, where nothing reads it, and the run takes the default of 'learning_rate', without a word | did you mean 'learning_rate'? Name the key as DAG 'retrain' names its param",
    ]);
    // The run the trigger starts, with the conf it sends: the task sees the default.
    const dags = writeDagFolder(join(work, `as-written-${version}`), files);
    const sent = runDagsOnce(work, version, "as-written", dags, { retrain: CONF });
    expect(sent.states).toEqual({ "nightly.kick": "success", "retrain.fit": "failed" });
    expect(sent.output).toContain("learning_rate 0.1");
    const fixedFiles = { "retrain.py": TARGET, "nightly.py": trigger(FIXED) };
    expect(await lintTogether(work, version, fixedFiles, "trigger-conf")).toEqual([]);
    const fixedDags = writeDagFolder(join(work, `fixed-${version}`), fixedFiles);
    const fixed = runDagsOnce(work, version, "fixed", fixedDags, { retrain: FIXED });
    expect(fixed.states).toEqual({ "nightly.kick": "success", "retrain.fit": "success" });
  });

  it("fails the trigger where trigger-conf reports a template for a typed param, and starts the run with the conf rendered as JSON", async () => {
    const typed = `${HEAD}

with DAG(
    "retrain_typed",
    schedule=None,
    start_date=START,
    params={"learning_rate": Param(0.1, type="number")},
):

    @task
    def fit(params=None):
        print("LR", params["learning_rate"])

    fit()
`;
    const tuning = (conf: string) => `${HEAD}

with DAG("tuning", schedule=None, start_date=START):

    @task
    def tune():
        return 0.5

    tune() >> TriggerDagRunOperator(task_id="kick", trigger_dag_id="retrain_typed", conf=${conf})
`;
    const files = {
      "retrain_typed.py": typed,
      "tuning.py": tuning(`{"learning_rate": "{{ ti.xcom_pull(task_ids='tune') }}"}`),
    };
    const findings = await lintTogether(work, version, files, "trigger-conf");
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      "tuning.py:32 task 'kick' triggers DAG 'retrain_typed' with conf key 'learning_rate', whose value is a template, which Airflow renders to text, where param 'learning_rate' is of type number: Airflow's check of the param refuses the text, so the task fails and no run is started",
    ]);
    const ran = runDagsOnce(
      work,
      version,
      "typed",
      writeDagFolder(join(work, `typed-${version}`), files),
    );
    expect(ran.states).toMatchObject({ "tuning.tune": "success", "tuning.kick": "failed" });
    expect(ran.output).toContain("'0.5' is not of type 'number'");
    // The fix the finding gives: the whole conf as JSON, each value with its type.
    const fixedFiles = {
      "retrain_typed.py": typed,
      "tuning.py": tuning(`"{{ {'learning_rate': ti.xcom_pull(task_ids='tune')} | tojson }}"`),
    };
    expect(await lintTogether(work, version, fixedFiles, "trigger-conf")).toEqual([]);
    const fixed = runDagsOnce(
      work,
      version,
      "typed-fixed",
      writeDagFolder(join(work, `typed-fixed-${version}`), fixedFiles),
    );
    expect(fixed.states).toMatchObject({ "tuning.tune": "success", "tuning.kick": "success" });
  });
});
