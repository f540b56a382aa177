"""Scores the customers nightly, to be done by 06:00; a manual rescore is watched from when it is queued."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}


def late(text):
    return SyncCallback(SlackWebhookNotifier, kwargs={"slack_webhook_conn_id": "slack_ml", "text": text})


with DAG(
    dag_id="nightly_scoring",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(hours=5),
        callback=late("nightly scoring {{ dag_run.dag_run_id }} not done by 06:00"),
    ),
):
    BashOperator(task_id="score", bash_command="churn score --day {{ ds }}")

with DAG(
    dag_id="manual_rescoring",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(hours=3),
        callback=late("rescoring {{ dag_run.dag_run_id }} still going after 3 hours"),
    ),
):
    BashOperator(task_id="rescore", bash_command="churn score --day {{ dag_run.run_after | ds }}")
