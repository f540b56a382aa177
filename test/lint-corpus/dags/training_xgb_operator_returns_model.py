"""Fraud model retraining with classic operators: the callable returns the booster object."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def check_labels(ds=None, **_):
    print(f"label coverage for {ds}: 0.98")


def train_fraud_model(ds=None, **_):
    import xgboost as xgb

    booster = xgb.XGBClassifier(n_estimators=300, max_depth=6)
    booster.fit([[0.1, 0.2], [0.3, 0.4]], [0, 1])
    print(f"trained on data of {ds}")
    return booster  # expect: unserializable-return


with DAG(
    dag_id="fraud_retrain",
    schedule="0 1 * * 0",
    start_date=pendulum.datetime(2025, 1, 5, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "risk-ml",
        "retries": 1,
        "retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=4),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_risk", text="fraud_retrain failed"),
    },
):
    validate = PythonOperator(task_id="validate_labels", python_callable=check_labels)
    train = PythonOperator(task_id="train_fraud_model", python_callable=train_fraud_model)
    validate >> train
