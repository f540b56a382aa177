"""Drift monitor whose DAG is only built when the file is run by hand, never when Airflow parses it."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "owner": "ml-observability",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="drift_monitor failed"),
}



@dag(schedule="0 */6 * * *", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, default_args=default_args)
def drift_monitor():  # expect: dag-never-called
    @task
    def compute_drift() -> float:
        return 0.02

    @task
    def alert_if_drifted(drift: float) -> None:
        if drift > 0.1:
            raise ValueError(f"feature drift {drift:.2f} over 0.1")

    alert_if_drifted(compute_drift())


if __name__ == "__main__":
    drift_monitor().test()
