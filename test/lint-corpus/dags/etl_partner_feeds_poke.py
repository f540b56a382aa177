"""Wait for the partners' nightly feeds, then ingest them."""

from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG

with DAG(
    dag_id="partner_feeds_ingest",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "partnerships",
        "retries": 1,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_partners", text="partner feeds failed"),
    },
):
    wait_acme = S3KeySensor(  # expect: sensor-poke-mode
        task_id="wait_for_acme_feed",
        bucket_name="partner-drop",
        bucket_key="acme/{{ ds_nodash }}/_SUCCESS",
        poke_interval=300,
        timeout=timedelta(hours=10),
    )
    # Poke mode, no timeout: the 1 h execution_timeout ends each try, and the retry waits again.
    wait_globex = FileSensor(  # expect: sensor-poke-mode
        task_id="wait_for_globex_feed",
        fs_conn_id="partner_nfs",
        filepath="globex/{{ ds }}/feed.csv",
        mode="poke",
    )
    wait_crm = ExternalTaskSensor(
        task_id="wait_for_crm_export",
        external_dag_id="crm_export",
        external_task_id="export_done",
        mode="poke",
        poke_interval=30,
        timeout=timedelta(minutes=45),
    )
    ingest = BashOperator(
        task_id="ingest_feeds",
        bash_command="partner-ingest --date {{ ds }} --sources acme,globex",
    )

    [wait_acme, wait_globex, wait_crm] >> ingest
