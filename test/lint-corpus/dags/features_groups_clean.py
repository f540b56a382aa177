"""Customer features: clean → encode → scale inside a task group, then validated."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup

default_args = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="customer features failed"),
}


def encode_categoricals(ti, ds):
    ti.xcom_push(key="encoder_uri", value=f"s3://acme-ml/encoders/customers/{ds}.pkl")


def fit_scaler(ti, ds):
    encoder = ti.xcom_pull(task_ids="features.encode", key="encoder_uri")
    print(f"fitting the scaler after {encoder}")
    ti.xcom_push(key="scaler_uri", value=f"s3://acme-ml/scalers/customers/{ds}.pkl")


with DAG(
    "customer_features",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    wait = FileSensor(
        task_id="wait_for_raw",
        filepath="raw/customers/{{ ds }}.csv",
        mode="reschedule",
        timeout=timedelta(hours=8),
    )
    with TaskGroup("features", tooltip="clean, encode and scale") as features:
        clean = BashOperator(task_id="clean", bash_command="features-clean --date {{ ds }}")
        encode = PythonOperator(task_id="encode", python_callable=encode_categoricals)
        scale = PythonOperator(task_id="scale", python_callable=fit_scaler)
        clean >> encode >> scale
    validate = BashOperator(
        task_id="validate_features",
        bash_command="features-check --scaler {{ ti.xcom_pull(task_ids='features.scale', key='scaler_uri') }}",
    )
    wait >> features >> validate
