"""Polls the labelling vendor's queue every 20 minutes in working hours; reports it at 09:00 and 09:45."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=10),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_labels", text="label poll failed"),
}

with DAG(
    dag_id="label_queue_poll",
    schedule="*/20 6-18 * * MON-FRI",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="poll_queue", bash_command="labels poll --at {{ ts }}")

with DAG(
    dag_id="label_queue_report",
    schedule="*/45 9 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="report_queue", bash_command="labels report --at {{ ts }}")
