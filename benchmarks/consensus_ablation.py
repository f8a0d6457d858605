"""Quick comparisons of consensus variants on the three collections (for choosing what
goes into the model; the figures that are reported come from train_consensus.py).

    .venv/bin/python benchmarks/consensus_ablation.py [--folds 3] [--variants a,b]

The pages are prepared once, then every variant is cross-validated by site on the
pooled pages (a-priori thresholds) and scored at a few threshold pairs from the same
out-of-fold probabilities. Variants: ``fixed`` (the first member always leads),
``leader`` (the leader model chooses), ``old`` (the leader, without the page
features), ``noveto`` (the leader, without the comment/cookie/donation box rule).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import consensus_data as cd
import train_consensus as tc

from unboil.extractors import consensus as cons
from unboil.extractors.block_features import feature_names

THRESHOLDS = ((0.25, 0.75), (0.35, 0.65), (0.5, 0.5))


def run(
    data: list[cd.Prepared], columns: np.ndarray | None, folds: int, seed: int
) -> list[tuple[cons.Prepared, np.ndarray]]:
    out: list[tuple[cons.Prepared, np.ndarray]] = [(d.prep, np.zeros(0)) for d in data]
    for train, test in cd.site_folds([d.item for d in data], folds, seed):
        fitted = tc.fit([data[i] for i in train], columns)
        tested = tc.predict_many(fitted, [data[i] for i in test], columns)
        for i, result in zip(test, tested, strict=True):
            out[i] = result
    return out


def report(
    label: str, data: list[cd.Prepared], predicted: list[tuple[cons.Prepared, np.ndarray]]
) -> None:
    for thresholds in THRESHOLDS:
        texts = cd.Texts()
        for d, (prep, p) in zip(data, predicted, strict=True):
            ours = tc.consensus_text(d, prep, p, thresholds)
            texts.add(d.item, {"consensus": ours} | tc.member_texts(d))
        tc.printable(texts, f"{label} {thresholds}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--variants", default="fixed,leader,noveto")
    args = ap.parse_args()
    t0 = time.time()
    items = cd.load_items()
    outputs = cd.member_outputs(items)
    data = cd.prepare_all(items, outputs, tc.MEMBERS)
    print(f"prepared {len(data)} pages: {time.time() - t0:.0f}s", flush=True)
    old = np.arange(len(feature_names(len(tc.MEMBERS))))
    for variant in args.variants.split(","):
        tc.LEADER = variant != "fixed"
        cons.VETO = variant != "noveto"
        predicted = run(data, old if variant == "old" else None, args.folds, args.seed)
        report(variant, data, predicted)
        print(f"  {time.time() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
