"""Airflow 2 era uplift model; its callables read context keys that Airflow 3 removed."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.python import PythonOperator


def alert(context):
    print(f"uplift model failed: {context['ti'].task_id}")


def validate_campaigns(**context):
    window_start = context["prev_ds"]  # expect: airflow3-removed
    print(f"validating campaigns since {window_start}")


def train_uplift(execution_date, **kwargs):  # expect: airflow3-removed
    import causalml

    print(f"training the uplift model as of {execution_date:%Y-%m-%d}")
    return causalml.__version__


with DAG(
    dag_id="uplift_model",
    schedule_interval="@weekly",  # expect: airflow3-removed
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "execution_timeout": timedelta(hours=2), "on_failure_callback": alert},
) as dag:
    validate = PythonOperator(task_id="validate_campaigns", python_callable=validate_campaigns)
    train = PythonOperator(task_id="train_uplift", python_callable=train_uplift)
    validate >> train
