"""The parity scenario of test/engines/mlflow-client.test.ts, done by Python's MlflowClient.

Usage: python mlflow_parity.py <tracking_uri> <experiment_name> <model_name> <work_dir> <out.json>

An experiment; 3 runs with params, metrics and tags; 5,000 points of one metric through
log_batch; a search with a filter and an order; the best run's model registered and aliased;
an artifact downloaded. Prints what came back as JSON in the shape report() of the TS test
builds, so the two can be compared field by field.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

POINTS = 5000
RUNS = [("run-a", 0.01, 0.81), ("run-b", 0.1, 0.93), ("run-c", 1.0, 0.87)]
ARTIFACT = b"model bytes \x00\x01\x02 " * 1000


def main(uri: str, experiment_name: str, model_name: str, work: str, out_file: str) -> None:
    client = MlflowClient(uri)
    experiment_id = client.create_experiment(experiment_name, tags={"team": "parity"})
    t0 = 1_700_000_000_000
    run_ids = {}
    for name, lr, acc in RUNS:
        run = client.create_run(experiment_id, run_name=name, tags={"stage": "test"}, start_time=t0)
        run_id = run.info.run_id
        run_ids[name] = run_id
        client.log_batch(
            run_id,
            metrics=[Metric("accuracy", acc, t0, 0)]
            + [Metric("loss", 1.0 / (i + 1), t0 + i, i) for i in range(POINTS)],
            params=[Param("lr", str(lr)), Param("model", "rf")],
            tags=[RunTag("quote", "it's \"quoted\"")],
        )
        model_dir = os.path.join(work, name, "model")
        os.makedirs(model_dir, exist_ok=True)
        with open(os.path.join(model_dir, "model.bin"), "wb") as f:
            f.write(ARTIFACT)
        client.log_artifact(run_id, os.path.join(model_dir, "model.bin"), "model")
        client.set_terminated(run_id, "FINISHED", end_time=t0 + 1000)

    found = client.search_runs(
        [experiment_id],
        filter_string="params.model = 'rf' and metrics.accuracy > 0.85",
        order_by=["metrics.accuracy DESC"],
    )
    best = found[0]
    client.create_registered_model(model_name)
    version = client.create_model_version(
        model_name, f"{best.info.artifact_uri}/model", run_id=best.info.run_id
    )
    while version.status != "READY":
        time.sleep(0.2)
        version = client.get_model_version(model_name, version.version)
    client.set_registered_model_alias(model_name, "champion", version.version)
    by_alias = client.get_model_version_by_alias(model_name, "champion")
    local = client.download_artifacts(best.info.run_id, "model/model.bin", os.path.join(work, "dl"))
    with open(local, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()

    experiment = client.get_experiment(experiment_id)
    runs = []
    for name, _, _ in RUNS:
        run = client.get_run(run_ids[name])
        history = client.get_metric_history(run.info.run_id, "loss")
        runs.append(
            {
                "name": run.info.run_name,
                "status": run.info.status,
                "start_time": run.info.start_time,
                "end_time": run.info.end_time,
                "lifecycle_stage": run.info.lifecycle_stage,
                "params": dict(sorted(run.data.params.items())),
                "metrics": dict(sorted(run.data.metrics.items())),
                "tags": {k: v for k, v in sorted(run.data.tags.items()) if not k.startswith("mlflow.")},
                "run_name_tag": run.data.tags.get("mlflow.runName"),
                "loss_history": [[m.step, m.timestamp, m.value] for m in history],
                "artifacts": sorted(
                    [f.path, f.is_dir, f.file_size] for f in client.list_artifacts(run.info.run_id, "model")
                ),
            }
        )
    report = {
        "experiment": {
            "lifecycle_stage": experiment.lifecycle_stage,
            "tags": {k: v for k, v in sorted(experiment.tags.items()) if not k.startswith("mlflow.")},
        },
        "runs": runs,
        "search": [r.info.run_name for r in found],
        "model": {
            "version": version.version,
            "status": version.status,
            "source_run": next(n for n, i in run_ids.items() if i == version.run_id),
            "source_suffix": version.source.split("/artifacts/", 1)[1],
            "alias_version": by_alias.version,
            "aliases": sorted(by_alias.aliases),
        },
        "artifact_sha256": digest,
    }
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:6])
