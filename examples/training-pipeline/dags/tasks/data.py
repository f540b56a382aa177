"""Data tasks: extract a training set and validate it before any training runs."""

from __future__ import annotations

import os


def extract_data(out_path: str) -> dict:
    """Stands in for a warehouse extract: a reproducible synthetic classification set."""
    import pandas as pd
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=1000, n_features=4, n_informative=3, n_redundant=0, random_state=7)
    frame = pd.DataFrame(x, columns=[f"feature_{i}" for i in range(4)])
    frame["label"] = y
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    frame.to_csv(out_path, index=False)
    return {"data_path": out_path}


def validate_data(
    data_path: str,
    required_columns: list,
    target_column: str,
    min_rows: int,
    max_null_fraction: float,
) -> dict:
    """Fails with every violated check listed, so one run shows all that is wrong."""
    import pandas as pd

    frame = pd.read_csv(data_path)
    problems = []
    missing = [c for c in required_columns if c not in frame.columns]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if len(frame) < min_rows:
        problems.append(f"{len(frame)} rows, fewer than the minimum {min_rows}")
    for column, fraction in frame.isna().mean().items():
        if fraction > max_null_fraction:
            problems.append(f"column {column!r} is {fraction:.1%} null, above {max_null_fraction:.1%}")
    if target_column in frame.columns and frame[target_column].isna().any():
        problems.append(f"target column {target_column!r} has nulls")
    if problems:
        raise ValueError(f"data validation failed for {data_path}:\n- " + "\n- ".join(problems))
    return {"data_path": data_path, "rows": len(frame)}
