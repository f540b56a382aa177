"""kfp equivalent of test/fixtures/pipelines/kfp-eq-elif.pipeline.ts: dsl.If, two dsl.Elif and
dsl.Else on a task output against three pipeline parameters, dsl.OneOf of the four sides' outputs
read after them, and a dsl.ParallelFor over a literal list after that."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def score_model(accuracy: float) -> NamedTuple("Outputs", [("accuracy", float)]):
    return (accuracy,)


@dsl.component(base_image=BASE)
def ship(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (who,)


@dsl.component(base_image=BASE)
def stage(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (who,)


@dsl.component(base_image=BASE)
def retry(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (who,)


@dsl.component(base_image=BASE)
def alert(who: str) -> NamedTuple("Outputs", [("msg", str)]):
    return (who,)


@dsl.component(base_image=BASE)
def report_verdict(message: str) -> NamedTuple("Outputs", [("said", str)]):
    return (message,)


@dsl.component(base_image=BASE)
def square(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.pipeline(
    name="kfp-eq-elif",
    display_name="kfp_eq_elif",
    description="dsl.If, dsl.Elif and dsl.Else with dsl.OneOf, compared with kfp's compiler.",
)
def kfp_eq_elif(
    accuracy: float = 0.8,
    min_accuracy: float = 0.9,
    stage_floor: float = 0.7,
    retry_floor: float = 0.5,
):
    scored = score_model(accuracy=accuracy)
    with dsl.If(scored.outputs["accuracy"] >= min_accuracy):
        shipped = ship(who="ship")
    with dsl.Elif(scored.outputs["accuracy"] >= stage_floor):
        staged = stage(who="stage")
    with dsl.Elif(scored.outputs["accuracy"] >= retry_floor):
        retried = retry(who="retry")
    with dsl.Else():
        alerted = alert(who="alert")
    report_verdict(
        message=dsl.OneOf(
            shipped.outputs["msg"],
            staged.outputs["msg"],
            retried.outputs["msg"],
            alerted.outputs["msg"],
        )
    )
    with dsl.ParallelFor([1, 2]) as n:
        square(n=n)
