"""Checks model drift hourly; one alert text, written once, for the checks that run late."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "ml-monitoring",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_data", text="{{ ti.task_id }} failed"),
}

LATE_ALERT = {
    "slack_webhook_conn_id": "slack_monitoring",
    "text": "drift check {{ run_id }} for {{ params.model }} is late",  # expect: deadline-alert-template
}
CHECK_LATE = DeadlineAlert(
    reference=DeadlineReference.DAGRUN_QUEUED_AT,
    interval=timedelta(minutes=45),
    callback=SyncCallback(SlackWebhookNotifier, kwargs=LATE_ALERT),
)


def check_drift(model):
    print(f"checking drift of {model}")


with DAG(
    dag_id="drift_monitor_hourly",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"model": "churn"},
    deadline=[CHECK_LATE],
):
    PythonOperator(task_id="check_drift", python_callable=check_drift, op_kwargs={"model": "{{ params.model }}"})
