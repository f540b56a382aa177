"""Nightly evaluation of the ranking model on yesterday's clicks."""

from datetime import timedelta
from typing import Dict

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG, task

THRESHOLDS = {"ndcg": 0.42, "recall_at_10": 0.3}


@task
def evaluate(day: str) -> Dict[str, float]:
    from ranking.eval import score_day

    scores = score_day(day)
    return [scores["ndcg"], scores["recall_at_10"]]  # expect: multiple-outputs


@task
def thresholds() -> dict[str, float]:
    return THRESHOLDS


@task
def bucket_counts(day: str) -> dict:
    from ranking.eval import clicks_by_position

    return {position: count for position, count in clicks_by_position(day)}


@task
def positions() -> dict[int, int]:
    return {1: 10, 2: 5}  # expect: multiple-outputs


@task
def compare(ndcg: float, floor: float) -> bool:
    return ndcg >= floor


with DAG(
    dag_id="ranking_nightly_eval",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ranking", text="ranking eval failed"),
    },
):
    scores = evaluate("{{ ds }}")
    limits = thresholds()
    bucket_counts("{{ ds }}")
    positions()
    compare(scores["ndcg"], limits["ndcg"])
