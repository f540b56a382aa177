/**
 * deadline-alert-template (MLG2044) against real Airflow 3.3.2: each deadline alert's notifier
 * of the corpus's deadline DAGs, and of DAGs written here, is made and rendered as a missed
 * deadline renders it (test/python/render_deadline_alerts.py: the context models/deadline.py
 * gives, BaseNotifier.__call__'s steps before notify()). The DAGs the rule reports are exactly
 * those whose alert fails to render or prints a name as nothing, and a date filter on the
 * run's dates fails with strftime, as its message says.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureEngines, ROOT, tempDir } from "./harness.js";
import { lintTogether, runScript, writeDagFolder } from "./lint-together.js";

const CORPUS = [
  "training_deadline_sla_text.py",
  "features_deadline_email.py",
  "monitoring_deadline_shared.py",
  "retrain_deadline_texts_clean.py",
];

const alert = (callable: string, text: string) => `DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=1),
        callback=SyncCallback(${callable}, kwargs={"slack_webhook_conn_id": "slack", "text": ${JSON.stringify(text)}}),
    )`;

const dag = (id: string, deadline: string) => `
with DAG("${id}", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), deadline=${deadline}):
    EmptyOperator(task_id="work")
`;

/** Names rendered as nothing, guarded names, the notifier's own fields, an alias, a function. */
const EDGES = `from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier, send_slack_webhook_notification
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback


def notify(slack_webhook_conn_id, text, context=None):
    print(text)


def send_team_notification(slack_webhook_conn_id, text, context=None):
    print(text)

${dag("deadline_ds_only", alert("SlackWebhookNotifier", "late on {{ ds }}"))}
${dag("deadline_guarded", alert("SlackWebhookNotifier", "late on {{ ds | default('?') }} {% if ti is defined %}{{ ti }}{% endif %} {{ text | length }}"))}
${dag("deadline_alias", alert("send_slack_webhook_notification", "{{ dag.dag_id }} is late"))}
${dag("deadline_function", alert("notify", "{{ ti.task_id }} as written"))}
${dag("deadline_dates", alert("SlackWebhookNotifier", "{{ deadline.deadline_time | ts }} {{ dag_run.queued_at }} {{ dag_run.conf }}"))}
${dag("deadline_run_after", alert("SlackWebhookNotifier", "{{ dag_run.run_after | ds }}"))}
${dag("deadline_run_id", alert("SlackWebhookNotifier", "run {{ dag_run.run_id }} is late"))}
${dag("deadline_tested", alert("SlackWebhookNotifier", "{% if ti %}{{ ti.task_id }}{% endif %} {{ ds or 'n/a' }} {# {{ dag_run.logical_date | ds }} #}"))}
${dag("deadline_own_function", alert("send_team_notification", "{{ ti.task_id }} as written"))}
`;

type Rendered = { notifier: boolean; error?: string | null; undefined?: string[] };

let work = "";
beforeAll(() => {
  ensureEngines();
  work = tempDir("lint-deadline-texts");
}, 900_000);

describe("real Airflow 3", () => {
  it("fails or blanks exactly the deadline alerts deadline-alert-template reports, and renders the others", async () => {
    const files: Record<string, string> = { "edges.py": EDGES };
    for (const name of CORPUS) {
      files[name] = readFileSync(join(ROOT, "test/lint-corpus/dags", name), "utf8");
    }
    const dags = writeDagFolder(join(work, "dags"), files);
    const { json } = runScript(work, 3, "deadline", dags, "render_deadline_alerts.py", []);
    const result = json as {
      import_errors: Record<string, string>;
      dags: Record<string, Rendered[]>;
    };
    expect(result.import_errors).toEqual({});
    const broken = Object.entries(result.dags)
      .filter(([, alerts]) => alerts.some((a) => a.error || (a.undefined ?? []).length > 0))
      .map(([id]) => id)
      .sort();
    const findings = await lintTogether(work, 3, files, "deadline-alert-template");
    const reported = [
      ...new Set(findings.map((f) => /of DAG '([^']+)'/.exec(f.message)?.[1] ?? "?")),
    ].sort();
    expect(reported).toEqual(broken);
    expect(broken).toEqual([
      "churn_training_nightly",
      "daily_feature_tables",
      "deadline_alias",
      "deadline_ds_only",
      "deadline_run_after",
      "deadline_run_id",
      "drift_monitor_hourly",
    ]);

    // What breaks each one, as the findings say.
    const first = (id: string): Rendered =>
      result.dags[id]?.find((a) => a.notifier) ?? { notifier: false };
    expect(first("deadline_ds_only")).toMatchObject({ error: null, undefined: ["ds"] });
    expect(first("deadline_alias").error).toBe("UndefinedError: 'dag' is undefined");
    for (const id of ["daily_feature_tables", "deadline_run_after"]) {
      expect(first(id).error).toBe("AttributeError: 'str' object has no attribute 'strftime'");
    }
    expect(first("churn_training_nightly").error).toBe("UndefinedError: 'ti' is undefined");
    expect(first("deadline_run_id")).toMatchObject({ error: null, undefined: ["run_id"] });
    expect(first("deadline_tested")).toMatchObject({ error: null, undefined: [] });
    expect(result.dags.deadline_own_function).toEqual([{ notifier: false }]);
    // A function's kwargs are not rendered: Airflow passes them as written.
    expect(result.dags.deadline_function).toEqual([{ notifier: false }]);
    expect(first("deadline_dates")).toMatchObject({ error: null, undefined: [] });
    expect(findings.map((f) => `${f.file}:${f.line} ${f.message.split(":")[0]}`).sort()).toEqual([
      "edges.py:20 template variable 'ds' in its text of a deadline alert of DAG 'deadline_ds_only'",
      "edges.py:36 template variable 'dag' in its text of a deadline alert of DAG 'deadline_alias'",
      "edges.py:60 the template in its text ('dag_run.run_after | ds') of a deadline alert of DAG 'deadline_run_after'",
      "edges.py:68 field 'dag_run.run_id' in its text of a deadline alert of DAG 'deadline_run_id'",
      "features_deadline_email.py:31 the template in its subject ('dag_run.logical_date | ds') of a deadline alert of DAG 'daily_feature_tables'",
      "monitoring_deadline_shared.py:20 template variable 'params' in its text of a deadline alert of DAG 'drift_monitor_hourly'",
      "monitoring_deadline_shared.py:20 template variable 'run_id' in its text of a deadline alert of DAG 'drift_monitor_hourly'",
      "training_deadline_sla_text.py:31 template variable 'ds' in its text of a deadline alert of DAG 'churn_training_nightly'",
      "training_deadline_sla_text.py:31 template variable 'ti' in its text of a deadline alert of DAG 'churn_training_nightly'",
    ]);
  });
});
