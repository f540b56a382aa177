"""Nightly export of the orders database for the feature pipeline."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="orders_mysql_export",
    schedule="15 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="orders export failed"),
    },
):
    dump = BashOperator(
        task_id="dump_orders",
        bash_command="mysqldump -h orders-db -u export -pXq7!vR2m orders | gzip | aws s3 cp - s3://exports/orders/{{ ds_nodash }}.sql.gz",  # expect: hardcoded-secret
    )
    notify = BashOperator(
        task_id="notify_done",
        bash_command='curl -fsS -u "notifier:$NOTIFY_PASSWORD" -X POST https://hooks.example.com/orders-export-done',
        env={"NOTIFY_PASSWORD": "{{ conn.export_hooks.password }}"},
        append_env=True,
    )
    dump >> notify
