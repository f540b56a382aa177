"""Daily report with a cleanup that must run whatever happened: its trigger rule is misspelt."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_analytics", text="daily_report failed"),
}

with DAG(
    dag_id="daily_report_cleanup",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    stage = BashOperator(task_id="stage_inputs", bash_command="stage-inputs --day {{ ds }}")
    render = BashOperator(task_id="render_report", bash_command="render-report --day {{ ds }}")
    cleanup = BashOperator(
        task_id="cleanup_staging",
        bash_command="rm -rf staging/{{ ds_nodash }}",
        trigger_rule="all_dnoe",  # expect: invalid-argument
    )

    stage >> render >> cleanup
