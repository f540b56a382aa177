"""Daily scoring asks the alerting DAG to flag accounts above a risk threshold."""
# corpus: airflow 2

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator


def page(context):
    from alerts import page_oncall

    page_oncall(context["task_instance"].task_id)


default_args = {
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": page,
}

with DAG(
    dag_id="risk_alerts",
    schedule=None,
    start_date=datetime(2024, 6, 1),
    default_args=default_args,
    params={"threshold": Param(0.9, type="number"), "notify": Param(True, type="boolean")},
):
    BashOperator(
        task_id="flag_accounts",
        bash_command="flag-accounts --threshold {{ params.threshold }} --notify {{ params.notify }}",
    )

with DAG(
    dag_id="risk_scoring",
    schedule="@daily",
    start_date=datetime(2024, 6, 1),
    catchup=False,
    default_args=default_args,
):
    score = BashOperator(task_id="score", bash_command="score-accounts --day {{ ds }}")
    score >> TriggerDagRunOperator(
        task_id="raise_alerts",
        trigger_dag_id="risk_alerts",
        conf={"threshold": "0.8", "notify": "yes"},  # expect: trigger-conf, trigger-conf
    )
