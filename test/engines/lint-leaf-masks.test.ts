/**
 * leaf-masks-failure (MLG2039) against real Airflow: a DAG whose last task runs after a failure
 * (a cleanup with all_done, an alert task with one_failed) ends success when the task before it
 * fails, as the finding says; a teardown (the fix) and a last task that fails with it end failed;
 * a teardown with on_failure_fail_dagrun, and an all_done task before a teardown, end success.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DAG_HEAD } from "./dag-head.js";
import { ensureEngines, tempDir } from "./harness.js";
import { lintTogether, runScript, writeDagFolder } from "./lint-together.js";

const dag = (id: string, body: string) => `
with DAG("${id}", schedule=None, start_date=START, catchup=False):
    w = boom()
${body}`;

/** The DAGs the rule reports: the run ends success though 'boom' failed. */
const MASKED = `${DAG_HEAD}

@task
def boom():
    raise ValueError("the work failed")

${dag("cleanup_all_done", `    c = EmptyOperator(task_id="cleanup", trigger_rule="all_done")\n    w >> c\n`)}
${dag("alert_one_failed", `    n = EmptyOperator(task_id="notify", trigger_rule=TriggerRule.ONE_FAILED)\n    w >> n\n`)}
${dag("plain_last", `    c = EmptyOperator(task_id="cleanup", trigger_rule="none_failed")\n    w >> c\n`)}
${dag("teardown_fails_run", `    c = EmptyOperator(task_id="cleanup")\n    w >> c.as_teardown(on_failure_fail_dagrun=True)\n`)}
`;

/** The fix: a teardown, which Airflow leaves out of the run's state. */
const TEARDOWN = `${DAG_HEAD}

@task
def boom():
    raise ValueError("the work failed")

${dag("cleanup_teardown", `    c = EmptyOperator(task_id="cleanup")\n    w >> c.as_teardown()\n`)}
${dag("tidy_before_teardown", `    t = EmptyOperator(task_id="tidy", trigger_rule="all_done")\n    c = EmptyOperator(task_id="cleanup")\n    w >> t >> c.as_teardown()\n`)}
`;

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-leaf-masks");
}, 900_000);

describe.each([3, 2] as const)("real Airflow %i", (version) => {
  it("ends success the runs leaf-masks-failure reports (a teardown's on_failure_fail_dagrun too), and fails the near miss and the teardown fix", async () => {
    const files = { "masked.py": MASKED, "teardown.py": TEARDOWN };
    const dags = writeDagFolder(join(work, `dags-${version}`), files);
    const { json } = runScript(work, version, "leaf", dags, "external_task_runs.py", [], {
      MLGEN_RUN_STATES: "1",
    });
    expect(json).toMatchObject({
      cleanup_all_done: "success",
      "cleanup_all_done.boom": "failed",
      "cleanup_all_done.cleanup": "success",
      alert_one_failed: "success",
      "alert_one_failed.boom": "failed",
      "alert_one_failed.notify": "success",
      plain_last: "failed",
      "plain_last.cleanup": "upstream_failed",
      cleanup_teardown: "failed",
      "cleanup_teardown.boom": "failed",
      "cleanup_teardown.cleanup": "success",
      // A teardown with on_failure_fail_dagrun: Airflow judges the run by it, not by the work.
      teardown_fails_run: "success",
      "teardown_fails_run.boom": "failed",
      "teardown_fails_run.cleanup": "success",
      // An all_done task before the teardown is the last task Airflow judges the run by.
      tidy_before_teardown: "success",
      "tidy_before_teardown.boom": "failed",
      "tidy_before_teardown.tidy": "success",
      "tidy_before_teardown.cleanup": "success",
    });
    const findings = await lintTogether(work, version, files, "leaf-masks-failure");
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]}`)).toEqual([
      "masked.py:26 DAG 'cleanup_all_done''s failed runs can end success",
      "masked.py:32 DAG 'alert_one_failed''s failed runs can end success",
      "masked.py:44 DAG 'teardown_fails_run''s failed runs can end success",
      "teardown.py:32 DAG 'tidy_before_teardown''s failed runs can end success",
    ]);
  });
});
