"""Training, model selection and evaluation. Plain Python: no Airflow or mlgen imports."""

from __future__ import annotations

MODELS = {
    "logistic_regression": ("sklearn.linear_model", "LogisticRegression", {"max_iter": 500}),
    "random_forest": ("sklearn.ensemble", "RandomForestClassifier", {"n_estimators": 50, "random_state": 7}),
    "gradient_boosting": ("sklearn.ensemble", "GradientBoostingClassifier", {"random_state": 7}),
}


def _split(features_path: str):
    import pandas as pd
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(features_path)
    x = frame.drop(columns=["label"])
    return train_test_split(x, frame["label"], test_size=0.25, random_state=7, stratify=frame["label"])


def train_model(features_path: str, model_type: str) -> dict:
    """Fits one model type inside the MLflow run the generated task opened, and logs it."""
    import importlib

    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import sklearn
    from sklearn.metrics import accuracy_score

    module, name, params = MODELS[model_type]
    model = getattr(importlib.import_module(module), name)(**params)
    x_train, x_test, y_train, y_test = _split(features_path)
    model.fit(x_train, y_train)
    accuracy = float(accuracy_score(y_test, model.predict(x_test)))
    mlflow.log_params({"model_type": model_type, **params})
    mlflow.log_metric("accuracy", accuracy)
    mlflow.sklearn.log_model(
        model,
        name="model",
        pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"pandas=={pd.__version__}"],
        skops_trusted_types=["sklearn.tree._tree.Tree", "sklearn._loss.loss.HalfBinomialLoss"],
    )
    return {"accuracy": accuracy, "run_id": mlflow.active_run().info.run_id}


def select_best(candidates: list) -> dict:
    """The candidate with the highest accuracy; ties go to the first listed."""
    best = max(candidates, key=lambda c: c["accuracy"])
    return {"model_type": best["model_type"], "run_id": best["run_id"], "accuracy": best["accuracy"]}


def evaluate_model(run_id: str, features_path: str) -> dict:
    """Loads the chosen run's model back from MLflow and scores it on the held-out split."""
    import mlflow
    import mlflow.sklearn
    from sklearn.metrics import accuracy_score

    model = mlflow.sklearn.load_model(f"runs:/{run_id}/model")
    _, x_test, _, y_test = _split(features_path)
    accuracy = float(accuracy_score(y_test, model.predict(x_test)))
    mlflow.log_metric("holdout_accuracy", accuracy)
    mlflow.set_tag("evaluated_run_id", run_id)
    return {"accuracy": accuracy}
