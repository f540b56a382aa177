"""Lightweight Python components with If/Elif/Else, a ParallelFor over a task output with
dsl.Collected, a condition nested in the loop, and a loop over a static list of dicts whose item
fields become parameterExpressionSelectors. Runs offline under kfp.local."""

from typing import List

from kfp import dsl

BASE = "python:3.11"


@dsl.component(base_image=BASE)
def make_numbers(n: int) -> List[int]:
    return list(range(1, n + 1))


@dsl.component(base_image=BASE)
def square(x: int) -> int:
    return x * x


@dsl.component(base_image=BASE)
def total(values: List[int]) -> int:
    # kfp.local hands list items over as JSON numbers like 1.0 (the backend sends 1): cast.
    return int(sum(values))


@dsl.component(base_image=BASE)
def say(msg: str) -> str:
    print(msg)
    return msg


@dsl.pipeline(name="control-flow")
def control_flow(n: int = 3, mode: str = "deploy") -> int:
    nums = make_numbers(n=n)
    with dsl.ParallelFor(nums.output, parallelism=2) as x:
        sq = square(x=x)
        with dsl.If(x == 2):
            say(msg="two")
    t = total(values=dsl.Collected(sq.output))
    with dsl.If(mode == "deploy"):
        say(msg="deploying")
    with dsl.Elif(mode == "stage"):
        say(msg="staging")
    with dsl.Else():
        say(msg="skipping")
    with dsl.ParallelFor([{"label": "x", "w": 1}, {"label": "y", "w": 2}]) as cfg:
        say(msg=cfg.label)
    return t.output
