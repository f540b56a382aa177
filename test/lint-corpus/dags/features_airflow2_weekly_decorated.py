"""Weekly store-feature refresh on Airflow 2, TaskFlow style, with its start date in default_args."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow.decorators import dag, task


def page_features_team(context):
    print(f"store features failed on {context['ds']}")


default_args = {
    "owner": "features",
    "start_date": pendulum.datetime(2024, 3, 4, tz="UTC"),
    "retries": 3,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": page_features_team,
}


@dag(schedule="0 6 * * MON", default_args=default_args, tags=["features"])  # expect: implicit-catchup
def store_features_weekly():
    @task
    def extract_sales(ds=None):
        return {"day": ds, "rows": 41_000}

    @task
    def build_features(sales: dict):
        print(f"built store features from {sales['rows']} rows of {sales['day']}")

    build_features(extract_sales())


store_features_weekly()
