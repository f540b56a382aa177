"""Daily model report: one DAG id, built differently in staging and production."""

import os
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

START = pendulum.datetime(2025, 1, 1, tz="UTC")
DEFAULTS = {
    "retries": 1,
    "execution_timeout": timedelta(minutes=20),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="model report failed"),
}

if os.environ.get("DEPLOY_ENV") == "production":
    with DAG("model_report", schedule="0 8 * * *", start_date=START, catchup=False, default_args=DEFAULTS):
        BashOperator(task_id="report", bash_command="report models --publish --day {{ ds }}")
else:
    with DAG("model_report", schedule=None, start_date=START, catchup=False, default_args=DEFAULTS):
        BashOperator(task_id="report", bash_command="report models --dry-run --day {{ ds }}")

for team in ["search", "ads"]:
    with DAG(f"model_report_{team}", schedule="0 9 * * *", start_date=START, catchup=False, default_args=DEFAULTS):
        BashOperator(task_id="report", bash_command=f"report models --team {team} --day {{{{ ds }}}}")
