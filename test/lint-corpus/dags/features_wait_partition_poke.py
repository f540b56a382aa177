"""Builds daily features once the events partition lands; the wait holds a worker slot for days."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.sensors.sql import SqlSensor
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="daily_event_features",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "features",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_features", text="features failed"),
    },
):
    partition = SqlSensor(  # expect: sensor-poke-mode, missing-timeout
        task_id="wait_for_events_partition",
        conn_id="warehouse",
        sql="SELECT 1 FROM information_schema.partitions WHERE partition_id = '{{ ds_nodash }}'",
        poke_interval=120,
    )
    build = BashOperator(
        task_id="build_event_features",
        bash_command="dbt run --select event_features --vars '{day: {{ ds }}}'",
        execution_timeout=timedelta(hours=1),
    )
    publish = BashOperator(
        task_id="publish_event_features",
        bash_command="dbt run-operation publish --args '{day: {{ ds }}}'",
        execution_timeout=timedelta(minutes=20),
    )
    partition >> build >> publish
