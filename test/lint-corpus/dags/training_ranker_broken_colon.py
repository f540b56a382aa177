"""Ranker training in TaskFlow style; the `with` line lost its colon in a merge."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, task

default_args = {
    "owner": "search-ml",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
}


@task
def validate_clicks(day: str) -> str:
    import pandas as pd

    frame = pd.read_parquet(f"s3://search-logs/clicks/{day}.parquet")
    if frame.empty:
        raise ValueError("no clicks")
    return f"s3://search-logs/clicks/{day}.parquet"


@task
def train_ranker(path: str) -> dict[str, float]:
    return {"ndcg": 0.71}


with DAG("ranker_training", schedule="@daily", start_date=pendulum.datetime(2025, 2, 1, tz="UTC"), default_args=default_args) as dag  # expect: syntax-error
    train_ranker(validate_clicks("{{ ds }}"))
