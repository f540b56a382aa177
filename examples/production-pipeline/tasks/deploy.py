"""Deployment decisions: register the champion, or ask for retraining."""

from __future__ import annotations


def register_champion(run_id: str, model_name: str, accuracy: float, tracking_uri: str) -> dict:
    """Registers the run's model, waits until the version is READY, and points `champion` at it."""
    import time

    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(tracking_uri)
    version = mlflow.register_model(f"runs:/{run_id}/model", model_name)
    client = MlflowClient()
    for _ in range(60):
        if client.get_model_version(model_name, version.version).status == "READY":
            break
        time.sleep(1)
    else:
        raise RuntimeError(f"model version {model_name} v{version.version} did not become READY")
    client.set_model_version_tag(model_name, version.version, "holdout_accuracy", str(accuracy))
    client.set_registered_model_alias(model_name, "champion", version.version)
    return {"version": str(version.version)}


def request_retraining(accuracy: float, model_type: str) -> dict:
    """Stands in for opening a ticket or triggering a retraining job with more data."""
    reason = f"best model {model_type} reached accuracy {accuracy:.3f}, below the deployment bar"
    print(f"retraining requested: {reason}")
    return {"reason": reason}
