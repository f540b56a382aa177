"""Churn model retraining triggered by new labels; trains on whatever landed."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import Asset, dag, task

LABELS = Asset("s3://acme-ml/churn/labels/")


@dag(
    dag_id="churn_retraining",
    schedule=[LABELS],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="churn retraining failed"),
    },
)
def churn_retraining():
    @task
    def load_labels(triggering_asset_events=None):
        events = triggering_asset_events[LABELS]
        return events[-1].extra.get("path", "s3://acme-ml/churn/labels/latest/")

    @task
    def retrain(labels_path: str) -> str:
        import mlflow

        with mlflow.start_run(run_name="churn-retrain") as run:
            mlflow.log_param("labels", labels_path)
        return f"runs:/{run.info.run_id}/model"

    @task
    def register(model_uri: str):
        import mlflow

        mlflow.register_model(model_uri, "churn-classifier")

    register(retrain(load_labels()))  # expect: train-without-validation


churn_retraining()
