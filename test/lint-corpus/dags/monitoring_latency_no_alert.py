"""Waits for the serving metrics export, then checks p99 latency of the model endpoints."""

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task


@dag(  # expect: no-failure-alert
    schedule="@hourly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "ml-serving", "retries": 1, "execution_timeout": timedelta(minutes=10)},
    tags=["monitoring"],
)
def serving_latency_monitor():
    # Its own execution_timeout, as long as the wait: a poking try may hold its slot 3 hours.
    @task.sensor(poke_interval=60, timeout=3 * 60 * 60, execution_timeout=timedelta(hours=3))
    def metrics_exported(data_interval_end=None) -> bool:
        import requests

        resp = requests.get("https://metrics.internal/api/exports/latest", timeout=10)
        return resp.json()["until"] >= data_interval_end.isoformat()

    @task
    def p99_latency() -> dict[str, float]:
        return {"churn-classifier": 41.0, "search-ranker": 88.5}

    @task
    def check_budget(latencies: dict[str, float]):
        over = {name: ms for name, ms in latencies.items() if ms > 80}
        if over:
            raise ValueError(f"p99 latency over the 80 ms budget: {over}")

    metrics_exported() >> check_budget(p99_latency())  # expect: sensor-poke-mode


serving_latency_monitor()
