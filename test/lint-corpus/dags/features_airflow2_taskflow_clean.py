"""Airflow 2 TaskFlow (airflow.decorators): weekly store features, mapped per store cluster."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow.decorators import dag, task, task_group
from airflow.models.baseoperator import chain
from airflow.operators.empty import EmptyOperator
from airflow.utils.edgemodifier import Label


def notify(context):
    print(f"store features failed in {context['ti'].task_id}")


@dag(
    schedule="0 6 * * 1",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 2, "execution_timeout": timedelta(minutes=30), "on_failure_callback": notify},
    tags=["features", "airflow2"],
)
def store_features():
    @task
    def clusters() -> list[dict]:
        return [{"cluster": "urban", "stores": 120}, {"cluster": "rural", "stores": 45}]

    @task
    def build(cluster: str, stores: int, ti=None):
        ti.xcom_push(key="rows", value=stores * 52)
        return f"s3://acme-ml/store_features/{cluster}/"

    @task_group(group_id="publish")
    def publish(uris):
        @task
        def register(uris: list[str]):
            return len(uris)

        @task
        def announce(ti=None):
            count = ti.xcom_pull(task_ids="publish.register")
            rows = ti.xcom_pull(task_ids="build", key="rows")
            print(f"{count} clusters registered, {rows} rows")

        chain(register(uris), announce())

    start = EmptyOperator(task_id="start")
    built = build.expand_kwargs(clusters())
    start >> Label("weekly refresh") >> built
    publish(built)


store_features()
