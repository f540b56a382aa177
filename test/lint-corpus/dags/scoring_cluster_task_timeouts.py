"""Near misses of score_on_cluster: the work is bounded by execution_timeout, and the DAGs have no
dagrun_timeout (None, or a name bound to None), so a teardown runs after a task times out."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

ALERT = SlackNotifier(slack_conn_id="slack_ml", text="{{ dag.dag_id }} failed")
NO_RUN_TIMEOUT = None

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=6),
    "on_failure_callback": ALERT,
}

with DAG(
    dag_id="score_bounded",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=None,
    default_args=default_args,
):
    create = BashOperator(task_id="create_cluster", bash_command="cluster create score-{{ ds_nodash }}")
    score = BashOperator(task_id="score", bash_command="cluster run score-{{ ds_nodash }} score.py")
    delete = BashOperator(task_id="delete_cluster", bash_command="cluster delete score-{{ ds_nodash }}")
    create >> score >> delete.as_teardown(setups=create)

with DAG(
    dag_id="score_bounded_named",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=NO_RUN_TIMEOUT,
    default_args=default_args,
    on_failure_callback=ALERT,
):
    make = BashOperator(task_id="make_scratch", bash_command="mkdir -p {{ var.value.scratch_root }}/{{ ds_nodash }}")
    use = BashOperator(task_id="use_scratch", bash_command="ls {{ var.value.scratch_root }}/{{ ds_nodash }}")
    remove = BashOperator(task_id="remove_scratch", bash_command="rm -r {{ var.value.scratch_root }}/{{ ds_nodash }}")
    make >> use >> remove.as_teardown(setups=make)
