"""Inventory sync: the v2 DAG was added beside v1 for the migration, under the same id."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

DEFAULTS = {
    "retries": 3,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="inventory sync failed"),
}

dag_v1 = DAG(
    dag_id="inventory_sync",  # expect: duplicate-dag-id
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULTS,
)
dag_v2 = DAG(
    dag_id="inventory_sync",  # expect: duplicate-dag-id
    schedule="*/15 * * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULTS,
)

BashOperator(task_id="sync", bash_command="inventory sync --since {{ data_interval_start }}", dag=dag_v1)
BashOperator(task_id="sync_incremental", bash_command="inventory sync --incremental", dag=dag_v2)
