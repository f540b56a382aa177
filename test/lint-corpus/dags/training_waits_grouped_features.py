"""Daily training set: waits for the feature build, whose join step moved into a task group."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, TaskGroup

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}

with DAG(
    dag_id="daily_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    extract = BashOperator(task_id="extract_events", bash_command="features extract --day {{ ds }}")
    with TaskGroup("build") as build:
        sessions = BashOperator(task_id="sessions", bash_command="features sessions --day {{ ds }}")
        join = BashOperator(task_id="join_features", bash_command="features join --day {{ ds }}")
        sessions >> join
    extract >> build

with DAG(
    dag_id="daily_training_set",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    # The join step is `build.join_features` since it moved into the group.
    features = ExternalTaskSensor(
        task_id="features_joined",
        external_dag_id="daily_features",
        external_task_id="join_features",  # expect: external-task-missing
        mode="reschedule",
        timeout=timedelta(hours=4),
    )
    export = BashOperator(task_id="export_training_set", bash_command="dataset export --day {{ ds }}")
    features >> export
