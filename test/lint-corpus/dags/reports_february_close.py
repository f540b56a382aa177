"""Month-end close for February: refreshes the revenue forecast after the books close."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="february_close_forecast",
    schedule="0 5 30 2 *",  # expect: schedule-never-runs
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_finance", text="february close failed"),
    },
):
    BashOperator(task_id="refresh_forecast", bash_command="forecast refresh --close {{ ds }}")
