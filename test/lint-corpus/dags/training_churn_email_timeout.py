"""Airflow 2 era churn retraining: mail on task failure, a run timeout nobody hears of."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator


def fit_churn_model(ds, **_):
    print(f"fitting the churn model on data up to {ds}")


def score_holdout(ds, **_):
    print(f"scoring the holdout of {ds}")


with DAG(
    dag_id="churn_retrain",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2024, 6, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=6),  # expect: run-timeout-unalerted
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=4),
        "email": ["ml-oncall@example.com"],
        "email_on_failure": True,
    },
) as dag:
    fit = PythonOperator(task_id="fit_churn_model", python_callable=fit_churn_model)  # expect: train-without-validation
    score = PythonOperator(task_id="score_holdout", python_callable=score_holdout)
    fit >> score
