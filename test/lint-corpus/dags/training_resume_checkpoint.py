"""Speech model training resumed from the latest checkpoint each night."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

with DAG(
    dag_id="speech_model_nightly",
    schedule="0 22 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=6),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_speech", text="speech training failed"),
    },
):
    sync_audio = BashOperator(task_id="sync_new_audio", bash_command="aws s3 sync s3://acme-audio/new/ s3://acme-ml/speech/shards/")
    checkpoint = BashOperator(task_id="load_checkpoint", bash_command="ckpt-fetch --model speech-v4 --latest")
    resume = BashOperator(  # expect: train-without-validation
        task_id="resume_training",
        bash_command="speech-train --resume {{ ti.xcom_pull(task_ids='load_checkpoint') }} --epochs 1",
    )
    [sync_audio, checkpoint] >> resume
