"""Nightly fine-tuning on a scratch cluster, torn down by a teardown task the run's state ignores."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="nightly_finetune_cluster",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create tune-{{ ds_nodash }}")
    tune = BashOperator(task_id="finetune_model", bash_command="cluster run tune-{{ ds_nodash }} tune.py")  # expect: train-without-validation
    delete = BashOperator(task_id="delete_cluster", bash_command="cluster delete tune-{{ ds_nodash }}")
    create >> tune >> delete.as_teardown(setups=create)
