"""Drift monitoring, one DAG per model, built by a factory whose with block registers each DAG."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

MODELS = ["churn", "ltv", "fraud"]

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}


def build_drift_dag(model):
    with DAG(
        dag_id=f"drift_checked_{model}",
        schedule="@daily",
        start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
        catchup=False,
        default_args=default_args,
    ) as dag:
        score = BashOperator(task_id="score_window", bash_command=f"drift score --model {model}")
        alert = BashOperator(task_id="compare", bash_command=f"drift compare --model {model}")
        score >> alert
    return dag


for model in MODELS:
    build_drift_dag(model)
