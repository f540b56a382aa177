"""Morning KPI report, scheduled in Berlin time as the warehouse load it waits for is."""

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
    dag_id="warehouse_load_local",
    schedule=CronTriggerTimetable("0 4 * * *", timezone="Europe/Berlin"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin"),
    catchup=False,
    default_args=default_args,
):
    BashOperator(task_id="load_orders", bash_command="warehouse load orders --day {{ ds }}")

# Both in Berlin time: 05:00 local waits for the load of 04:00 local, an hour before.
with DAG(
    dag_id="kpi_report_local",
    schedule=CronTriggerTimetable("0 5 * * *", timezone="Europe/Berlin"),
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Berlin"),
    catchup=False,
    default_args=default_args,
):
    loaded = ExternalTaskSensor(
        task_id="orders_loaded",
        external_dag_id="warehouse_load_local",
        external_task_id="load_orders",
        execution_delta=timedelta(hours=1),
        mode="reschedule",
        timeout=timedelta(hours=3),
    )
    report = BashOperator(task_id="build_kpis", bash_command="kpi build --day {{ ds }}")
    loaded >> report
