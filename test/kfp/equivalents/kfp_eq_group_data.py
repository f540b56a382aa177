"""kfp equivalent of test/fixtures/pipelines/kfp-eq-group-data.pipeline.ts: a task output passed
into a sub-pipeline inside a sub-pipeline, and an output of a task in there returned through both
to a downstream task. The sub-pipelines' inputs (`make_sq`) and outputs (`model_sq`) are named
by their Python signatures; mlgen names the same ports after the channel they carry."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def make(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.component(base_image=BASE)
def stage_fit_model(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.component(base_image=BASE)
def report(n: int) -> NamedTuple("Outputs", [("sq", int)]):
    return (n * n,)


@dsl.pipeline(name="stage-fit")
def fit(make_sq: int) -> NamedTuple("Outputs", [("model_sq", int)]):
    model = stage_fit_model(n=make_sq)
    return NamedTuple("Outputs", [("model_sq", int)])(model.outputs["sq"])


@dsl.pipeline(name="stage")
def stage(make_sq: int) -> NamedTuple("Outputs", [("model_sq", int)]):
    f = fit(make_sq=make_sq)
    return NamedTuple("Outputs", [("model_sq", int)])(f.outputs["model_sq"])


@dsl.pipeline(
    name="kfp-eq-group-data",
    display_name="kfp_eq_group_data",
    description="Data into and out of nested task groups, compared with kfp's compiler.",
)
def kfp_eq_group_data(n: int = 3):
    m = make(n=n)
    s = stage(make_sq=m.outputs["sq"])
    report(n=s.outputs["model_sq"])
