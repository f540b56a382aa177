"""Ranker training: the MLflow tracking password is set inside the task, in the file."""

import os
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task


@dag(
    schedule="0 4 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "search-ml",
        "retries": 2,
        "retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="ranker_weekly failed"),
    },
)
def ranker_weekly():
    @task
    def validate_clicks(ds=None):
        return {"day": ds, "rows": 1_200_000}

    @task
    def train_ranker(clicks: dict):
        os.environ["MLFLOW_TRACKING_URI"] = "https://mlflow.internal"
        os.environ["MLFLOW_TRACKING_USERNAME"] = "ranker-bot"
        os.environ["MLFLOW_TRACKING_PASSWORD"] = "rk8!Tq2vLx7w"  # expect: hardcoded-secret
        print(f"training on {clicks['rows']} rows of {clicks['day']}")

    train_ranker(validate_clicks())


ranker_weekly()
