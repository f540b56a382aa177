"""Hourly feature backfills: a template DAG copied for a second region lost its start date."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

alert = SlackNotifier(slack_conn_id="slack_ml_alerts", text="feature backfill failed")
defaults = {"retries": 2, "execution_timeout": timedelta(minutes=45), "on_failure_callback": alert}

with DAG(
    dag_id="eu_hourly_features",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 6, 1, tz="UTC"),
    catchup=True,
    default_args=defaults,
):
    BashOperator(task_id="build_eu_features", bash_command="features-build --region eu --hour {{ logical_date }}")

with DAG(
    dag_id="us_hourly_features",
    schedule="@hourly",
    catchup=True,  # expect: invalid-argument
    default_args=defaults,
):
    BashOperator(task_id="build_us_features", bash_command="features-build --region us --hour {{ logical_date }}")
