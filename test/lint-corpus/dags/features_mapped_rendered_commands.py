"""Per-store feature jobs: one task builds each store's command, a mapped BashOperator runs them."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="store_features",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=40),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="store features failed"),
    },
):

    @task
    def open_stores() -> list[str]:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        rows = PostgresHook(postgres_conn_id="warehouse").get_records("SELECT id FROM dim.store WHERE open")
        return [str(r[0]) for r in rows]

    @task
    def store_commands(stores: list[str]) -> list[str]:
        # The date is meant for Jinja, but an XCom value reaches the mapped task unrendered.
        return [f"features-store --store {s} --date {{{{ ds }}}}" for s in stores]  # expect: unrendered-template

    BashOperator.partial(task_id="build_store_features", max_active_tis_per_dag=4).expand(
        bash_command=store_commands(open_stores())
    )
