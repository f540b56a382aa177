"""Hourly embeddings refresh: a run that times out is alerted by the DAG's own callback."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

task_alert = SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed in {{ run_id }}")


def run_alert(context):
    # Airflow calls the DAG's callback for a failed task too: only a timeout is news here.
    if context["reason"] == "timed_out":
        SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} timed out in {{ run_id }}")(context)


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=50),
    on_failure_callback=run_alert,
    default_args={"retries": 2, "execution_timeout": timedelta(minutes=20), "on_failure_callback": task_alert},
)
def hourly_embeddings():
    @task
    def load_documents() -> int:
        return 300

    @task
    def refresh_embeddings(rows: int) -> None:
        print(f"embedding {rows} documents")

    refresh_embeddings(load_documents())


hourly_embeddings()
