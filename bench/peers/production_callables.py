"""The Python callables the dag-factory peer's YAML names (python_callable_name/_file).

YAML cannot say "pull this XCom, call this function in an MLflow run, push each output", so a
dag-factory user writes these adapters in Python, as here. dag-factory executes this file once for
every task that names it, each time the YAML DAG is parsed. Only the standard library at the top:
the task modules, mlflow and pandas are imported when a task runs.
"""

from __future__ import annotations

import contextlib
import os

EXPERIMENT = "production-pipeline"
MODEL_TYPES = ["logistic_regression", "random_forest", "gradient_boosting"]
FEATURES = ["feature_0", "feature_1", "feature_2", "feature_3"]


@contextlib.contextmanager
def mlflow_run(ti):
    """An MLflow run for the task, tagged with the task instance it ran in."""
    import mlflow

    mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
    mlflow.set_experiment(EXPERIMENT)
    tags = {f"orchestrator.{k}": str(getattr(ti, k)) for k in ("run_id", "task_id", "try_number")}
    with mlflow.start_run(run_name=ti.task_id, tags=tags) as run:
        yield run


def push_all(ti, result: dict) -> None:
    for key, value in result.items():
        ti.xcom_push(key=key, value=value)


def validate_data(templates_dict, **_):
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


def build_features(ti, templates_dict, **_):
    from tasks.features import build_features

    push_all(ti, build_features(data_path=templates_dict["data_path"]))


def train(ti, model_type, **_):
    from tasks.train import train_model

    features_path = ti.xcom_pull(task_ids="build_features", key="features_path")
    with mlflow_run(ti):
        push_all(ti, train_model(features_path=features_path, model_type=model_type))


def select_best(ti, **_):
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


def evaluate(ti, **_):
    from tasks.train import evaluate_model

    run_id = ti.xcom_pull(task_ids="select_best", key="run_id")
    features_path = ti.xcom_pull(task_ids="build_features", key="features_path")
    with mlflow_run(ti):
        push_all(ti, evaluate_model(run_id=run_id, features_path=features_path))


def check_accuracy(ti, **_):
    accuracy = ti.xcom_pull(task_ids="evaluate", key="accuracy")
    return "deploy" if accuracy >= 0.85 else "request_retraining"


def deploy(ti, params, **_):
    from tasks.deploy import register_champion

    result = register_champion(
        run_id=ti.xcom_pull(task_ids="select_best", key="run_id"),
        model_name=params["model_name"],
        accuracy=ti.xcom_pull(task_ids="evaluate", key="accuracy"),
        tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
    )
    push_all(ti, result)


def request_retraining(ti, **_):
    from tasks.deploy import request_retraining

    result = request_retraining(
        accuracy=ti.xcom_pull(task_ids="evaluate", key="accuracy"),
        model_type=ti.xcom_pull(task_ids="select_best", key="model_type"),
    )
    push_all(ti, result)
