"""Daily batch scoring that posts to the team channel from a task when something fails."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def post_failure(**context):
    print(f"scoring run {context['run_id']} failed")


with DAG(
    dag_id="daily_batch_scoring",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "execution_timeout": timedelta(hours=1), "email": ["ml@example.com"]},
):
    load = BashOperator(task_id="load_features", bash_command="features load --day {{ ds }}")
    score = BashOperator(task_id="score_customers", bash_command="scorer run --day {{ ds }}")
    notify = PythonOperator(task_id="notify_failure", python_callable=post_failure, trigger_rule="one_failed")  # expect: leaf-masks-failure
    load >> score >> notify
