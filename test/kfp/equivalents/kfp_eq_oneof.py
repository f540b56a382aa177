"""kfp equivalent of test/fixtures/pipelines/kfp-eq-oneof.pipeline.ts: dsl.If/dsl.Else on a task
output, each side returning a message, and a task after both reading dsl.OneOf of the two."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def evaluate(threshold: float) -> NamedTuple("Outputs", [("score", float)]):
    return (threshold + 0.1,)


@dsl.component(base_image=BASE)
def deploy(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (f"hello {who}",)


@dsl.component(base_image=BASE)
def retrain(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (f"hello {who}",)


@dsl.component(base_image=BASE)
def summary(message: str):
    print(message)


@dsl.pipeline(
    name="kfp-eq-oneof",
    display_name="kfp_eq_oneof",
    description="dsl.OneOf after If/Else, compared with kfp's compiler.",
)
def kfp_eq_oneof(threshold: float = 0.7):
    """OneOf.

    Args:
        threshold: the evaluation's base score
    """
    ev = evaluate(threshold=threshold).set_display_name("evaluate")
    with dsl.If(ev.outputs["score"] >= 0.8):
        dep = deploy(who="deploy").set_display_name("deploy")
    with dsl.Else():
        rt = retrain(who="retrain").set_display_name("retrain")
    summary(message=dsl.OneOf(dep.outputs["msg"], rt.outputs["msg"])).set_display_name("summary")
