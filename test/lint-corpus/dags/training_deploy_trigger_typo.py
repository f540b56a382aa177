"""Nightly churn retraining hands the new model to the deployment DAG, and a renamed id."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, task

default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn pipeline failed"),
}

with DAG(
    dag_id="churn_deploy_model",
    schedule=None,
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    default_args=default_args,
):
    BashOperator(task_id="push_to_serving", bash_command="serve push churn --stage prod")

with DAG(
    dag_id="churn_retrain_nightly",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):

    @task
    def validate_snapshot():
        from quality import check_table

        return check_table("features.churn_snapshot")

    @task
    def train(rows: int):
        from trainer import fit

        return fit("features.churn_snapshot", rows=rows)

    model = train(validate_snapshot())
    model >> TriggerDagRunOperator(
        task_id="deploy_new_model",
        trigger_dag_id="churn_deploy_modle",  # expect: missing-dag
        wait_for_completion=False,
    )
    # A DAG of another team's folder: too far from any id here to be a typo of one.
    model >> TriggerDagRunOperator(task_id="refresh_dashboards", trigger_dag_id="bi_refresh_churn")
    # Its id is rendered when the task runs.
    model >> TriggerDagRunOperator(
        task_id="notify_region",
        trigger_dag_id="churn_notify_{{ var.value.region }}",
    )
