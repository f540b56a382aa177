"""Scores the day's customers on a scratch cluster, removed by a teardown; a run may take six hours."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

ALERT = SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed")

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": ALERT,
}

with DAG(
    dag_id="score_on_cluster",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=timedelta(hours=6),  # expect: timeout-skips-teardown
    default_args=default_args,
    on_failure_callback=ALERT,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create score-{{ ds_nodash }}")
    score = BashOperator(task_id="score", bash_command="cluster run score-{{ ds_nodash }} score.py")
    delete = BashOperator(task_id="delete_cluster", bash_command="cluster delete score-{{ ds_nodash }}")
    create >> score >> delete.as_teardown(setups=create)
