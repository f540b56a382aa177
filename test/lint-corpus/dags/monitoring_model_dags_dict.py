"""Drift monitoring, one DAG per served model, kept in a dict for the alerting code."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

MODELS = ["churn", "ltv", "fraud"]

default_args = {
    "retries": 1,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}

MONITORS = {}
for model in MODELS:
    MONITORS[model] = DAG(  # expect: dag-not-registered
        dag_id=f"monitor_{model}",
        schedule="0 */6 * * *",
        start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
        catchup=False,
        default_args=default_args,
    )
    BashOperator(
        task_id="drift_report",
        bash_command=f"monitor drift --model {model} --ts {{{{ ts }}}}",
        dag=MONITORS[model],
    )
