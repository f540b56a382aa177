"""Builds the weekly training set for the churn model; the model itself trains in another DAG."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def build_training_set(ds, ti):
    """Joins labels with the feature snapshot of the same day.

    Writes to the lake, never to /tmp or /data on the worker: tasks of one run may land on
    different workers.
    """
    uri = f"s3://acme-ml/churn/training_sets/{ds}/"
    ti.xcom_push(key="training_set_uri", value=uri)


def train_test_split(ti):
    import random

    uri = ti.xcom_pull(task_ids="build_training_set", key="training_set_uri")
    seed = random.Random(uri).randint(0, 2**31)
    return {"train": f"{uri}train/", "test": f"{uri}test/", "seed": seed}


def publish_split(ti):
    split = ti.xcom_pull(task_ids="train_test_split")
    print(f"training set ready: {split['train']} / {split['test']}")


with DAG(
    "churn_training_set",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-platform",
        "retries": 2,
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="training set build failed"),
    },
):
    build = PythonOperator(task_id="build_training_set", python_callable=build_training_set)
    split = PythonOperator(task_id="train_test_split", python_callable=train_test_split)
    publish = PythonOperator(task_id="publish_split", python_callable=publish_split)
    build >> split >> publish
