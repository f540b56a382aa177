from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup, Variable, chain, dag, task


def notify_failure(context):
    print("failed", context["task_instance"].task_id)

default_args = {
    "owner": "ml-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": notify_failure,
}


def extract_orders(ti):
    import csv

    path = Variable.get("orders_path")
    with open(path) as f:
        rows = list(csv.reader(f))
    ti.xcom_push(key="row_count", value=len(rows))
    return path


with DAG(
    "orders_etl_wrong_key",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    extract = PythonOperator(task_id="extract", python_callable=extract_orders)
    report = BashOperator(task_id="report", bash_command="echo rows={{ ti.xcom_pull(task_ids='extract', key='rowcount') }}")  # expect: missing-xcom-key
    load = BashOperator(task_id="load", bash_command="load --src {{ ti.xcom_pull(task_ids='extract') }}")
    extract >> report
    extract >> load
