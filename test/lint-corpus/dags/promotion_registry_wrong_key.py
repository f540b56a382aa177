"""Fraud model promotion with a Jinja-templated approval message; one metric key is misspelt."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.slack.operators.slack import SlackAPIPostOperator
from airflow.sdk import dag, task


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_risk", text="fraud promotion failed"),
    },
)
def fraud_model_promotion():
    @task(multiple_outputs=True)
    def compare(params=None):
        return {"roc_auc": 0.941, "recall_at_1pct": 0.62, "version": "17"}

    @task.short_circuit
    def good_enough(roc_auc: float, recall: float) -> bool:
        return roc_auc > 0.93 and recall > 0.6

    announce = SlackAPIPostOperator(
        task_id="announce",
        slack_conn_id="slack_risk",
        channel="#fraud-models",
        text=(
            "fraud model v{{ ti.xcom_pull(task_ids='compare', key='version') }} promoted:"
            " AUC {{ ti.xcom_pull(task_ids='compare', key='auc') }}"  # expect: missing-xcom-key
        ),
    )

    metrics = compare()
    good_enough(metrics["roc_auc"], metrics["recall_at_1pct"]) >> announce


fraud_model_promotion()
