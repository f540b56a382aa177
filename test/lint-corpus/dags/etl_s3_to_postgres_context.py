"""Airflow 2 style S3 → Postgres load; callables reach XCom through the context dict."""

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator


def failure_email(context):
    from airflow.utils.email import send_email

    send_email("data-oncall@acme.io", f"{context['ti'].task_id} failed", "see the logs")


def find_new_files(**kwargs):
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    keys = S3Hook(aws_conn_id="aws_lake").list_keys("acme-partner-drop", prefix=f"invoices/{kwargs['ds']}/")
    kwargs["ti"].xcom_push(key="invoice_keys", value=keys)
    kwargs["ti"].xcom_push(key="file_count", value=len(keys))  # expect: unused-output


def load_invoices(**context):
    keys = context["ti"].xcom_pull(task_ids="find_new_files", key="invoice_keys")
    print(f"loading {len(keys)} invoice files")
    return len(keys)


def check_counts(**context):
    ti = context["ti"]
    expected = ti.xcom_pull(task_ids="find_new_files", key="files_count")  # expect: missing-xcom-key
    loaded = ti.xcom_pull(task_ids="load_invoices")
    if loaded != expected:
        raise ValueError(f"loaded {loaded} of {expected} files")


with DAG(
    "partner_invoices_load",
    schedule="@daily",
    start_date=pendulum.datetime(2024, 9, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": failure_email,
    },
) as dag:
    find = PythonOperator(task_id="find_new_files", python_callable=find_new_files)
    load = PythonOperator(task_id="load_invoices", python_callable=load_invoices)
    check = PythonOperator(task_id="check_counts", python_callable=check_counts)

    find.set_downstream(load)
    load.set_downstream(check)
