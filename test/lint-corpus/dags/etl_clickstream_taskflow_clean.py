"""Clickstream ETL with TaskFlow: one mapped transform per hourly partition."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import Asset, dag, task

CLICKS = Asset("s3://acme-lake/curated/clicks/")


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={
        "owner": "web-analytics",
        "retries": 3,
        "retry_delay": timedelta(minutes=3),
        "retry_exponential_backoff": True,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_web", text="clickstream ETL failed"),
    },
    tags=["etl", "clickstream"],
)
def clickstream_etl():
    @task
    def list_partitions(data_interval_start=None):
        return [f"raw/clicks/{data_interval_start:%Y/%m/%d}/{hour:02d}/" for hour in range(24)]

    @task(max_active_tis_per_dag=8)
    def transform(prefix: str) -> int:
        import pyarrow.dataset as ds

        table = ds.dataset(f"s3://acme-lake/{prefix}", format="json").to_table()
        return table.num_rows

    @task(outlets=[CLICKS])
    def publish(counts: list[int]):
        total = sum(counts)
        if total == 0:
            raise ValueError("no clicks for the whole day: is the collector down?")
        print(f"published {total} clicks")

    publish(transform.expand(prefix=list_partitions()))


clickstream_etl()
