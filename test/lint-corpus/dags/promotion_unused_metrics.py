"""Ranker promotion: the evaluation pushes diagnostics that no task reads."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator, ShortCircuitOperator
from airflow.sdk import DAG


def evaluate_ranker(**context):
    ti = context["ti"]
    ti.xcom_push(key="ndcg_at_10", value=0.412)
    ti.xcom_push(key="confusion_matrix_uri", value="s3://acme-ml/ranker/eval/cm.png")  # expect: unused-output
    context["task_instance"].xcom_push(key="eval_rows", value=250_000)  # expect: unused-output


def beats_baseline(ti):
    return ti.xcom_pull(task_ids="evaluate_ranker", key="ndcg_at_10") > 0.40


def promote_ranker():
    from mlflow import MlflowClient

    MlflowClient().set_registered_model_alias("search-ranker", "champion", "42")


with DAG(
    dag_id="search_ranker_promotion",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_search", text="ranker promotion failed"),
    },
):
    evaluate = PythonOperator(task_id="evaluate_ranker", python_callable=evaluate_ranker)
    gate = ShortCircuitOperator(task_id="beats_baseline", python_callable=beats_baseline)
    promote = PythonOperator(task_id="promote_ranker", python_callable=promote_ranker)
    evaluate >> gate >> promote
