"""Daily orders ETL: copy the day's orders from the shop database into the warehouse."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

default_args = {
    "owner": "data-eng",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(
        slack_conn_id="slack_data_alerts",
        text="orders_etl: {{ ti.task_id }} failed for {{ ds }}",
    ),
}


def extract_orders(ds, ti):
    import json

    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    rows = PostgresHook(postgres_conn_id="shop_db").get_records(
        "SELECT id, customer_id, amount_cents FROM orders WHERE created_at::date = %s",
        parameters=[ds],
    )
    key = f"raw/orders/{ds}.json"
    S3Hook(aws_conn_id="aws_lake").load_string(json.dumps(rows), key, bucket_name="acme-lake", replace=True)
    ti.xcom_push(key="row_count", value=len(rows))
    return key


with DAG(
    dag_id="orders_etl",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    tags=["etl", "orders"],
):
    extract = PythonOperator(task_id="extract", python_callable=extract_orders)
    load = SQLExecuteQueryOperator(
        task_id="load",
        conn_id="warehouse",
        sql="COPY analytics.orders FROM 's3://acme-lake/{{ ti.xcom_pull(task_ids='extract') }}' IAM_ROLE default FORMAT JSON 'auto'",
    )
    report = BashOperator(
        task_id="report_row_count",
        bash_command="echo \"loaded {{ ti.xcom_pull(task_ids='extract', key='row_count') }} orders for {{ ds }}\"",
    )

    extract >> load >> report
