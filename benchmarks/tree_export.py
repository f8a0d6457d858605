"""Fitted scikit-learn tree models as the arrays ``unboil.extractors.trees.Trees``
reads: what the training scripts write to extractors/models/ (training only: the
runtime package never imports scikit-learn)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def export_trees(clf: Any, features: Sequence[str]) -> dict[str, Any]:
    """A fitted scikit-learn ``HistGradientBoostingClassifier`` (binary) as the arrays
    ``Trees`` reads: ``features``, ``baseline``, ``max_depth`` and ``trees``. Used
    by the training scripts; needs no scikit-learn import itself."""
    import numpy as np

    trees = []
    max_depth = 0
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        if np.any(nodes["is_categorical"]):
            raise ValueError("categorical splits are not supported by the exporter")
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "feature": [int(x) for x in nodes["feature_idx"]],
                "threshold": [float(x) for x in nodes["num_threshold"]],
                "left": [int(x) for x in nodes["left"]],
                "right": [int(x) for x in nodes["right"]],
                "value": [
                    round(float(v), 7) if lf else 0.0
                    for v, lf in zip(nodes["value"], leaf, strict=True)
                ],
                "missing_left": [bool(x) for x in nodes["missing_go_to_left"]],
                "leaf": [bool(x) for x in leaf],
            }
        )
        max_depth = max(max_depth, int(nodes["depth"].max()))
    return {
        "features": list(features),
        "baseline": float(np.ravel(clf._baseline_prediction)[0]),
        "max_depth": max_depth + 1,
        "trees": trees,
    }
