"""Scores customers; a run may give a cutoff date, which the scoring function reads as a string."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Param, task


def score(cutoff, day):
    print(f"scoring {day}, cutoff {cutoff}")


with DAG(
    dag_id="customer_scoring",
    schedule="30 6 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"cutoff": Param(default=None, type=["null", "string"])},
    default_args={
        "retries": 1,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
    },
):
    scored = PythonOperator(
        task_id="score_customers",
        python_callable=score,
        op_kwargs={"cutoff": "{{ params['cutoff'] }}", "day": "{{ ds }}"},  # expect: none-param-printed
    )

    @task
    def report():
        print("scored")

    scored >> report()
