"""kfp equivalent of test/fixtures/pipelines/kfp-eq-images.pipeline.ts: a base image and
packages_to_install per component, and a component's CPU, memory and GPU. The packages are, in
order, the project's (`kubeflow.packages` of the mlgen config: pandas, numpy), the pipeline's
(pyarrow) and the task's own (torch; numpy 1.26.4 replaces the project's numpy where it stood;
kfp-kubernetes, which brings kfp along, so kfp is not installed on its own). One component runs
with the cache off, and one on an image with everything built in installs nothing."""

from typing import NamedTuple

from kfp import dsl, kubernetes

PIPELINE_PACKAGES = ["pandas==2.2.3", "numpy==2.1.3", "pyarrow==17.0.0"]


@dsl.component(base_image="python:3.12-slim", packages_to_install=PIPELINE_PACKAGES)
def extract(source: str, rows: int) -> NamedTuple("Outputs", [("path", str), ("rows", int)]):
    return (f"{source}/part-0.csv", rows)


@dsl.component(
    base_image="pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
    packages_to_install=["pandas==2.2.3", "numpy==1.26.4", "pyarrow==17.0.0", "torch==2.5.1"],
)
def fit_gpu(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


# A package named kfp*: kfp installs no kfp of its own (kfp-kubernetes brings it along).
@dsl.component(
    base_image="python:3.11-slim",
    packages_to_install=[*PIPELINE_PACKAGES, "kfp-kubernetes==2.15.2"],
)
def report(message: str):
    print(message)


# An image with everything built in: no packages, and kfp not installed either.
@dsl.component(base_image="registry.example.com/ml/baked:1.0", install_kfp_package=False)
def baked(message: str):
    print(message)


@dsl.pipeline(
    name="kfp-eq-images",
    display_name="kfp_eq_images",
    description="Images, packages and resources per pipeline and task, compared with kfp's compiler.",
)
def kfp_eq_images():
    ex = extract(source="s3://bucket/raw", rows=10)
    fit = fit_gpu(n=ex.outputs["rows"])
    fit.set_cpu_request("2").set_cpu_limit("4")
    fit.set_memory_request("8Gi").set_memory_limit("16Gi")
    fit.set_accelerator_type("nvidia.com/gpu").set_accelerator_limit(1)
    kubernetes.add_node_selector(
        fit, label_key="cloud.google.com/gke-accelerator", label_value="nvidia-l4"
    )
    kubernetes.add_toleration(fit, key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")
    kubernetes.add_toleration(
        fit, key="pool", value="gpu", effect="NoExecute", toleration_seconds=300
    )
    report(message="done").after(fit).set_caching_options(False)
    baked(message="baked").after(fit)
