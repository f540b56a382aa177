"""Classic-style ETL with dag=dag on every operator but the audit step added last."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="customers_etl failed"),
}

dag = DAG(
    "customers_etl",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)

extract = BashOperator(task_id="extract_customers", bash_command="extract --table customers --day {{ ds }}", dag=dag)
load = BashOperator(task_id="load_customers", bash_command="load --table customers --day {{ ds }}", dag=dag)
audit = BashOperator(task_id="audit_customers", bash_command="audit --table customers --day {{ ds }}")  # expect: task-outside-dag

extract >> load
