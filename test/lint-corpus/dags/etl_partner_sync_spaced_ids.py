"""Partner sync written from a spreadsheet: the ids kept the spreadsheet's spaces."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup

default_args = {
    "owner": "partnerships",
    "retries": 3,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_partners", text="partner_sync failed"),
}

with DAG(
    dag_id="partner_sync",
    schedule="0 5 * * *",
    start_date=pendulum.datetime(2025, 4, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    fetch = BashOperator(task_id="fetch partner files", bash_command="fetch-partner-files --day {{ ds }}")  # expect: invalid-argument
    with TaskGroup("load.partners"):  # expect: invalid-argument
        load = BashOperator(task_id="load_files", bash_command="load-partner-files --day {{ ds }}")

    fetch >> load
