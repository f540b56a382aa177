"""Hourly feature refresh in TaskFlow; a run that hangs past its timeout goes unnoticed."""

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task


def page_oncall(context):
    print(f"feature refresh failed: {context['ti'].task_id}")


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=50),  # expect: run-timeout-unalerted
    default_args={"retries": 2, "execution_timeout": timedelta(minutes=20), "on_failure_callback": page_oncall},
)
def hourly_features():
    @task
    def load_events() -> int:
        return 1200

    @task
    def refresh_features(rows: int) -> None:
        print(f"refreshing features from {rows} events")

    refresh_features(load_events())


hourly_features()
