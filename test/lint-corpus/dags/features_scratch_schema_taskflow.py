"""Builds features in a scratch schema made by a setup and dropped by a teardown (TaskFlow)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, setup, task, teardown

ALERT = SlackNotifier(slack_conn_id="slack_features", text="{{ dag.dag_id }} failed")


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=3),  # expect: timeout-skips-teardown
    on_failure_callback=ALERT,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": ALERT,
    },
)
def feature_scratch_schema():
    @setup
    def create_schema() -> str:
        return "scratch_features"

    @task
    def build_features(schema: str) -> int:
        return len(schema)

    @teardown
    def drop_schema(schema: str) -> None:
        print(f"dropping {schema}")

    schema = create_schema()
    built = build_features(schema)
    built >> drop_schema(schema)


feature_scratch_schema()
