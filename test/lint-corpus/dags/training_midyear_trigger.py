"""Mid-year retraining of the demand model on the last day of June."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable


@dag(
    schedule=CronTriggerTimetable("0 1 31 6 *", timezone="UTC"),  # expect: schedule-never-runs
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="midyear retrain failed"),
    },
)
def midyear_demand_retrain():
    @task
    def validate_history(ds=None) -> str:
        return f"s3://demand/history/{ds}/"

    @task
    def train(history: str) -> str:
        print(f"training on {history}")
        return "runs:/midyear/model"

    train(validate_history())


midyear_demand_retrain()
