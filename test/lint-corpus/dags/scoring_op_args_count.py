"""Nightly batch scoring per region, with positional op_args."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.slack.notifications.slack import SlackNotifier


def score_region(region, model_alias, **context):
    from scoring.batch import run

    run(region=region, model_alias=model_alias, date=context["ds"])


def publish(region, ds=None):
    from scoring.publish import push

    push(region, ds)


with DAG(
    dag_id="nightly_region_scoring",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="scoring failed"),
    },
) as dag:
    score_eu = PythonOperator(task_id="score_eu", python_callable=score_region, op_args=["eu", "champion"])
    publish_eu = PythonOperator(
        task_id="publish_eu",
        python_callable=publish,
        op_args=["eu", "{{ ds }}", "s3://scores/eu"],  # expect: callable-arguments
    )
    score_eu >> publish_eu
