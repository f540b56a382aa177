"""kfp equivalent of test/fixtures/pipelines/kfp-eq-optional.pipeline.ts: pipeline params a run
may leave unset (`Optional[str] = None`), read by lightweight Python components whose inputs are
optional too, beside a param with a default and a task output."""

from typing import NamedTuple, Optional

from kfp import dsl

BASE = "python:3.11-slim"


@dsl.component(base_image=BASE)
def select_rows(
    source: str,
    cutoff: Optional[str] = None,
    limit: Optional[int] = None,
    ratio: Optional[float] = None,
) -> NamedTuple("Outputs", [("rows", int), ("since", str)]):
    rows = 100 if limit is None else limit
    if ratio is not None:
        rows = int(rows * ratio)
    return (rows, cutoff or "the beginning")


@dsl.component(base_image=BASE)
def describe_rows(rows: int, since: str, cutoff: Optional[str] = None) -> NamedTuple(
    "Outputs", [("summary", str)]
):
    return (f"{rows} rows since {since} (cutoff {cutoff!r})",)


@dsl.pipeline(
    name="kfp-eq-optional",
    display_name="kfp_eq_optional",
    description="Optional params read by python tasks, compared with kfp's compiler.",
)
def kfp_eq_optional(
    source: str = "s3://bucket/raw",
    cutoff: Optional[str] = None,
    limit: Optional[int] = None,
    ratio: Optional[float] = None,
):
    """Optional params.

    Args:
        source: where the raw data is
        cutoff: only rows after this date
        limit: most rows to read
    """
    sel = select_rows(source=source, cutoff=cutoff, limit=limit, ratio=ratio)
    describe_rows(rows=sel.outputs["rows"], since=sel.outputs["since"], cutoff=cutoff)
