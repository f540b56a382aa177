"""Credit-limit model, gated by SQL column and table checks on the feature table."""

from datetime import timedelta

import pendulum
from airflow.providers.common.sql.operators.sql import SQLColumnCheckOperator, SQLTableCheckOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, task

with DAG(
    dag_id="credit_limit_model",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "risk-ml",
        "retries": 1,
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_risk", text="credit limit model failed"),
    },
):
    columns = SQLColumnCheckOperator(
        task_id="credit_features_columns",
        conn_id="warehouse",
        table="features.credit_applicants",
        column_mapping={
            "income": {"null_check": {"equal_to": 0}, "min": {"geq_to": 0}},
            "utilization": {"max": {"leq_to": 1.5}},
        },
    )
    freshness = SQLTableCheckOperator(
        task_id="credit_features_freshness",
        conn_id="warehouse",
        table="features.credit_applicants",
        checks={"fresh": {"check_statement": "MAX(updated_at) > CURRENT_DATE - INTERVAL '1 day'"}},
    )

    @task
    def fit_credit_model(ds=None):
        import mlflow
        from sklearn.linear_model import LogisticRegression

        with mlflow.start_run(run_name=f"credit-{ds}"):
            LogisticRegression(max_iter=500)

    [columns, freshness] >> fit_credit_model()
