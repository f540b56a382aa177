from datetime import timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator  # expect: airflow3-removed
from airflow.operators.dummy_operator import DummyOperator  # expect: airflow3-removed
from airflow.operators.python import PythonOperator
from airflow.utils.dates import days_ago  # expect: airflow3-removed


def notify_failure(context):
    print("failed")


default_args = {
    "retries": 1,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": notify_failure,
    "sla": timedelta(hours=2),  # expect: airflow3-removed
}


def score(**context):
    return 1


with DAG(
    "scoring_v2_legacy",
    schedule_interval="@hourly",  # expect: airflow3-removed
    start_date=days_ago(1),  # expect: dynamic-start-date
    default_args=default_args,
) as dag:
    start = DummyOperator(task_id="start")
    prep = BashOperator(task_id="prep", bash_command="echo {{ execution_date }}")  # expect: airflow3-removed
    run = PythonOperator(task_id="score", python_callable=score, provide_context=True)  # expect: airflow3-removed
    start >> prep >> run
