"""An Airflow 1 era scoring DAG, never ported to Python 3: its callable still prints the old way."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def alert(context):
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

    SlackWebhookHook(slack_webhook_conn_id="slack_scoring").send(text="scoring failed")


default_args = {
    "owner": "scoring",
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": alert,
}


def score(ds, **_):
    rows = 1000
    print "scored %d rows for %s" % (rows, ds)  # expect: syntax-error
    return rows


with DAG(
    "legacy_scoring",
    schedule="@hourly",
    start_date=datetime(2023, 1, 1),
    catchup=False,
    default_args=default_args,
) as dag:
    PythonOperator(task_id="score", python_callable=score)
