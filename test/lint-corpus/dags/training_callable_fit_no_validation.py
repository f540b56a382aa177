"""Weekly basket-size model; the task id hides that the callable trains a model."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, chain


def fit_model(ds, ti):
    import mlflow
    from sklearn.ensemble import RandomForestRegressor

    features = ti.xcom_pull(task_ids="extract_features")
    with mlflow.start_run(run_name=f"basket-size-{ds}"):
        RandomForestRegressor(n_estimators=400).fit([[0.0]], [0.0])
        mlflow.log_param("features", features)


with DAG(
    dag_id="basket_size_model",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="basket size model failed"),
    },
):
    extract = BashOperator(task_id="extract_features", bash_command="basket-features --week {{ ds }}")
    model = PythonOperator(task_id="weekly_model", python_callable=fit_model)  # expect: train-without-validation
    report = BashOperator(task_id="model_report", bash_command="model-report basket-size {{ ds }}")
    chain(extract, model, report)
