"""Product embeddings: text and image encoders in nested task groups."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, TaskGroup


def encode_text(ti, ds):
    ti.xcom_push(key="index_uri", value=f"s3://acme-ml/embeddings/text/{ds}/")


def encode_images(ti, ds):
    ti.xcom_push(key="index_uri", value=f"s3://acme-ml/embeddings/image/{ds}/")  # expect: unused-output


def merge_indexes(ti):
    text = ti.xcom_pull(task_ids="embeddings.text.encode", key="index_uri")
    image = ti.xcom_pull(task_ids="embeddings.encode_images", key="index_uri")  # expect: missing-xcom-key
    print(f"merging {text} and {image}")


with DAG(
    "product_embeddings",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="embeddings failed"),
    },
):
    with TaskGroup("embeddings") as embeddings:
        with TaskGroup("text"):
            text_prep = BashOperator(task_id="tokenize", bash_command="tokenize --date {{ ds }}")
            text_enc = PythonOperator(task_id="encode", python_callable=encode_text)
            text_prep >> text_enc
        with TaskGroup("image"):
            img_prep = BashOperator(task_id="resize", bash_command="resize-images --date {{ ds }}")
            img_enc = PythonOperator(task_id="encode", python_callable=encode_images)
            img_prep >> img_enc
    merge = PythonOperator(task_id="merge_indexes", python_callable=merge_indexes)
    embeddings >> merge
