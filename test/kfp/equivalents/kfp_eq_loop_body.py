"""kfp equivalent of test/fixtures/pipelines/kfp-eq-loop-body.pipeline.ts: a dsl.ParallelFor whose
body is three tasks, each reading the output of the one before in the same iteration (one of them
also a pipeline parameter), with parallelism, and dsl.Collected of each of the three after it."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def make_sets() -> NamedTuple("Outputs", [("sets", list)]):
    return ([],)


@dsl.component(base_image=BASE)
def train_set(hp: dict, base: float) -> NamedTuple("Outputs", [("model", str), ("accuracy", float)]):
    return ("", base)


@dsl.component(base_image=BASE)
def evaluate_model(model: str, threshold: float) -> NamedTuple("Outputs", [("score", float)]):
    return (threshold,)


@dsl.component(base_image=BASE)
def tag_model(score: float) -> NamedTuple("Outputs", [("tag", str)]):
    return ("",)


@dsl.component(base_image=BASE)
def pick_best_model(models: list, scores: list, tags: list) -> NamedTuple("Outputs", [("best", str)]):
    return ("",)


@dsl.pipeline(
    name="kfp-eq-loop-body",
    display_name="kfp_eq_loop_body",
    description="Several tasks per item, compared with kfp's compiler.",
)
def kfp_eq_loop_body(threshold: float = 0.5):
    sets = make_sets()
    with dsl.ParallelFor(sets.outputs["sets"], parallelism=2) as hp:
        trained = train_set(hp=hp, base=0.5)
        evaluated = evaluate_model(model=trained.outputs["model"], threshold=threshold)
        tagged = tag_model(score=evaluated.outputs["score"])
    pick_best_model(
        models=dsl.Collected(trained.outputs["model"]),
        scores=dsl.Collected(evaluated.outputs["score"]),
        tags=dsl.Collected(tagged.outputs["tag"]),
    )
