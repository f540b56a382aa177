"""Weekly churn model: train, then publish the model URI and its score to the registry."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

default_args = {
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn training failed"),
}


@task
def validate_features(table: str) -> int:
    from quality import row_count

    return row_count(table)


@task(multiple_outputs=True)
def train(table: str, rows: int):
    from trainer import fit

    if rows == 0:
        return None
    model_uri, auc = fit(table)
    return model_uri, auc  # expect: multiple-outputs


@task(multiple_outputs=True)
def summarize(auc: float):
    return {"auc": auc, "passed": auc > 0.8}


@task
def publish(model_uri: str, passed: bool):
    from registry import register

    if passed:
        register("churn", model_uri)


@dag(
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def churn_training():
    rows = validate_features("features.churn")
    trained = train("features.churn", rows)
    summary = summarize(trained["auc"])
    publish(trained["model_uri"], summary["passed"])


churn_training()
