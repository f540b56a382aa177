"""Backfills of user features, copied from a 2018 tutorial: both start dates move on every parse."""

from datetime import datetime, timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

LAST_WEEK = datetime.combine(datetime.today() - timedelta(days=7), datetime.min.time())

alert = SlackNotifier(slack_conn_id="slack_ml_alerts", text="feature backfill failed")
defaults = {"retries": 1, "execution_timeout": timedelta(hours=1), "on_failure_callback": alert}

with DAG(
    dag_id="user_features_backfill",
    schedule="@daily",
    start_date=LAST_WEEK,  # expect: dynamic-start-date
    catchup=True,
    default_args=defaults,
):
    BashOperator(task_id="backfill_user_features", bash_command="features-backfill --date {{ ds }}")

with DAG(
    dag_id="session_features_backfill",
    schedule="@daily",
    start_date=pendulum.today("UTC").add(days=-3),  # expect: dynamic-start-date
    catchup=True,
    default_args=defaults,
):
    BashOperator(task_id="backfill_session_features", bash_command="features-backfill --sessions --date {{ ds }}")
