"""Two TaskFlow DAGs in one file: the hourly one is built, the daily one is only defined."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="events failed"),
}



@task
def compact(window: str) -> str:
    print(f"compacting {window}")
    return window


@dag(schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def events_hourly():
    compact("hour")


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def events_daily():  # expect: dag-never-called
    compact("day")


events_hourly()
