"""Per-country feature jobs with dynamic task mapping (classic and TaskFlow)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, task

with DAG(
    dag_id="country_features",
    schedule="0 3 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="country features failed"),
    },
):

    @task
    def active_countries() -> list[str]:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        rows = PostgresHook(postgres_conn_id="warehouse").get_records("SELECT code FROM dim.country WHERE active")
        return [r[0] for r in rows]

    @task
    def country_envs(countries: list[str]) -> list[dict[str, str]]:
        return [{"COUNTRY": c} for c in countries]

    countries = active_countries()
    build = BashOperator.partial(
        task_id="build_country_features",
        bash_command="features-country --country $COUNTRY --date {{ ds }}",
        append_env=True,
        max_active_tis_per_dag=6,
    ).expand(env=country_envs(countries))

    @task
    def summarize(outputs: list[str]):
        print(f"{len(outputs)} countries built")

    summarize(build.output)
