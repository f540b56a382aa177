"""Recommender training prototyped on a workstation and shipped as is."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def check_interactions(ds):
    import pandas as pd

    df = pd.read_parquet(f"s3://acme-ml/recsys/interactions/{ds}/")
    if df["user_id"].isna().any():
        raise ValueError("interactions without a user")


def train_als(ds):
    import implicit
    import scipy.sparse as sp

    matrix = sp.load_npz("/Users/priya/work/recsys/interactions.npz")  # expect: hardcoded-path
    model = implicit.als.AlternatingLeastSquares(factors=128)
    model.fit(matrix)
    model.save(f"/data/models/als/{ds}")  # expect: hardcoded-path


with DAG(
    "recsys_als_training",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=4),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_recsys", text="ALS training failed"),
    },
):
    check = PythonOperator(task_id="check_interactions", python_callable=check_interactions)
    train = PythonOperator(task_id="train_als", python_callable=train_als)
    export = BashOperator(
        task_id="export_embeddings",
        bash_command="als-export --model s3://acme-ml/models/als/{{ ds }} --out /scratch/recsys/embeddings",  # expect: hardcoded-path
        env={"TMPDIR": "/opt/airflow/tmp"},
    )
    check >> train >> export
