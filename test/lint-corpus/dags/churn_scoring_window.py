"""Scores customers for churn weekly; a run may widen the activity window beyond 20 days."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="{{ ti.task_id }} failed"),
}

with DAG(
    dag_id="churn_scoring",
    schedule="0 2 * * 1",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    params={
        "extra_days": Param(None, type=["null", "integer"], minimum=0, description="days on top of 20"),
        "model": Param("xgb", type="string", enum=["xgb", "lgbm"]),
    },
):
    features = BashOperator(task_id="build_features", bash_command="churn features --day {{ ds }}")
    score = BashOperator(
        task_id="score_customers",
        bash_command="churn score --model {{ params.model }} --window {{ 20 + params.extra_days }}",  # expect: none-param-computed
    )
    features >> score
