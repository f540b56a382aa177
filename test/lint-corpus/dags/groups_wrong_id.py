from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup, Variable, chain, dag, task


def notify_failure(context):
    print("failed", context["task_instance"].task_id)

default_args = {
    "owner": "ml-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": notify_failure,
}


def scale_features(ti):
    ti.xcom_push(key="scaler_path", value="s3://models/scaler.pkl")


def fit(ti):
    return ti.xcom_pull(task_ids="scale", key="scaler_path")  # expect: missing-xcom-key


with DAG("features_wrong_id", schedule="@daily", start_date=pendulum.datetime(2025, 1, 1), default_args=default_args, catchup=False):
    wait = FileSensor(task_id="wait_for_raw", filepath="raw/{{ ds }}.csv", mode="reschedule", timeout=timedelta(hours=8))
    with TaskGroup("features") as features:
        clean = BashOperator(task_id="clean", bash_command="clean {{ ds }}")
        scale = PythonOperator(task_id="scale", python_callable=scale_features)
        clean >> scale
    validate = BashOperator(task_id="validate_features", bash_command="check {{ ds }}")
    model = PythonOperator(task_id="train_model", python_callable=fit)
    wait >> features >> validate >> model
