"""kfp equivalent of test/fixtures/pipelines/kfp-eq-oneof.pipeline.ts: dsl.If/dsl.Else on a task
output, each side returning a message, and a task after both reading dsl.OneOf of the two, and
a task in a ParallelFor reading it too."""

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


@dsl.component(base_image=BASE)
def announce(item: int, message: str):
    print(item, message)


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
    message = dsl.OneOf(dep.outputs["msg"], rt.outputs["msg"])
    summary(message=message).set_display_name("summary")
    with dsl.ParallelFor([1, 2]) as item:
        announce(item=item, message=message).set_display_name("announce")
