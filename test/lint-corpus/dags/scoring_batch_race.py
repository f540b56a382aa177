"""Lead scoring for the sales team; the CRM upload reads the scoring task's output without waiting."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def prepare_leads(ti, ds):
    ti.xcom_push(key="leads_uri", value=f"s3://acme-ml/leads/{ds}/input.parquet")


def score_leads(ti):
    uri = ti.xcom_pull(task_ids="prepare_leads", key="leads_uri")
    ti.xcom_push(key="scores_uri", value=uri.replace("input", "scores"))


def upload_to_crm(ti):
    uri = ti.xcom_pull(task_ids="score_leads", key="scores_uri")  # expect: missing-xcom-key
    print(f"uploading {uri} to the CRM")


with DAG(
    dag_id="lead_scoring",
    schedule="0 6 * * 1-5",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_sales_ops", text="lead scoring failed"),
    },
):
    prepare = PythonOperator(task_id="prepare_leads", python_callable=prepare_leads)
    score = PythonOperator(task_id="score_leads", python_callable=score_leads)
    upload = PythonOperator(task_id="upload_to_crm", python_callable=upload_to_crm)

    score.set_upstream(prepare)
    upload.set_upstream(prepare)
