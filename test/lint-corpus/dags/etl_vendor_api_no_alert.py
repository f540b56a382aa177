"""Pull the vendor catalogue API every six hours; failures are only visible in the UI."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

default_args = {
    "owner": "catalog",
    "retries": 4,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=25),
    "email": ["catalog-team@acme.io"],
    "email_on_failure": False,
    "email_on_retry": False,
}


def fetch_catalogue(data_interval_end=None):
    import requests

    page, items = 1, []
    while True:
        resp = requests.get("https://api.vendor.example/v3/products", params={"page": page}, timeout=60)
        resp.raise_for_status()
        batch = resp.json()["data"]
        if not batch:
            break
        items.extend(batch)
        page += 1
    return len(items)


def upsert_products(ti):
    count = ti.xcom_pull(task_ids="fetch_catalogue")
    print(f"upserting {count} products")


with DAG(  # expect: no-failure-alert
    dag_id="vendor_catalogue_sync",
    schedule=timedelta(hours=6),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    fetch = PythonOperator(task_id="fetch_catalogue", python_callable=fetch_catalogue)
    upsert = PythonOperator(task_id="upsert_products", python_callable=upsert_products)
    fetch >> upsert
