"""Nightly retraining with TaskFlow: a 'retrain until good' edge sends evaluation back to loading."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "owner": "ml",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="nightly_retrain failed"),
}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def nightly_retrain():
    @task
    def load_data(ds=None) -> str:
        return f"s3://acme-ml/churn/{ds}.parquet"

    @task
    def validate(path: str) -> str:
        import pandas as pd

        if pd.read_parquet(path).empty:
            raise ValueError(f"{path} is empty")
        return path

    @task
    def train(path: str) -> str:
        return f"{path}.model"

    @task
    def evaluate(model: str) -> float:
        print(f"evaluating {model}")
        return 0.91

    data = load_data()
    score = evaluate(train(validate(data)))
    score >> data  # expect: dependency-cycle


nightly_retrain()
