"""Compares today's feature drift to a threshold a run may set (Airflow 2 style)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator


def alert(context):
    print(f"{context['task_instance'].task_id} failed")


with DAG(
    dag_id="drift_alert",
    schedule="30 6 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"threshold": None, "features": "all"},
    default_args={
        "retries": 1,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": alert,
    },
) as dag:
    measure = BashOperator(task_id="measure_drift", bash_command="drift measure --day {{ ds }}")
    notify = BashOperator(
        task_id="notify_drift",
        bash_command="drift notify --features {{ params.features }}{% if params.threshold < 0.1 %} --strict{% endif %}",  # expect: none-param-computed
    )
    measure >> notify
