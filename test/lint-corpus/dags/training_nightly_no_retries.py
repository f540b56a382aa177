"""Nightly ranking model; default_args carries only the owner, so no task retries or times out."""

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def profile_queries(ds):
    print(f"profiling search queries of {ds}")


def train_ranker(ds):
    import lightgbm

    print(f"training LambdaMART on {ds} with lightgbm {lightgbm.__version__}")


with DAG(
    dag_id="search_ranker_nightly",
    schedule="0 23 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"owner": "search"},
    on_failure_callback=SlackNotifier(slack_conn_id="slack_search", text="ranker DAG run failed"),
):
    start = EmptyOperator(task_id="start")
    profile = PythonOperator(task_id="profile_queries", python_callable=profile_queries)  # expect: missing-retries, missing-timeout
    train = PythonOperator(task_id="train_ranker", python_callable=train_ranker)  # expect: missing-retries, missing-timeout
    publish = BashOperator(  # expect: missing-timeout
        task_id="publish_ranker",
        bash_command="ranker-publish --date {{ ds }}",
        retries=0,
    )
    end = EmptyOperator(task_id="end")
    start >> profile >> train >> publish >> end
