"""Cross-checks between the finance and product marts; wired with chain, cross_downstream and set_*."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, chain, cross_downstream

with DAG(
    dag_id="mart_reconciliation",
    schedule="0 8 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=20),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_dq", text="mart reconciliation failed"),
    },
):
    refresh = BashOperator(task_id="refresh_marts", bash_command="dbt build --select marts --vars '{run_date: {{ ds }}}'")
    finance = BashOperator(task_id="finance_totals", bash_command="mart-totals finance {{ ds }}")
    product = BashOperator(task_id="product_totals", bash_command="mart-totals product {{ ds }}")
    revenue = BashOperator(task_id="revenue_by_day", bash_command="mart-revenue {{ ds }}")
    users = BashOperator(task_id="active_users", bash_command="mart-users {{ ds }}")
    compare = BashOperator(
        task_id="compare_totals",
        bash_command=(
            "mart-compare"
            " --finance {{ ti.xcom_pull(task_ids='finance_totals') }}"
            " --product {{ ti.xcom_pull(task_ids='product_totals') }}"
            " --revenue {{ ti.xcom_pull(task_ids=['revenue_by_day', 'active_users'])[0] }}"
        ),
    )
    publish = BashOperator(task_id="publish_report", bash_command="mart-report {{ ds }}")

    chain(refresh, [finance, product])
    cross_downstream([finance, product], [revenue, users])
    compare.set_upstream([revenue, users])
    compare.set_downstream(publish)
