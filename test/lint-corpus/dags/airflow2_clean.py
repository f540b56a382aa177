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


def score(**context):
    return 1


with DAG("scoring_v2_clean", schedule="@hourly", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    prep = BashOperator(task_id="prep", bash_command="echo {{ ds }}")
    run = PythonOperator(task_id="score", python_callable=score)
    prep >> run
