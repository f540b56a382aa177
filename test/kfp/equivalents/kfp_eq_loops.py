"""kfp equivalent of test/fixtures/pipelines/kfp-eq-loops.pipeline.ts: dsl.ParallelFor over a
task output with parallelism and a dsl.Collected fan-in (the loop body also reads another output
of the listing task), over a literal list, over a second list output of the listing task, and over
a list pipeline parameter."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def list_shards() -> NamedTuple(
    "Outputs", [("shards", list), ("factor", int), ("labels", list)]
):
    return (["a", "b", "c"], 2, ["x", "y"])


@dsl.component(base_image=BASE)
def process(shard: str, factor: int) -> NamedTuple("Outputs", [("size", int)]):
    return (len(shard) * factor,)


@dsl.component(base_image=BASE)
def total(sizes: list) -> NamedTuple("Outputs", [("total", int)]):
    return (int(sum(sizes)),)


@dsl.component(base_image=BASE)
def square(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.component(base_image=BASE)
def sum_squares(squares: list):
    print(sum(squares))


@dsl.component(base_image=BASE)
def step(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def step_param(name: str):
    print(f"step {name}")


@dsl.pipeline(
    name="kfp-eq-loops",
    display_name="kfp_eq_loops",
    description="Fan-out and fan-in, compared with kfp's compiler.",
)
def kfp_eq_loops(names: list = ["p", "q"]):  # noqa: B006 (kfp reads the default)
    shards = list_shards()
    with dsl.ParallelFor(shards.outputs["shards"], parallelism=2) as shard:
        pr = process(shard=shard, factor=shards.outputs["factor"])
    total(sizes=dsl.Collected(pr.outputs["size"]))
    with dsl.ParallelFor([1, 2, 3]) as n:
        sq = square(n=n)
    sum_squares(squares=dsl.Collected(sq.outputs["sq"]))
    with dsl.ParallelFor(shards.outputs["labels"]) as name:
        step(name=name)
    with dsl.ParallelFor(names) as name:
        step_param(name=name)
