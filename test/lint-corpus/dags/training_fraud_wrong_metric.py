"""Fraud model: the evaluation reads a metric key the training task never pushes."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import dag, task


@dag(
    schedule="0 1 * * 0",
    start_date=pendulum.datetime(2025, 1, 5, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=4),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_risk", text="fraud training failed"),
    },
)
def fraud_training():
    check = BashOperator(task_id="check_transactions", bash_command="dq-run --suite fraud_transactions --date {{ ds }}")

    @task
    def train_xgboost(ds=None):
        import xgboost as xgb

        booster = xgb.Booster()
        # Without multiple_outputs (or a dict return annotation) this is ONE XCom: return_value.
        return {"precision_at_1pct": 0.83, "model_uri": f"s3://acme-ml/fraud/{ds}/model.json"}

    @task
    def gate(ti=None):
        p = ti.xcom_pull(task_ids="train_xgboost", key="precision_at_1pct")  # expect: missing-xcom-key
        if p is None or p < 0.8:
            raise ValueError(f"precision@1% {p} is under 0.8")

    check >> train_xgboost() >> gate()


fraud_training()
