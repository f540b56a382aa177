"""Hourly fraud scoring; retries are set but nothing bounds how long a try may hang."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="fraud_scoring_hourly",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_risk", text="fraud scoring failed"),
    },
):
    pull = BashOperator(task_id="pull_transactions", bash_command="txn-export --hour {{ data_interval_start }}")  # expect: missing-timeout

    @task
    def score(ti=None):
        path = ti.xcom_pull(task_ids="pull_transactions")
        print(f"scoring {path}")

    @task(execution_timeout=timedelta(minutes=10))
    def flag_accounts():
        print("flagging accounts above the threshold")

    pull >> score() >> flag_accounts()  # expect: missing-timeout
