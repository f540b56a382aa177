"""Orders load: the warehouse URI, password and all, is pasted into the DAG file."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

WAREHOUSE_URI = "postgresql+psycopg2://loader:Wh-l0ad!2025@warehouse.internal:5432/dw"  # expect: hardcoded-secret

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=40),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="orders_load failed"),
}


def load_orders(uri, ds=None, **_):
    from sqlalchemy import create_engine, text

    with create_engine(uri).begin() as conn:
        conn.execute(text("CALL load_orders(:day)"), {"day": ds})


with DAG(
    dag_id="orders_load",
    schedule="30 2 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    PythonOperator(task_id="load_orders", python_callable=load_orders, op_kwargs={"uri": WAREHOUSE_URI})
