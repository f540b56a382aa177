"""Data quality gate: skip the feature rebuild when too few new rows arrived."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.sdk import DAG


def enough_new_rows(table, threshold, ds=None):
    from warehouse import count_rows

    return count_rows(table, partition=ds) >= threshold


with DAG(
    dag_id="clickstream_feature_gate",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_data", text="feature gate failed"),
    },
):
    gate = ShortCircuitOperator(  # expect: callable-arguments
        task_id="enough_new_rows",
        python_callable=enough_new_rows,
        op_kwargs={"table": "raw.clickstream", "treshold": 1_000_000},  # expect: callable-arguments
    )
    rebuild = BashOperator(task_id="rebuild_features", bash_command="features rebuild clickstream --date {{ ds }}")
    gate >> rebuild
