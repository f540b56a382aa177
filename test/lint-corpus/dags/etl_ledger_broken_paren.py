"""Nightly ledger export; a reviewer's edit left the operator call open (a Broken DAG)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

default_args = {
    "owner": "finance-data",
    "retries": 2,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_finance", text="{{ dag.dag_id }} failed"),
}

with DAG(
    dag_id="ledger_export",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    extract = BashOperator(
        task_id="extract",
        bash_command="ledger-cli export --day {{ ds }} --out s3://finance-exports/ledger/{{ ds }}.parquet",
    )
    publish = BashOperator(  # expect: syntax-error
        task_id="publish",
        bash_command="ledger-cli publish --day {{ ds }}",

    extract >> publish
