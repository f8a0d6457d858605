"""Train and evaluate the text-mode models on the three collections (issue #24.4); the
successor of ``train_text.py``, which trained the shipped models. Not yet run to the
end: its first figure, leave-Scrapinghub-out, was shingle F1 .897 / word F1 .886.
Once its figures are in, it replaces ``train_text.py`` and exports the models to
extractors/models/ (``--export``; it writes nothing there without it).

    nice -n 10 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/train_text_pooled.py \\
        [--export] [--no-justext] [--no-flat]

1. Pages: the three collections under ``$UNBOIL_BENCH`` -- Scrapinghub (181 news pages,
   gold ``articleBody``), Mozilla (130 pages, gold the text of ``expected.html``) and
   WCXB (``wcxb-dev``, 1,474 pages of seven types, gold ``articleBody``), each page with
   its collection, its site (Scrapinghub: the URL's host; WCXB: its ``domain``; Mozilla:
   the host of the page's canonical URL when it names one, else the page name without a
   trailing ``-N``) and its page type.
2. Text dumps: every page through the ``alltext`` backend, its blocks joined by blank
   lines -- the text a naive extractor leaves (cached under ``$UNBOIL_TEXT_CACHE``,
   ``/tmp/unboil-text-dumps`` by default, by page digest and the dump code's digest).
   Split into units with ``textmode.split_units`` (as user text is split); a unit is
   article text when at least half of its 4-token shingles occur in the gold, a unit
   of fewer than 4 tokens when it is a whole line of the gold (``label``). Features
   come from the text only (``text_features.features``).
3. The held-out split: a Scrapinghub page is held out when ``sha1(id)`` is 0 mod 5
   (32 pages). Held-out pages are never used for training (not even by the exported
   models) nor for choosing anything; only the exported models score them. The other
   pages of the three collections are the *pool*.
4. Training: each collection weighs the same whatever its size (page weights scaled so
   that each collection's total is equal, ``balance``), on top of the weighting within
   a page (``weights``). Folds are grouped by site (``fold_of``), inner folds too.
5. Protocols: (a) leave one collection out: trained on the pool's pages of the other two
   collections (minus pages of a site the third one has), scored on the third, the
   threshold the a-priori ``LOCO_CUT`` (a CV on the training side to choose it took
   five times the fits for a second-decimal choice); (b) 5-fold CV
   grouped by site on the pool, per collection and per WCXB page type (the exported
   model's threshold is chosen here: the best mean over collections of the shingle F1);
   (c) the exported model, trained on the whole pool, on the held-out pages. Metrics:
   the shingle P/R/F1 of ``unboil.extractors.scoring.evaluate`` and WCXB's word F1
   (``scoring.word_f1``, mean over pages), next to ``alltext`` (everything kept).
6. The same for the flat model (dumps flattened to one line, cut into sentences).
7. Exports the models (tree arrays, evaluated with numpy by ``trees.Trees``)
   and writes ``benchmarks/TEXT.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gzip
import hashlib
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
from tree_export import export_trees

from unboil.extractors import registry, textmode
from unboil.extractors.consensus import page_digest
from unboil.extractors.goldsets import expected_text
from unboil.extractors.loading import load_bytes
from unboil.extractors.scoring import SHINGLE, Score, evaluate, shingles, tokens, word_f1

BENCH = Path(os.environ.get("UNBOIL_BENCH", "/work/shared/bench"))
CACHE = Path(os.environ.get("UNBOIL_TEXT_CACHE", "/tmp/unboil-text-dumps"))
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL_OUT = ROOT / "extractors" / "models" / "text.json"
FLAT_OUT = ROOT / "extractors" / "models" / "text-flat.json"
REPORT = HERE / "TEXT.md"
COLLECTIONS = ("scrapinghub", "mozilla", "wcxb")
NAMES = {"scrapinghub": "Scrapinghub", "mozilla": "Mozilla", "wcxb": "WCXB"}
WCXB_TYPES = ("article", "service", "product", "collection", "forum", "listing", "documentation")
FOLDS = 5
#: inner folds that give stage 2 its out-of-fold stage-1 probabilities
INNER = 5
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
#: the leave-one-collection-out models' threshold, chosen before any figure: the
#: classifier's own even odds
LOCO_CUT = 0.5
#: sample weights (``weights``): 1 = every unit alike, 0 = by the unit's share of
#: the page's words (0.3: CV F1 .929 against .923 unweighted, see TEXT.md)
WEIGHT_MIX = 0.3
#: units per page on the training pages (about): a page's weights sum to this
PAGE_UNITS = 160.0
PARAMS: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.08,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}


@dataclass
class Doc:
    collection: str
    key: str
    path: Path
    gold: str
    site: str
    page_type: str
    digest: str = ""
    text: str = ""
    units: list[str] | None = None
    X: np.ndarray | None = None
    y: np.ndarray | None = None

    @property
    def uid(self) -> str:
        return f"{self.collection}/{self.key}"

    def raw(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data


def held_out(doc: Doc) -> bool:
    """The fixed held-out split: about one Scrapinghub page in five, by a hash of its
    id (the split of every text model since the first)."""
    return (
        doc.collection == "scrapinghub"
        and int(hashlib.sha1(doc.key.encode()).hexdigest(), 16) % 5 == 0
    )


def fold_of(doc: Doc) -> int:
    """The page's CV fold, by its site (a site's pages share a fold)."""
    return int(hashlib.sha1(("fold:" + doc.site).encode()).hexdigest(), 16) % FOLDS


def inner_fold(doc: Doc) -> int:
    return int(hashlib.sha1(("inner:" + doc.site).encode()).hexdigest(), 16) % INNER


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def scrapinghub() -> list[Doc]:
    base = BENCH / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Doc(
            "scrapinghub",
            key,
            base / "html" / f"{key}.html.gz",
            truth[key]["articleBody"],
            _host(truth[key].get("url", "")) or key,
            "article",
        )
        for key in sorted(truth)
    ]


def wcxb() -> list[Doc]:
    base = BENCH / "wcxb-dev"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    return [
        Doc(
            "wcxb",
            key,
            base / "html" / f"{key}.html.gz",
            e["articleBody"],
            (e.get("domain") or "").lower().removeprefix("www.") or _host(e.get("url", "")) or key,
            e.get("page_type", ""),
        )
        for key, e in sorted(truth.items())
    ]


_CANONICAL = re.compile(
    rb"<(?:meta[^>]+property=[\"']og:url[\"'][^>]*content|link[^>]+rel=[\"']canonical[\"']"
    rb"[^>]*href)=[\"'](https?://[^\"'/]+)",
    re.IGNORECASE,
)


def mozilla() -> list[Doc]:
    docs = []
    for d in sorted((BENCH / "mozilla" / "pages").iterdir()):
        source, expected = d / "source.html", d / "expected.html"
        if source.exists() and expected.exists():
            gold = expected_text(expected.read_text(encoding="utf-8", errors="replace"))
            m = _CANONICAL.search(source.read_bytes())
            site = _host(m.group(1).decode("ascii", "replace")) if m else ""
            site = site or re.sub(r"-\d+$", "", d.name)
            docs.append(Doc("mozilla", d.name, source, gold, site, "article"))
    return docs


def label(unit: str, gold_shingles: set[tuple[str, ...]], gold_lines: set[str]) -> int:
    """1 when the unit is article text: at least half of its 4-token shingles occur in
    the gold; a unit of fewer tokens (a heading, a list item, a price) when it is a whole
    line of the gold (same tokens)."""
    toks = tokens(unit)
    if not toks:
        return 0
    if len(toks) < SHINGLE:
        return int(" ".join(toks) in gold_lines)
    sh = shingles(unit)
    hits = sum(c for s, c in sh.items() if s in gold_shingles)
    return int(hits * 2 >= sum(sh.values()))


def labelled(doc: Doc, text: str, units: list[str]) -> Doc:
    """``doc`` with this text dump, its units, their features and their labels."""
    gold = set(shingles(doc.gold))
    lines = {" ".join(tokens(line)) for line in doc.gold.splitlines()}
    y = np.array([label(u, gold, lines) for u in units], dtype=np.int64)
    return dataclasses.replace(doc, text=text, units=units, X=textmode.features(units), y=y)


def _dump_version() -> str:
    """A digest of the code that makes the dumps (the cache is valid while it holds)."""
    from unboil.extractors import htmltree, loading, page
    from unboil.extractors.backends import alltext

    h = hashlib.sha1()
    for module in (alltext, htmltree, loading, page):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()[:16]


def dumps(docs: Sequence[Doc]) -> dict[str, str]:
    """Each page's ``alltext`` dump by page digest, from the cache where it has it."""
    path = CACHE / f"alltext-{_dump_version()}.json"
    cached: dict[str, str] = {}
    if path.exists():
        cached = json.loads(path.read_text(encoding="utf-8"))
    alltext = registry.get("alltext")
    missing = 0
    for doc in docs:
        if doc.digest not in cached:
            missing += 1
            cached[doc.digest] = alltext.extract(load_bytes(doc.raw(), doc.uid)).text
    if missing:
        CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(cached), encoding="utf-8")
        tmp.replace(path)
    return cached


