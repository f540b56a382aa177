"""Checks feature drift of the fraud model five times a day."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator


def page_oncall(context):
    print("drift check failed", context["ti"].task_id)


with DAG(
    "fraud_drift_check",
    schedule_interval="15 */5 * * *",  # expect: schedule-uneven-step
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=40),
        "on_failure_callback": page_oncall,
    },
) as dag:
    BashOperator(task_id="check_drift", bash_command="drift check fraud --at {{ ts }}")
