"""Nightly sync of replicated tables into the warehouse; one task chain per table."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup, chain

TABLES = ["customers", "orders", "order_items", "refunds", "shipments"]

default_args = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data_alerts", text="warehouse sync failed"),
}

with DAG(
    dag_id="warehouse_sync",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    max_active_tasks=4,
):
    start = EmptyOperator(task_id="start")
    done = EmptyOperator(task_id="done", trigger_rule="none_failed")

    for table in TABLES:
        with TaskGroup(group_id=f"sync_{table}"):
            dump = BashOperator(
                task_id="dump",
                bash_command=f"pg_dump --table=public.{table} --format=custom $REPLICA_URL | aws s3 cp - s3://acme-lake/dumps/{{{{ ds }}}}/{table}.dump",
            )
            merge = SQLExecuteQueryOperator(
                task_id="merge",
                conn_id="warehouse",
                sql=f"CALL staging.merge_table('{table}', '{{{{ ds }}}}')",
            )
            count = SQLExecuteQueryOperator(
                task_id="count_rows",
                conn_id="warehouse",
                sql=f"SELECT count(*) FROM analytics.{table}",
            )
            chain(start, dump, merge, count, done)
