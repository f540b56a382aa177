"""Builds the holdout set; a run may widen it. The template tests the param before it computes."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="holdout_build",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={"extra_days": Param(None, type=["null", "integer"]), "days": Param(14, type="integer")},
):
    BashOperator(
        task_id="build_holdout",
        bash_command="holdout build --days {{ params.days * 2 }}{% if params.extra_days is not none %} --extra {{ params.extra_days + 1 }}{% endif %} --weight {{ (params.extra_days or 0) * 3 }}",
    )
