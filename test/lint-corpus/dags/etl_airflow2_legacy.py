"""Legacy Airflow 1.10-era ETL, still running on Airflow 2: nobody has ported it yet."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator  # expect: airflow3-removed
from airflow.operators.dummy_operator import DummyOperator  # expect: airflow3-removed
from airflow.operators.python_operator import PythonOperator  # expect: airflow3-removed


def on_failure(context):
    print("task failed", context["task_instance_key_str"])


default_args = {
    "owner": "etl",
    "depends_on_past": False,
    "start_date": datetime(2019, 6, 1),
    "email": ["etl-oncall@acme.io"],
    "email_on_failure": True,
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=3),
    "sla": timedelta(hours=4),  # expect: airflow3-removed
}

dag = DAG(
    "legacy_sales_rollup",
    default_args=default_args,
    schedule_interval="0 3 * * *",  # expect: airflow3-removed
    concurrency=4,  # expect: airflow3-removed
    catchup=False,
)


def rollup(**kwargs):
    day = kwargs["ds"]
    print(f"rolling up sales for {day}")
    return day


start = DummyOperator(task_id="start", dag=dag)
extract = BashOperator(
    task_id="extract_sales",
    bash_command="extract_sales.sh {{ execution_date.strftime('%Y-%m-%d') }} {{ next_ds }}",  # expect: airflow3-removed
    dag=dag,
)
roll = PythonOperator(task_id="rollup", python_callable=rollup, provide_context=True, dag=dag)  # expect: airflow3-removed
cleanup = BashOperator(task_id="cleanup", bash_command="rm -rf staging/{{ yesterday_ds_nodash }}", dag=dag)  # expect: airflow3-removed
publish = BashOperator(
    task_id="publish",
    bash_command="publish.sh --bucket {{ var.value.get('sales_bucket', default_var='s3://acme-sales') }}",  # expect: template-error
    dag=dag,
)

start >> extract >> roll >> cleanup >> publish
