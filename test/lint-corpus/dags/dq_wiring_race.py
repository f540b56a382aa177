"""Schema drift checks; the report reads a task that only runs in parallel with it."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, chain

with DAG(
    dag_id="schema_drift_checks",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="schema drift checks failed"),
    },
):
    snapshot = BashOperator(task_id="snapshot_schemas", bash_command="schema-snapshot --all")
    diff_crm = BashOperator(task_id="diff_crm", bash_command="schema-diff crm")
    diff_billing = BashOperator(task_id="diff_billing", bash_command="schema-diff billing")
    report = BashOperator(
        task_id="drift_report",
        bash_command=(
            "schema-report"
            " --crm {{ ti.xcom_pull(task_ids='diff_crm') }}"
            " --billing {{ ti.xcom_pull(task_ids='diff_billing') }}"  # expect: missing-xcom-key
        ),
    )

    chain(snapshot, [diff_crm, diff_billing])
    diff_crm >> report
