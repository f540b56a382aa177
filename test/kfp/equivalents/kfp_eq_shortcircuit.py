"""kfp equivalent of test/fixtures/pipelines/kfp-eq-shortcircuit.pipeline.ts: each mlgen
short-circuit is a dsl.If with no Else around every task downstream of it. mlgen's `1` is a
JavaScript number, which is written `1.0` in CEL against a float output; the equivalent writes
the literal as 1.0 (kfp would write `double(1)` for a Python int)."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def check() -> NamedTuple(
    "Outputs", [("ok", bool), ("count", int), ("ratio", float), ("items", list)]
):
    return (True, 3, 1.5, ["x", "yy"])


@dsl.component(base_image=BASE)
def publish(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def announce(message: str):
    print(message)


@dsl.component(base_image=BASE)
def fan(shard: str, factor: int) -> NamedTuple("Outputs", [("size", int)]):
    return (len(shard) * factor,)


@dsl.component(base_image=BASE)
def gather(sizes: list):
    print(sum(sizes))


@dsl.component(base_image=BASE)
def batch(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def boost(name: str):
    print(f"step {name}")


@dsl.component(base_image=BASE)
def audit(name: str):
    print(f"step {name}")


@dsl.pipeline(
    name="kfp-eq-shortcircuit",
    display_name="kfp_eq_shortcircuit",
    description="Short-circuits as conditions, compared with kfp's compiler.",
)
def kfp_eq_shortcircuit():
    c = check()
    with dsl.If(c.outputs["ok"] == True):  # a channel: builds a condition
        pub = publish(name="publish")
        announce(message="published").after(pub)
        with dsl.ParallelFor(c.outputs["items"]) as shard:
            f = fan(shard=shard, factor=c.outputs["count"])
        gather(sizes=dsl.Collected(f.outputs["size"]))
    # Groups in mlgen's canonical task order (topological, ties broken by task id): gate, fan,
    # high, many.
    with dsl.If(c.outputs["ratio"] > 1.0):
        boost(name="boost")
    with dsl.If(c.outputs["count"] > 2):
        batch(name="batch")
    audit(name="audit").after(c)
