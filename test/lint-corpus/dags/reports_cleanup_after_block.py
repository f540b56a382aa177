"""Weekly report with a cleanup written after the with block, at module level."""

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
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="weekly_report failed"),
}

with DAG(
    dag_id="weekly_revenue_report",
    schedule="0 7 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args=default_args,
) as weekly:
    build = BashOperator(task_id="build_report", bash_command="build-report --week {{ ds }}")
    send = BashOperator(task_id="send_report", bash_command="send-report --week {{ ds }}")
    build >> send

cleanup = BashOperator(task_id="cleanup_workdir", bash_command="clean-workdir --week {{ ds_nodash }}")  # expect: task-outside-dag
