"""Drift monitoring starts retraining, naming the DAG in the wrong case."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import dag, task

default_args = {
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="fraud monitoring failed"),
}


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 4, 1, tz="UTC"),
    default_args=default_args,
)
def fraud_retrain():
    @task
    def validate_labels():
        from quality import check_table

        return check_table("labels.fraud")

    @task
    def fit_model(rows: int):
        from trainer import fit

        return fit("labels.fraud", rows=rows)

    fit_model(validate_labels())


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 4, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def fraud_drift_monitor():
    @task.short_circuit
    def drifted():
        from monitoring import psi

        return psi("fraud") > 0.2

    drifted() >> TriggerDagRunOperator(
        task_id="start_retrain",
        trigger_dag_id="Fraud_Retrain",  # expect: missing-dag
    )


fraud_retrain()
fraud_drift_monitor()
