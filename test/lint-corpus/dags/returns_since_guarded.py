"""Reloads returns from a date a run may give, printing it only when it is set."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

with DAG(
    dag_id="returns_reload",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "since": Param(None, type=["null", "string"]),
        "limit": Param(None, type=["null", "integer"]),
        "region": Param("eu", type="string"),
    },
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="{{ ti.task_id }} failed"),
    },
):
    BashOperator(
        task_id="export_returns",
        bash_command="returns export --region {{ params.region }}{% if params.since %} --since {{ params.since }}{% endif %} --limit {{ params.limit or 1000 }} --max '{{ params.limit | tojson }}'",
    )
