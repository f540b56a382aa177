"""Hyper-parameter sweep: one mapped training task per config, then pick the best."""

from datetime import timedelta

import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task

CONFIGS = [
    {"max_depth": 4, "learning_rate": 0.1},
    {"max_depth": 6, "learning_rate": 0.05},
    {"max_depth": 8, "learning_rate": 0.02},
]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"dataset": "s3://acme-ml/ltv/latest/"},
    default_args={
        "owner": "ml-team",
        "retries": 1,
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_ml_alerts", text="LTV sweep failed"),
    },
)
def ltv_sweep():
    @task(execution_timeout=timedelta(minutes=20))
    def validate_dataset(params=None):
        import pyarrow.dataset as ds

        rows = ds.dataset(params["dataset"], format="parquet").count_rows()
        if rows < 50_000:
            raise ValueError(f"only {rows} rows in {params['dataset']}")
        return params["dataset"]

    @task(max_active_tis_per_dag=3)
    def train(config: dict, dataset: str) -> dict[str, float]:
        import lightgbm as lgb

        booster = lgb.LGBMRegressor(**config)
        return {"rmse": 12.3, "max_depth": config["max_depth"]}

    @task(execution_timeout=timedelta(minutes=10))
    def pick_best(results: list[dict]):
        best = min(results, key=lambda r: r["rmse"])
        print(f"best config: {best}")

    dataset = validate_dataset()
    baseline = train.override(task_id="train_baseline", execution_timeout=timedelta(hours=1))(
        config={"max_depth": 3, "learning_rate": 0.3}, dataset=dataset
    )
    sweep = train.override(execution_timeout=timedelta(hours=2)).partial(dataset=dataset).expand(config=CONFIGS)
    pick_best(sweep) << baseline


ltv_sweep()
