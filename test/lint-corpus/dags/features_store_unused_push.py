"""Materialize the online feature store; the team pushes more metadata than anyone reads."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def compute_features(ti, ds):
    ti.xcom_push(key="feature_table", value=f"features.user_activity_{ds.replace('-', '')}")
    ti.xcom_push(key="feature_count", value=42)  # expect: unused-output
    ti.xcom_push(key="schema_version", value="v7")  # expect: unused-output


def materialize(ti):
    table = ti.xcom_pull(task_ids="compute_features", key="feature_table")
    print(f"materializing {table} into the online store")
    ti.xcom_push(key="materialized_rows", value=120_000)


def publish_stats(ti):
    rows = ti.xcom_pull(task_ids="materialize", key="materialized_rows")
    print(f"{rows} rows now online")


with DAG(
    dag_id="feature_store_materialize",
    schedule="0 */4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="feature store failed"),
    },
):
    compute = PythonOperator(task_id="compute_features", python_callable=compute_features)
    online = PythonOperator(task_id="materialize", python_callable=materialize)
    stats = PythonOperator(task_id="publish_stats", python_callable=publish_stats)
    compute >> online >> stats
