"""Inventory snapshot: pull stock levels from the WMS API and publish low-stock alerts."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def page_on_call(context):
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

    ti = context["ti"]
    SlackWebhookHook(slack_webhook_conn_id="slack_ops").send(text=f"{ti.dag_id}.{ti.task_id} failed")


def snapshot_stock(ti, data_interval_end=None):
    import requests

    resp = requests.get("https://wms.internal/api/v2/stock", timeout=30)
    resp.raise_for_status()
    items = resp.json()["items"]
    ti.xcom_push(key="sku_count", value=len(items))
    return [i["sku"] for i in items if i["on_hand"] < i["reorder_point"]]


def notify_buyers(ti):
    low = ti.xcom_pull(task_ids="snapshot_stock")
    if low:
        print(f"{len(low)} SKUs below their reorder point: {', '.join(low[:20])}")


with DAG(
    "inventory_snapshot",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=2),
        "execution_timeout": timedelta(minutes=10),
        "on_failure_callback": page_on_call,
    },
):
    snapshot = PythonOperator(task_id="snapshot_stock", python_callable=snapshot_stock)
    buyers = PythonOperator(task_id="notify_buyers", python_callable=notify_buyers)
    metrics = BashOperator(
        task_id="push_metrics",
        bash_command="statsd-push inventory.skus {{ ti.xcom_pull(task_ids='snapshot_stock', key='sku_count') }}",  # expect: missing-xcom-key
    )

    snapshot >> buyers
