"""Batch scoring: one task loads the model and returns it, for the scoring task to use."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task


@dag(
    schedule="30 6 * * *",
    start_date=pendulum.datetime(2025, 2, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "pricing-ml",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_pricing", text="price_scoring failed"),
    },
)
def price_scoring():
    @task
    def load_model():
        import mlflow

        return mlflow.sklearn.load_model("models:/price-model@champion")  # expect: unserializable-return

    @task
    def score(model, ds=None):
        print(f"scoring prices of {ds} with {type(model).__name__}")

    score(load_model())


price_scoring()
