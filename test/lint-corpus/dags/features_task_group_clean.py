"""Store-level demand features with TaskFlow task groups; typed dict returns push one XCom per key."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task, task_group


@dag(
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "forecasting",
        "retries": 2,
        "execution_timeout": timedelta(minutes=40),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_forecasting", text="demand features failed"),
    },
)
def demand_features():
    @task_group(group_id="calendar", tooltip="holiday and promotion calendars")
    def calendar():
        @task
        def holidays(ds=None) -> dict[str, str]:
            return {"holidays_uri": f"s3://acme-ml/calendar/holidays/{ds}.parquet", "country": "DE"}

        @task
        def promotions(ds=None):
            return f"s3://acme-ml/calendar/promotions/{ds}.parquet"

        holidays()
        promotions()

    @task
    def sales_lags(ds=None):
        return f"s3://acme-ml/sales_lags/{ds}.parquet"

    @task.bash
    def join_features() -> str:
        return (
            "features-join"
            " --holidays {{ ti.xcom_pull(task_ids='calendar.holidays', key='holidays_uri') }}"
            " --country {{ ti.xcom_pull(task_ids='calendar.holidays', key='country') }}"
            " --promotions {{ ti.xcom_pull(task_ids='calendar.promotions') }}"
            " --lags {{ ti.xcom_pull(task_ids='sales_lags') }}"
        )

    [calendar(), sales_lags()] >> join_features()


demand_features()
