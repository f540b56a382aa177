"""Trains the churn model nightly; its Airflow 2 SLA became a deadline alert, text and all."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="churn_training_nightly",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(hours=6),
        callback=SyncCallback(
            SlackWebhookNotifier,
            kwargs={
                "slack_webhook_conn_id": "slack_ml",
                "text": ":warning: {{ ti.dag_id }} missed its SLA for {{ ds }}",  # expect: deadline-alert-template
            },
        ),
    ),
):
    features = BashOperator(task_id="build_features", bash_command="churn features --day {{ ds }}")
    validate = BashOperator(task_id="validate_features", bash_command="churn validate --day {{ ds }}")
    fit = BashOperator(task_id="fit_model", bash_command="churn fit --day {{ ds }}")
    features >> validate >> fit
