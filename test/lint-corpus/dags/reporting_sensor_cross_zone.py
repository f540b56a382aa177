"""Morning KPI report in UTC, waiting for the Berlin team's warehouse load."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

default_args = {
    "retries": 2,
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_bi", text="{{ dag.dag_id }} failed"),
}

# The warehouse team schedules in local time: 04:00 in Berlin all year round.
with DAG(
    dag_id="warehouse_load",
    schedule=CronTriggerTimetable("0 4 * * *", timezone="Europe/Berlin"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load_orders", bash_command="warehouse load orders --day {{ ds }}")

# Written in January, when 04:00 in Berlin was 03:00 UTC; from the end of March it is 02:00.
with DAG(
    dag_id="kpi_report",
    schedule=CronTriggerTimetable("0 3 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):
    loaded = ExternalTaskSensor(  # expect: external-schedule-mismatch
        task_id="orders_loaded",
        external_dag_id="warehouse_load",
        external_task_id="load_orders",
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    report = BashOperator(task_id="build_kpis", bash_command="kpi build --day {{ ds }}")
    loaded >> report
