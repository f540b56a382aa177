"""Scores the open leads every 90 minutes (the CRM's sync interval)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

with DAG(
    dag_id="lead_scoring",
    schedule=CronTriggerTimetable("*/90 * * * *", timezone="UTC"),  # expect: schedule-uneven-step
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_sales", text="lead scoring failed"),
    },
):
    BashOperator(task_id="score_leads", bash_command="leads score --since {{ ts }}")
