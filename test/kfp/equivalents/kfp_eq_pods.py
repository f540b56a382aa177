"""kfp equivalent of test/fixtures/pipelines/kfp-eq-pods.pipeline.ts: what a pod is given besides
its image and resources. Every pod is pulled with the project's secret (`kubeflow:
{ imagePullSecrets: ["regcred"] }` of the mlgen config) and the pipeline's (team-registry), then
its task's own, each once. fit gets plain env variables (in the order written, as mlgen writes them), an
existing PVC, a scratch emptyDir, 2Gi of shared memory at /dev/shm (written first) and two AMD
GPUs; tpu_step shared memory of no set size, a memory-backed emptyDir and one TPU (a type alone
is one, in kfp as in mlgen); the container task its own pull secret and an AMD GPU. Secrets
as env: the pipeline's WAREHOUSE_USER on tpu_step's pod; fit its own HF_TOKEN and its own
WAREHOUSE_USER (from another secret, replacing the pipeline's); the container task none."""

from typing import NamedTuple

from kfp import dsl, kubernetes

PULL = ["regcred", "team-registry"]


@dsl.component(base_image="python:3.11-slim")
def fit(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.component(base_image="python:3.11-slim")
def tpu_step(message: str):
    print(message)


@dsl.container_component
def vendor():
    return dsl.ContainerSpec(
        image="registry.example.com/vendor/tool:1.2", command=["tool"], args=["--check"]
    )


@dsl.pipeline(
    name="kfp-eq-pods",
    display_name="kfp_eq_pods",
    description="Pull secrets, env, volumes and accelerators of pods, compared with kfp's compiler.",
)
def kfp_eq_pods():
    f = fit(n=3)
    f.set_env_variable("OMP_NUM_THREADS", "4").set_env_variable("HF_HOME", "/data/hf")
    f.set_memory_limit("16Gi")
    f.set_accelerator_type("amd.com/gpu").set_accelerator_limit(2)
    kubernetes.set_image_pull_secrets(f, [*PULL, "gpu-images"])
    kubernetes.mount_pvc(f, pvc_name="training-data", mount_path="/data")
    kubernetes.empty_dir_mount(
        f, volume_name="shm", mount_path="/dev/shm", medium="Memory", size_limit="2Gi"
    )
    kubernetes.empty_dir_mount(f, volume_name="scratch", mount_path="/scratch", size_limit="20Gi")
    kubernetes.use_secret_as_env(f, secret_name="hf", secret_key_to_env={"token": "HF_TOKEN"})
    kubernetes.use_secret_as_env(
        f, secret_name="warehouse-ro", secret_key_to_env={"user": "WAREHOUSE_USER"}
    )

    t = tpu_step(message="tpu").after(f)
    t.set_accelerator_type("google.com/tpu")
    kubernetes.set_image_pull_secrets(t, PULL)
    kubernetes.empty_dir_mount(t, volume_name="shm", mount_path="/dev/shm", medium="Memory")
    kubernetes.empty_dir_mount(t, volume_name="cache", mount_path="/cache", medium="Memory")
    kubernetes.use_secret_as_env(t, secret_name="warehouse", secret_key_to_env={"user": "WAREHOUSE_USER"})

    v = vendor().after(f)
    v.set_accelerator_type("amd.com/gpu").set_accelerator_limit(1)
    kubernetes.set_image_pull_secrets(v, [*PULL, "vendor-registry"])
