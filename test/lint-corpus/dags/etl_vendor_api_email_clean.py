"""Daily FX rates download; the finance team is mailed when it fails."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def download_rates(ds):
    import requests

    resp = requests.get(f"https://fx.example.com/api/rates/{ds}", timeout=30)
    resp.raise_for_status()
    return resp.json()["rates"]["EUR"]


with DAG(
    "fx_rates_daily",
    schedule="15 0 * * 1-5",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "finance-data",
        "email": ["finance-data@acme.io"],
        "email_on_failure": True,
        "retries": 3,
        "retry_delay": timedelta(minutes=20),
        "execution_timeout": timedelta(minutes=5),
    },
):
    rates = PythonOperator(task_id="download_rates", python_callable=download_rates)
    store = BashOperator(
        task_id="store_rate",
        bash_command="fx-store --date {{ ds }} --eur {{ ti.xcom_pull(task_ids='download_rates') }}",
    )
    rates >> store
