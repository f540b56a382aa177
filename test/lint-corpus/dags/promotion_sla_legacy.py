"""Recommendation model promotion with an SLA callback; nobody hears about failed tasks."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG


def sla_missed(dag, task_list, blocking_task_list, slas, blocking_tis):
    print(f"SLA missed for {task_list}")


with DAG(  # expect: no-failure-alert
    dag_id="recsys_model_promotion",
    schedule="0 9 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    sla_miss_callback=sla_missed,  # expect: airflow3-removed
    default_args={"retries": 1, "execution_timeout": timedelta(minutes=30)},
):
    offline = BashOperator(task_id="offline_eval", bash_command="recsys-eval --model challenger --holdout last_week")
    shadow = BashOperator(
        task_id="shadow_traffic_check",
        bash_command="recsys-shadow --compare champion,challenger --hours 24",
        sla=timedelta(hours=2),  # expect: airflow3-removed
    )
    promote = BashOperator(task_id="promote", bash_command="recsys-promote --alias champion")
    offline >> shadow >> promote
