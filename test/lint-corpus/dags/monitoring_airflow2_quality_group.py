"""Model monitoring: waits for every data quality check of the nightly ingest."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor
from airflow.utils.task_group import TaskGroup

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    "email": ["ml-oncall@example.com"],
    "email_on_failure": True,
}

with DAG(
    dag_id="nightly_ingest",
    schedule="0 2 * * *",
    start_date=datetime(2024, 6, 1),
    catchup=False,
    default_args=default_args,
) as ingest:
    land = BashOperator(task_id="land_files", bash_command="ingest land --day {{ ds }}")
    with TaskGroup("quality") as quality:
        BashOperator(task_id="row_counts", bash_command="dq rows --day {{ ds }}")
        BashOperator(task_id="null_rates", bash_command="dq nulls --day {{ ds }}")
    land >> quality

with DAG(
    dag_id="model_monitoring",
    schedule="0 2 * * *",
    start_date=datetime(2024, 6, 1),
    catchup=False,
    default_args=default_args,
) as monitoring:
    checks = ExternalTaskSensor(
        task_id="ingest_checked",
        external_dag_id="nightly_ingest",
        external_task_group_id="quality_checks",  # expect: external-task-missing
        mode="reschedule",
        timeout=7200,
    )
    drift = BashOperator(task_id="drift_report", bash_command="monitor drift --day {{ ds }}")
    checks >> drift
