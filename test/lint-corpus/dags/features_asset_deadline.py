"""Rebuilds the customer features whenever the raw events land; two deadlines watch each run."""

from datetime import timedelta

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Asset, DeadlineAlert, DeadlineReference, SyncCallback

RAW_EVENTS = Asset("s3://ml-lake/raw/events")

default_args = {
    "owner": "features",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": SmtpNotifier(to="features@example.com"),
}

LATE_MAIL = SyncCallback(SmtpNotifier, kwargs={"to": ["features@example.com"], "subject": "features late"})

SLOW_RUN = DeadlineAlert(
    reference=DeadlineReference.DAGRUN_QUEUED_AT,
    interval=timedelta(hours=2),
    callback=LATE_MAIL,
)
MORNING = DeadlineAlert(
    reference=DeadlineReference.DAGRUN_LOGICAL_DATE,  # expect: deadline-never-set
    interval=timedelta(hours=7),
    callback=LATE_MAIL,
)

with DAG(
    dag_id="customer_features_on_events",
    schedule=[RAW_EVENTS],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    default_args=default_args,
    deadline=[SLOW_RUN, MORNING],
):
    BashOperator(task_id="build_features", bash_command="features build --source events")
