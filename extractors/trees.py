"""Gradient-boosted trees as flat arrays, evaluated with numpy (the runtime needs no
scikit-learn), and the loader of the shipped models: package data read through
``importlib.resources``, its format, version and feature names checked when it loads,
so that a model trained for another version of the features is refused at once.

The training scripts (``benchmarks/``) write these files from scikit-learn's fitted
``HistGradientBoosting*`` models (``benchmarks/tree_export.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MODELS_PACKAGE = "unboil.extractors.models"


class ModelError(RuntimeError):
    """A model file this version of unboil cannot read."""


class Trees:
    """Binary gradient-boosted trees (or a regression forest: ``raw``) over the columns
    ``features``; ``predict_proba`` with numpy."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        import numpy as np

        self.features: list[str] = list(data["features"])
        self.baseline = float(data["baseline"])
        trees = data["trees"]
        offsets, feature, threshold, left, right, value, missing, leaf = (
            [],
            [],
            [],
            [],
            [],
            [],
            [],
            [],
        )
        base = 0
        for tree in trees:
            offsets.append(base)
            n = len(tree["feature"])
            feature += tree["feature"]
            threshold += tree["threshold"]
            left += [x + base for x in tree["left"]]
            right += [x + base for x in tree["right"]]
            value += tree["value"]
            missing += tree["missing_left"]
            leaf += tree["leaf"]
            base += n
        self.roots = np.array(offsets, dtype=np.int64)
        self.feature = np.array(feature, dtype=np.int64)
        self.threshold = np.array(threshold, dtype=np.float64)
        self.left = np.array(left, dtype=np.int64)
        self.right = np.array(right, dtype=np.int64)
        self.value = np.array(value, dtype=np.float64)
        self.missing_left = np.array(missing, dtype=bool)
        self.leaf = np.array(leaf, dtype=bool)
        self.depth = int(data.get("max_depth") or 64)
        # one child table for the whole forest: ``child[node + N * went_left]``; a leaf
        # is its own child, so every row can walk ``depth`` steps without a mask
        n_nodes = len(feature)
        own = np.arange(n_nodes, dtype=np.int64)
        self._child = np.concatenate(
            [np.where(self.leaf, own, self.right), np.where(self.leaf, own, self.left)]
        )
        self._n_nodes = n_nodes
        # the steps each tree needs (its leaves' greatest depth, at most ``depth``); the
        # trees are walked deepest first, so the trees still walking at each step are
        # the first rows of the (trees, rows) node array
        tree_steps = np.zeros(len(self.roots), dtype=np.int64)
        frontier, tree = self.roots, np.arange(len(self.roots))
        for step in range(1, self.depth + 1):
            inner = ~self.leaf[frontier]
            if not inner.any():
                break
            frontier, tree = frontier[inner], tree[inner]
            tree_steps[tree] = step
            frontier = np.concatenate([self.left[frontier], self.right[frontier]])
            tree = np.concatenate([tree, tree])
        self._order = np.argsort(-tree_steps, kind="stable")
        self._unorder = np.argsort(self._order)
        self._active = [int((tree_steps > k).sum()) for k in range(int(tree_steps.max(initial=0)))]

    #: rows walked at a time: the (trees, rows) node arrays of a chunk stay in the CPU
    #: cache (faster than all rows at once)
    CHUNK_ROWS = 256

    def raw(self, X: np.ndarray) -> np.ndarray:
        """The summed tree values (log-odds) of each row of ``X``, all trees walked
        together, the deepest first (a leaf is its own child: no per-step mask)."""
        import numpy as np

        n = X.shape[0]
        if n == 0 or len(self.roots) == 0:
            return np.full(n, self.baseline)
        if n > self.CHUNK_ROWS:
            step = self.CHUNK_ROWS
            return np.concatenate([self._raw(X[i : i + step]) for i in range(0, n, step)])
        return self._raw(X)

    def _raw(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        n = X.shape[0]
        # feature-major: a tree's rows read one column each
        flat = np.ascontiguousarray(X.T, dtype=np.float64).ravel()
        nan = bool(np.isnan(flat).any())
        rows = np.arange(n, dtype=np.intp)
        at_feature = self.feature * n
        node = np.repeat(self.roots[self._order][:, None], n, axis=1)
        child, size = self._child, self._n_nodes
        for k in self._active:
            walking = node[:k]
            x = flat[at_feature[walking] + rows]
            left = x <= self.threshold[walking]
            if nan:
                left |= np.isnan(x) & self.missing_left[walking]
            walking += size * left
            node[:k] = child[walking]
        # the values summed per row in the trees' own order (as the model was fitted)
        leaves = np.ascontiguousarray(node[self._unorder].T)
        total: np.ndarray = self.value[leaves].sum(axis=1) + self.baseline
        return total

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        import numpy as np

        if X.ndim != 2 or X.shape[1] != len(self.features):
            raise ValueError(
                f"the model reads {len(self.features)} features, the rows have "
                f"{X.shape[-1]}: a model trained for another version of the features"
            )
        out: np.ndarray = 1.0 / (1.0 + np.exp(-self.raw(X)))
        return out


def load_model(
    name: str, kind: str, version: int, features: Sequence[str] | None = None
) -> dict[str, Any]:
    """The shipped model file ``name``, read and checked (``check_model``)."""
    from importlib.resources import files

    try:
        text = files(MODELS_PACKAGE).joinpath(name).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ModelError(f"model {name}: cannot be read ({exc})") from None
    return check_model(name, data, kind, version, features)


def check_model(
    name: str, data: Any, kind: str, version: int, features: Sequence[str] | None = None
) -> dict[str, Any]:
    """``data`` if it is a model file this version reads: its ``format`` is ``kind``,
    its ``version`` is ``version`` and, given ``features``, its feature names are
    these (a model trained for another version of the features is refused)."""
    if not isinstance(data, dict):
        raise ModelError(f"model {name}: not a model file")
    if data.get("format") != kind or data.get("version") != version:
        raise ModelError(
            f"model {name}: format {data.get('format')!r} version {data.get('version')!r}, "
            f"this unboil reads {kind!r} version {version}"
        )
    if features is not None and list(data.get("features", ())) != list(features):
        raise ModelError(
            f"model {name}: trained for other features than this unboil computes "
            f"({len(data.get('features', ()))} against {len(features)})"
        )
    return data
