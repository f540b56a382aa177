"""Daily retraining on a rolling window: the window's end is meant to be the run's date."""

import functools
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag, task

SNAPSHOT_QUERY = "SELECT * FROM features.daily WHERE day <= '{{ ds }}'"  # expect: unrendered-template


def export_window(bucket: str, day: str) -> None:
    print(f"exporting s3://{bucket}/window/{day}/")


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-platform",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="rolling_retrain failed"),
    },
)
def rolling_retrain():
    @task
    def snapshot(window_days: int = 28) -> str:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        df = PostgresHook(postgres_conn_id="warehouse").get_pandas_df(SNAPSHOT_QUERY)
        path = "s3://ml-features/rolling/{{ ds_nodash }}/train.parquet"  # expect: unrendered-template
        df.tail(window_days * 1000).to_parquet(path)
        return path

    @task
    def validate(path: str, run_day: str = "{{ ds }}") -> str:  # expect: unrendered-template
        print(f"validating {path} for {run_day}")
        return path

    @task
    def train(path: str, ds=None) -> str:
        print(f"training on {path} for {ds}")
        return f"runs:/{ds}/model"

    export = PythonOperator(
        task_id="export_window",
        python_callable=functools.partial(export_window, "ml-exports", day="{{ ds }}"),  # expect: unrendered-template
    )
    checked = validate(snapshot())
    checked >> export
    train(checked)


rolling_retrain()
