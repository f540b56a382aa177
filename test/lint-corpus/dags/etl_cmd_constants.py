"""Geo enrichment of store visits; the shell commands are module-level templates."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

ENRICH_CMD = (
    "geo-enrich --visits s3://acme-lake/visits/{{ ds }}/"
    " --geocoder-version {{ ti.xcom_pull(task_ids='pick_geocoder', key='version') }}"
)
PUBLISH_CMD = "geo-publish --run {{ ti.xcom_pull(task_ids='enrich_visits', key='output_prefix') }}"  # expect: missing-xcom-key


def pick_geocoder(ti):
    ti.xcom_push(key="version", value="2025.03")
    ti.xcom_push(key="endpoint", value="https://geo.internal/v2")  # expect: unused-output


with DAG(
    "store_visits_geo",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=50),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_retail", text="geo enrichment failed"),
    },
):
    pick = PythonOperator(task_id="pick_geocoder", python_callable=pick_geocoder)
    enrich = BashOperator(task_id="enrich_visits", bash_command=ENRICH_CMD)
    publish = BashOperator(task_id="publish_visits", bash_command=PUBLISH_CMD)
    pick >> enrich >> publish
