"""Batch scoring with a shadow model: the shadow branch was pasted from the live one."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "ml-serving",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="batch_scoring failed"),
}

with DAG(
    dag_id="batch_scoring_shadow",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    features = BashOperator(task_id="load_features", bash_command="load-features --day {{ ds }}")
    live = BashOperator(task_id="score_live", bash_command="score --model live --day {{ ds }}")
    shadow = BashOperator(task_id="score_live", bash_command="score --model shadow --day {{ ds }}")  # expect: duplicate-task-id
    compare = BashOperator(task_id="compare_models", bash_command="compare-scores --day {{ ds }}")

    features >> [live, shadow] >> compare
