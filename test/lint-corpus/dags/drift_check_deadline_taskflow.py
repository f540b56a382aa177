"""Checks the scoring model for drift when the monitoring service triggers it."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback, dag, task

default_args = {
    "owner": "monitoring",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_mon", text="{{ ti.task_id }} failed"),
}


@dag(
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=[
        DeadlineAlert(
            reference=DeadlineReference.DAGRUN_LOGICAL_DATE,  # expect: deadline-never-set
            interval=timedelta(minutes=45),
            callback=SyncCallback(
                SlackWebhookNotifier,
                kwargs={"slack_webhook_conn_id": "slack_mon", "text": "drift check {{ dag_run.dag_run_id }} is late"},
            ),
        ),
    ],
)
def drift_check():
    @task
    def compare_distributions():
        from monitoring.drift import compare

        compare(window_days=7)

    compare_distributions()


drift_check()
