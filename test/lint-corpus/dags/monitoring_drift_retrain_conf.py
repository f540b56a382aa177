"""Drift watch: when the daily drift score is high, retrain the churn model with a fresh window."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn drift or retrain failed"),
}

with DAG(
    dag_id="churn_retrain",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    params={
        "learning_rate": Param(0.05, type="number"),
        "window_days": Param(28, type="integer", minimum=7),
    },
):

    @task
    def validate_window(params=None):
        from quality import check_window

        return check_window("features.churn", params["window_days"])

    @task
    def train(rows: int, params=None):
        from trainer import fit

        return fit("features.churn", lr=params["learning_rate"], window_days=params["window_days"])

    train(validate_window())

with DAG(
    dag_id="churn_drift_watch",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):

    @task.short_circuit
    def drifted():
        from monitoring import drift_score

        return drift_score("churn") > 0.2

    drifted() >> TriggerDagRunOperator(
        task_id="retrain",
        trigger_dag_id="churn_retrain",
        conf={"learning_rate": 0.02, "window_day": 7},  # expect: trigger-conf
    )
