"""Samples the day's events for labelling; a run may set the share to sample."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, Param


def sample_events(day, percent):
    print(f"sampling {percent}% of {day}")


default_args = {
    "owner": "labelling",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="label_sampling",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"fraction": Param(default=None, type=["null", "number"], maximum=1)},
):
    PythonOperator(
        task_id="sample_events",
        python_callable=sample_events,
        op_kwargs={"day": "{{ ds }}", "percent": "{{ params.fraction * 100 }}"},  # expect: none-param-computed
    )
