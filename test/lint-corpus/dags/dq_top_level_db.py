"""Null-rate checks for every table registered in the DQ config table, read at parse time."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.postgres.hooks.postgres import PostgresHook
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, BaseHook

CHECKED_TABLES = PostgresHook(postgres_conn_id="dq_config").get_records("SELECT table_name FROM dq.tables WHERE enabled")  # expect: top-level-code
WAREHOUSE_HOST = BaseHook.get_connection("warehouse").host  # expect: top-level-code

with DAG(
    dag_id="null_rate_checks",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text=f"null-rate checks on {WAREHOUSE_HOST} failed"),
    },
):
    for (table,) in CHECKED_TABLES:
        SQLExecuteQueryOperator(
            task_id=f"null_rate_{table.replace('.', '_')}",
            conn_id="warehouse",
            sql=f"SELECT dq.assert_null_rate('{table}', 0.01, '{{{{ ds }}}}')",
        )
