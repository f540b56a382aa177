"""Freshness checks in a group whose default_args misspell the failure callback."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup

default_args = {
    "owner": "data-quality",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=15),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="freshness failed"),
}

with DAG(
    dag_id="freshness_checks",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    with TaskGroup(
        "critical",
        default_args={"on_failure_callbak": SlackNotifier(slack_conn_id="slack_oncall", text="critical table stale")},  # expect: unknown-default-arg
    ):
        orders = BashOperator(task_id="orders_fresh", bash_command="check-fresh orders --hour {{ ts }}")
        payments = BashOperator(task_id="payments_fresh", bash_command="check-fresh payments --hour {{ ts }}")
