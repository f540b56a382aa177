"""Freshness monitor for source tables; its start date is recomputed on every parse."""

from datetime import datetime, timedelta

from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

SOURCES = ["crm.accounts", "billing.invoices", "support.tickets"]


@dag(
    schedule="*/15 * * * *",
    start_date=datetime.now() - timedelta(hours=1),  # expect: dynamic-start-date
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(minutes=5),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="freshness monitor failed"),
    },
)
def source_freshness():
    @task
    def lag_minutes(table: str) -> float:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        row = PostgresHook(postgres_conn_id="warehouse").get_first(f"SELECT extract(epoch FROM now() - max(_loaded_at)) / 60 FROM {table}")
        return row[0]

    @task
    def alert_on_stale(lags: list[float]):
        stale = [t for t, lag in zip(SOURCES, lags) if lag > 90]
        if stale:
            raise ValueError(f"stale sources: {stale}")

    alert_on_stale(lag_minutes.expand(table=SOURCES))


source_freshness()
