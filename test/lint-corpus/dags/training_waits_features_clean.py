"""Weekly retraining: waits for the grouped feature build and its checks, by their full ids."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, TaskGroup, task, task_group

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}

with DAG(
    dag_id="weekly_features",
    schedule="0 0 * * 1",
    start_date=pendulum.datetime(2025, 3, 3, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    with TaskGroup("build"):
        join = BashOperator(task_id="join_features", bash_command="features join --week {{ ds }}")

    @task_group
    def checks():
        @task
        def row_count() -> int:
            return 1

        row_count()

    join >> checks()

with DAG(
    dag_id="weekly_retraining",
    schedule="0 0 * * 1",
    start_date=pendulum.datetime(2025, 3, 3, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    joined = ExternalTaskSensor(
        task_id="features_joined",
        external_dag_id="weekly_features",
        external_task_id="build.join_features",
        mode="reschedule",
        timeout=timedelta(hours=4),
    )
    checked = ExternalTaskSensor(
        task_id="features_checked",
        external_dag_id="weekly_features",
        external_task_group_id="checks",
        mode="reschedule",
        timeout=timedelta(hours=4),
    )
    train = BashOperator(task_id="train_model", bash_command="train run --week {{ ds }}")
    [joined, checked] >> train
