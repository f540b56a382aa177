"""Daily model refresh that waits for the weekly label export (Airflow 2 style)."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.sensors.external_task import ExternalTaskSensor


def notify_failure(context):
    print(f"task failed: {context['task_instance'].task_id}")


default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": notify_failure,
}

with DAG(
    "export_weekly_labels",
    schedule_interval="0 0 * * 1",  # expect: airflow3-removed
    start_date=datetime(2024, 6, 3),
    catchup=False,
    default_args=default_args,
) as labels_dag:
    BashOperator(task_id="export_labels", bash_command="labels export --week {{ ds }}")

with DAG(
    "refresh_churn_model",
    schedule_interval="@daily",  # expect: airflow3-removed
    start_date=datetime(2024, 6, 3),
    catchup=False,
    default_args=default_args,
) as refresh_dag:
    labels_ready = ExternalTaskSensor(  # expect: external-schedule-mismatch
        task_id="labels_ready",
        external_dag_id="export_weekly_labels",
        external_task_id="export_labels",
        mode="reschedule",
        poke_interval=300,
        timeout=6 * 3600,
    )
    validate = BashOperator(task_id="validate_labels", bash_command="labels validate --day {{ ds }}")
    refit = BashOperator(task_id="refit_churn", bash_command="churn fit --day {{ ds }}")
    labels_ready >> validate >> refit
