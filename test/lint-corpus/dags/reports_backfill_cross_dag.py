"""A backfill DAG that borrows the daily DAG's export task by setting a dependency on it."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="reports failed"),
}


daily = DAG("reports_daily", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
backfill = DAG("reports_backfill", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)

export = BashOperator(task_id="export_report", bash_command="export-report --day {{ ds }}", dag=daily)
rebuild = BashOperator(task_id="rebuild_history", bash_command="rebuild-history --until {{ ds }}", dag=backfill)
rebuild.set_upstream(export)  # expect: cross-dag-dependency
