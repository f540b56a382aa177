"""Reloads orders from a date a run may give; a scheduled run leaves it unset."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="orders_reload",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={
        "since": Param(None, type=["null", "string"], format="date", description="reload from this day"),
        "region": Param("eu", type="string", enum=["eu", "us"]),
    },
):
    extract = BashOperator(
        task_id="extract_orders",
        bash_command="orders export --region {{ params.region }} --since {{ params.since }} --day {{ ds }}",  # expect: none-param-printed
    )
    load = BashOperator(task_id="load_orders", bash_command="orders load --day {{ ds }}")
    extract >> load
