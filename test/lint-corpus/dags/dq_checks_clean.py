"""Data quality checks on the orders mart, with the results posted to the data-quality channel."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import (
    SQLColumnCheckOperator,
    SQLExecuteQueryOperator,
    SQLTableCheckOperator,
)
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, task

with DAG(
    dag_id="orders_mart_quality",
    schedule="45 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "data-quality",
        "retries": 1,
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="orders mart checks failed"),
    },
):
    row_counts = SQLTableCheckOperator(
        task_id="row_counts",
        conn_id="warehouse",
        table="mart.orders",
        checks={"not_empty": {"check_statement": "COUNT(*) > 1000"}},
        partition_clause="order_date = '{{ ds }}'",
    )
    columns = SQLColumnCheckOperator(
        task_id="column_checks",
        conn_id="warehouse",
        table="mart.orders",
        column_mapping={"amount_cents": {"min": {"geq_to": 0}}, "customer_id": {"null_check": {"equal_to": 0}}},
    )
    duplicates = SQLExecuteQueryOperator(
        task_id="count_duplicates",
        conn_id="warehouse",
        sql="SELECT count(*) - count(DISTINCT order_id) FROM mart.orders WHERE order_date = '{{ ds }}'",
        show_return_value_in_logs=True,
    )

    @task
    def summarize(ti=None):
        dupes = ti.xcom_pull(task_ids="count_duplicates")
        print(f"orders mart for {ti.run_id}: {dupes} duplicate ids")

    [row_counts, columns] >> duplicates >> summarize()
