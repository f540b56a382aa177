"""Feature pipelines split in two DAGs, still chained as one list."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, chain

default_args = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="features failed"),
}


with DAG("features_raw", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    pull = BashOperator(task_id="pull_events", bash_command="pull-events --hour {{ ts }}")
    clean = BashOperator(task_id="clean_events", bash_command="clean-events --hour {{ ts }}")

with DAG("features_aggregates", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args):
    aggregate = BashOperator(task_id="aggregate_features", bash_command="aggregate --hour {{ ts }}")

chain(pull, clean, aggregate)  # expect: cross-dag-dependency
