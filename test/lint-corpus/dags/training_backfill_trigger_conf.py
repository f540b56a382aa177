"""Feature backfill, then a retrain of the ranker over the backfilled range."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG

default_args = {
    "retries": 1,
    "execution_timeout": timedelta(hours=4),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ranking", text="ranker backfill failed"),
}

with DAG(
    dag_id="ranker_train",
    schedule=None,
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    default_args=default_args,
    params={"start": "2025-01-01", "end": "2025-01-31", "max_depth": 8},
):
    check = BashOperator(task_id="check_features", bash_command="dq check ranking.features --from {{ params.start }} --to {{ params.end }}")
    fit = BashOperator(
        task_id="fit",
        bash_command="ranker fit --from {{ params.start }} --to {{ params.end }} --max-depth {{ params.max_depth }}",
    )
    check >> fit

with DAG(
    dag_id="ranker_feature_backfill",
    schedule=None,
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    default_args=default_args,
    params={"start": "2025-01-01", "end": "2025-01-31"},
):
    backfill = BashOperator(
        task_id="backfill",
        bash_command="features backfill ranking --from {{ params.start }} --to {{ params.end }}",
    )
    retrain = TriggerDagRunOperator(
        task_id="retrain_ranker",
        trigger_dag_id="ranker_train",
        conf={
            "start": "{{ params.start }}",
            "end": "{{ params.end }}",
            "maxdepth": 10,  # expect: trigger-conf
        },
    )
    backfill >> retrain