def prepare(docs: list[Doc]) -> None:
    for doc in docs:
        doc.digest = page_digest(doc.raw())
    texts = dumps(docs)
    for i, doc in enumerate(docs):
        text = texts[doc.digest]
        docs[i] = labelled(doc, text, textmode.split_units(text))


def out_of_fold(
    docs: list[Doc],
    folds: int,
    fold: Callable[[Doc], int],
    train: Callable[[list[Doc]], Any],
    apply: Callable[[Any, Doc], np.ndarray],
) -> dict[str, np.ndarray]:
    """Each page's output (``apply``) from the model ``train`` made on the other folds."""
    out: dict[str, np.ndarray] = {}
    for k in range(folds):
        model = train([d for d in docs if fold(d) != k])
        for d in docs:
            if fold(d) == k:
                out[d.uid] = apply(model, d)
    return out


# -- scores --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """A set of pages' shingle score and mean word F1."""

    score: Score
    word: float

    @property
    def pages(self) -> int:
        return self.score.pages


def figures(pairs: Iterable[tuple[str, str]]) -> Figures:
    pairs = list(pairs)
    words = [word_f1(p, g) for p, g in pairs]
    return Figures(evaluate(pairs), float(np.mean(words)) if words else 0.0)


def groups(docs: Sequence[Doc]) -> dict[str, list[Doc]]:
    """The pages by collection, and WCXB's by page type (``wcxb:article``...)."""
    out: dict[str, list[Doc]] = {}
    for c in COLLECTIONS:
        out[c] = [d for d in docs if d.collection == c]
    for t in WCXB_TYPES:
        out[f"wcxb:{t}"] = [d for d in docs if d.collection == "wcxb" and d.page_type == t]
    return {g: ds for g, ds in out.items() if ds}


