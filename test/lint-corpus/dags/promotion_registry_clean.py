"""Promote the challenger to champion when it beats the champion on the holdout set."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.sdk import DAG

MODEL = "churn-classifier"


def evaluate_challenger(ti):
    from mlflow import MlflowClient

    client = MlflowClient()
    challenger = client.get_model_version_by_alias(MODEL, "challenger")
    champion = client.get_model_version_by_alias(MODEL, "champion")
    ti.xcom_push(key="challenger_auc", value=client.get_run(challenger.run_id).data.metrics["holdout_auc"])
    ti.xcom_push(key="champion_auc", value=client.get_run(champion.run_id).data.metrics["holdout_auc"])
    ti.xcom_push(key="challenger_version", value=challenger.version)


def choose(ti):
    new = ti.xcom_pull(task_ids="evaluate_challenger", key="challenger_auc")
    old = ti.xcom_pull(task_ids="evaluate_challenger", key="champion_auc")
    return "promote" if new >= old + 0.005 else "keep_champion"


def promote(ti):
    from mlflow import MlflowClient

    version = ti.xcom_pull(task_ids="evaluate_challenger", key="challenger_version")
    MlflowClient().set_registered_model_alias(MODEL, "champion", version)


with DAG(
    dag_id="churn_model_promotion",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-team",
        "retries": 1,
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="model promotion failed"),
    },
):
    evaluate = PythonOperator(task_id="evaluate_challenger", python_callable=evaluate_challenger)
    branch = BranchPythonOperator(task_id="choose", python_callable=choose)
    do_promote = PythonOperator(task_id="promote", python_callable=promote)
    keep = EmptyOperator(task_id="keep_champion")
    evaluate >> branch >> [do_promote, keep]
