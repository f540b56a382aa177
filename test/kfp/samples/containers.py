"""Two container components passing a parameter and a Dataset artifact, with retry, resources,
caching off and a per-task Kubernetes timeout (kfp.kubernetes.set_timeout -> PlatformSpec).

This is the "two-container pipeline" the mutation table in ENGINES-KFP.md §3 is applied to.
"""

from kfp import dsl, kubernetes
from kfp.dsl import Dataset, Input, Output, OutputPath


@dsl.container_component
def producer(rows: int, data: Output[Dataset], count: OutputPath(int)):
    return dsl.ContainerSpec(
        image="busybox:1.36",
        command=["sh", "-c"],
        args=[
            'seq 1 "$0" > "$1" && echo "$0" > "$2"',
            rows,
            data.path,
            count,
        ],
    )


@dsl.container_component
def consumer(data: Input[Dataset], text: str, expected: int):
    return dsl.ContainerSpec(
        image="busybox:1.36",
        command=["sh", "-c", 'echo "$1"; test "$(wc -l < "$0")" -eq "$2"'],
        args=[data.path, text, expected],
    )


@dsl.pipeline(name="two-containers", description="container data passing")
def containers_pipeline(rows: int = 3, greeting: str = "hello"):
    p = producer(rows=rows)
    p.set_cpu_limit("500m").set_memory_limit("256Mi")
    kubernetes.set_timeout(p, 300)
    c = consumer(data=p.outputs["data"], text=greeting, expected=p.outputs["count"])
    c.set_retry(num_retries=2, backoff_duration="10s", backoff_factor=1.5)
    c.set_caching_options(False)
