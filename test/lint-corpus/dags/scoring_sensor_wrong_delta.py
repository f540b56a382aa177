"""Nightly scoring: waits for the feature build that runs two hours earlier."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}

with DAG(
    dag_id="nightly_feature_build",
    schedule=CronTriggerTimetable("0 1 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="build_features", bash_command="features build --day {{ ds }}")

with DAG(
    dag_id="nightly_scoring",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    # Features run at 01:00, scoring at 03:00: the delta was written the wrong way round.
    features = ExternalTaskSensor(  # expect: external-schedule-mismatch
        task_id="features_built",
        external_dag_id="nightly_feature_build",
        external_task_id="build_features",
        execution_delta=timedelta(hours=22),
        mode="reschedule",
        timeout=timedelta(hours=2),
    )
    score = BashOperator(task_id="score_customers", bash_command="score run --day {{ ds }}")
    features >> score
