"""Nightly scoring kicks the report DAG for the same day and region."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator


def page(context):
    from alerts import page_oncall

    page_oncall(context["task_instance"].task_id)


default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": page,
}

with DAG(
    dag_id="score_report",
    schedule_interval=None,  # expect: airflow3-removed
    start_date=datetime(2024, 6, 1),
    default_args=default_args,
    params={"region": Param("eu", enum=["eu", "us"]), "day": Param("2024-06-01", type="string")},
) as report_dag:
    BashOperator(task_id="render", bash_command="report render --region {{ params.region }} --day {{ params.day }}")

with DAG(
    dag_id="score_nightly",
    schedule_interval="0 1 * * *",  # expect: airflow3-removed
    start_date=datetime(2024, 6, 1),
    catchup=False,
    default_args=default_args,
) as dag:
    score = BashOperator(task_id="score", bash_command="scorer run --day {{ ds }}")
    report = TriggerDagRunOperator(
        task_id="report",
        trigger_dag_id="score_report",
        conf={"regoin": "us", "day": "{{ ds }}"},  # expect: trigger-conf
    )
    score >> report
