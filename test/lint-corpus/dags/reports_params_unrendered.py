"""Weekly model report: the report's date comes in through params, meant to be the run's date."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

with DAG(
    dag_id="weekly_model_report",
    schedule="0 7 * * MON",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    params={
        "model": Param("churn", type="string"),
        "report_day": "{{ data_interval_end | ds }}",  # expect: unrendered-template
    },
    default_args={
        "email": ["{{ var.value.ml_oncall_email }}"],  # expect: unrendered-template
        "email_on_failure": True,
        "retries": 1,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="weekly_model_report failed"),
    },
):
    BashOperator(
        task_id="render_report",
        bash_command="make-report --model {{ params.model }} --day {{ params.report_day }} --out {{ params.out }}",
        params={"out": "s3://ml-reports/{{ ds_nodash }}/"},  # expect: unrendered-template
    )
