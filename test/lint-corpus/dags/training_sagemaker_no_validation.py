"""Demand forecast trained on SageMaker, straight from the export of yesterday's sales."""

from datetime import timedelta

import pendulum
from airflow.providers.amazon.aws.operators.sagemaker import SageMakerModelOperator, SageMakerTrainingOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

TRAINING_CONFIG = {
    "TrainingJobName": "demand-forecast-{{ ds_nodash }}",
    "AlgorithmSpecification": {"TrainingImage": "forecasting-deepar:1", "TrainingInputMode": "File"},
    "RoleArn": "{{ var.value.sagemaker_role_arn }}",
    "InputDataConfig": [
        {
            "ChannelName": "train",
            "DataSource": {"S3DataSource": {"S3Uri": "s3://acme-ml/forecast/{{ ds }}/", "S3DataType": "S3Prefix"}},
        }
    ],
    "OutputDataConfig": {"S3OutputPath": "s3://acme-ml/forecast/models/"},
    "ResourceConfig": {"InstanceType": "ml.c5.2xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
    "StoppingCondition": {"MaxRuntimeInSeconds": 7200},
}

with DAG(
    dag_id="demand_forecast_sagemaker",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={
        "retries": 1,
        "execution_timeout": timedelta(hours=3),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_forecasting", text="forecast training failed"),
    },
):
    export = BashOperator(task_id="export_sales", bash_command="sales-export --date {{ ds }} --to s3://acme-ml/forecast/{{ ds }}/")
    deepar = SageMakerTrainingOperator(task_id="deepar_job", config=TRAINING_CONFIG, wait_for_completion=True)  # expect: train-without-validation
    model = SageMakerModelOperator(
        task_id="create_model",
        config={"ModelName": "demand-forecast-{{ ds_nodash }}", "ExecutionRoleArn": "{{ var.value.sagemaker_role_arn }}"},
    )
    export >> deepar >> model
