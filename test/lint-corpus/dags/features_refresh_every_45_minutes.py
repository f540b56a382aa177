"""Refreshes the online feature store's session features, meant to run every 45 minutes."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="session_features_refresh",
    schedule="*/45 * * * *",  # expect: schedule-uneven-step
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_features", text="session refresh failed"),
    },
):
    BashOperator(task_id="refresh_sessions", bash_command="features refresh sessions --at {{ ts }}")
