"""Export warehouse tables to parquet for the BI team; written by someone on their laptop."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

EXPORT_ROOT = "/mnt/bi_share/exports"  # expect: hardcoded-path
TABLES = ["daily_revenue", "active_users", "churned_accounts"]


def alert(context):
    print(f"export failed: {context['ti'].task_id}")


def write_manifest(ds):
    import json

    with open(f"/home/airflow/manifests/{ds}.json", "w") as f:  # expect: hardcoded-path
        json.dump({"tables": TABLES, "date": ds}, f)


with DAG(
    "bi_exports",
    schedule="0 5 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "execution_timeout": timedelta(minutes=40), "on_failure_callback": alert},
):
    manifest = PythonOperator(task_id="write_manifest", python_callable=write_manifest)
    for table in TABLES:
        export = BashOperator(
            task_id=f"export_{table}",
            bash_command=f"bq-export --table analytics.{table} --out {EXPORT_ROOT}/{table}/{{{{ ds }}}}.parquet",
        )
        export >> manifest
