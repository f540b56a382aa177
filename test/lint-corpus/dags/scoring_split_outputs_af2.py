"""Batch scoring: split the day's customers into shards, score each, report the counts."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def alert(context):
    from alerts import page

    page(context["task_instance"].task_id)


def split_customers(ds):
    from warehouse import customers_on

    ids = customers_on(ds)
    half = len(ids) // 2
    return ids[:half], ids[half:]  # expect: multiple-outputs


def count_scored(ds):
    from warehouse import scored_count

    return {"scored": scored_count(ds), "day": ds}


with DAG(
    dag_id="customer_batch_scoring",
    schedule_interval="@daily",  # expect: airflow3-removed
    start_date=datetime(2024, 6, 1),
    catchup=False,
    default_args={
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": alert,
    },
) as dag:
    split = PythonOperator(
        task_id="split_customers",
        python_callable=split_customers,
        multiple_outputs=True,
    )
    counts = PythonOperator(
        task_id="count_scored",
        python_callable=count_scored,
        multiple_outputs=True,
    )
    split >> counts
