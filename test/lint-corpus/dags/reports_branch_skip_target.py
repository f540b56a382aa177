"""Weekly model report: send it to the business channel only when the model was retrained."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import BranchPythonOperator
from airflow.sdk import DAG


def was_retrained(ti):
    version = ti.xcom_pull(task_ids="latest_version")
    return "send_report" if version else "nothing_to_send"  # expect: branch-target


with DAG(
    dag_id="weekly_model_report",
    schedule="0 8 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="weekly report failed"),
    },
):
    latest = BashOperator(task_id="latest_version", bash_command="ml registry latest churn", do_xcom_push=True)
    check = BranchPythonOperator(task_id="was_retrained", python_callable=was_retrained)
    render = BashOperator(task_id="render_report", bash_command="ml report churn --out report.html")
    send = BashOperator(task_id="send_report", bash_command="ml report send report.html")
    skip = EmptyOperator(task_id="nothing_to_send")
    latest >> check >> [render, skip]
    render >> send
