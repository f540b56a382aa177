"""Builds the feature window; a run may pin the model version it is built for (Airflow 2 style)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator


def alert(context):
    print(f"{context['task_instance'].task_id} failed")


with DAG(
    dag_id="feature_window",
    schedule="0 5 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"model_version": None, "window_days": Param(28, type="integer", minimum=1)},
    default_args={
        "retries": 1,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": alert,
    },
) as dag:
    window = BashOperator(
        task_id="build_window",
        bash_command="features window --days {{ params.window_days }} --day {{ ds }}",
        env={"MODEL_VERSION": "{{ params.model_version | default('latest') }}"},  # expect: none-param-printed
    )
    publish = BashOperator(task_id="publish_window", bash_command="features publish --day {{ ds }}")
    window >> publish