def kept_text(doc: Doc, probs: np.ndarray, cut: float) -> str:
    assert doc.units is not None
    return "\n\n".join(u for u, p in zip(doc.units, probs, strict=True) if p >= cut)


def score_groups(
    docs: Sequence[Doc], probs: dict[str, np.ndarray] | None, cut: float = 0.5
) -> dict[str, Figures]:
    """Figures per group (``groups``) of the kept units, or of the whole dump when
    ``probs`` is None (everything kept)."""

    def pred(d: Doc) -> str:
        return d.text if probs is None else kept_text(d, probs[d.uid], cut)

    return {g: figures((pred(d), d.gold) for d in ds) for g, ds in groups(docs).items()}


def score_docs(docs: list[Doc], probs: dict[str, np.ndarray], cut: float) -> Score:
    return evaluate((kept_text(d, probs[d.uid], cut), d.gold) for d in docs)


def choose(docs: list[Doc], probs: dict[str, np.ndarray]) -> tuple[float, dict[float, float]]:
    """The threshold with the best mean over collections of the shingle F1 (each
    collection weighs the same, as in training), and that mean at each threshold."""
    by = groups(docs)
    present = [c for c in COLLECTIONS if c in by]
    mean = {
        cut: float(np.mean([score_docs(by[c], probs, cut).f1 for c in present]))
        for cut in THRESHOLDS
    }
    return max(THRESHOLDS, key=lambda c: mean[c]), mean


def bootstrap_f1(
    docs: list[Doc], probs: dict[str, np.ndarray], cut: float, rounds: int = 5000
) -> tuple[float, float]:
    """A 90% interval for ``score_docs``' F1: pages drawn with replacement (the metric
    averages P and R over pages, then takes their F1)."""
    pr = np.array(
        [
            (s.precision, s.recall)
            for s in (evaluate([(kept_text(d, probs[d.uid], cut), d.gold)]) for d in docs)
        ]
    )
    rng = np.random.default_rng(0)
    f1s = []
    for _ in range(rounds):
        p, r = pr[rng.integers(0, len(pr), len(pr))].mean(axis=0)
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    lo, hi = np.percentile(f1s, [5, 95])
    return float(lo), float(hi)


