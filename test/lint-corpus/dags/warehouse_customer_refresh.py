"""Nightly customer dimension refresh; its SQL includes shared filters that were renamed."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG

with DAG(
    dag_id="customers_warehouse_refresh",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data_alerts", text="customer refresh failed"),
    },
):
    SQLExecuteQueryOperator(task_id="refresh_customers", conn_id="warehouse", sql="sql/refresh_customers.sql")
