"""Airflow 2 era price-scoring DAG: DAG object passed to each operator, days_ago, SubDAG-era imports."""
# corpus: airflow 2

from datetime import timedelta

from airflow import DAG
from airflow.operators.dummy import DummyOperator  # expect: airflow3-removed
from airflow.operators.python import PythonOperator
from airflow.sensors.time_delta_sensor import TimeDeltaSensor  # expect: airflow3-removed
from airflow.utils.dates import days_ago  # expect: airflow3-removed


def page(context):
    print(f"price scoring failed: {context['task_instance'].task_id}")


args = {
    "owner": "pricing",
    "start_date": days_ago(2),  # expect: dynamic-start-date
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=20),
    "on_failure_callback": page,
}

dag = DAG(  # expect: implicit-catchup
    dag_id="price_scoring_legacy",
    default_args=args,
    schedule_interval=timedelta(hours=1),  # expect: airflow3-removed
    max_active_runs=1,
)


def score_prices(ti, **_):
    ti.xcom_push(key="scored_skus", value=52_000)


def report(ti, **_):
    print(f"scored {ti.xcom_pull(task_ids='score_prices', key='scored_skus')} SKUs")


begin = DummyOperator(task_id="begin", dag=dag)
settle = TimeDeltaSensor(task_id="wait_for_late_events", delta=timedelta(minutes=10), mode="reschedule", timeout=1800, dag=dag)
score = PythonOperator(task_id="score_prices", python_callable=score_prices, dag=dag)
summary = PythonOperator(task_id="report", python_callable=report, dag=dag)

score.set_upstream(settle)
settle.set_upstream(begin)
summary.set_upstream(score)
