"""Price elasticity model; the imports at the top cost every scheduler parse several seconds."""

from datetime import timedelta

import mlflow  # expect: top-level-code
import numpy as np  # expect: top-level-code
import pendulum
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import dag, task
from sklearn.linear_model import ElasticNet  # expect: top-level-code


@dag(
    schedule="@monthly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_pricing", text="elasticity model failed"),
    },
)
def price_elasticity():
    @task
    def validate_prices(ds=None):
        import pandas as pd

        df = pd.read_parquet(f"s3://acme-ml/pricing/{ds}/")
        assert (df["price"] > 0).all(), "non-positive prices"
        return len(df)

    @task
    def fit_elasticity(rows: int):
        with mlflow.start_run():
            model = ElasticNet(alpha=0.1)
            mlflow.log_metric("rows", rows)
            mlflow.log_metric("log_price_coef", float(np.log1p(rows)))
            return repr(model)

    fit_elasticity(validate_prices())


price_elasticity()
