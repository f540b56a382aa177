"""Orders warehouse load whose SQL lives in files beside the DAG (sql/), shared filters included."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def pick_batch(ti, run_id):
    ti.xcom_push(key="batch_id", value=run_id.replace(":", "_"))
    ti.xcom_push(key="row_limit", value=50_000)


with DAG(
    dag_id="orders_warehouse_sql",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data_alerts", text="orders warehouse failed"),
    },
):
    batch = PythonOperator(task_id="pick_batch", python_callable=pick_batch)
    stage = SQLExecuteQueryOperator(task_id="stage_orders", conn_id="warehouse", sql="sql/stage_orders.sql")
    merge = SQLExecuteQueryOperator(task_id="merge_orders", conn_id="warehouse", sql="sql/merge_orders.sql")
    export = SQLExecuteQueryOperator(task_id="export_orders", conn_id="warehouse", sql="sql/export_orders.sql")
    batch >> stage >> merge >> export
