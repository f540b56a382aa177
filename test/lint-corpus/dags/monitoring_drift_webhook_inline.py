"""Drift report: the Slack incoming webhook is pasted as a constant instead of a connection."""

from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

ALERTS_WEBHOOK = "https://hooks.slack.com/services/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"  # expect: hardcoded-secret


def post_alert(context):
    import requests

    ti = context["ti"]
    requests.post(ALERTS_WEBHOOK, json={"text": f"{ti.dag_id}.{ti.task_id} failed"}, timeout=10)


def compute_drift(ds=None, **_):
    print(f"population stability index for {ds}: 0.04")


with DAG(
    dag_id="feature_drift_report",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-monitoring",
        "retries": 1,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": post_alert,
    },
):
    PythonOperator(task_id="compute_drift", python_callable=compute_drift)
