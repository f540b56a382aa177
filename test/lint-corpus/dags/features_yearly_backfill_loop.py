"""Yearly feature backfill, Airflow 2 style: one rebuild per year, the id left constant."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=4),
    "email": ["ml-oncall@acme.io"],
    "email_on_failure": True,
}

dag = DAG(
    "feature_backfill_yearly",
    default_args=default_args,
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
)

snapshot = BashOperator(task_id="snapshot_store", bash_command="feature-store snapshot", dag=dag)

for year in ("2023", "2024", "2025"):
    rebuild = BashOperator(  # expect: duplicate-task-id
        task_id="rebuild_features",
        bash_command=f"feature-store rebuild --year {year}",
        dag=dag,
    )
    snapshot >> rebuild
