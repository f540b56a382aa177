"""Month-end feature snapshots for the 30-day months (Airflow 2)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="month_end_snapshots_short",
    schedule_interval="30 23 31 4,6,9,11 *",  # expect: airflow3-removed, schedule-never-runs
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "email": ["ml-features@example.com"],
        "email_on_failure": True,
    },
) as dag:
    BashOperator(task_id="snapshot", bash_command="features snapshot --month-end {{ ds }}")
