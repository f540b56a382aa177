"""Weekly CLV scoring: the task group carries retries in its default_args, the tasks after it do not."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup, task

with DAG(
    dag_id="clv_scoring_weekly",
    schedule="0 5 * * 1",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "crm-analytics",
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_crm", text="CLV scoring failed"),
    },
):
    with TaskGroup("score", default_args={"retries": 3, "retry_delay": timedelta(minutes=2)}) as score:
        features = BashOperator(task_id="features", bash_command="clv-features --week {{ ds }}")

        @task
        def predict(ti=None):
            uri = ti.xcom_pull(task_ids="score.features")
            return f"{uri}/predictions"

        predictions = predict()
        features >> predictions

    @task(retries=2)
    def sync_to_crm(predictions_uri: str):
        print(f"syncing {predictions_uri}")

    export = BashOperator(  # expect: missing-retries
        task_id="export_to_bi",
        bash_command="clv-export --from {{ ti.xcom_pull(task_ids='score.predict') }}",
    )

    sync_to_crm(predictions) >> export
