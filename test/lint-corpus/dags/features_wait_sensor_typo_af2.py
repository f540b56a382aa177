"""Feature building waits for the daily ingest, named with a letter swapped."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor


def page(context):
    from alerts import page_oncall

    page_oncall(context["task_instance"].task_id)


default_args = {
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": page,
}

with DAG(
    dag_id="events_ingest_daily",
    schedule="@daily",
    start_date=datetime(2024, 9, 1),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load_events", bash_command="ingest events --day {{ ds }}")

with DAG(
    dag_id="events_features_daily",
    schedule="@daily",
    start_date=datetime(2024, 9, 1),
    catchup=False,
    default_args=default_args,
):
    wait = ExternalTaskSensor(
        task_id="wait_for_ingest",
        external_dag_id="events_ingset_daily",  # expect: missing-dag
        external_task_id="load_events",
        mode="reschedule",
        timeout=int(timedelta(hours=6).total_seconds()),
    )
    wait >> BashOperator(task_id="build_features", bash_command="features build --day {{ ds }}")
