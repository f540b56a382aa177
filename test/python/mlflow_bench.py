"""The Python side of bench/mlflow-bench.ts: times MlflowClient calls inside one process.

Usage:
  python mlflow_bench.py log <tracking_uri> <run_id> <keys> <steps>   -> {"seconds", "points"}
  python mlflow_bench.py search <tracking_uri> <experiment_id> <rounds> -> {"seconds": [...], "runs"}

Only the calls are timed (perf_counter), not starting Python or importing mlflow.
"""

from __future__ import annotations

import json
import sys
import time

from mlflow import MlflowClient
from mlflow.entities import Metric


def log(uri: str, run_id: str, keys: int, steps: int) -> dict:
    client = MlflowClient(uri)
    t0 = 1_700_000_000_000
    metrics = [Metric(f"m{k}", 1.0 / (s + 1), t0 + s, s) for k in range(keys) for s in range(steps)]
    start = time.perf_counter()
    client.log_batch(run_id, metrics=metrics)
    return {"seconds": time.perf_counter() - start, "points": len(metrics)}


def search(uri: str, experiment_id: str, rounds: int) -> dict:
    client = MlflowClient(uri)
    times = []
    count = 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = 0
        token = None
        while True:
            page = client.search_runs([experiment_id], max_results=1000, page_token=token)
            count += len(page)
            token = page.token
            if not token:
                break
        times.append(time.perf_counter() - start)
    return {"seconds": times, "runs": count}


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "log":
        result = log(args[0], args[1], int(args[2]), int(args[3]))
    else:
        result = search(args[0], args[1], int(args[2]))
    print(json.dumps(result))
