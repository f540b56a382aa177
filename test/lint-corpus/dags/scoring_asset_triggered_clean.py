"""Re-scores the catalogue whenever the embeddings asset is updated (Airflow 3 assets)."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import Asset, dag, task

EMBEDDINGS = Asset("s3://acme-ml/embeddings/products/")
SIMILAR_ITEMS = Asset("s3://acme-ml/similar_items/")


@dag(
    schedule=[EMBEDDINGS],
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 2,
        "execution_timeout": timedelta(minutes=30),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_recsys", text="similar items failed"),
    },
)
def similar_items():
    @task.bash
    def build_index() -> str:
        return "faiss-build --input s3://acme-ml/embeddings/products/ --out s3://acme-ml/index/{{ run_id }}/"

    @task(outlets=[SIMILAR_ITEMS])
    def query_neighbours(index_log: str, ti=None):
        uri = ti.xcom_pull(task_ids="build_index")
        print(f"querying neighbours with index built by: {uri}")

    query_neighbours(build_index())


similar_items()
