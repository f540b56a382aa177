"""Feature build where one step's result is handed on although it pushes nothing."""
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="features failed"),
    },
)
def customer_features_daily():
    @task(do_xcom_push=False)
    def snapshot_customers(ds=None):
        # Large frame: kept out of XCom on purpose, but the path is returned below anyway.
        return f"s3://acme-ml/snapshots/customers/{ds}/"

    @task
    def refresh_dimensions():
        print("refreshing dimension tables")

    @task
    def build_features(snapshot_uri: str, dims):
        print(f"building features from {snapshot_uri} with {dims}")
        return f"{snapshot_uri}features/"

    @task
    def publish(features_uri: str):
        print(f"publishing {features_uri}")

    snapshot = snapshot_customers()
    features = build_features(snapshot, refresh_dimensions())  # expect: missing-xcom-key, missing-xcom-key
    publish(features)


customer_features_daily()
