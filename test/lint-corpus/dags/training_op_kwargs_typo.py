"""Weekly ranking-model training with classic PythonOperators and op_kwargs."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def validate_features(table, ds=None, min_rows=10_000):
    from ranking.checks import check_table

    check_table(table, partition=ds, min_rows=min_rows)


def train_ranker(table, learning_rate=0.05, num_rounds=500, ti=None):
    from ranking.train import fit

    ti.xcom_push(key="model_uri", value=fit(table, learning_rate=learning_rate, num_rounds=num_rounds))


def register(model_uri, stage):
    from ranking.registry import promote

    promote(model_uri, stage)


with DAG(
    dag_id="ranking_weekly_training",
    schedule="0 4 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="ranking training failed"),
    },
):
    validate = PythonOperator(
        task_id="validate_features",
        python_callable=validate_features,
        op_kwargs={"table": "features.ranking_daily", "min_rows": 50_000},
    )
    train = PythonOperator(
        task_id="train_ranker",
        python_callable=train_ranker,
        op_kwargs={"table": "features.ranking_daily", "learning_rat": 0.02, "num_rounds": 800},  # expect: callable-arguments
    )
    promote = PythonOperator(  # expect: callable-arguments
        task_id="register_model",
        python_callable=register,
        op_kwargs={"model_uri": "{{ ti.xcom_pull(task_ids='train_ranker', key='model_uri') }}"},
    )
    validate >> train >> promote
