"""Churn scoring: the champion model, and a challenger added below it to compare."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

START = pendulum.datetime(2025, 2, 1, tz="UTC")
DEFAULTS = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn scoring failed"),
}

with DAG("churn_scoring", schedule="0 5 * * *", start_date=START, catchup=False, default_args=DEFAULTS):  # expect: duplicate-dag-id
    BashOperator(task_id="score", bash_command="score churn --model champion --day {{ ds }}")

# Challenger: same features, new model; compare the two for a month.
with DAG("churn_scoring", schedule="0 5 * * *", start_date=START, catchup=False, default_args=DEFAULTS):  # expect: duplicate-dag-id
    BashOperator(task_id="score_challenger", bash_command="score churn --model challenger --day {{ ds }}")
