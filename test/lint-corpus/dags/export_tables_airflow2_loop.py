"""Nightly table exports to the partner bucket, one DAG per table."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

TABLES = ["orders", "customers", "refunds"]

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "email": ["data-oncall@example.com"],
    "email_on_failure": True,
}

for table in TABLES:
    export_dag = DAG(  # expect: dag-not-registered
        "export_" + table,
        schedule="0 3 * * *",
        start_date=datetime(2024, 9, 1),
        catchup=False,
        default_args=default_args,
    )
    BashOperator(
        task_id="export",
        bash_command="export-table --table " + table + " --day {{ ds }}",
        dag=export_dag,
    )
