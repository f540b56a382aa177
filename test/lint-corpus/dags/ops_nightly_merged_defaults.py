"""Nightly jobs where only some tasks set a timeout."""
from datetime import timedelta as TD

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup, task

COMMON = {"retries": 2, "retry_delay": TD(minutes=1)}
ALERTING = {"on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="nightly failed")}

with DAG(
    "nightly_maintenance",
    schedule="0 1 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=COMMON | ALERTING,
):
    begin = EmptyOperator(task_id="begin")
    vacuum = BashOperator(task_id="vacuum", bash_command="psql $DWH -c 'VACUUM ANALYZE'")  # expect: missing-timeout
    reindex = BashOperator(
        task_id="reindex", bash_command="psql $DWH -c 'REINDEX DATABASE dwh'", execution_timeout=TD(hours=2)
    )
    with TaskGroup("compaction", default_args={"execution_timeout": TD(minutes=30)}) as compaction:
        for table in ("events", "sessions"):
            BashOperator(task_id=f"compact_{table}", bash_command=f"compact --table {table}")

    @task
    def rotate_logs():
        import shutil

        shutil.rmtree("/var/log/etl/old", ignore_errors=True)

    begin >> [vacuum, reindex, compaction] >> rotate_logs()  # expect: missing-timeout
