"""Weekly KPI report; the run is capped at three hours, but only its tasks alert."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "analytics",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_analytics", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="weekly_kpis",
    schedule="0 6 * * MON",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=3),  # expect: run-timeout-unalerted
    default_args=default_args,
    tags=["reports"],
):
    extract = BashOperator(task_id="extract_orders", bash_command="kpi extract --week {{ ds }}")
    build = BashOperator(task_id="build_report", bash_command="kpi build --week {{ ds }}")
    publish = BashOperator(task_id="publish_report", bash_command="kpi publish --week {{ ds }}")
    extract >> build >> publish
