"""Training and evaluation tasks."""

from __future__ import annotations


def train_model(data_path: str, target_column: str) -> dict:
    """Trains a gradient-boosted classifier inside the MLflow run the generated task opened."""
    import mlflow
    import mlflow.sklearn
    import pandas as pd
    import sklearn
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(data_path)
    x = frame.drop(columns=[target_column])
    y = frame[target_column]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=7, stratify=y)
    model = GradientBoostingClassifier(random_state=7).fit(x_train, y_train)
    predictions = model.predict(x_test)
    accuracy = float(accuracy_score(y_test, predictions))
    mlflow.log_params({"model": "GradientBoostingClassifier", "rows": len(frame)})
    mlflow.log_metrics({"accuracy": accuracy, "f1": float(f1_score(y_test, predictions))})
    # Explicit requirements: inferring them re-imports the whole environment (slow on workers),
    # and skops (MLflow's safe default format) must be told the sklearn tree type is trusted.
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        input_example=x_train.head(3),
        pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"pandas=={pd.__version__}"],
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
    return {"accuracy": accuracy, "model_uri": info.model_uri, "run_id": mlflow.active_run().info.run_id}


def evaluate_model(accuracy: float, model_uri: str, min_accuracy: float) -> bool:
    """Fails the task when the model is below the bar, so nothing downstream ships it."""
    if accuracy < min_accuracy:
        raise ValueError(f"model {model_uri} has accuracy {accuracy:.3f}, below the bar {min_accuracy:.3f}")
    return True
