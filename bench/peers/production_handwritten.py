"""Daily retraining: validate the day's data, train three models, deploy the best.

The production pipeline written by hand, the way an Airflow 3 engineer would: TaskFlow tasks that
pass outputs as XComArgs (which also wires the edges), a FileSensor, a TaskGroup, a branch and a
Slack notifier. It is the hand-written peer of examples/production-pipeline in
bench/dag-parse-bench.ts: same tasks, task ids, groups, edges, schedule, default_args and params
as the DAG mlgen generates. The task bodies import the functions of the tasks/ modules when they
run, never when the file is parsed.
"""

from __future__ import annotations

import contextlib
import datetime
import os

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import Asset, Param, TaskGroup, dag, get_current_context, task
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

DAY_FILE = "{{ var.value.production_data_dir }}/{{ ds }}.csv"
EXPERIMENT = "production-pipeline"
MODEL_TYPES = ["logistic_regression", "random_forest", "gradient_boosting"]
FEATURES = ["feature_0", "feature_1", "feature_2", "feature_3"]


@contextlib.contextmanager
def mlflow_run():
    """An MLflow run for the current task, tagged with where it ran in Airflow."""
    import mlflow

    ti = get_current_context()["ti"]
    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    mlflow.set_experiment(EXPERIMENT)
    tags = {
        "airflow.dag_id": ti.dag_id,
        "airflow.run_id": ti.run_id,
        "airflow.task_id": ti.task_id,
        "airflow.try_number": str(ti.try_number),
    }
    with mlflow.start_run(run_name=ti.task_id, tags=tags) as run:
        yield run


default_args = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": datetime.timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": datetime.timedelta(minutes=30),
    "execution_timeout": datetime.timedelta(hours=1),
    "on_failure_callback": [
        SlackWebhookNotifier(
            slack_webhook_conn_id="slack_ml_alerts",
            text=(
                ":red_circle: Task {{ ti.task_id }} in DAG {{ dag.dag_id }} failed\n"
                "Logical date: {{ logical_date }}\nTry: {{ ti.try_number }}\n"
                "Exception: {{ exception }}\nLog: {{ ti.log_url }}"
            ),
        )
    ],
}


@dag(
    dag_id="production_pipeline_handwritten",
    description="Daily retraining: validate the day's data, train three models, deploy the best.",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("0 4 * * *", timezone="UTC"),
        assets=[Asset("s3://ml-data/production/daily")],
    ),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=datetime.timedelta(hours=8),
    tags=["example", "production"],
    params={"model_name": Param("production-classifier", type="string", description="Registered model name.")},
    default_args=default_args,
)
def production_pipeline_handwritten():
    wait_for_data = FileSensor(
        task_id="wait_for_data",
        filepath=DAY_FILE,
        mode="reschedule",
        poke_interval=datetime.timedelta(minutes=5),
        timeout=datetime.timedelta(hours=6),
    )

    @task
    def validate_data(path: str) -> None:
        import pandas as pd

        frame = pd.read_csv(path)
        problems = []
        missing = [c for c in [*FEATURES, "label"] if c not in frame.columns]
        if missing:
            problems.append(f"missing required columns {missing}")
        if len(frame) < 200:
            problems.append(f"{len(frame)} rows, fewer than 200")
        for column in FEATURES:
            if column in frame.columns and frame[column].isna().mean() > 0.05:
                problems.append(f"column {column!r} is more than 5% null")
        if "label" in frame.columns:
            if frame["label"].isna().any():
                problems.append("target column 'label' has null values")
            elif frame["label"].dtype.kind not in "iu":
                problems.append(f"column 'label' has dtype {frame['label'].dtype}, expected int")
        if problems:
            raise ValueError(f"data validation failed for {path}: " + "; ".join(problems))

    @task(multiple_outputs=True)
    def build_features(data_path: str) -> dict:
        from tasks.features import build_features

        return build_features(data_path=data_path)

    @task(multiple_outputs=True)
    def train(features_path: str, model_type: str) -> dict:
        from tasks.train import train_model

        with mlflow_run():
            result = train_model(features_path=features_path, model_type=model_type)
        return {**result, "model_type": model_type}

    @task(multiple_outputs=True)
    def select_best(candidates: list) -> dict:
        from tasks.train import select_best

        return select_best(candidates=candidates)

    @task(multiple_outputs=True)
    def evaluate(features_path: str, run_id: str) -> dict:
        from tasks.train import evaluate_model

        with mlflow_run():
            return evaluate_model(run_id=run_id, features_path=features_path)

    @task.branch
    def check_accuracy(accuracy: float) -> str:
        return "deploy" if accuracy >= 0.85 else "request_retraining"

    @task(multiple_outputs=True)
    def deploy(run_id: str, accuracy: float, params: dict | None = None) -> dict:
        from tasks.deploy import register_champion

        return register_champion(
            run_id=run_id,
            model_name=params["model_name"],
            accuracy=accuracy,
            tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
        )

    @task(multiple_outputs=True)
    def request_retraining(accuracy: float, model_type: str) -> dict:
        from tasks.deploy import request_retraining

        return request_retraining(accuracy=accuracy, model_type=model_type)

    validated = validate_data(DAY_FILE)
    features = build_features(DAY_FILE)
    wait_for_data >> validated >> features

    with TaskGroup(
        "train",
        tooltip="One model per type, in parallel.",
        default_args={"execution_timeout": datetime.timedelta(hours=2)},
    ):
        models = [train.override(task_id=m)(features["features_path"], m) for m in MODEL_TYPES]

    best = select_best(models)
    evaluated = evaluate(features["features_path"], best["run_id"])
    branch = check_accuracy(evaluated["accuracy"])
    deployed = deploy(best["run_id"], evaluated["accuracy"])
    retrain = request_retraining(evaluated["accuracy"], best["model_type"])
    branch >> [deployed, retrain]

    report = BashOperator(
        task_id="report",
        bash_command='echo "production run {{ ds }} finished: model $MODEL_TYPE, accuracy $ACCURACY"',
        env={
            "ACCURACY": "{{ ti.xcom_pull(task_ids='evaluate', key='accuracy') }}",
            "MODEL_TYPE": "{{ ti.xcom_pull(task_ids='select_best', key='model_type') }}",
        },
        append_env=True,
        trigger_rule="none_failed_min_one_success",
    )
    [deployed, retrain, evaluated, best] >> report


production_pipeline_handwritten()
