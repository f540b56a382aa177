"""Nightly training whose timeout key in default_args is misspelt: tasks run without a timeout."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "ml",
    "retries": 1,
    "retry_delay": timedelta(minutes=15),
    "execution_timout": timedelta(hours=3),  # expect: unknown-default-arg
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="nightly_training failed"),
}

with DAG(
    dag_id="nightly_training_timeout",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    validate = BashOperator(task_id="validate_data", bash_command="validate-data --day {{ ds }}", execution_timeout=timedelta(minutes=20))
    train = BashOperator(task_id="train_model", bash_command="train --day {{ ds }}", execution_timeout=timedelta(hours=2))
    validate >> train
