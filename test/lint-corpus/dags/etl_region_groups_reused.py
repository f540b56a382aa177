"""One @task_group reused per region: Airflow names the groups region_etl, region_etl__1, region_etl__2."""
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task, task_group

REGIONS = ["eu", "us", "apac"]


@dag(
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=40),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="region etl failed"),
    },
)
def region_etl_daily():
    @task_group
    def region_etl(region: str):
        @task
        def extract(region: str):
            return f"s3://acme-lake/raw/{region}/"

        @task(multiple_outputs=True)
        def load(uri: str):
            return {"rows": 10, "table": "orders"}

        return load(extract(region))

    eu = region_etl("eu")
    us = region_etl("us")
    apac = region_etl("apac")

    @task
    def reconcile(ti=None):
        rows = ti.xcom_pull(
            task_ids=["region_etl.load", "region_etl__1.load", "region_etl__2.load"], key="rows"
        )
        # there are three groups (no region_etl__3)
        extra = ti.xcom_pull(task_ids="region_etl__3.load", key="rows")  # expect: missing-xcom-key
        # 'row_count' is not a key of load's multiple_outputs
        tables = ti.xcom_pull(task_ids="region_etl.load", key="row_count")  # expect: missing-xcom-key
        return sum(rows) + (extra or 0) + (tables or 0)

    [eu, us, apac] >> reconcile()


region_etl_daily()
