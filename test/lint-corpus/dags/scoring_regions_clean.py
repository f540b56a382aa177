"""One scoring DAG per region, generated in a loop (a DAG factory)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

REGIONS = {
    "eu": {"tz": "Europe/Dublin", "cron": "0 2 * * *"},
    "us": {"tz": "America/Chicago", "cron": "0 3 * * *"},
    "apac": {"tz": "Asia/Singapore", "cron": "30 1 * * *"},
}

for region, cfg in REGIONS.items():
    with DAG(
        dag_id=f"propensity_scoring_{region}",
        schedule=cfg["cron"],
        start_date=pendulum.datetime(2025, 1, 1, tz=cfg["tz"]),
        catchup=False,
        default_args={
            "owner": "ml-serving",
            "retries": 2,
            "execution_timeout": timedelta(minutes=50),
            "on_failure_callback": SlackNotifier(slack_conn_id=f"slack_ml_{region}", text=f"{region} scoring failed"),
        },
        tags=["scoring", region],
    ):
        extract = BashOperator(task_id="extract_features", bash_command=f"features-export --region {region} --date {{{{ ds }}}}")
        score = BashOperator(
            task_id="score",
            bash_command=f"propensity-score --region {region} --input {{{{ ti.xcom_pull(task_ids='extract_features') }}}}",
        )
        extract >> score
