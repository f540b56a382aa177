"""Nightly exports per region: the EU block was copied from the US one and its ids kept."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data_alerts", text="region_exports failed"),
}

with DAG(
    dag_id="region_exports",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    start = BashOperator(task_id="check_warehouse", bash_command="warehouse-ping --timeout 60")

    with TaskGroup("us", prefix_group_id=False) as us:
        us_orders = BashOperator(task_id="export_orders_us", bash_command="export --region us --table orders --day {{ ds }}")
        us_users = BashOperator(task_id="export_users_us", bash_command="export --region us --table users --day {{ ds }}")

    with TaskGroup("eu", prefix_group_id=False) as eu:
        eu_orders = BashOperator(task_id="export_orders_eu", bash_command="export --region eu --table orders --day {{ ds }}")
        eu_users = BashOperator(task_id="export_users_us", bash_command="export --region eu --table users --day {{ ds }}")  # expect: duplicate-task-id

    for table in ["orders", "users"]:
        BashOperator(task_id="publish_manifest", bash_command=f"publish-manifest --table {table} --day {{{{ ds }}}}")  # expect: duplicate-task-id

    start >> [us, eu]
