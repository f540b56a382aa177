"""Builds the daily feature tables; the data team gets a mail when a day is not done by noon."""

from datetime import timedelta

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SmtpNotifier(to="data-team@example.com", subject="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="daily_feature_tables",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
        interval=timedelta(hours=8),
        callback=SyncCallback(
            SmtpNotifier,
            kwargs={
                "to": "data-team@example.com",
                "subject": "features for {{ dag_run.logical_date | ds }} not ready",  # expect: deadline-alert-template
                "html_content": "<p>Run {{ dag_run.dag_run_id }} is {{ dag_run.state }} at {{ deadline.deadline_time | ts }}.</p>",
            },
        ),
    ),
):
    BashOperator(task_id="build_tables", bash_command="features build --day {{ ds }}")
