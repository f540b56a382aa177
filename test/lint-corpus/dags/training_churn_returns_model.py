"""Churn training hands the fitted model to the next task as its return value."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task


@dag(
    schedule="0 5 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "growth-ml",
        "retries": 2,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn_daily failed"),
    },
)
def churn_daily():
    @task
    def validate_features(ds=None):
        return f"s3://features/churn/{ds}.parquet"

    @task
    def train_model(features_uri: str):
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        frame = pd.read_parquet(features_uri)
        model = LogisticRegression(max_iter=500).fit(frame.drop(columns="churned"), frame["churned"])
        return model  # expect: unserializable-return

    @task
    def evaluate(model):
        print(f"coefficients: {model.coef_}")

    evaluate(train_model(validate_features()))


churn_daily()
