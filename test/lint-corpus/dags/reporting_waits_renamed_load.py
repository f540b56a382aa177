"""Sales reporting: waits for the warehouse load of the sales ETL, a TaskFlow DAG."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, dag, task

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_bi", text="{{ dag.dag_id }} failed"),
}


@dag(
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def sales_etl():
    @task
    def extract_orders() -> str:
        return "s3://sales/raw/orders.parquet"

    @task
    def load_to_warehouse(path: str) -> None:
        print(f"COPY sales.orders FROM '{path}'")

    load_to_warehouse(extract_orders())


sales_etl()

with DAG(
    dag_id="sales_reporting",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    loaded = ExternalTaskSensor(
        task_id="orders_loaded",
        external_dag_id="sales_etl",
        external_task_ids=["extract_orders", "load_orders"],  # expect: external-task-missing
        mode="reschedule",
        timeout=timedelta(hours=2),
    )
    report = BashOperator(task_id="build_report", bash_command="report sales --day {{ ds }}")
    loaded >> report
