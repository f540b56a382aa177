"""Weekly churn model: validate → train → evaluate, tracked in MLflow."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task


@dag(
    dag_id="churn_training",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "ml-team",
        "retries": 1,
        "retry_delay": timedelta(minutes=10),
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="churn training failed"),
    },
    tags=["training", "churn"],
)
def churn_training():
    @task
    def validate_data(ds=None):
        import pandas as pd

        df = pd.read_parquet(f"s3://acme-ml/churn/training_sets/{ds}/")
        missing = {"tenure_days", "plan", "churned"} - set(df.columns)
        if missing or len(df) < 10_000:
            raise ValueError(f"training set rejected: missing={missing}, rows={len(df)}")
        return f"s3://acme-ml/churn/training_sets/{ds}/"

    @task(multiple_outputs=True)
    def train_model(path: str):
        import mlflow
        from sklearn.ensemble import GradientBoostingClassifier

        mlflow.set_experiment("churn")
        with mlflow.start_run() as run:
            model = GradientBoostingClassifier(n_estimators=300)
            mlflow.log_param("n_estimators", 300)
        return {"run_id": run.info.run_id, "model_uri": f"runs:/{run.info.run_id}/model"}

    @task
    def evaluate(model_uri: str, ti=None):
        import mlflow

        auc = mlflow.evaluate(model_uri, data=None, targets="churned").metrics["roc_auc"]
        run_id = ti.xcom_pull(task_ids="train_model", key="run_id")
        print(f"run {run_id}: auc={auc:.3f}")
        if auc < 0.75:
            raise ValueError(f"AUC {auc:.3f} is under the 0.75 bar")

    trained = train_model(validate_data())
    evaluate(trained["model_uri"])


churn_training()
