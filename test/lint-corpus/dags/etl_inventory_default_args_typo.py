"""Inventory snapshot: the retry setting in default_args is misspelt, so nothing retries."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "supply-chain",
    "retires": 3,  # expect: unknown-default-arg
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_supply", text="inventory_snapshot failed"),
}

with DAG(
    dag_id="inventory_snapshot",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    snapshot = BashOperator(task_id="snapshot_inventory", bash_command="snapshot-inventory --day {{ ds }}", retries=2)
    publish = BashOperator(task_id="publish_inventory", bash_command="publish-inventory --day {{ ds }}", retries=2)
    snapshot >> publish
