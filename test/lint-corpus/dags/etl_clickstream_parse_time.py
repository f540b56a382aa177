"""Sessionization of clickstream events; configuration read when the file is parsed."""

from datetime import timedelta

import pendulum
import requests
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import Variable, dag, task

FEATURE_FLAGS = requests.get("https://flags.internal/api/sessionizer", timeout=5).json()  # expect: top-level-code


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_web", text="sessionizer failed"),
    },
)
def sessionize_clicks():
    gap_minutes = int(Variable.get("session_gap_minutes", default=30))  # expect: top-level-code

    @task
    def load_events(data_interval_start=None, data_interval_end=None):
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        hook = S3Hook(aws_conn_id="aws_lake")
        return hook.list_keys("acme-lake", prefix=f"raw/clicks/{data_interval_start:%Y/%m/%d/%H}/")

    @task
    def build_sessions(keys: list[str]):
        use_v2 = FEATURE_FLAGS.get("sessionizer_v2", False)
        print(f"sessionizing {len(keys)} files with a {gap_minutes} min gap (v2={use_v2})")

    build_sessions(load_events())


sessionize_clicks()
