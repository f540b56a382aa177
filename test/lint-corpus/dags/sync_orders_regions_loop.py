"""Order sync, one DAG per region, made in a loop."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

REGIONS = ["eu", "us", "apac"]

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="{{ dag.dag_id }} failed"),
}

for region in REGIONS:
    dag = DAG(  # expect: dag-not-registered
        dag_id=f"sync_orders_{region}",
        schedule="@hourly",
        start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
        catchup=False,
        default_args=default_args,
    )
    extract = BashOperator(task_id="extract", bash_command=f"orders extract --region {region}", dag=dag)
    load = BashOperator(task_id="load", bash_command=f"orders load --region {region}", dag=dag)
    extract >> load
