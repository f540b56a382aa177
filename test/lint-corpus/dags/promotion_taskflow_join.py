"""Champion/challenger promotion with TaskFlow: promote, or keep the champion, then report."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

MODEL = "fraud-detector"
KEEP = "keep_champoin"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="promotion failed"),
    },
)
def fraud_promotion():
    @task
    def compare() -> dict[str, float]:
        from mlflow import MlflowClient

        client = MlflowClient()
        scores = {}
        for alias in ("champion", "challenger"):
            version = client.get_model_version_by_alias(MODEL, alias)
            scores[alias] = client.get_run(version.run_id).data.metrics["holdout_auc"]
        return scores

    @task.branch
    def decide(scores: dict[str, float]):
        if scores["challenger"] > scores["champion"] + 0.01:
            return "promote"
        return KEEP  # expect: branch-target

    @task
    def promote():
        from mlflow import MlflowClient

        client = MlflowClient()
        challenger = client.get_model_version_by_alias(MODEL, "challenger")
        client.set_registered_model_alias(MODEL, "champion", challenger.version)

    @task
    def keep_champion():
        print("the champion stays")

    @task
    def report(scores: dict[str, float]):
        print(f"champion {scores['champion']:.3f}, challenger {scores['challenger']:.3f}")

    scores = compare()
    decision = decide(scores)
    done = report(scores)  # expect: branch-join-skipped
    decision >> [promote(), keep_champion()] >> done


fraud_promotion()
