"""Nightly churn training: a full retrain on Mondays, an incremental one otherwise."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import BranchPythonOperator
from airflow.sdk import DAG, TaskGroup


def choose_mode(logical_date=None):
    if logical_date.weekday() == 0:
        return "retrain_full"  # expect: branch-target
    return "retrain_incremental"  # expect: branch-target


with DAG(
    dag_id="churn_nightly_training",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-team",
        "retries": 2,
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed"),
    },
):
    validate = BashOperator(task_id="validate_data", bash_command="ml validate churn --date {{ ds }}")
    mode = BranchPythonOperator(task_id="choose_mode", python_callable=choose_mode)
    with TaskGroup("fit"):
        full = BashOperator(task_id="retrain_full", bash_command="ml train churn --full --date {{ ds }}")
        incremental = BashOperator(
            task_id="retrain_incremental", bash_command="ml train churn --since {{ prev_ds }} --date {{ ds }}"  # expect: airflow3-removed
        )
    evaluate = BashOperator(task_id="evaluate", bash_command="ml evaluate churn --date {{ ds }}")  # expect: branch-join-skipped
    publish = BashOperator(task_id="publish_metrics", bash_command="ml publish churn --date {{ ds }}")

    validate >> mode >> [full, incremental] >> evaluate >> publish
