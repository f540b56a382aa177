"""Daily churn scoring: the threshold and region reach the scorer through rendered arguments."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

with DAG(
    dag_id="churn_scoring",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={
        "region": Param("eu", type="string", enum=["eu", "us"]),
        "threshold": Param(0.7, type="number"),
    },
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="churn_scoring failed"),
    },
):
    score = BashOperator(
        task_id="score",
        bash_command="python -m churn.score --region {{ params.region }} --date {{ ds }}",
    )
    flag = BashOperator(
        task_id="flag_accounts",
        bash_command="python -m churn.flag --threshold {{ params.treshold }} --date {{ ds }}",  # expect: template-error
    )
    notify = BashOperator(
        task_id="notify",
        bash_command="python -m churn.notify --region {{ params.region }} --dry-run {{ params.dry_run | default(false) }}",
    )
    score >> flag >> notify
