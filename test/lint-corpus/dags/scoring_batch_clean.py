"""Nightly batch scoring of all active customers with the champion churn model."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG, task

with DAG(
    dag_id="churn_batch_scoring",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-serving",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=45),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="churn scoring failed"),
    },
):
    wait_features = ExternalTaskSensor(
        task_id="wait_for_customer_features",
        external_dag_id="customer_features",
        external_task_id="validate_features",
        mode="reschedule",
        timeout=timedelta(hours=4),
    )

    @task
    def resolve_champion() -> str:
        from mlflow import MlflowClient

        version = MlflowClient().get_model_version_by_alias("churn-classifier", "champion")
        return f"models:/churn-classifier/{version.version}"

    @task
    def shards(ds=None) -> list[str]:
        return [f"s3://acme-ml/features/customers/{ds}/part-{i:03d}.parquet" for i in range(16)]

    @task(max_active_tis_per_dag=4)
    def score_shard(shard: str, model_uri: str) -> int:
        import mlflow.pyfunc
        import pandas as pd

        model = mlflow.pyfunc.load_model(model_uri)
        df = pd.read_parquet(shard)
        df["churn_score"] = model.predict(df)
        df.to_parquet(shard.replace("/features/", "/scores/"))
        return len(df)

    publish = BashOperator(
        task_id="publish_scores",
        bash_command="scores-publish --date {{ ds }} --model '{{ ti.xcom_pull(task_ids='resolve_champion') }}'",
    )

    model_uri = resolve_champion()
    scored = score_shard.partial(model_uri=model_uri).expand(shard=shards())
    wait_features >> model_uri
    scored >> publish
