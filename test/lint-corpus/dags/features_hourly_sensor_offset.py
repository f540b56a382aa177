"""Hourly features: waits for the event ingestion of the same hour, then aggregates it."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="{{ dag.dag_id }} failed"),
}

with DAG(
    dag_id="ingest_click_events",
    schedule="15 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load_events", bash_command="events load --hour {{ logical_date.isoformat() }}")

with DAG(
    dag_id="hourly_click_features",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(  # expect: external-schedule-mismatch
        task_id="wait_for_events",
        external_dag_id="ingest_click_events",
        external_task_id="load_events",
        mode="reschedule",
        timeout=timedelta(hours=1),
    )
    aggregate = BashOperator(
        task_id="aggregate_clicks", bash_command="features clicks --hour {{ logical_date.isoformat() }}"
    )
    wait >> aggregate
