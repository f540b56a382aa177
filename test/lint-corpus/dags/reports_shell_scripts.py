"""Weekly report built and published by shell scripts beside the DAG (scripts/)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def pick_week(ti, ds):
    ti.xcom_push(key="week", value=ds)


with DAG(
    dag_id="weekly_report_scripts",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_reports", text="weekly report failed"),
    },
):
    week = PythonOperator(task_id="pick_week", python_callable=pick_week)
    build = BashOperator(task_id="build_report", bash_command="scripts/build_report.sh")
    publish = BashOperator(task_id="publish_report", bash_command="scripts/publish_report.sh")
    week >> build >> publish
