"""Month-end reports: the last day of every month, and the 31st of the months that have one."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_finance", text="month-end report failed"),
}

with DAG(
    dag_id="month_end_report",
    schedule="0 4 L * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="report", bash_command="report month-end --day {{ ds }}")

with DAG(
    dag_id="long_month_audit",
    schedule=CronTriggerTimetable("0 6 31 1,3,5,7,8,10,12 *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="audit", bash_command="audit long-month --day {{ ds }}")

with DAG(
    dag_id="leap_day_check",
    schedule="0 0 29 2 *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="check", bash_command="calendar check --day {{ ds }}")
