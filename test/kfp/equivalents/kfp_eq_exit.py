"""kfp equivalent of test/fixtures/pipelines/kfp-eq-exit.pipeline.ts: mlgen's pipeline-level
alerts are an exit task (`alerts`, taking dsl.PipelineTaskFinalStatus) under dsl.ExitHandler
around every task of the pipeline. The short-circuit is a dsl.If inside the handler."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import PipelineTaskFinalStatus

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def alerts(status: PipelineTaskFinalStatus):
    if status.state != "SUCCEEDED":
        print(f"pipeline ended {status.state}")


@dsl.component(base_image=BASE)
def evaluate(threshold: float) -> NamedTuple("Outputs", [("score", float)]):
    return (threshold + 0.1,)


@dsl.component(base_image=BASE)
def deploy(score: float):
    print(f"deploying a model that scored {score}")


@dsl.pipeline(
    name="kfp-eq-exit",
    display_name="kfp_eq_exit",
    description="Pipeline alerts as an exit handler, compared with kfp's compiler.",
)
def kfp_eq_exit(threshold: float = 0.5):
    on_end = alerts()
    with dsl.ExitHandler(on_end):
        # The pipeline's default retries (1, Airflow's default 300 s delay) on every task but
        # the exit task.
        ev = evaluate(threshold=threshold)
        ev.set_retry(num_retries=1, backoff_duration="300s", backoff_factor=1)
        with dsl.If(ev.outputs["score"] > 0.55):
            dep = deploy(score=ev.outputs["score"])
            dep.set_retry(num_retries=1, backoff_duration="300s", backoff_factor=1)
