"""Weekly ranker training: a rewrite in TaskFlow left beside the version it replaces."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

DEFAULTS = {
    "retries": 1,
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="ranker training failed"),
}


@dag(dag_id="ranker_weekly", schedule="0 3 * * 1", start_date=pendulum.datetime(2025, 1, 6, tz="UTC"), catchup=False, default_args=DEFAULTS)  # expect: duplicate-dag-id
def ranker_weekly_old():
    @task
    def validate(ds=None) -> str:
        return f"s3://ranker/features/{ds}/"

    @task
    def train(path: str) -> str:
        return f"runs:/ranker/{path.rsplit('/', 2)[-2]}"

    train(validate())


@dag(dag_id="ranker_weekly", schedule="0 3 * * 1", start_date=pendulum.datetime(2025, 1, 6, tz="UTC"), catchup=False, default_args=DEFAULTS)  # expect: duplicate-dag-id
def ranker_weekly_new():
    @task
    def validate_features(ds=None) -> str:
        return f"s3://ranker/features/{ds}/"

    @task
    def train_ranker(path: str) -> str:
        return f"runs:/ranker-v2/{path.rsplit('/', 2)[-2]}"

    train_ranker(validate_features())


ranker_weekly_old()
ranker_weekly_new()
