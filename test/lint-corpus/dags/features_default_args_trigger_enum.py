"""Feature refresh whose default trigger rule names a TriggerRule member that does not exist."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG
from airflow.task.trigger_rule import TriggerRule

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "trigger_rule": TriggerRule.NONE_FAILED_MIN_ONE_SUCESS,  # expect: invalid-argument
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="feature_refresh failed"),
}

with DAG(
    dag_id="feature_refresh_optional_sources",
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    clicks = BashOperator(task_id="refresh_clicks", bash_command="refresh --source clicks --hour {{ ts }}")
    orders = BashOperator(task_id="refresh_orders", bash_command="refresh --source orders --hour {{ ts }}")
    publish = BashOperator(task_id="publish_features", bash_command="publish-features --hour {{ ts }}")

    [clicks, orders] >> publish
