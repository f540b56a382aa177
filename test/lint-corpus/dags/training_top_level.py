from datetime import timedelta

import pendulum
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.filesystem import FileSensor
from airflow.sdk import DAG, TaskGroup, Variable, chain, dag, task


def notify_failure(context):
    print("failed", context["task_instance"].task_id)

default_args = {
    "owner": "ml-team",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=1),
    "on_failure_callback": notify_failure,
}
THRESHOLD = Variable.get("min_accuracy")  # expect: top-level-code


@dag(
    dag_id="churn_training_top_level",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
)
def churn_training():
    @task
    def validate_data():
        path = Variable.get("churn_data")
        return path

    @task(multiple_outputs=True)
    def train_model(path):
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression()
        return {"model_uri": f"models:/churn/{path}", "accuracy": 0.91}

    @task
    def evaluate(ti=None):
        accuracy = ti.xcom_pull(task_ids="train_model", key="accuracy")
        if accuracy < 0.8:
            raise ValueError("model too weak")

    data = validate_data()
    trained = train_model(data)
    trained >> evaluate()


churn_training()
