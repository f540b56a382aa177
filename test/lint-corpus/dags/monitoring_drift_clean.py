"""Feature drift monitor: compute PSI per feature, branch to a retraining trigger when it drifts."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-monitoring",
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="drift monitor failed"),
    },
)
def churn_drift_monitor():
    @task(multiple_outputs=True)
    def compute_psi(ds=None):
        return {"max_psi": 0.07, "worst_feature": "tenure_days"}

    @task.branch
    def drifted(max_psi: float):
        return "trigger_retraining" if max_psi > 0.2 else "no_drift"

    @task.bash
    def log_drift() -> str:
        return "drift-log --feature {{ ti.xcom_pull(task_ids='compute_psi', key='worst_feature') }}"

    psi = compute_psi()
    decision = drifted(psi["max_psi"])
    psi >> log_drift()
    decision >> [
        TriggerDagRunOperator(task_id="trigger_retraining", trigger_dag_id="churn_retraining"),
        EmptyOperator(task_id="no_drift"),
    ]


churn_drift_monitor()