# -- the model -----------------------------------------------------------------------------


def weights(doc: Doc) -> np.ndarray:
    """Sample weights that follow the metric: each page weighs the same (P and R are
    averaged over pages; a page's weights sum to ``PAGE_UNITS``) and, within a page,
    a unit weighs as its share of the page's words (the metric counts shingles),
    mixed with an equal share (``WEIGHT_MIX``) so that short units still count."""
    assert doc.X is not None
    n = len(doc.X)
    if n == 0 or WEIGHT_MIX >= 1:
        return np.ones(n)
    words = np.maximum(np.expm1(doc.X[:, 1]), 1.0)  # log_words
    share = words / words.sum()
    return n * (WEIGHT_MIX / n + (1 - WEIGHT_MIX) * share) * PAGE_UNITS / n


def balance(docs: Sequence[Doc]) -> dict[str, float]:
    """Each collection's page weight: collections weigh the same whatever their size
    (the weights average 1 over the pages)."""
    counts = Counter(d.collection for d in docs)
    return {c: len(docs) / (len(counts) * n) for c, n in counts.items()}


def _rows(docs: list[Doc]) -> tuple[list[Doc], np.ndarray]:
    """The pages with units and their units' sample weights (``weights`` x ``balance``)."""
    rows = [d for d in docs if d.X is not None and len(d.X)]
    scale = balance(rows)
    return rows, np.concatenate([weights(d) * scale[d.collection] for d in rows])


def _fit1(docs: list[Doc]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    rows, w = _rows(docs)
    X = np.vstack([d.X for d in rows if d.X is not None])
    y = np.concatenate([d.y for d in rows if d.y is not None])
    return HistGradientBoostingClassifier(**PARAMS).fit(X, y, sample_weight=w)


def _p1(clf: Any, doc: Doc) -> np.ndarray:
    assert doc.X is not None
    if not len(doc.X):
        return np.zeros(0)
    out: np.ndarray = clf.predict_proba(doc.X)[:, 1]
    return out


def fit(docs: list[Doc]) -> tuple[Any, Any]:
    """The two stages: stage 2 is trained on out-of-fold stage-1 probabilities (inner
    folds by site over ``docs`` only), stage 1 on all of ``docs``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    oof = out_of_fold(docs, INNER, inner_fold, _fit1, _p1)
    rows, w = _rows(docs)
    X2 = np.vstack([textmode.stage2_features(d.X, oof[d.uid]) for d in rows if d.X is not None])
    y = np.concatenate([d.y for d in rows if d.y is not None])
    stage2 = HistGradientBoostingClassifier(**PARAMS).fit(X2, y, sample_weight=w)
    return _fit1(docs), stage2


def predict(clf: tuple[Any, Any], doc: Doc) -> np.ndarray:
    assert doc.X is not None
    if not len(doc.X):
        return np.zeros(0)
    X2 = textmode.stage2_features(doc.X, _p1(clf[0], doc))
    out: np.ndarray = clf[1].predict_proba(X2)[:, 1]
    return out


def cross_validate(
    docs: list[Doc],
) -> tuple[dict[str, np.ndarray], dict[float, float], float]:
    """5-fold CV grouped by site (``fold_of``): each page's out-of-fold probabilities,
    the mean over collections of the CV shingle F1 at each of ``THRESHOLDS`` and the
    threshold with the best mean."""
    probs = out_of_fold(docs, FOLDS, fold_of, fit, predict)
    cut, mean = choose(docs, probs)
    return probs, mean, cut


def leave_one_out(pool: list[Doc]) -> dict[str, dict[str, Any]]:
    """Per collection: the recipe trained on the other two collections' pages (minus
    the pages of a site the collection has), at the a-priori threshold ``LOCO_CUT``,
    scored on the collection's pages; next to everything kept."""
    out: dict[str, dict[str, Any]] = {}
    for c in COLLECTIONS:
        test = [d for d in pool if d.collection == c]
        sites = {d.site for d in test}
        others = [d for d in pool if d.collection != c]
        train = [d for d in others if d.site not in sites]
        cut = LOCO_CUT
        clf = fit(train)
        probs = {d.uid: predict(clf, d) for d in test}
        out[c] = {
            "cut": cut,
            "train": len(train),
            "dropped": len(others) - len(train),
            "kept": score_groups(test, probs, cut),
            "all": score_groups(test, None),
        }
        k = out[c]["kept"][c]
        print(
            f"LOCO {c}: shingle F1 {k.score.f1:.4f} word F1 {k.word:.4f} "
            f"(threshold {cut}, {len(train)} training pages)",
            flush=True,
        )
    return out


