"""Daily retraining: validate the day's data, train three models, deploy the best.

The production pipeline written by hand with classic operators: PythonOperator callables that
pull their inputs with ti.xcom_pull and push each output under its own key, explicit edges, a
FileSensor, a TaskGroup, a BranchPythonOperator and a Slack notifier. The second hand-written
peer of examples/production-pipeline in bench/dag-parse-bench.ts (the first, TaskFlow, is
production_handwritten.py): same tasks, task ids, groups, edges, schedule, default_args and params
as the DAG mlgen generates. The callables import the tasks/ modules when they run, never when the
file is parsed.
"""

from __future__ import annotations

import contextlib
import datetime
import os

import pendulum
from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, Asset, Param, TaskGroup
from airflow.timetables.assets import AssetOrTimeSchedule
from airflow.timetables.trigger import CronTriggerTimetable

DAY_FILE = "{{ var.value.production_data_dir }}/{{ ds }}.csv"
EXPERIMENT = "production-pipeline"
MODEL_TYPES = ["logistic_regression", "random_forest", "gradient_boosting"]
FEATURES = ["feature_0", "feature_1", "feature_2", "feature_3"]


@contextlib.contextmanager
def mlflow_run(ti):
    """An MLflow run for the task, tagged with where it ran in Airflow."""
    import mlflow

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


def push_all(ti, result: dict) -> None:
    for key, value in result.items():
        ti.xcom_push(key=key, value=value)


def check_table(templates_dict, **_):
    import pandas as pd

    path = templates_dict["data_path"]
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


def make_features(ti, templates_dict, **_):
    from tasks.features import build_features

    push_all(ti, build_features(data_path=templates_dict["data_path"]))


def fit_model(ti, model_type, **_):
    from tasks.train import train_model

    features_path = ti.xcom_pull(task_ids="build_features", key="features_path")
    with mlflow_run(ti):
        push_all(ti, train_model(features_path=features_path, model_type=model_type))


def pick_best(ti, **_):
    from tasks.train import select_best

    candidates = [
        {
            "model_type": m,
            "accuracy": ti.xcom_pull(task_ids=f"train.{m}", key="accuracy"),
            "run_id": ti.xcom_pull(task_ids=f"train.{m}", key="run_id"),
        }
        for m in MODEL_TYPES
    ]
    push_all(ti, select_best(candidates=candidates))


def score_model(ti, **_):
    from tasks.train import evaluate_model

    run_id = ti.xcom_pull(task_ids="select_best", key="run_id")
    features_path = ti.xcom_pull(task_ids="build_features", key="features_path")
    with mlflow_run(ti):
        push_all(ti, evaluate_model(run_id=run_id, features_path=features_path))


def choose_branch(ti, **_):
    accuracy = ti.xcom_pull(task_ids="evaluate", key="accuracy")
    return "deploy" if accuracy >= 0.85 else "request_retraining"


def register_model(ti, params, **_):
    from tasks.deploy import register_champion

    result = register_champion(
        run_id=ti.xcom_pull(task_ids="select_best", key="run_id"),
        model_name=params["model_name"],
        accuracy=ti.xcom_pull(task_ids="evaluate", key="accuracy"),
        tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
    )
    push_all(ti, result)


def ask_for_retraining(ti, **_):
    from tasks.deploy import request_retraining

    result = request_retraining(
        accuracy=ti.xcom_pull(task_ids="evaluate", key="accuracy"),
        model_type=ti.xcom_pull(task_ids="select_best", key="model_type"),
    )
    push_all(ti, result)


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

with DAG(
    dag_id="production_pipeline_handwritten_classic",
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
):
    wait_for_data = FileSensor(
        task_id="wait_for_data",
        filepath=DAY_FILE,
        mode="reschedule",
        poke_interval=datetime.timedelta(minutes=5),
        timeout=datetime.timedelta(hours=6),
    )
    validate_data = PythonOperator(
        task_id="validate_data", python_callable=check_table, templates_dict={"data_path": DAY_FILE}
    )
    build_features = PythonOperator(
        task_id="build_features", python_callable=make_features, templates_dict={"data_path": DAY_FILE}
    )
    with TaskGroup(
        "train",
        tooltip="One model per type, in parallel.",
        default_args={"execution_timeout": datetime.timedelta(hours=2)},
    ):
        train = [PythonOperator(task_id=m, python_callable=fit_model, op_kwargs={"model_type": m}) for m in MODEL_TYPES]
    select_best = PythonOperator(task_id="select_best", python_callable=pick_best)
    evaluate = PythonOperator(task_id="evaluate", python_callable=score_model)
    check_accuracy = BranchPythonOperator(task_id="check_accuracy", python_callable=choose_branch)
    deploy = PythonOperator(task_id="deploy", python_callable=register_model)
    request_retraining = PythonOperator(task_id="request_retraining", python_callable=ask_for_retraining)
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

    wait_for_data >> validate_data >> build_features >> train >> select_best
    [build_features, select_best] >> evaluate >> check_accuracy >> [deploy, request_retraining]
    [evaluate, select_best] >> deploy
    [evaluate, select_best] >> request_retraining
    [deploy, request_retraining, evaluate, select_best] >> report
