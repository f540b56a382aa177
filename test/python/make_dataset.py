"""Writes a day's training file for the production example.

Usage: python make_dataset.py <out.csv> high|low
`high`: separable classes (the best model scores well above the deployment bar);
`low`: labels drawn at random (no model can beat a coin, so the pipeline asks for retraining).
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification


def main(out: str, quality: str) -> None:
    x, y = make_classification(
        n_samples=600, n_features=4, n_informative=3, n_redundant=0, class_sep=2.0, random_state=7
    )
    if quality == "low":
        y = np.random.default_rng(1).integers(0, 2, len(y))
    frame = pd.DataFrame(x, columns=[f"feature_{i}" for i in range(4)])
    frame["label"] = y
    frame.to_csv(out, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