def flat_copies(docs: list[Doc]) -> list[Doc]:
    """Each page's text dump flattened to one line (what ``get_text(" ")`` leaves), as
    ``textmode.split_text`` cuts it (into sentences when it is long enough to count as
    flat), labelled as the dump is; only the copies that count as flat."""
    out = []
    for doc in docs:
        text = " ".join(doc.text.split())
        units, kind = textmode.split_text(text)
        if kind == "flat":
            out.append(labelled(doc, text, units))
    return out


def export(
    clf: tuple[Any, Any], cut: float, meta: dict[str, Any], trained: Sequence[Doc] = ()
) -> dict[str, Any]:
    """The model file; ``trained`` (the training pages) are listed by digest so that
    ``unboil bench`` can tell when the text backend is scored on its own training
    pages: the HTML bytes (``consensus.page_digest``) and the text dump
    (``textmode.text_digest``)."""
    return {
        "format": "unboil-text-trees",
        "version": 1,
        "threshold": cut,
        "meta": meta,
        "trained_on": sorted({d.digest for d in trained}),
        "trained_on_text": sorted({textmode.text_digest(d.text) for d in trained}),
        "stage1": export_trees(clf[0], textmode.feature_names()),
        "stage2": export_trees(clf[1], textmode.stage2_names()),
    }


def run(pool: list[Doc], test: list[Doc], name: str) -> dict[str, Any]:
    """One model's protocols: leave one collection out, the pooled site-grouped CV (the
    threshold), the model on the whole pool and its held-out figures."""
    t0 = time.monotonic()
    loco = leave_one_out(pool)
    cv_probs, cv_mean, cut = cross_validate(pool)
    cv = score_groups(pool, cv_probs, cut)
    fold_f1 = {
        c: [score_docs([d for d in ds if fold_of(d) == k], cv_probs, cut).f1 for k in range(FOLDS)]
        for c, ds in groups(pool).items()
        if c in COLLECTIONS
    }
    for g, f in cv.items():
        print(f"{name} CV {g} ({f.pages}): shingle F1 {f.score.f1:.4f} word F1 {f.word:.4f}")
    clf = fit(pool)
    held = {d.uid: predict(clf, d) for d in test}
    held_fig = figures((kept_text(d, held[d.uid], cut), d.gold) for d in test)
    lo, hi = bootstrap_f1(test, held, cut)
    print(f"{name} held-out F1 {held_fig.score.f1:.4f} [{lo:.3f}, {hi:.3f}]", flush=True)
    return {
        "clf": clf,
        "cut": cut,
        "loco": loco,
        "cv": cv,
        "cv_all": score_groups(pool, None),
        "cv_mean": cv_mean,
        "fold_f1": fold_f1,
        "held": held_fig,
        "held_probs": held,
        "held_all": figures((d.text, d.gold) for d in test),
        "interval": (lo, hi),
        "pool": len(pool),
        "test": len(test),
        "minutes": (time.monotonic() - t0) / 60,
    }


# -- the report ----------------------------------------------------------------------------


def fmt(s: Score) -> str:
    return f"{s.f1:.3f} | {s.precision:.3f} | {s.recall:.3f}"


