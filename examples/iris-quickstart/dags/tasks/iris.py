"""Task functions for the iris quickstart. Plain Python: no Airflow or mlgen imports."""

from __future__ import annotations

import os


def prepare_data(out_dir: str) -> dict:
    """Writes the iris data set as CSV and returns where it is."""
    from sklearn.datasets import load_iris

    frame = load_iris(as_frame=True).frame
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "iris.csv")
    frame.to_csv(path, index=False)
    return {"data_path": path, "rows": len(frame)}


def train_model(data_path: str, n_estimators: int, test_size: float) -> dict:
    """Trains a RandomForest; runs inside the MLflow run that the generated task opened."""
    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(data_path)
    features = frame.drop(columns=["target"])
    x_train, x_test, y_train, y_test = train_test_split(
        features, frame["target"], test_size=test_size, random_state=42, stratify=frame["target"]
    )
    model = RandomForestClassifier(n_estimators=n_estimators, random_state=42)
    model.fit(x_train, y_train)
    accuracy = float(accuracy_score(y_test, model.predict(x_test)))

    mlflow.log_params({"n_estimators": n_estimators, "test_size": test_size})
    mlflow.log_metric("accuracy", accuracy)
    # Explicit requirements: inferring them re-imports the whole environment (slow on workers),
    # and skops (MLflow's safe default format) must be told the sklearn tree type is trusted.
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        input_example=x_train.head(3),
        pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"pandas=={pd.__version__}"],
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
    return {"accuracy": accuracy, "model_uri": info.model_uri}
