"""Feature refresh with a TaskFlow task whose body was re-indented by hand."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "owner": "features",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_features", text="{{ dag.dag_id }} failed"),
}


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 3, 1, tz="UTC"), catchup=False, default_args=default_args)
def feature_refresh():
    @task
    def build(day: str) -> int:
        rows = 0
        for part in range(4):
            rows += 250 * part
          print(f"built part {part}")  # expect: syntax-error
        return rows

    build("{{ ds }}")


feature_refresh()
