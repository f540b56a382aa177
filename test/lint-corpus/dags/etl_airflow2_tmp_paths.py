"""Airflow 2 BI extract that stages files in /tmp and waits on the upstream DAG in poke mode (each try ended by the 40-minute execution_timeout)."""
# corpus: airflow 2

from datetime import timedelta

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.sensors.external_task import ExternalTaskSensor

default_args = {
    "owner": "bi",
    "email": ["bi-oncall@acme.io"],
    "execution_timeout": timedelta(minutes=40),
}


def compress_extract(ds, **_):
    import gzip
    import shutil

    with open(f"/tmp/bi_extract_{ds}.csv", "rb") as src, gzip.open(f"/tmp/bi_extract_{ds}.csv.gz", "wb") as dst:  # expect: hardcoded-path
        shutil.copyfileobj(src, dst)


with DAG(
    dag_id="bi_daily_extract",
    schedule="0 4 * * *",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
) as dag:
    wait = ExternalTaskSensor(  # expect: missing-retries
        task_id="wait_for_warehouse_sync",
        external_dag_id="warehouse_sync",
        external_task_id="done",
    )
    extract = BashOperator(  # expect: missing-retries
        task_id="extract_kpis",
        bash_command="psql $WAREHOUSE_URL -c \"\\copy (SELECT * FROM mart.kpis WHERE day = '{{ ds }}') TO '/tmp/bi_extract_{{ ds }}.csv' CSV HEADER\"",  # expect: hardcoded-path
    )
    compress = PythonOperator(task_id="compress_extract", python_callable=compress_extract)  # expect: missing-retries
    upload = BashOperator(  # expect: missing-retries
        task_id="upload_extract",
        bash_command="aws s3 cp /tmp/bi_extract_{{ ds }}.csv.gz s3://acme-bi/extracts/",  # expect: hardcoded-path
        retry_delay=timedelta(minutes=5),
    )
    wait >> extract >> compress >> upload
