"""Airflow 2.x style marketing spend ETL (Airflow 2.9+ APIs that Airflow 3 still accepts)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup


def slack_alert(context):
    from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

    ti = context["ti"]
    SlackWebhookHook(slack_webhook_conn_id="slack_marketing").send(
        text=f":red_circle: {ti.dag_id}.{ti.task_id} failed ({context['ds']})"
    )


default_args = {
    "owner": "marketing-data",
    "retries": 2,
    "retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=45),
    "on_failure_callback": slack_alert,
}


def fetch_spend(network, ds, **_):
    print(f"fetching {network} spend for {ds}")
    return {"network": network, "rows": 1200}


with DAG(
    dag_id="marketing_spend",
    schedule="0 7 * * *",
    start_date=pendulum.datetime(2024, 6, 1, tz="America/New_York"),
    catchup=False,
    default_args=default_args,
    tags=["marketing"],
) as dag:
    begin = EmptyOperator(task_id="begin")

    with TaskGroup("fetch") as fetch:
        google = PythonOperator(
            task_id="google_ads",
            python_callable=fetch_spend,
            op_kwargs={"network": "google"},
        )
        meta = PythonOperator(
            task_id="meta_ads",
            python_callable=fetch_spend,
            op_kwargs={"network": "meta"},
        )

    combine = BashOperator(
        task_id="combine",
        bash_command=(
            "spend-combine --date {{ ds }}"
            " --google '{{ ti.xcom_pull(task_ids='fetch.google_ads') | tojson }}'"
            " --meta '{{ ti.xcom_pull(task_ids='fetch.meta_ads') | tojson }}'"
        ),
    )

    begin >> fetch >> combine
