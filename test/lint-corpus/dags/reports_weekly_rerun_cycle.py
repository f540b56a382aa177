"""Weekly KPI report: a "refresh the extract after publishing" step closed a loop."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def build_report(ds, ti):
    path = ti.xcom_pull(task_ids="extract_kpis")
    print(f"building the KPI report for {ds} from {path}")


default_args = {
    "owner": "analytics",
    "retries": 1,
    "retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_analytics", text="weekly_kpis failed"),
}

with DAG(
    dag_id="weekly_kpis",
    schedule="0 6 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    extract = BashOperator(task_id="extract_kpis", bash_command="extract-kpis --week {{ ds }}")
    report = PythonOperator(task_id="build_report", python_callable=build_report)
    publish = BashOperator(task_id="publish_report", bash_command="publish-report --week {{ ds }}")

    extract >> report >> publish
    publish.set_downstream(extract)  # expect: dependency-cycle