def loco_table(loco: dict[str, dict[str, Any]]) -> str:
    rows = [
        "| scored collection (pages) | trained on | threshold | word F1 | shingle F1 | P | R "
        "| `alltext` word F1 | `alltext` shingle F1 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in COLLECTIONS:
        r = loco[c]
        trained = " + ".join(NAMES[o] for o in COLLECTIONS if o != c)
        for g, k in r["kept"].items():
            if g != c and not g.startswith(f"{c}:"):
                continue
            a = r["all"][g]
            name = NAMES[c] if g == c else f"{NAMES[c]} {g.split(':')[1]}"
            where = f"{trained} ({r['train']} pages; {r['dropped']} of a shared site left out)"
            bold = "**" if g == c else ""
            rows.append(
                f"| {bold}{name}{bold} ({k.pages}) | {where if g == c else ''} | "
                f"{r['cut'] if g == c else ''} | {bold}{k.word:.3f}{bold} | "
                f"{bold}{k.score.f1:.3f}{bold} | {k.score.precision:.3f} | "
                f"{k.score.recall:.3f} | {a.word:.3f} | {a.score.f1:.3f} |"
            )
    return "\n".join(rows)


def cv_table(cv: dict[str, Figures], everything: dict[str, Figures]) -> str:
    rows = [
        "| pages (count) | word F1 | shingle F1 | P | R | `alltext` word F1 "
        "| `alltext` shingle F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for g, k in cv.items():
        a = everything[g]
        name = NAMES.get(g) or f"WCXB {g.split(':')[1]}"
        rows.append(
            f"| {name} ({k.pages}) | {k.word:.3f} | {fmt(k.score)} | {a.word:.3f} "
            f"| {a.score.f1:.3f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--export", action="store_true", help="write the models and TEXT.md")
    ap.add_argument("--no-justext", action="store_true")
    ap.add_argument("--no-flat", action="store_true", help="skip the flat model")
    args = ap.parse_args(argv)
    start = time.monotonic()

    docs = scrapinghub() + mozilla() + wcxb()
    prepare(docs)
    test = [d for d in docs if held_out(d)]
    pool = [d for d in docs if not held_out(d)]
    units = sum(len(d.units or ()) for d in pool)
    positives = int(sum(int(d.y.sum()) for d in pool if d.y is not None))
    count = Counter(d.collection for d in pool)
    print(
        f"{len(pool)} pool pages ({dict(count)}; {units} units, {positives} article), "
        f"{len(test)} held out; {time.monotonic() - start:.0f} s",
        flush=True,
    )

    lines = run(pool, test, "lines")
    clf, cut = lines["clf"], lines["cut"]
    text_model = textmode.TextModel(export(clf, cut, {}))
    gap = max(
        float(np.abs(text_model.predict_proba(d.units or []) - predict(clf, d)).max())
        for d in test + pool[:: max(len(pool) // 200, 1)]
        if d.units
    )
    print(f"numpy evaluator vs sklearn: max |diff| {gap:.2e}")
    assert gap < 1e-5

    jt_score = None
    if not args.no_justext:
        try:
            jt = registry.get("justext")
            pairs = [(jt.extract(load_bytes(d.raw(), d.uid)).text, d.gold) for d in test]
            jt_score = evaluate(pairs)
            print(f"jusText on the HTML, held-out pages: F1 {jt_score.f1:.4f}")
        except Exception as exc:  # optional comparison
            print(f"jusText comparison skipped: {exc}", file=sys.stderr)

    flat = None
    if not args.no_flat:
        fpool, ftest = flat_copies(pool), flat_copies(test)
        print(f"flat: {len(fpool)} pool pages, {len(ftest)} held out", flush=True)
        flat = run(fpool, ftest, "flat")

    import sklearn

    today = datetime.date.today().isoformat()
    pool_count = {c: count[c] for c in COLLECTIONS}

    def meta_of(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "trained": today,
            "sklearn": sklearn.__version__,
            "params": PARAMS,
            "train_pages": r["pool"],
            "held_out_pages": sorted(d.key for d in test),
            "held_out_f1": round(r["held"].score.f1, 4),
            "cv_f1": {g: round(f.score.f1, 4) for g, f in r["cv"].items() if g in COLLECTIONS},
            "loco_f1": {c: round(r["loco"][c]["kept"][c].score.f1, 4) for c in COLLECTIONS},
            "loco_word_f1": {c: round(r["loco"][c]["kept"][c].word, 4) for c in COLLECTIONS},
        }

    meta = {**meta_of(lines), "pool": pool_count}
    data = export(clf, cut, meta, pool)
    size = flat_size = 0
    if args.export:
        MODEL_OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
        size = MODEL_OUT.stat().st_size
        print(f"wrote {MODEL_OUT} ({size / 1024:.0f} KiB)")
    if flat is not None:
        flat_meta = {**meta_of(flat), "kind": "flat"}
        flat_data = export(flat["clf"], flat["cut"], flat_meta, pool)
        if args.export:
            FLAT_OUT.write_text(
                json.dumps(flat_data, separators=(",", ":")) + "\n", encoding="utf-8"
            )
            flat_size = FLAT_OUT.stat().st_size
            print(f"wrote {FLAT_OUT} ({flat_size / 1024:.0f} KiB)")
    minutes = (time.monotonic() - start) / 60
    print(f"{minutes:.0f} minutes")
    report = make_report(
        lines, flat, data, size, flat_size, jt_score, pool_count, units, positives, minutes
    )
    if args.export:
        REPORT.write_text(report, encoding="utf-8")
        print(f"wrote {REPORT}")
    else:
        print(report)
    return 0


def make_report(
    lines: dict[str, Any],
    flat: dict[str, Any] | None,
    data: dict[str, Any],
    size: int,
    flat_size: int,
    jt_score: Score | None,
    pool: dict[str, int],
    units: int,
    positives: int,
    minutes: float,
) -> str:
    import sklearn

    today = datetime.date.today().isoformat()
    cut = lines["cut"]
    held, held_all = lines["held"], lines["held_all"]
    lo, hi = lines["interval"]
    jt_row = f"| jusText on the HTML | | {fmt(jt_score)} |\n" if jt_score else ""
    pool_text = ", ".join(f"{NAMES[c]} {n}" for c, n in pool.items())
    folds = "; ".join(
        f"{NAMES[c]} {', '.join(f'{f:.3f}' for f in fs)}" for c, fs in lines["fold_f1"].items()
    )
    means = ", ".join(f"{c}: {m:.4f}" for c, m in lines["cv_mean"].items())
    report = f"""# Text mode: boilerplate removal for plain text

Trained and measured by `benchmarks/train_text_pooled.py` on {today} (scikit-learn
{sklearn.__version__}; {minutes:.0f} minutes); the model is
`extractors/models/text.json` ({size / 1024:.0f} KiB, {len(data["stage1"]["trees"])} +
{len(data["stage2"]["trees"])} trees).

## Method

- Pages: three collections (`/work/shared/bench`): Scrapinghub (181 news pages, gold
  `articleBody`: the body without headline and captions), Mozilla (130 pages of
  Readability's tests, gold the text of `expected.html`, captions and leads kept) and
  WCXB (`wcxb-dev`, 1,474 pages of seven types, gold `articleBody`, scored by WCXB with
  the word F1). Each page has a site: Scrapinghub the URL's host, WCXB its `domain`,
  Mozilla the host of its canonical URL when the page names one, else the page name
  without a trailing `-N`.
- Text dumps: each page through the `alltext` backend (all visible text, blocks joined
  by blank lines). Units: `textmode.split_units` (blank-line paragraphs; a multi-line
  paragraph is split into lines unless it is hard-wrapped; a unit over
  {textmode.MAX_UNIT_CHARS} characters is cut at sentence ends, and a text of more than
  {textmode.MAX_UNITS} units has its units packed together, so that a 10 MB single line
  or 10 MB of one-character lines costs a few seconds, not minutes).
- Labels: a unit is article text when at least half of its 4-token shingles occur in
  the gold; a unit of fewer than 4 tokens (a heading, a list item, a price) when it is a
  whole line of the gold (the pool: {units} units, {positives} article).
- Held-out pages: a Scrapinghub page is held out when `sha1(id) % 5 == 0`
  ({lines["test"]} pages). They are used for nothing but the held-out figure: not in any
  training (the exported models included), not in any choice. The other pages are the
  *pool* ({lines["pool"]}: {pool_text}).
- Features (text only, {len(textmode.feature_names())}): length, stop-word and
  punctuation density, sentence shape, capitalisation, digits, calls to action (words and
  phrases), first/second-person pronouns, links, prices, dates, separators, quotes, a
  trailing parenthesis (photo credits); the same for the two units before and after;
  position, words before/after, repetition in the text, runs of short/long units,
  distance to the nearest long unit.
- Model: two stacked scikit-learn `HistGradientBoostingClassifier`s
  {json.dumps(PARAMS)}: stage 1 on the unit features, stage 2 on the same plus stage 1's
  probabilities of the unit and its neighbours (out-of-fold within the training pages,
  {INNER} inner folds grouped by site). Weights: each collection weighs the same
  whatever its size (`balance`); within it each page the same; within a page,
  {1 - WEIGHT_MIX:.0%} by the unit's share of the words and {WEIGHT_MIX:.0%} equally
  (`weights`). Exported as tree arrays, evaluated with numpy by `trees.Trees`
  at runtime (`textmode.TextModel`). The model lists the sha1 of each training page's
  HTML and of its text dump (`trained_on`, `trained_on_text`): `unboil bench` notes
  when the `text` backend is scored on its own training pages.
- Protocols, all grouped by site: (a) *leave one collection out*: trained on the other
  two collections' pool pages (minus any page of a site the scored collection has),
  at the threshold {LOCO_CUT} fixed before any figure, scored on the third
  collection's pool pages; (b) {FOLDS}-fold CV grouped by site on
  the whole pool; the exported model's threshold ({cut}) is the one of {list(THRESHOLDS)}
  with the best mean over the three collections of the CV shingle F1; (c) the exported
  model, trained on the whole pool, on the held-out pages.
- A rule on top of the model (`textmode.appeals`): a short line asking for support or
  donations opens an appeal that runs to the next appeal line within 6 units; those
  units are dropped. It is not in the figures below (they score the model's units).
- Metrics: the Scrapinghub shingle P/R/F1 (`unboil.extractors.scoring.evaluate`) of the
  kept units against the gold, and WCXB's word F1 (`scoring.word_f1`: F1 of the bags of
  lower-cased words, mean over pages).

## Leave one collection out

Each collection scored by a model that saw none of its pages (nor its sites):

{loco_table(lines["loco"])}

## Cross-validation on the pool ({FOLDS} folds grouped by site)

{cv_table(lines["cv"], lines["cv_all"])}

CV shingle F1 per fold: {folds}.
Mean over the collections of the CV shingle F1 per threshold: {means}.

## Held-out Scrapinghub pages

The exported model (trained on the whole pool) on the {lines["test"]} held-out pages:

| | word F1 | F1 | P | R |
|---|---|---|---|---|
| held-out Scrapinghub pages ({lines["test"]}), text mode | {held.word:.3f} | {fmt(held.score)} |
| same pages, `alltext` (everything kept) | {held_all.word:.3f} | {fmt(held_all.score)} |
{jt_row}
Held-out F1, 90% interval by a page bootstrap: [{lo:.3f}, {hi:.3f}] ({lines["test"]} pages
are few; `TEXT-EXPERIMENTS.md` shows that these pages are harder than the rest).

The Mozilla gold keeps captions and leads (the Scrapinghub convention drops them), and
WCXB's gold follows its page types (a forum's posts, a listing's cards are content):
part of the gap between collections is a convention gap rather than misses.
"""
    if flat is None:
        report += """
## Texts without line structure

The flat model (`extractors/models/text-flat.json`) was not retrained by this run
(`--no-flat`): it is still the one `benchmarks/train_text.py` trained on the
Scrapinghub pages alone.
"""
    else:
        fh, fha = flat["held"], flat["held_all"]
        flo, fhi = flat["interval"]
        report += f"""
## Texts without line structure

A text whose lines average more than {textmode.FLAT_CHARS} characters (`get_text(" ")`, a
flattened field) has lost the paragraphs the model above reads; `textmode.split_text`
cuts it into sentences and `extractors/models/text-flat.json` ({flat_size / 1024:.0f} KiB)
classifies them: the same recipe and protocols on the pool's dumps flattened to one line
({flat["pool"]} of the {lines["pool"]} pool pages are long enough to count as flat),
threshold {flat["cut"]} by the same CV.

Leave one collection out, flattened:

{loco_table(flat["loco"])}

Cross-validation on the pool, flattened:

{cv_table(flat["cv"], flat["cv_all"])}

Held-out Scrapinghub pages, flattened ({flat["test"]}): text mode word F1 {fh.word:.3f},
shingle {fmt(fh.score).replace(" | ", " / ")} (F1 / P / R), 90% interval [{flo:.3f},
{fhi:.3f}]; everything kept {fha.word:.3f}, {fmt(fha.score).replace(" | ", " / ")}.
"""
    report += """
## Changes tried

`TEXT-EXPERIMENTS.md` (kept by hand; this script does not write it) has what was
measured while the features, weights and model changed, what was measured for issue
#11 on the Scrapinghub pages alone, and the move to the three collections (issue #24).

## Not done

- Repetition *across a batch* (the same line on many pages of a site) is not a
  feature of the model: the training pages come from many sites (WCXB: 1,474 pages of
  1,284 domains). It is a rule on top, off by default: `batch --drop-repeated N` drops
  the lines of 4+ words that N or more of the batch's texts hold (figures:
  `benchmarks/text_repeats.py`, in the README).
- The HTML consensus does not use the text classifier as a voter: measured with
  `train_consensus.py --text-voter` (session 3, `CONSENSUS-EXPERIMENTS.md`), it lowered
  the consensus CV F1 by .0027 and Mozilla by .009.
"""
    return report


if __name__ == "__main__":
    sys.exit(main())
