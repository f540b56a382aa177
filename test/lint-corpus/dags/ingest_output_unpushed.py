"""Nightly partner ingest: a reference table read at parse time, an XCom that is never pushed."""

from datetime import timedelta

import pendulum
import polars as pl  # expect: top-level-code
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

PARTNERS = pl.read_csv("s3://ref-data/partners.csv")  # expect: top-level-code


def notify_oncall(context):
    print("failed:", context["task_instance"].task_id)


def load_partner(manifest_path):
    print("loading", manifest_path)


def summarize(manifest_path, row_count):
    print(manifest_path, row_count)


default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": notify_oncall,
}

with DAG(
    "partner_ingest",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    start = EmptyOperator(task_id="start")
    fetch = BashOperator(
        task_id="fetch_manifest",
        bash_command="aws s3 cp s3://partner-drop/{{ ds }}/manifest.json - | jq -r .path",
    )
    count = BashOperator(
        task_id="count_rows",
        bash_command="aws s3 ls s3://partner-drop/{{ ds }}/ | wc -l",
        do_xcom_push=False,
    )
    load = PythonOperator(
        task_id="load_partner",
        python_callable=load_partner,
        op_args=[fetch.output],
    )
    report = PythonOperator(
        task_id="summarize",
        python_callable=summarize,
        op_kwargs={
            "manifest_path": fetch.output,
            "row_count": count.output,  # expect: missing-xcom-key
        },
    )
    start >> fetch >> count >> load >> report
