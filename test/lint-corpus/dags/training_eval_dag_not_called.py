"""Model evaluation as a TaskFlow DAG; the call that builds it was lost in a refactor."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "owner": "ml",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="model_eval failed"),
}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def model_eval():  # expect: dag-never-called
    @task
    def load_predictions(ds=None) -> str:
        return f"s3://acme-ml/predictions/{ds}.parquet"

    @task
    def score(path: str) -> float:
        print(f"scoring {path}")
        return 0.87

    score(load_predictions())
