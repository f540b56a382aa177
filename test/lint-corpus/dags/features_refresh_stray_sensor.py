"""Feature refresh: a readiness check was added below the DAG and never wired in."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="feature_refresh failed"),
}

refresh_dag = DAG(
    "feature_refresh_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)

with refresh_dag:
    compute = BashOperator(task_id="compute_features", bash_command="compute-features --day {{ ds }}")
    publish = BashOperator(task_id="publish_features", bash_command="publish-features --day {{ ds }}")
    compute >> publish

check = BashOperator(task_id="check_upstream_ready", bash_command="check-ready warehouse.events --day {{ ds }}")  # expect: task-outside-dag
