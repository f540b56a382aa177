"""Warehouse export with an operator of the team's own: a downstream task pulls a key it never pushes."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, BaseOperator


def page_oncall(context):
    print("failed:", context["task_instance"].task_id)


class WarehouseExportOperator(BaseOperator):
    """Exports a table to the lake and pushes where it went and how many rows it wrote."""

    template_fields = ("table", "prefix")

    def __init__(self, *, table, prefix, **kwargs):
        super().__init__(**kwargs)
        self.table = table
        self.prefix = prefix

    def execute(self, context):
        uri = f"s3://lake/{self.prefix}/{self.table}.parquet"
        context["ti"].xcom_push(key="export_uri", value=uri)
        context["ti"].xcom_push(key="row_count", value=1000)
        return uri


def check_export(ti):
    uri = ti.xcom_pull(task_ids="export_orders", key="export_uri")
    rows = ti.xcom_pull(task_ids="export_orders", key="rows_written")  # expect: missing-xcom-key
    print(uri, rows)


with DAG(
    "warehouse_export",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": page_oncall,
    },
):
    export = WarehouseExportOperator(
        task_id="export_orders",
        table="orders",
        prefix="exports/{{ ds }}",
    )
    check = PythonOperator(task_id="check_export", python_callable=check_export)
    publish = BashOperator(
        task_id="publish",
        bash_command="echo {{ ti.xcom_pull(task_ids='export_orders') }} {{ ti.xcom_pull(task_ids='export_orders', key='row_count') }}",
    )
    export >> check >> publish
