"""Weekly tuning picks a learning rate and hands it to the retraining DAG."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.sdk import DAG, Param, task

default_args = {
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml", text="ranking tuning failed"),
}

with DAG(
    dag_id="ranking_retrain",
    schedule=None,
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    default_args=default_args,
    params={
        "learning_rate": Param(0.1, type="number"),
        "max_depth": Param(6, type="integer"),
        "note": Param("weekly", type="string"),
    },
):

    @task
    def validate_features():
        from quality import check_table

        return check_table("features.ranking")

    @task
    def train(rows: int, params=None):
        from trainer import fit

        return fit(
            "features.ranking",
            lr=params["learning_rate"],
            max_depth=params["max_depth"],
            note=params["note"],
        )

    train(validate_features())

with DAG(
    dag_id="ranking_tuning",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 3, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
):

    @task
    def tune():
        from tuner import best_params

        return best_params("ranking")

    best = tune()
    best >> TriggerDagRunOperator(
        task_id="retrain_with_best",
        trigger_dag_id="ranking_retrain",
        conf={
            "learning_rate": "{{ ti.xcom_pull(task_ids='tune')['learning_rate'] }}",  # expect: trigger-conf
            "max_depth": 8,
            "note": "{{ ds }}",
        },
    )
    best >> TriggerDagRunOperator(
        task_id="retrain_with_best_json",
        trigger_dag_id="ranking_retrain",
        conf="{{ {'learning_rate': ti.xcom_pull(task_ids='tune')['learning_rate'], 'max_depth': 8} | tojson }}",
    )
