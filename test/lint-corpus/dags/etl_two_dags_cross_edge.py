"""Ingest and publish as two DAGs in one file, wired together as if they were one."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="ingest_publish failed"),
}


with DAG("orders_ingest", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    ingest = BashOperator(task_id="ingest_orders", bash_command="ingest-orders --day {{ ds }}")

with DAG("orders_publish", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    publish = BashOperator(task_id="publish_orders", bash_command="publish-orders --day {{ ds }}")

ingest >> publish  # expect: cross-dag-dependency
