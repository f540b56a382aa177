"""Feature refresh: only the source that changed since the last run is re-extracted."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator
from airflow.providers.slack.notifications.slack import SlackNotifier

SOURCES = ["crm", "billing", "support"]


def changed_source(ti):
    newest = ti.xcom_pull(task_ids="scan_sources")
    return f"extract_{newest}"


with DAG(
    dag_id="feature_refresh",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="feature refresh failed"),
    },
) as dag:
    scan = BashOperator(task_id="scan_sources", bash_command="features newest-source", do_xcom_push=True)
    pick = BranchPythonOperator(task_id="pick_source", python_callable=changed_source)
    rebuild = BashOperator(task_id="rebuild_feature_view", bash_command="features rebuild")  # expect: branch-join-skipped
    audit = EmptyOperator(task_id="audit", trigger_rule="none_failed_min_one_success")
    scan >> pick
    for source in SOURCES:
        extract = BashOperator(task_id=f"extract_{source}", bash_command=f"features extract {source}")
        load = BashOperator(task_id=f"load_{source}", bash_command=f"features load {source}")
        pick >> extract >> load >> [rebuild, audit]
