"""Feature build into a staging table that is dropped at the end, TaskFlow style."""

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task


def alert(context):
    print(f"feature build failed: {context['ti'].task_id}")


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "execution_timeout": timedelta(minutes=45), "on_failure_callback": alert},
)
def staged_features():
    @task
    def create_staging() -> str:
        return "staging.features_tmp"

    @task
    def build_features(table: str) -> str:
        print(f"building features into {table}")
        return table

    @task(trigger_rule="all_done")
    def drop_staging(table: str) -> None:
        print(f"dropping {table}")

    drop_staging(build_features(create_staging()))  # expect: leaf-masks-failure


staged_features()
