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

TABLES = ["users", "orders", "events"]

with DAG("warehouse_sync_clean", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    done = BashOperator(task_id="done", bash_command="echo {{ ti.xcom_pull(task_ids='sync_users') }}")
    for table in TABLES:
        sync = BashOperator(task_id=f"sync_{table}", bash_command=f"sync {table}")
        sync >> done
