"""kfp equivalent of test/fixtures/pipelines/kfp-eq-python.pipeline.ts: lightweight Python
components passing typed parameters, pipeline params with defaults and descriptions, constants.
A component's outputs are a NamedTuple so they carry mlgen's output names (a bare return value
would be named `Output`)."""

from typing import NamedTuple

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def extract(source: str, rows: int) -> NamedTuple(
    "Outputs", [("path", str), ("rows", int)]
):
    return (f"{source}/part-0.csv", rows)


@dsl.component(base_image=BASE)
def featurize(
    path: str, rows: int, scale: float, normalize: bool, label: str
) -> NamedTuple("Outputs", [("features", list), ("stats", dict)]):
    features = [float(i) * scale for i in range(rows)]
    if normalize and features:
        top = max(features) or 1.0
        features = [f / top for f in features]
    return (features, {"path": path, "label": label, "n": len(features)})


@dsl.component(base_image=BASE)
def train(features: list, stats: dict, epochs: int, lr: float) -> NamedTuple(
    "Outputs", [("score", float), ("accepted", bool)]
):
    score = min(1.0, sum(features) / max(1, len(features)) + epochs * lr)
    return (score, score >= 0.5 and stats["n"] > 0)


@dsl.pipeline(
    name="kfp-eq-python",
    display_name="kfp_eq_python",
    description="Typed data passing between python tasks, compared with kfp's compiler.",
)
def kfp_eq_python(
    source: str = "s3://bucket/raw",
    rows: int = 100,
    scale: float = 0.5,
    normalize: bool = True,
):
    """Typed data passing.

    Args:
        source: where the raw data is
        rows: rows to read
        scale: feature scale
        normalize: scale features to [0, 1]
    """
    ex = extract(source=source, rows=rows)
    ft = featurize(
        path=ex.outputs["path"],
        rows=ex.outputs["rows"],
        scale=scale,
        normalize=normalize,
        label="target",
    )
    train(features=ft.outputs["features"], stats=ft.outputs["stats"], epochs=3, lr=0.01)
