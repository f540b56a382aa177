"""Hourly scoring: the run's date reaches the code through arguments Airflow renders."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag, get_current_context, task


def score_partition(partition: str, model_uri: str) -> None:
    print(f"scoring {partition} with {model_uri}")


@dag(
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"model_uri": "models:/scorer@champion"},
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="hourly_scoring failed"),
    },
)
def hourly_scoring():
    @task
    def partition_of(hour: str, ds=None) -> str:
        return f"s3://events/{ds}/{hour}/"

    @task
    def report(partition: str) -> None:
        context = get_current_context()
        print(f"scored {partition} at {context['ts']}")

    @task
    def render_message(ti=None) -> str:
        # The task renders the template itself, with its own context.
        return ti.task.render_template("scored {{ ds }}", get_current_context())

    part = partition_of("{{ logical_date.strftime('%H') }}")
    scored = PythonOperator(
        task_id="score",
        python_callable=score_partition,
        op_kwargs={"partition": part, "model_uri": "{{ params.model_uri }}"},
    )
    scored >> report(part) >> render_message()


hourly_scoring()
