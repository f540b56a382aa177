"""Nightly training on a scratch cluster; the cluster is torn down whatever happens."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.task.trigger_rule import TriggerRule

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="nightly_training_cluster",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create train-{{ ds_nodash }}")
    train = BashOperator(task_id="train_model", bash_command="cluster run train-{{ ds_nodash }} train.py")  # expect: train-without-validation
    delete = BashOperator(  # expect: leaf-masks-failure
        task_id="delete_cluster",
        bash_command="cluster delete train-{{ ds_nodash }}",
        trigger_rule=TriggerRule.ALL_DONE,
    )
    create >> train >> delete
