"""Events ETL whose SQL lives in template files next to the DAG (include/sql/*.sql)."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def stage_events(ti, run_id):
    import uuid

    batch_id = uuid.uuid5(uuid.NAMESPACE_URL, run_id).hex
    # include/sql/merge_events.sql reads it: {{ ti.xcom_pull(task_ids='stage_events', key='batch_id') }}
    ti.xcom_push(key="batch_id", value=batch_id)


with DAG(
    dag_id="events_merge",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    template_searchpath=["/opt/airflow/include/sql"],
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data_alerts", text="events merge failed"),
    },
):
    stage = PythonOperator(task_id="stage_events", python_callable=stage_events)
    merge = SQLExecuteQueryOperator(task_id="merge_events", conn_id="warehouse", sql="merge_events.sql")
    vacuum = SQLExecuteQueryOperator(
        task_id="analyze_events",
        conn_id="warehouse",
        sql="ANALYZE analytics.events",
    )
    stage >> merge >> vacuum
