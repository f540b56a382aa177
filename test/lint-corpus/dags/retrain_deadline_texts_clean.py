"""Retrains the ranking model weekly; late runs reach the on-call with the run's own details."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback

default_args = {
    "owner": "ranking",
    "retries": 1,
    "retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(hours=6),
    "on_failure_callback": SlackWebhookNotifier(slack_webhook_conn_id="slack_ranking", text="{{ ti.task_id }} failed on {{ ds }}"),
}


def page_oncall(team, summary, context=None):
    print(f"paging {team}: {summary}")


with DAG(
    dag_id="ranking_retrain_weekly",
    schedule="0 3 * * 1",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    deadline=[
        DeadlineAlert(
            reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
            interval=timedelta(hours=12),
            callback=SyncCallback(
                SlackWebhookNotifier,
                kwargs={
                    "slack_webhook_conn_id": "slack_ranking",
                    "text": "retrain {{ dag_run.dag_run_id }} ({{ dag_run.logical_date }}) is {{ dag_run.state }} past {{ deadline.deadline_time | ts }}",
                },
            ),
        ),
        DeadlineAlert(
            reference=DeadlineReference.DAGRUN_QUEUED_AT,
            interval=timedelta(hours=10),
            # A function gets its kwargs as written: Airflow renders only a notifier's fields.
            callback=SyncCallback(page_oncall, kwargs={"team": "ranking", "summary": "{{ ti.task_id }} as written"}),
        ),
    ],
):
    validate = BashOperator(task_id="validate_clicks", bash_command="ranking validate --week {{ ds }}")
    retrain = BashOperator(task_id="retrain", bash_command="ranking retrain --week {{ ds }}")
    validate >> retrain
