"""Image classifier fine-tuning on the GPU node pool (KubernetesPodOperator)."""

from datetime import timedelta

import pendulum
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.slack.notifications.slack import SlackNotifier
from airflow.sdk import DAG
from kubernetes.client import models as k8s

with DAG(
    dag_id="product_image_classifier",
    schedule="@weekly",
    start_date=pendulum.datetime(2025, 1, 6, tz="UTC"),
    catchup=False,
    default_args={
        "owner": "vision",
        "retries": 1,
        "retry_delay": timedelta(minutes=30),
        "execution_timeout": timedelta(hours=8),
        "on_failure_callback": SlackNotifier(slack_conn_id="slack_vision", text="image classifier failed"),
    },
):
    validate = KubernetesPodOperator(
        task_id="validate_images",
        name="validate-images",
        namespace="ml-jobs",
        image="ghcr.io/acme/vision-tools:3.2.0",
        cmds=["python", "-m", "vision.validate"],
        arguments=["--manifest", "s3://acme-ml/vision/manifests/{{ ds }}.jsonl"],
        do_xcom_push=True,
    )
    finetune = KubernetesPodOperator(
        task_id="finetune_vit",
        name="finetune-vit",
        namespace="ml-jobs",
        image="ghcr.io/acme/vision-train:3.2.0",
        cmds=["torchrun", "--nproc_per_node=4", "-m", "vision.train"],
        arguments=["--images", "{{ ti.xcom_pull(task_ids='validate_images')['accepted_manifest'] }}"],
        container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "4"}),
        node_selector={"pool": "gpu-a100"},
    )
    validate >> finetune
