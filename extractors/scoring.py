"""Scoring: the Scrapinghub article-extraction-benchmark metric and agreement.

The metric, as published with that benchmark: tokens are the ``\\w+`` runs of a text
(case kept); a text becomes a multiset of 4-token shingles (a text shorter than 4 tokens
is one shingle). Per page, matched shingle counts are true positives, surplus predicted
ones false positives, missing true ones false negatives; the three are divided by their
sum so every page weighs the same. Precision is the mean over pages with tp+fp > 0,
recall the mean over pages with tp+fn > 0 (a page with fp = fn = 0 scores 1 on both),
F1 the harmonic mean of those two means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+")
SHINGLE = 4


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


Shingle = tuple[str, ...]


def shingle_set(toks: Sequence[str]) -> set[Shingle]:
    """The distinct ``SHINGLE``-token windows of ``toks`` (the tokens themselves when
    there are fewer)."""
    if not toks:
        return set()
    if len(toks) < SHINGLE:
        return {tuple(toks)}
    return {tuple(toks[i : i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1)}


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    # the n-token windows as tuples, built by zip in C (twice the speed of slicing)
    return Counter(zip(*(toks[i:] for i in range(n)), strict=False))


@dataclass(frozen=True)
class PageScore:
    """Shingle counts of one page, and the page's own P/R/F1."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0 if not self.fn else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0 if not self.fp else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(predicted: str, gold: str) -> PageScore:
    """tp/fp/fn of one page, normalised to sum to 1 (all zero when both are empty)."""
    pred, true = shingles(predicted), shingles(gold)
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int


def aggregate(pages: Iterable[tuple[PageScore, bool]]) -> Score:
    """The benchmark's mean over pages. Each item is (page score, exact token match)."""
    precisions: list[float] = []
    recalls: list[float] = []
    exact = n = 0
    for s, same in pages:
        n += 1
        exact += same
        if s.fp == 0 and s.fn == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if s.tp + s.fp > 0:
            precisions.append(s.tp / (s.tp + s.fp))
        if s.tp + s.fn > 0:
            recalls.append(s.tp / (s.tp + s.fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f1, exact / n if n else 0.0, n)


def evaluate(pairs: Iterable[tuple[str, str]]) -> Score:
    """Score (predicted, gold) text pairs with the benchmark metric."""
    return aggregate((score_page(p, g), tokens(p) == tokens(g)) for p, g in pairs)


def word_f1(predicted: str, gold: str) -> float:
    """The WCXB benchmark's page metric: the F1 of the bags of lower-cased ``\\w+``
    words of the two texts (1 when both are empty). Its figure for a collection is the
    mean over pages."""
    pred = Counter(t.lower() for t in tokens(predicted))
    true = Counter(t.lower() for t in tokens(gold))
    if not pred and not true:
        return 1.0
    common = sum((pred & true).values())
    if not common:
        return 0.0
    p, r = common / sum(pred.values()), common / sum(true.values())
    return 2 * p * r / (p + r)


def agreement(a: str, b: str) -> float:
    """Symmetric agreement of two extractions: the shingle F1 of one against the other
    (1.0 when both are empty)."""
    return shingle_agreement(shingles(a), shingles(b))


def shingle_agreement(sa: Counter[tuple[str, ...]], sb: Counter[tuple[str, ...]]) -> float:
    """``agreement`` on shingle multisets already computed."""
    if not sa and not sb:
        return 1.0
    common = sum((sa & sb).values())
    total = sum(sa.values()) + sum(sb.values())
    return 2 * common / total if total else 0.0


def agreement_matrix(texts: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """``agreement`` of every pair of these texts (by name; 1.0 on the diagonal), each
    text's shingles counted once."""
    sets = {name: shingles(text) for name, text in texts.items()}
    names = list(sets)
    matrix: dict[str, dict[str, float]] = {a: {} for a in names}
    for i, a in enumerate(names):
        matrix[a][a] = 1.0
        for b in names[i + 1 :]:
            matrix[a][b] = matrix[b][a] = shingle_agreement(sets[a], sets[b])
    return {a: {b: matrix[a][b] for b in names} for a in names}


def pair_agreements(matrix: Mapping[str, Mapping[str, float]]) -> dict[tuple[str, str], float]:
    """The matrix's pairs, each once, in its names' order."""
    names = list(matrix)
    return {(a, b): matrix[a][b] for i, a in enumerate(names) for b in names[i + 1 :]}


def mean_agreement(texts: Mapping[str, str]) -> float | None:
    """The mean pairwise ``agreement`` of these texts; None for fewer than two."""
    pairs = pair_agreements(agreement_matrix(texts))
    return sum(pairs.values()) / len(pairs) if pairs else None


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class SegmentScore:
    """The with/without metric: segments that must appear (found: tp, missing: fn)
    and segments that must not (present: fp, absent: tn)."""

    tp: int
    fn: int
    fp: int
    tn: int

    def __add__(self, other: SegmentScore) -> SegmentScore:
        return SegmentScore(
            self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn
        )

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        total = self.tp + self.fn + self.fp + self.tn
        return (self.tp + self.tn) / total if total else 1.0


def score_segments(predicted: str, with_: Iterable[str], without: Iterable[str]) -> SegmentScore:
    """Score one page: each segment is looked for in the prediction, whitespace and
    case normalised."""
    text = _normalize(predicted)
    found = [_normalize(s) in text for s in with_]
    leaked = [_normalize(s) in text for s in without]
    return SegmentScore(
        tp=sum(found), fn=len(found) - sum(found), fp=sum(leaked), tn=len(leaked) - sum(leaked)
    )
