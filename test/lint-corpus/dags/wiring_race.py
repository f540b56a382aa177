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

with DAG("wiring_race", schedule=None, start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    a = BashOperator(task_id="a", bash_command="echo a")
    b = BashOperator(task_id="b", bash_command="echo b")
    c = BashOperator(task_id="c", bash_command="echo c")
    d = BashOperator(task_id="d", bash_command="echo d")
    e = BashOperator(task_id="e", bash_command="echo {{ ti.xcom_pull(task_ids=['c', 'd']) }}")  # expect: missing-xcom-key
    a.set_downstream(b)
    chain(b, c)
    d.set_upstream(a)
