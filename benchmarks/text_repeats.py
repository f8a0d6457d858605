"""What ``batch --drop-repeated N`` does to the text-mode figures.

    .venv/bin/python benchmarks/text_repeats.py

The text dumps of a collection (each page through the ``alltext`` backend, as
``train_text.py`` makes them) are one batch: the lines of 4+ words that N or more of
them hold are dropped (``textmode.BatchRepeats``, ``textmode.repeats``) on top of the
model. Prints, per collection and N: the pages and lines it touches, and the shingle
F1 of text mode with and without it, on the pages it touches and on all pages.
Nothing here is tuned: N and the 4-word floor are fixed a priori. The text model was
trained on 149 of the 181 Scrapinghub pages, so F1 on those is not cross-validated
(it is the change that matters here).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import train_text  # noqa: E402

from unboil.extractors import textmode  # noqa: E402
from unboil.extractors.scoring import evaluate  # noqa: E402


def kept(units: list[str], probs: list[float], drop: set[int], cut: float) -> str:
    return "\n\n".join(
        u for i, (u, p) in enumerate(zip(units, probs, strict=True)) if p >= cut and i not in drop
    )


def main() -> int:
    cut = textmode.model().threshold
    print(
        "| collection | N | pages touched | lines dropped | F1 touched: before / after "
        "| F1 all: before / after |"
    )
    print("|---|---|---|---|---|---|")
    for name, docs in (
        ("scrapinghub", train_text.scrapinghub()),
        ("mozilla", train_text.mozilla()),
    ):
        train_text.prepare(docs)
        counter = textmode.BatchRepeats()
        for d in docs:
            counter.add(d.key, d.text)
        probs = {d.key: textmode.probabilities(d.units or []) for d in docs}
        for n in (2, 3):
            repeated = counter.repeated(n)
            before, after, touched_before, touched_after, lines = [], [], [], [], 0
            for d in docs:
                units = d.units or []
                drop = set(textmode.repeats(units, repeated.get(d.key, frozenset())))
                pair_before = (kept(units, probs[d.key], set(), cut), d.gold)
                pair_after = (kept(units, probs[d.key], drop, cut), d.gold)
                before.append(pair_before)
                after.append(pair_after)
                if pair_after[0] != pair_before[0]:
                    touched_before.append(pair_before)
                    touched_after.append(pair_after)
                    lines += sum(probs[d.key][i] >= cut for i in drop)
            tb, ta = evaluate(touched_before), evaluate(touched_after)
            ab, aa = evaluate(before), evaluate(after)
            print(
                f"| {name} ({len(docs)}) | {n} | {len(touched_before)} | {lines} | "
                f"{tb.f1:.3f} / {ta.f1:.3f} | {ab.f1:.4f} / {aa.f1:.4f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
