"""kfp equivalent of test/fixtures/pipelines/kfp-eq-branch.pipeline.ts: dsl.If/dsl.Else on a
task output (the true side reads the output and has a downstream task of its own) and a plain
dsl.If on a string param; a join after both sides (.after() on a task in each side)."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def evaluate(threshold: float) -> NamedTuple("Outputs", [("score", float)]):
    return (threshold + 0.1,)


@dsl.component(base_image=BASE)
def deploy(score: float):
    print(f"deploying a model that scored {score}")


@dsl.component(base_image=BASE)
def announce(message: str):
    print(message)


@dsl.component(base_image=BASE)
def retrain(reason: str):
    print(f"retraining: {reason}")


@dsl.component(base_image=BASE)
def summary(message: str):
    print(message)


@dsl.component(base_image=BASE)
def full_report(message: str):
    print(message)


@dsl.pipeline(
    name="kfp-eq-branch",
    display_name="kfp_eq_branch",
    description="If/Else on a task output, compared with kfp's compiler.",
)
def kfp_eq_branch(threshold: float = 0.7, mode: str = "full"):
    """If/Else.

    Args:
        threshold: the evaluation's base score
    """
    # kfp numbers groups in the order their `with` blocks are entered; mlgen numbers them in its
    # canonical task order (topological, ties broken by task id): `mode_gate` comes before
    # `route`, so this If is entered first.
    with dsl.If(mode == "full"):
        full_report(message="full mode")
    ev = evaluate(threshold=threshold)
    with dsl.If(ev.outputs["score"] >= 0.8):
        dep = deploy(score=ev.outputs["score"])
        announce(message="deployed").after(dep)
    with dsl.Else():
        rt = retrain(reason="score below 0.8")
    # kfp lifts the dependency on tasks inside the If/Else to its wrapper group.
    summary(message="routed").after(dep, rt)
