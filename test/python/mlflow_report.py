"""Dumps the runs and logged models of one MLflow experiment as JSON, for the e2e tests.

Usage: python mlflow_report.py <tracking_uri> <experiment_name> <out.json>
"""

from __future__ import annotations

import json
import sys

import mlflow
from mlflow import MlflowClient


def main(uri: str, experiment_name: str, out_file: str) -> None:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(experiment_name)
    report = {"experiment": None, "runs": []}
    if experiment is not None:
        report["experiment"] = experiment.experiment_id
        for run in client.search_runs([experiment.experiment_id]):
            models = mlflow.search_logged_models(
                experiment_ids=[experiment.experiment_id],
                filter_string=f"source_run_id = '{run.info.run_id}'",
                output_format="list",
            )
            report["runs"].append(
                {
                    "run_id": run.info.run_id,
                    "run_name": run.info.run_name,
                    "status": run.info.status,
                    "metrics": run.data.metrics,
                    "params": run.data.params,
                    "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
                    "logged_models": [m.model_id for m in models],
                }
            )
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
