"""Data quality checks in a group, with an alert wired both after and before the group."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup, chain

default_args = {
    "owner": "data-quality",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=20),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="dq_checks failed"),
}

with DAG(
    dag_id="dq_checks_grouped",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    refresh = BashOperator(task_id="refresh_views", bash_command="refresh-views --hour {{ ts }}")
    with TaskGroup("checks") as checks:
        rows = BashOperator(task_id="row_counts", bash_command="dq rows --hour {{ ts }}")
        nulls = BashOperator(task_id="null_rates", bash_command="dq nulls --hour {{ ts }}")
    summary = BashOperator(task_id="post_summary", bash_command="dq summary --hour {{ ts }}")

    chain(refresh, checks, summary)
    summary >> rows  # expect: dependency-cycle
