"""Asset-driven order pipeline: raw orders land, features are rebuilt, a model consumes them."""
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, Asset, asset, task

RAW_ORDERS = Asset("s3://acme-lake/raw/orders/")
ORDER_FEATURES = Asset("s3://acme-ml/features/orders/")

ALERT = SlackNotifier(slack_conn_id="slack_alerts", text="{{ dag.dag_id }} failed")


@asset(uri="s3://acme-lake/raw/orders/", schedule="@hourly", on_failure_callback=ALERT)
@task(retries=2, execution_timeout=timedelta(minutes=20))
def raw_orders():
    """Land the hourly order export."""
    import boto3

    boto3.client("s3").copy_object(
        Bucket="acme-lake", Key="raw/orders/latest.parquet", CopySource="acme-exports/orders.parquet"
    )


@asset(uri="s3://acme-ml/features/orders/", schedule=[RAW_ORDERS], on_failure_callback=ALERT)  # expect: missing-retries, missing-timeout
def order_features(self, context):
    # no retries, no execution_timeout on an asset
    with open("/tmp/order_features.parquet", "wb") as fh:  # expect: hardcoded-path
        fh.write(b"")
    return {"rows": 1200}


with DAG(
    dag_id="orders_model_refresh",
    schedule=[ORDER_FEATURES],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": ALERT,
    },
    tags=["assets"],
):

    @task(inlets=[ORDER_FEATURES])
    def validate_features(*, inlet_events):
        events = inlet_events[ORDER_FEATURES]
        return len(events)

    @task(outlets=[Asset("s3://acme-ml/models/orders/")])
    def train_orders_model(n_events: int):
        return {"model_uri": f"s3://acme-ml/models/orders/{n_events}"}

    train_orders_model(validate_features())
