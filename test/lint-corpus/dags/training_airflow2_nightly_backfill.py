"""Nightly churn-model retraining on Airflow 2: validated features, then training and registration."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def notify_oncall(context):
    ti = context["task_instance"]
    print(f"churn retrain failed: {ti.dag_id}.{ti.task_id} on {context['ds']}")


default_args = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": notify_oncall,
}


def check_features(ds, **_):
    print(f"checking churn features for {ds}")


with DAG(  # expect: implicit-catchup
    dag_id="churn_retrain_nightly",
    schedule="0 2 * * *",
    start_date=datetime(2023, 1, 1),
    default_args=default_args,
    tags=["ml", "churn"],
):
    validate = PythonOperator(task_id="validate_features", python_callable=check_features)
    train = BashOperator(
        task_id="train_model",
        bash_command="python -m churn.train --day {{ ds }} --run-id {{ run_id }}",
    )
    validate >> train
