"""Loads orders through a staging table that a teardown drops (Airflow 2 style)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator

TIMEOUT = timedelta(hours=4)


def alert(context):
    print(f"{context['dag'].dag_id} failed: {context.get('reason')}")


with DAG(
    dag_id="orders_staging",
    schedule="30 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=TIMEOUT,  # expect: timeout-skips-teardown
    on_failure_callback=alert,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": alert,
    },
) as dag:
    stage = BashOperator(task_id="create_staging", bash_command="psql -f create_staging.sql")
    load = BashOperator(task_id="load_orders", bash_command="psql -f load_orders.sql")
    drop = BashOperator(task_id="drop_staging", bash_command="psql -f drop_staging.sql")
    stage >> load >> drop
    drop.as_teardown(setups=stage)
