"""Retrains the churn model when someone asks for it; the on-call hears when a retrain is late."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=4),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="churn_retrain_on_demand",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,  # expect: deadline-never-set
        interval=timedelta(hours=6),
        callback=SyncCallback(
            SlackWebhookNotifier,
            kwargs={"slack_webhook_conn_id": "slack_ml", "text": "retrain {{ dag_run.dag_run_id }} is late"},
        ),
    ),
):
    validate = BashOperator(task_id="validate_snapshot", bash_command="churn validate --snapshot latest")
    fit = BashOperator(task_id="fit_model", bash_command="churn fit --snapshot latest")
    validate >> fit
