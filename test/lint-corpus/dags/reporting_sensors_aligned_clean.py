"""Daily reporting: waits for upstream DAGs whose runs line up with its own."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_bi", text="{{ dag.dag_id }} failed"),
}


def previous_close(logical_date, **_):
    """The finance close of the day before, whatever time it ran."""
    return logical_date.replace(hour=4) - timedelta(days=1)


with DAG(
    dag_id="load_sales",
    schedule="30 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load", bash_command="sales load --day {{ ds }}")

with DAG(
    dag_id="load_inventory",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load", bash_command="inventory load --day {{ ds }}")

with DAG(
    dag_id="daily_sales_report",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    sales = ExternalTaskSensor(
        task_id="sales_loaded",
        external_dag_id="load_sales",
        external_task_id="load",
        execution_delta=timedelta(hours=22, minutes=30),
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    inventory = ExternalTaskSensor(
        task_id="inventory_loaded",
        external_dag_id="load_inventory",
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    close = ExternalTaskSensor(
        task_id="finance_closed",
        external_dag_id="finance_close",
        execution_date_fn=previous_close,
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    crm = ExternalTaskSensor(
        task_id="crm_synced",
        external_dag_id="crm_sync",
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    report = BashOperator(task_id="build_report", bash_command="report build --day {{ ds }}")
    [sales, inventory, close, crm] >> report
