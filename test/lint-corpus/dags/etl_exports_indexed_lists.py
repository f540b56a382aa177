"""Exports wired with chain_linear and cross_downstream; XComArgs through .output and .output["key"]."""
from datetime import timedelta as td

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, chain_linear, cross_downstream, task


def count_rows(ti, table):
    ti.xcom_push(key="row_count", value=42)
    ti.xcom_push(key="table", value=table)


def publish(rows, table):
    print(rows, table)


with DAG(
    "linear_exports",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": td(minutes=15),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="exports failed"),
    },
) as dag:
    start = EmptyOperator(task_id="start")
    extracts = [
        BashOperator(task_id=f"extract_{t}", bash_command=f"extract --table {t} --date {{{{ ds }}}}")
        for t in ("orders", "customers")
    ]
    counts = [
        PythonOperator(task_id="count_orders", python_callable=count_rows, op_kwargs={"table": "orders"}),
        PythonOperator(task_id="count_customers", python_callable=count_rows, op_kwargs={"table": "customers"}),
    ]
    chain_linear(start, extracts, counts)

    @task.bash
    def archive(ds=None):
        return f"aws s3 sync s3://acme-exports/{ds}/ s3://acme-archive/{ds}/ && echo archived"

    report_orders = PythonOperator(
        task_id="report_orders",
        python_callable=publish,
        op_kwargs={"rows": counts[0].output["row_count"], "table": counts[0].output["table"]},
    )
    report_customers = PythonOperator(
        task_id="report_customers",
        python_callable=publish,
        # count_rows pushes 'row_count', not 'rows'
        op_kwargs={"rows": counts[1].output["rows"], "table": "customers"},  # expect: missing-xcom-key
    )
    archived = archive()
    cross_downstream(counts, [archived, report_orders, report_customers])

    notify = BashOperator(
        task_id="notify",
        bash_command="echo 'archive said {{ ti.xcom_pull(task_ids=\"archive\") }}'",
    )
    archived >> notify


if __name__ == "__main__":
    dag.test()
