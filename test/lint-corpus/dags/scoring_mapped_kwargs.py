"""Score every shard in parallel: classic .partial().expand(), expand_kwargs and TaskFlow mapping."""
from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import dag, task

DEFAULTS = {
    "retries": 3,
    "retry_delay": timedelta(minutes=2),
    "execution_timeout": timedelta(minutes=30),
    "on_failure_callback": SlackNotifier(slack_conn_id="slack_alerts", text="scoring failed"),
}


def list_shards(ds):
    return [f"s3://acme-ml/shards/{ds}/{i:03d}.parquet" for i in range(8)]


def score_shard(shard, model_uri):
    return {"shard": shard, "n": 100}


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=DEFAULTS,
)
def mapped_scoring():
    shards = PythonOperator(task_id="list_shards", python_callable=list_shards)

    score = PythonOperator.partial(
        task_id="score",
        python_callable=score_shard,
        map_index_template="{{ task.op_kwargs['shard'] }}",
    ).expand(op_kwargs=shards.output.map(lambda s: {"shard": s, "model_uri": "models:/churn/Production"}))

    copy = BashOperator.partial(task_id="copy_scores").expand_kwargs(
        [
            {"bash_command": "aws s3 cp s3://acme-ml/scores/a s3://acme-ml/published/a", "env": {"X": "1"}},
            {"bash_command": "aws s3 cp s3://acme-ml/scores/b s3://acme-ml/published/b", "env": {"X": "2"}},
        ]
    )

    @task
    def summarize(ti=None):
        all_scores = ti.xcom_pull(task_ids="score", map_indexes=[0, 1, 2])
        first = ti.xcom_pull(task_ids="score", map_indexes=0)
        # score returns its dict as return_value; 'scores' is never pushed
        legacy = ti.xcom_pull(task_ids="score", key="scores")  # expect: missing-xcom-key
        return {"n": len(all_scores), "first": first, "legacy": legacy}

    @task(map_index_template="{{ region }}")
    def publish(region: str, summary: dict):
        print(f"publishing {summary['n']} scores for {region}")
        return region

    summary = summarize()
    score >> summary >> copy
    publish.partial(summary=summary).expand(region=["eu", "us", "apac"])


mapped_scoring()
