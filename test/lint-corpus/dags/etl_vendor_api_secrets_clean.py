"""Vendor API pull: every credential is read when the task runs (connections, Variables, env)."""

import os
from datetime import timedelta

import pendulum
from airflow.providers.http.operators.http import HttpOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

API_TOKEN_VARIABLE = "vendor_api_token"
TOKEN_ENV = "VENDOR_API_TOKEN"
WAREHOUSE_URI = "postgresql://loader:{{ conn.warehouse.password }}@warehouse.internal:5432/dw"


def store(response_text, ds=None, **_):
    token = os.environ.get(TOKEN_ENV, "")
    print(f"storing {len(response_text)} bytes for {ds} (token set: {bool(token)})")


with DAG(
    dag_id="vendor_api_pull",
    schedule="15 3 * * *",
    start_date=pendulum.datetime(2025, 4, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "partners",
        "retries": 3,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_partners", text="vendor_api_pull failed"),
    },
):
    pull = HttpOperator(
        task_id="pull_orders",
        http_conn_id="vendor_api",
        endpoint="v2/orders?day={{ ds }}",
        method="GET",
        headers={
            "Authorization": "Bearer {{ var.value.vendor_api_token }}",
            "X-Client-Secret": "{{ conn.vendor_api.password }}",
            "Accept": "application/json",
        },
    )
    save = PythonOperator(
        task_id="store_orders",
        python_callable=store,
        op_kwargs={"response_text": "{{ ti.xcom_pull(task_ids='pull_orders') }}"},
    )
    pull >> save
