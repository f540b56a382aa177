"""kfp equivalent of test/fixtures/pipelines/kfp-eq-containers.pipeline.ts: container components
with literal env, CPU and memory requests and limits, a GPU, a node selector, tolerations, a claim,
an emptyDir and shared memory, order-only dependencies, a task timeout
(kfp-kubernetes set_timeout) and a run timeout (PipelineConfig.active_deadline_seconds). mlgen
emits the timeouts when compiled with `kubeflow: { timeouts: true }`."""

from kfp import dsl, kubernetes


@dsl.container_component
def prepare():
    return dsl.ContainerSpec(
        image="busybox:1.36",
        command=["sh", "-c"],
        args=["mkdir -p /data && echo prepared > /data/ready"],
    )


@dsl.container_component
def train_gpu():
    return dsl.ContainerSpec(
        image="nvcr.io/nvidia/pytorch:24.01-py3",
        command=["python", "-m", "train"],
        args=["--epochs", "3", "--batch-size", "64"],
    )


@dsl.container_component
def report():
    # A command of its own: KFP's launcher runs command and args, never the image's entrypoint.
    return dsl.ContainerSpec(image="alpine:3.20", command=["echo"], args=["--summary"])


@dsl.pipeline(
    name="kfp-eq-containers",
    display_name="kfp_eq_containers",
    description="Container tasks with resources, compared with kfp's compiler.",
    pipeline_config=dsl.PipelineConfig(active_deadline_seconds=7200),
)
def kfp_eq_containers():
    prep = prepare()
    # mlgen writes env sorted by name.
    prep.set_env_variable("LOG_LEVEL", "debug").set_env_variable("MODE", "full")
    prep.set_cpu_request("500m").set_memory_request("256Mi")
    prep.set_cpu_limit("1").set_memory_limit("512Mi")
    train = train_gpu().after(prep)
    train.set_cpu_limit("4").set_memory_limit("16Gi")
    train.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    kubernetes.set_timeout(train, 45 * 60)
    kubernetes.add_node_selector(train, "cloud.google.com/gke-accelerator", "nvidia-l4")
    kubernetes.add_toleration(train, key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")
    kubernetes.add_toleration(
        train, key="node.kubernetes.io/unreachable", effect="NoExecute", toleration_seconds=600
    )
    kubernetes.mount_pvc(train, pvc_name="training-data", mount_path="/data")
    # mlgen writes shared memory first.
    kubernetes.empty_dir_mount(
        train, volume_name="shm", mount_path="/dev/shm", medium="Memory", size_limit="2Gi"
    )
    kubernetes.empty_dir_mount(
        train, volume_name="scratch", mount_path="/scratch", size_limit="20Gi"
    )
    report().after(train)
