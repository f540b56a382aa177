"""Re-process one day of click events on demand: triggered by hand with a conf that names the
day and, optionally, where the raw files are. The defaults are what a run without conf uses."""

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, task
from airflow.providers.standard.operators.bash import BashOperator

from plugins.alerts import notify_oncall

with DAG(
    dag_id="reprocess_events_params",
    schedule=None,
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    params={
        "day": Param("2025-03-01", type="string", format="date"),
        "raw_dir": Param("/data/landing/clicks", type="string", description="where the raw files are"),  # expect: hardcoded-path
        "out_uri": Param("s3://acme-events/clean/", type="string"),
        "scratch": "/mnt/scratch/reprocess",
        "schema_file": "/home/etl/schemas/clicks.avsc",  # expect: hardcoded-path
        "max_bad_rows": 100,
    },
    default_args={
        "owner": "data-eng",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=2),
        "on_failure_callback": notify_oncall,
    },
    tags=["events", "backfill"],
):
    fetch = BashOperator(
        task_id="stage_raw_files",
        bash_command="aws s3 sync {{ params.out_uri }}staging/{{ params.day }}/ . --exclude '*' && ls {{ params.raw_dir }}/{{ params.day }}",
    )

    @task
    def clean_events(params=None):
        import fastavro

        with open(params["schema_file"], "rb") as f:
            schema = fastavro.parse_schema(fastavro.schemaless_reader(f, None))
        bad = 0
        for row in []:
            bad += 0 if schema else 1
        if bad > params.get("max_bad_rows", 100):
            raise ValueError(f"{bad} bad rows")
        return f"{params['out_uri']}{params['day']}/"

    fetch >> clean_events()
