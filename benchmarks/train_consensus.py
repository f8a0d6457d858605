"""Train and evaluate the consensus model; export it to extractors/models/consensus.json.

    .venv/bin/python benchmarks/train_consensus.py [--folds 5] [--no-export] [--no-timing]

1. Runs the member backends (trafilatura, readability, resiliparse, jusText) on the 181
   Scrapinghub pages and the 130 Mozilla pages, caching their outputs as JSON under
   ``$UNBOIL_CACHE`` (default ``/tmp/unboil-consensus-cache``; keyed by the libraries' versions
   and unboil's member code, ``MEMBER_CODE``) so reruns are fast.
2. Cuts every page into DOM blocks, labels them from the gold text (positive when at
   least half of a block's shingles occur in it) and computes the features.
3. k-fold cross-validation BY PAGE on the Scrapinghub pages: each page is scored by a
   model that never saw it. Blocks whose role is title, lead or caption are not
   training data (their output is the user's option, not a benchmark's taste). The
   consensus output text is scored with ``unboil.extractors.scoring.evaluate``, side by
   side with each member in the same run.
4. The model trained on all 181 pages, evaluated on the Mozilla pages (captions on)
   against the members in the same run.
5. Exports that model (tree arrays, numpy-only at runtime) and writes
   ``benchmarks/CONSENSUS.md``.

``--text-voter`` (an experiment, off by default): the text-mode classifier
(``unboil.extractors.textmode``) as one more voter. Each block gets the text model's
probability of being article text, computed over the sequence of the page's block texts
as units (the context features see the neighbouring blocks), and its neighbours' mean.
The shipped text model saw most of these pages, so it is never used here: text models
are retrained with ``benchmarks/train_text.py``'s recipe on training pages only. In an
outer fold, the test pages' probabilities come from a text model trained on the fold's
training pages; the training pages' own are out-of-fold (``TEXT_INNER`` inner folds of
the training pages). The final model's training pages get 5-fold out-of-fold
probabilities; the Mozilla pages', a text model trained on all 181 pages.

The decision thresholds (``consensus.DROP_BELOW``, ``ADD_ABOVE``) are fixed a priori;
nothing here is tuned on the reported figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gzip
import hashlib
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
import urllib.parse
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unboil.extractors import consensus as cons
from unboil.extractors import textmode
from unboil.extractors.base import Block, Extraction, ExtractOptions
from unboil.extractors.blocks import SHINGLE, _neigh, feature_names, label_blocks
from unboil.extractors.htmltree import body_of, element_blocks, parse_html
from unboil.extractors.loading import load_bytes
from unboil.extractors.page import Page
from unboil.extractors.scoring import Score, evaluate

BENCH = Path(os.environ.get("UNBOIL_BENCH", "/work/shared/bench"))
CACHE = Path(os.environ.get("UNBOIL_CACHE", "/tmp/unboil-consensus-cache"))
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL_OUT = ROOT / "extractors" / "models" / "consensus.json"
REPORT = HERE / "CONSENSUS.md"
#: every member whose output is cached (and reported side by side)
ALL_MEMBERS = ("trafilatura", "readability", "resiliparse", "justext")
#: the model's members (``--members``)
MEMBERS: tuple[str, ...] = cons.MEMBERS
#: the threshold grid searched by inner cross-validation on the training pages only
DROP_GRID = (0.15, 0.25, 0.35)
ADD_GRID = (0.6, 0.75, 0.85)
INNER_FOLDS = 4
PARAMS: dict[str, Any] = {
    "max_iter": 150,
    "learning_rate": 0.1,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}
#: the text-mode classifier as one more voter (``--text-voter``; off in the shipped model)
TEXT_VOTER = False
#: the voter's columns, appended to the block features
TEXT_FEATURES = ("text_p", "text_p_neigh")
#: inner folds that give an outer fold's training pages out-of-fold text probabilities
TEXT_INNER = 4
#: folds that give the final model's training pages out-of-fold text probabilities
TEXT_FINAL_FOLDS = 5


@dataclass
class Item:
    collection: str
    key: str
    html: bytes
    gold: str
    #: the page's host (Scrapinghub: from its URL), for ``--group-by-site``
    site: str = ""


#: perturbed copies of every training page (``--augment``; names of
#: ``perturbed.PERTURBATIONS``): pages of other sites and eras name things otherwise
AUGMENT: tuple[str, ...] = ("both",)
#: training weight of a perturbed copy's blocks (the page's own weigh 1). At 1 (and .3)
#: the model leaned so little on class names that an inline "Read more:" box (class
#: ``read-more-box``) in samples/ was kept; at .15 it is dropped and the perturbed pages
#: keep most of the gain (CONSENSUS-EXPERIMENTS.md)
AUGMENT_WEIGHT = 0.15
#: perturbations whose copies of the test pages are scored too (``--no-robustness``: none)
ROBUSTNESS = ("hashed", "html4", "both")


def _perturbed() -> Any:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import perturbed

    return perturbed


def perturbed_items(items: list[Item], name: str) -> list[Item]:
    """The pages perturbed by ``perturbed.PERTURBATIONS[name]`` (their own cache)."""
    perturb = _perturbed().PERTURBATIONS[name]
    return [
        Item(f"{item.collection}-{name}", item.key, perturb(item.html), item.gold, item.site)
        for item in items
    ]


def perturbed_data(items: list[Item], names: tuple[str, ...]) -> dict[str, list[Prepared]]:
    """Each perturbation of the pages, prepared (members run, blocks labelled)."""
    out = {}
    for name in names:
        variant = perturbed_items(items, name)
        out[name] = prepare_all(variant, member_outputs(variant))
    return out


#: folds by site rather than by page (``--group-by-site``): 39 sites have two of the 181
#: pages, and a model can learn a site's boilerplate from the sibling in another fold
GROUP_BY_SITE = False


def page_folds(items: list[Item], n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train, test) index splits of ``items``: by page, or by site with
    ``GROUP_BY_SITE`` (the pages of a site on one side)."""
    from sklearn.model_selection import GroupKFold, KFold

    if GROUP_BY_SITE:
        sites = [item.site or item.key for item in items]
        grouped = GroupKFold(n_splits=n, shuffle=True, random_state=seed)
        return list(grouped.split(items, groups=sites))
    return list(KFold(n_splits=n, shuffle=True, random_state=seed).split(items))


def scrapinghub() -> list[Item]:
    base = BENCH / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    items = []
    for key in sorted(truth):
        data = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())
        site = urllib.parse.urlsplit(truth[key].get("url", "")).netloc.lower()
        items.append(Item("scrapinghub", key, data, truth[key]["articleBody"], site))
    return items


def mozilla() -> list[Item]:
    base = BENCH / "mozilla" / "pages"
    items = []
    for d in sorted(base.iterdir()):
        source, expected = d / "source.html", d / "expected.html"
        if not (source.exists() and expected.exists()):
            continue
        gold_tree = parse_html(expected.read_text(encoding="utf-8", errors="replace"))
        gold = "\n".join(b.text for b in element_blocks(body_of(gold_tree)))
        items.append(Item("mozilla", d.name, source.read_bytes(), gold))
    return items


def load_page(item: Item) -> Page:
    return load_bytes(item.html, f"{item.collection}/{item.key}")


# -- member outputs, cached ----------------------------------------------------------------


def _versions() -> dict[str, str]:
    out = {}
    for dist in ("trafilatura", "readability-lxml", "Resiliparse", "jusText", "lxml"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


#: unboil's code that makes the members' outputs (the adapters, page loading, the block
#: text): a change to it makes a new cache, as a new library version does
MEMBER_CODE = ("extractors/backends/*.py", "extractors/htmltree.py", "extractors/loading.py")


def _cache_dir() -> Path:
    digest = hashlib.sha1(json.dumps(_versions(), sort_keys=True).encode())
    for pattern in MEMBER_CODE:
        for path in sorted(ROOT.glob(pattern)):
            digest.update(path.read_bytes())
    return CACHE / digest.hexdigest()[:10]


def _dump(ex: Extraction) -> dict[str, Any]:
    return {
        "blocks": [[b.text, b.kind] for b in ex.blocks],
        "title": ex.title,
        "error": ex.error,
        "seconds": ex.seconds,
    }


def _load(name: str, d: dict[str, Any]) -> Extraction:
    return Extraction(
        backend=name,
        blocks=[Block(t, k) for t, k in d["blocks"]],
        title=d["title"],
        error=d["error"],
        seconds=d["seconds"],
    )


def _run_item(item: Item) -> tuple[str, dict[str, Any]]:
    path = _cache_dir() / item.collection / f"{item.key}.json"
    if path.exists():
        return item.key, json.loads(path.read_text(encoding="utf-8"))
    page = load_page(item)
    members = cons.run_members(page, ALL_MEMBERS)
    data = {name: _dump(ex) for name, ex in members.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return item.key, data


def member_outputs(items: list[Item], workers: int = 2) -> dict[str, dict[str, Extraction]]:
    with ProcessPoolExecutor(workers) as pool:
        results = dict(pool.map(_run_item, items, chunksize=4))
    return {
        key: {name: _load(name, d) for name, d in data.items()} for key, data in results.items()
    }


# -- data ----------------------------------------------------------------------------------


@dataclass
class Prepared:
    item: Item
    page: Page
    prep: cons.Prepared
    labels: np.ndarray
    train_mask: np.ndarray  # body-role blocks: the model's training data
    #: the same page with the strongest member's output removed (member dropout)
    dropped: cons.Prepared | None = None
    #: more dropout copies: the page without each of ``DROPOUT_MORE``'s members
    more: list[cons.Prepared] = dataclasses.field(default_factory=list)
    #: perturbed copies of the page (``--augment``): training data wherever the page is
    copies: list[Prepared] = dataclasses.field(default_factory=list)


#: train on member-dropout copies too (``--no-dropout``: off)
DROPOUT = True
#: the members, by place, that also get a training copy without them (besides the
#: strongest, always): "weakest" = the last. resiliparse returns nothing on some pages
#: (Mozilla's medicalnewstoday); trained without such copies, the model read its empty
#: output as a vote against every block (``--dropout strongest``: the model before
#: 2026-11-25, see CONSENSUS-EXPERIMENTS.md)
DROPOUT_MORE = "weakest"
#: sample weight of a training block (``--weights``): "none" = every block 1 (the
#: shipped model); "sqrt" = sqrt(its shingles), "shingles" = its shingles (the metric
#: counts shingles). Measured 2026-11-25 (seed 0, inner-CV thresholds): "sqrt" gave the
#: same CV F1 (.973) and a lower Mozilla F1 (.933 vs .942), so it is not the default.
WEIGHTS = "none"


def block_weights(d: Prepared) -> np.ndarray:
    """The training weights of the page's body blocks (``WEIGHTS``)."""
    mask = d.train_mask
    if WEIGHTS == "none":
        return np.ones(int(mask.sum()))
    shingles = np.array([max(1, b.words - SHINGLE + 1) for b in d.prep.blocks], dtype=float)
    out: np.ndarray = np.sqrt(shingles[mask]) if WEIGHTS == "sqrt" else shingles[mask]
    return out


def without(members: dict[str, Extraction], name: str) -> dict[str, Extraction]:
    """The members with ``name`` returning nothing (as when it finds no article)."""
    out = dict(members)
    out[name] = Extraction(backend=name, blocks=[])
    return out


def prepare_all(items: list[Item], outputs: dict[str, dict[str, Extraction]]) -> list[Prepared]:
    out = []
    for item in items:
        page = load_page(item)
        prep = cons.prepare(page, outputs[item.key], MEMBERS)
        labels = np.array(label_blocks(prep.blocks, item.gold), dtype=bool)
        mask = np.array([b.role == "body" for b in prep.blocks], dtype=bool)
        # the fallback case: the strongest member returns nothing, the next one leads
        dropped = cons.prepare(page, without(outputs[item.key], MEMBERS[0]), MEMBERS)
        others = MEMBERS[-1:] if DROPOUT_MORE == "weakest" and len(MEMBERS) > 1 else ()
        more = [cons.prepare(page, without(outputs[item.key], m), MEMBERS) for m in others]
        out.append(Prepared(item, page, prep, labels, mask, dropped, more))
    return out


def fit(data: list[Prepared]) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    # the pages, then their perturbed copies (``--augment``) at ``AUGMENT_WEIGHT``
    pages = [(d, 1.0) for d in data] + [(c, AUGMENT_WEIGHT) for d in data for c in d.copies]
    X = np.vstack([d.prep.X[d.train_mask] for d, _ in pages])
    y = np.concatenate([d.labels[d.train_mask] for d, _ in pages])
    w = np.concatenate([block_weights(d) * s for d, s in pages])
    if DROPOUT:
        copies = [(d, c, s) for d, s in pages for c in (d.dropped, *d.more) if c is not None]
        X = np.vstack([X, *(c.X[d.train_mask] for d, c, _ in copies)])
        y = np.concatenate([y, *(d.labels[d.train_mask] for d, _, _ in copies)])
        w = np.concatenate([w, *(block_weights(d) * s for d, _, s in copies)])
    uniform = WEIGHTS == "none" and all(s == 1 for _, s in pages)
    clf = HistGradientBoostingClassifier(**PARAMS)
    clf.fit(X, y, sample_weight=None if uniform else w)
    return clf


# -- the text voter (``--text-voter``) ---------------------------------------------------


@dataclass
class TextData:
    """Per page (by key): the text model's training document (the ``alltext`` dump as
    units, features and labels, as ``train_text.prepare`` makes it) and the page's DOM
    block texts as units with their features (what the voter reads)."""

    train: dict[str, Any]
    blocks: dict[str, Any]


def _train_text() -> Any:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import train_text

    return train_text


def text_data(data: list[Prepared], with_training: bool = True) -> TextData:
    tt = _train_text()
    train: dict[str, Any] = {}
    if with_training:
        docs = [tt.Doc(d.item.collection, d.item.key, d.item.html, d.item.gold) for d in data]
        tt.prepare(docs)
        train = {doc.key: doc for doc in docs}
    blocks = {}
    for d in data:
        units = [b.text for b in d.prep.blocks]
        doc = tt.Doc(d.item.collection, d.item.key, d.item.html, d.item.gold, units=units)
        doc.X = textmode.features(units)
        blocks[d.item.key] = doc
    return TextData(train, blocks)


def text_model(td: TextData, keys: list[str]) -> Any:
    """A text model trained (train_text's recipe) on these pages only."""
    return _train_text().fit([td.train[k] for k in keys])


def text_probs(clf: Any, td: TextData, key: str) -> np.ndarray:
    out: np.ndarray = _train_text().predict(clf, td.blocks[key])
    return out


def oof_text_probs(td: TextData, items: list[Item], folds: int, seed: int) -> dict[str, np.ndarray]:
    """Out-of-fold text probabilities of these pages' blocks: each page's from a text
    model trained on the other folds of ``items`` only (``page_folds``)."""
    keys = [item.key for item in items]
    out: dict[str, np.ndarray] = {}
    for train, test in page_folds(items, folds, seed):
        clf = text_model(td, [keys[i] for i in train])
        for i in test:
            out[keys[i]] = text_probs(clf, td, keys[i])
    return out


def text_columns(p: np.ndarray) -> np.ndarray:
    """The voter's columns (``TEXT_FEATURES``) from the blocks' text probabilities."""
    if not len(p):
        return np.zeros((0, len(TEXT_FEATURES)))
    return np.column_stack([p, _neigh(p)])


def with_text(d: Prepared, p: np.ndarray) -> Prepared:
    """The page with the voter's columns appended to its features (and its dropout
    copies': the text probabilities do not depend on the members)."""
    cols = text_columns(p)

    def widened(prep: cons.Prepared) -> cons.Prepared:
        return dataclasses.replace(prep, X=np.hstack([prep.X, cols]))

    dropped = widened(d.dropped) if d.dropped is not None else None
    more = [widened(c) for c in d.more]
    return Prepared(d.item, d.page, widened(d.prep), d.labels, d.train_mask, dropped, more)


def text_fold(
    data: list[Prepared], td: TextData, train: Any, test: Any, seed: int
) -> list[Prepared]:
    """The pages with the voter's columns for one outer fold: out-of-fold (inner
    folds) on its training pages, from a model of all its training pages on its test
    pages."""
    items = [data[i].item for i in train]
    inner = oof_text_probs(td, items, TEXT_INNER, seed)
    clf = text_model(td, [item.key for item in items])
    out = list(data)
    for i in train:
        out[i] = with_text(data[i], inner[data[i].item.key])
    for i in test:
        out[i] = with_text(data[i], text_probs(clf, td, data[i].item.key))
    return out


def model_features() -> list[str]:
    return feature_names(len(MEMBERS)) + (list(TEXT_FEATURES) if TEXT_VOTER else [])


def consensus_text(
    d: Prepared,
    probs: np.ndarray,
    options: ExtractOptions,
    thresholds: tuple[float, float] = (cons.DROP_BELOW, cons.ADD_ABOVE),
) -> str:
    blocks, _ = cons.combine(d.prep, list(probs), options, *thresholds)
    return "\n\n".join(b.text for b in blocks)


def predict(clf: Any, d: Prepared) -> np.ndarray:
    if not len(d.prep.blocks):
        return np.zeros(0)
    out: np.ndarray = clf.predict_proba(d.prep.X)[:, 1]
    return out


#: inner-CV F1s this close to the best are ties (the grid's figures differ by .0001 to
#: .0006 and their order flips between fold splits); among ties the point nearest the
#: a-priori thresholds wins
TIE = 0.0005


def choose_thresholds(data: list[Prepared], seed: int) -> tuple[tuple[float, float], float]:
    """(drop_below, add_above) by inner cross-validation on these (training) pages only:
    out-of-fold probabilities from ``INNER_FOLDS`` inner models, then the grid point
    with the best F1 over these pages; points within ``TIE`` of it are ties, won by the
    one nearest the a-priori values (then the better F1). Returns the thresholds and
    their inner F1."""
    probs: list[np.ndarray] = [np.zeros(0)] * len(data)
    for train, test in page_folds([d.item for d in data], INNER_FOLDS, seed + 1000):
        clf = fit([data[i] for i in train])
        for i in test:
            probs[i] = predict(clf, data[i])
    default = ExtractOptions()
    prior = (cons.DROP_BELOW, cons.ADD_ABOVE)
    grid: list[tuple[float, float, tuple[float, float]]] = []
    for drop in DROP_GRID:
        for add in ADD_GRID:
            pairs = [
                (consensus_text(d, p, default, (drop, add)), d.item.gold)
                for d, p in zip(data, probs, strict=True)
            ]
            dist = abs(drop - prior[0]) + abs(add - prior[1])
            grid.append((score(pairs).f1, dist, (drop, add)))
    best = max(f1 for f1, _, _ in grid)
    f1, _, point = min((g for g in grid if g[0] >= best - TIE), key=lambda g: (g[1], -g[0]))
    return point, round(f1, 4)


def member_text(d: Prepared, name: str) -> str:
    ex = d.prep.members.get(name)
    return ex.text if ex is not None and ex.ok else ""


def add_pairs(
    pairs: dict[str, list[tuple[str, str]]],
    d: Prepared,
    probs: np.ndarray,
    options: ExtractOptions,
    thresholds: tuple[float, float],
) -> str:
    """Appends the page's consensus text (from ``probs``) and each member's, with its
    gold, to ``pairs``; returns the consensus text."""
    text = consensus_text(d, probs, options, thresholds)
    pairs["consensus"].append((text, d.item.gold))
    for m in ALL_MEMBERS:
        pairs[m].append((member_text(d, m), d.item.gold))
    return text


def score(pairs: list[tuple[str, str]]) -> Score:
    return evaluate(pairs)


# -- export --------------------------------------------------------------------------------


def export(
    clf: Any,
    path: Path,
    meta: dict[str, Any],
    thresholds: tuple[float, float],
    trained_on: list[str],
) -> dict[str, Any]:
    arrays = cons.export_trees(clf, model_features())
    data = {
        "format": "unboil-consensus-trees",
        "version": 1,
        "members": list(MEMBERS),
        "features": arrays["features"],
        "baseline": arrays["baseline"],
        "max_depth": arrays["max_depth"],
        "meta": meta,
        "thresholds": {"drop_below": thresholds[0], "add_above": thresholds[1]},
        "trained_on": trained_on,
        "trees": arrays["trees"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    return data


# -- timing --------------------------------------------------------------------------------


def timing(items: list[Item], tree_model: cons.TreeModel) -> tuple[float, float, dict[str, float]]:
    """Median ms/page of trafilatura alone and of consensus (members included), each on
    a fresh Page (its own parse), in this warm process."""
    from unboil.extractors import registry

    traf = registry.get("trafilatura")
    pages = [load_page(it) for it in items]
    traf.extract(pages[0])  # warm-up (trafilatura's first call loads its stop-lists)
    cons.consensus(load_page(items[0]), tree_model=tree_model)
    t_traf, t_cons = [], []
    parts: dict[str, list[float]] = {m: [] for m in (*MEMBERS, "blocks+model")}
    for it in items:
        page = load_page(it)
        t0 = time.perf_counter()
        traf.extract(page)
        t_traf.append(time.perf_counter() - t0)
        page = load_page(it)
        t0 = time.perf_counter()
        ex = cons.consensus(page, tree_model=tree_model)
        total = time.perf_counter() - t0
        t_cons.append(total)
        members = ex.members or {}
        for m in MEMBERS:
            if m in members:
                parts[m].append(members[m].seconds)
        parts["blocks+model"].append(total - sum(e.seconds for e in members.values()))
    del pages
    return (
        1000 * statistics.median(t_traf),
        1000 * statistics.median(t_cons),
        {k: 1000 * statistics.median(v) for k, v in parts.items() if v},
    )


# -- main ----------------------------------------------------------------------------------


CASCADE_AT = (0.9, 0.95, 0.97, 0.98, 0.99)


def print_cascade(label: str, rows: list[tuple[str, str, str, str]]) -> None:
    """F1 of the cascade (trafilatura alone where trafilatura and resiliparse agree at
    least t, else the consensus) and the share of pages that skip the rest."""
    from unboil.extractors.scoring import agreement

    agree = [agreement(t, r) for _, t, r, _ in rows]
    base = score([(c, g) for c, _, _, g in rows]).f1
    print(f"cascade, {label} ({len(rows)} pages; consensus {base:.4f}):")
    for at in CASCADE_AT:
        pairs = [(t if a >= at else c, g) for (c, t, _, g), a in zip(rows, agree, strict=True)]
        share = sum(a >= at for a in agree) / len(agree)
        print(f"  t {at}: trafilatura alone on {share:.0%} of pages, F1 {score(pairs).f1:.4f}")


def fmt(s: Score) -> str:
    return f"{s.precision:.3f} | {s.recall:.3f} | {s.f1:.4f}"


def main(argv: list[str] | None = None) -> int:
    global MEMBERS, DROPOUT, DROPOUT_MORE, WEIGHTS, TEXT_VOTER, GROUP_BY_SITE, AUGMENT
    global AUGMENT_WEIGHT
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--no-mozilla", action="store_true")
    ap.add_argument(
        "--members",
        default=",".join(cons.MEMBERS),
        help="the model's members, strongest first (comma-separated)",
    )
    ap.add_argument(
        "--fixed-thresholds",
        action="store_true",
        help="the a-priori thresholds instead of inner cross-validation",
    )
    ap.add_argument(
        "--no-dropout",
        action="store_true",
        help="no member-dropout training copies (pages without the strongest member)",
    )
    ap.add_argument(
        "--weights",
        choices=("sqrt", "shingles", "none"),
        default=WEIGHTS,
        help="training weight of a block: sqrt(its shingles), its shingles, or 1",
    )
    ap.add_argument(
        "--dropout",
        choices=("strongest", "weakest"),
        default=DROPOUT_MORE,
        help="member-dropout copies: without the strongest member only, or also "
        "without the weakest (the default)",
    )
    ap.add_argument("--no-report", action="store_true", help="do not write CONSENSUS.md")
    ap.add_argument(
        "--augment",
        default=",".join(AUGMENT),
        help="train on these perturbed copies of the training pages too (comma-separated "
        "names of benchmarks/perturbed.py: hashed, html4, both; '' for none)",
    )
    ap.add_argument(
        "--augment-weight",
        type=float,
        default=AUGMENT_WEIGHT,
        help="training weight of a perturbed copy's blocks (the pages' own: 1)",
    )
    ap.add_argument(
        "--no-robustness",
        action="store_true",
        help="skip the scores on perturbed copies of the test pages",
    )
    ap.add_argument(
        "--group-by-site",
        action="store_true",
        help="cross-validation folds (outer and inner) by site, not by page",
    )
    ap.add_argument(
        "--cascade",
        action="store_true",
        help="also score a cascade: trafilatura's text alone on pages where it and "
        "resiliparse agree at least t (shingle F1), the consensus elsewhere",
    )
    ap.add_argument(
        "--text-voter",
        action="store_true",
        help="the text-mode classifier as one more voter (text models retrained in-fold)",
    )
    args = ap.parse_args(argv)
    TEXT_VOTER = args.text_voter
    AUGMENT = tuple(a.strip() for a in args.augment.split(",") if a.strip())
    AUGMENT_WEIGHT = args.augment_weight
    unknown = [a for a in AUGMENT if a not in _perturbed().PERTURBATIONS]
    if unknown:
        ap.error(f"--augment: unknown perturbation {unknown[0]!r}")
    if AUGMENT and TEXT_VOTER:
        ap.error("--augment and --text-voter together are not supported")
    robust_names = () if args.no_robustness else ROBUSTNESS
    GROUP_BY_SITE = args.group_by_site
    DROPOUT_MORE = args.dropout
    DROPOUT = not args.no_dropout
    WEIGHTS = args.weights
    MEMBERS = tuple(m.strip() for m in args.members.split(",") if m.strip())
    from sklearn import __version__ as sklearn_version

    t0 = time.time()
    sh_items = scrapinghub()
    sh_out = member_outputs(sh_items)
    print(f"members on {len(sh_items)} Scrapinghub pages: {time.time() - t0:.1f}s", flush=True)
    sh = prepare_all(sh_items, sh_out)
    print(f"prepared: {time.time() - t0:.1f}s", flush=True)
    sh_var = perturbed_data(sh_items, tuple(dict.fromkeys((*robust_names, *AUGMENT))))
    for i, d in enumerate(sh):
        d.copies = [sh_var[name][i] for name in AUGMENT]
    if sh_var:
        print(f"perturbed copies prepared: {time.time() - t0:.1f}s", flush=True)
    td = text_data(sh) if TEXT_VOTER else None
    if td is not None:
        print(f"text voter data: {time.time() - t0:.1f}s", flush=True)

    # -- cross-validation by page
    names = ["consensus", *ALL_MEMBERS]
    all_pairs: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
    fold_rows = []
    default = ExtractOptions()  # captions as the strongest member does, no title
    fold_thresholds: list[tuple[float, float]] = []
    fallback: list[tuple[str, str]] = []  # consensus with the strongest member removed
    prior = (cons.DROP_BELOW, cons.ADD_ABOVE)
    cascade: list[tuple[str, str, str, str]] = []  # (consensus, trafilatura, resiliparse, gold)
    # the test pages perturbed (``ROBUSTNESS``), scored by the fold's model
    robust_pairs = {v: {n: [] for n in names} for v in robust_names}
    for k, (train, test) in enumerate(page_folds([d.item for d in sh], args.folds, args.seed)):
        data = sh if td is None else text_fold(sh, td, train, test, args.seed + 2000 + k)
        train_data = [data[i] for i in train]
        if args.fixed_thresholds:
            chosen = prior
        else:
            chosen, inner_f1 = choose_thresholds(train_data, args.seed + k)
            print(f"fold {k + 1}: inner CV chose {chosen} (inner F1 {inner_f1:.4f})")
        fold_thresholds.append(chosen)
        clf = fit(train_data)
        pairs: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
        for i in test:
            d = data[i]
            text = add_pairs(pairs, d, predict(clf, d), default, chosen)
            cascade.append(
                (text, member_text(d, "trafilatura"), member_text(d, "resiliparse"), d.item.gold)
            )
            if d.dropped is not None:
                dd = Prepared(d.item, d.page, d.dropped, d.labels, d.train_mask)
                dprobs = predict(clf, dd)
                fallback.append((consensus_text(dd, dprobs, default, chosen), d.item.gold))
            for v in robust_names:
                dv = sh_var[v][i]
                add_pairs(robust_pairs[v], dv, predict(clf, dv), default, chosen)
        row = {n: score(p) for n, p in pairs.items()}
        fold_rows.append(row)
        for n in names:
            all_pairs[n] += pairs[n]
        print(
            f"fold {k + 1}: "
            + "  ".join(
                f"{n} {row[n].precision:.3f}/{row[n].recall:.3f}/{row[n].f1:.3f}" for n in names
            ),
            flush=True,
        )
    cv = {n: score(p) for n, p in all_pairs.items()}
    if fallback:
        cv["consensus without " + MEMBERS[0]] = score(fallback)
    print("cross-validated (181 pages):")
    for n in cv:
        print(f"  {n:12s} P {cv[n].precision:.3f} R {cv[n].recall:.3f} F1 {cv[n].f1:.4f}")
    if args.cascade:
        print_cascade("cross-validated", cascade)
    robust_cv = {v: {n: score(p) for n, p in vp.items()} for v, vp in robust_pairs.items()}
    for v, rows in robust_cv.items():
        print(
            f"cross-validated, test pages {v}: " + "  ".join(f"{n} {rows[n].f1:.4f}" for n in names)
        )

    # -- final model on all pages; its thresholds by the same inner procedure
    final = sh
    if td is not None:
        oof = oof_text_probs(td, [d.item for d in sh], TEXT_FINAL_FOLDS, args.seed + 3000)
        final = [with_text(d, oof[d.item.key]) for d in sh]
    if args.fixed_thresholds:
        thresholds = prior
    else:
        thresholds, inner_f1 = choose_thresholds(final, args.seed + len(fold_thresholds))
        print(f"all pages: inner CV chose {thresholds} (inner F1 {inner_f1:.4f})")
    clf = fit(final)
    meta = {
        "trained_on": f"scrapinghub article-extraction-benchmark, {len(sh)} pages",
        "trained": datetime.date.today().isoformat(),
        "sklearn": sklearn_version,
        "params": PARAMS,
        "members": _versions(),
        "cv_f1": round(cv["consensus"].f1, 4),
        "fold_thresholds": [list(t) for t in fold_thresholds],
    }
    tmp_model = HERE / f".consensus-model-{os.getpid()}.json"  # runs side by side
    digests = sorted(cons.page_digest(d.item.html) for d in sh)
    data = export(clf, tmp_model, meta, thresholds, digests)
    tree_model = cons.TreeModel(data)
    X_all = np.vstack([d.prep.X for d in final])
    diff = np.abs(tree_model.predict_proba(X_all) - clf.predict_proba(X_all)[:, 1]).max()
    print(f"exported model: max |numpy - sklearn| = {diff:.2e}")
    if diff > 1e-6:
        raise SystemExit("exported model disagrees with sklearn")

    # -- Mozilla: never trained on
    moz_rows: dict[str, Score] = {}
    robust_moz: dict[str, dict[str, Score]] = {}
    moz_n = 0
    if not args.no_mozilla:
        mz_items = mozilla()
        mz_out = member_outputs(mz_items)
        mz = prepare_all(mz_items, mz_out)
        if td is not None:
            text_clf = text_model(td, [d.item.key for d in sh])
            mtd = text_data(mz, with_training=False)
            mz = [with_text(d, text_probs(text_clf, mtd, d.item.key)) for d in mz]
        moz_n = len(mz)
        caps = ExtractOptions(captions=True)
        mpairs: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
        mcascade: list[tuple[str, str, str, str]] = []
        for d in mz:
            text = add_pairs(mpairs, d, tree_model.predict_proba(d.prep.X), caps, thresholds)
            mcascade.append(
                (text, member_text(d, "trafilatura"), member_text(d, "resiliparse"), d.item.gold)
            )
        moz_rows = {n: score(p) for n, p in mpairs.items()}
        mz_var = perturbed_data(mz_items, robust_names)
        for v, ds in mz_var.items():
            vp: dict[str, list[tuple[str, str]]] = {n: [] for n in names}
            for d in ds:
                add_pairs(vp, d, tree_model.predict_proba(d.prep.X), caps, thresholds)
            robust_moz[v] = {n: score(p) for n, p in vp.items()}
            print(f"Mozilla {v}: " + "  ".join(f"{n} {robust_moz[v][n].f1:.4f}" for n in names))
        if args.cascade:
            print_cascade("Mozilla", mcascade)
        print(f"Mozilla ({moz_n} pages, model trained on all Scrapinghub pages, captions on):")
        for n in names:
            s = moz_rows[n]
            print(f"  {n:12s} P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.4f}")

    # -- timing
    ms_traf = ms_cons = 0.0
    parts: dict[str, float] = {}
    if not args.no_timing:
        ms_traf, ms_cons, parts = timing(sh_items, tree_model)
        print(f"ms/page (median): trafilatura {ms_traf:.1f}, consensus {ms_cons:.1f}")
        print("  parts: " + ", ".join(f"{k} {v:.1f}" for k, v in parts.items()))

    if not args.no_export:
        MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
        tmp_model.replace(MODEL_OUT)
        print(f"model: {MODEL_OUT} ({MODEL_OUT.stat().st_size / 1024:.0f} KiB)")
    else:
        tmp_model.unlink()

    if args.no_report:
        return 0
    write_report(
        cv, fold_rows, moz_rows, moz_n, ms_traf, ms_cons, parts, meta, args.folds, thresholds
    )
    if robust_cv:
        write_robustness(robust_cv, robust_moz, names)
    print(f"report: {REPORT}  ({time.time() - t0:.0f}s)")
    return 0


def write_robustness(
    cv: dict[str, dict[str, Score]], moz: dict[str, dict[str, Score]], names: list[str]
) -> None:
    """Appends to the report the F1 on perturbed copies of the pages."""
    lines = [
        "",
        "## Pages of other sites and eras (perturbed copies)",
        "",
        "The same test pages with their naming changed (`benchmarks/perturbed.py`): `hashed`,",
        "every class and id value a hash of itself (no name says comment, share or article);",
        "`html4`, HTML5's sectioning and landmark elements turned into div and",
        "itemprop/role attributes dropped; `both`. Cross-validated: each fold's model on its",
        "test pages' copies. "
        + (
            "Training: every training page also enters perturbed"
            f" ({', '.join(f'`{a}`' for a in AUGMENT)}; `--augment`), its members run on"
            " the copy, its blocks labelled from the same gold."
            if AUGMENT
            else "Training: the pages as they are."
        ),
        "",
        "| pages | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    rows = [(f"Scrapinghub, CV, {v}", r) for v, r in cv.items()]
    rows += [(f"Mozilla, {v}", r) for v, r in moz.items()]
    lines += [
        f"| {label} | " + " | ".join(f"{r[n].f1:.4f}" for n in names) + " |" for label, r in rows
    ]
    with open(REPORT, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_report(
    cv: dict[str, Score],
    folds: list[dict[str, Score]],
    moz: dict[str, Score],
    moz_n: int,
    ms_traf: float,
    ms_cons: float,
    parts: dict[str, float],
    meta: dict[str, Any],
    k: int,
    thresholds: tuple[float, float],
) -> None:
    names = ["consensus", *ALL_MEMBERS]
    listed = ", ".join(MEMBERS)
    left_out = [m for m in ALL_MEMBERS if m not in MEMBERS]
    folds_chosen = "; ".join(f"{a:g}/{b:g}" for a, b in meta.get("fold_thresholds", []))
    lines = [
        "# Consensus backend: how it was built and how it scores",
        "",
        f"Generated by `benchmarks/train_consensus.py` on {meta['trained']} "
        f"(Python {platform.python_version()}, scikit-learn {meta['sklearn']}; "
        + ", ".join(f"{d} {v}" for d, v in meta["members"].items())
        + ").",
        "",
        "## Method",
        "",
        "- Each page is cut into DOM blocks (text runs between block-level tags, in page",
        "  order). Features per block: tag, depth, link density, length, punctuation,",
        "  relative position, distance from the densest text region, boilerplate-like",
        "  class/id tokens (nav, footer, comment, share, related, ad, newsletter, cookie,",
        "  donate, sidebar, meta, ...), heading/list/figcaption, inside article/main/aside/",
        f"  nav/footer/header/form; and the votes of the {len(MEMBERS)} members ({listed}):",
        "  selected (>= half of the block's 4-token shingles in that member's output),",
        "  coverage, inside the member's selected span, neighbours' votes, member output",
        "  length / page text, share of members selecting it, the same for the strongest",
        "  member."
        + (
            f" {', '.join(left_out)}: not a member (cross-validated F1 with it was the same"
            " within split-to-split noise, mean over 3 splits .9726 with 4 members,"
            " .9723 with 3; it cost 11 ms per page); shown below for reference only."
            if left_out
            else ""
        ),
        "- A block's role (title, lead, caption, body) is set by rules; only body blocks",
        "  train the model (labels: >= half of the block's shingles in the gold text).",
        "  Member dropout: "
        + (
            f"every training page also enters once with {MEMBERS[0]}'s output removed, so"
            " that the fallback (the next member leads) is trained for"
            + (
                f", and once with {MEMBERS[-1]}'s removed (it returns nothing on some pages:"
                " that is a missing vote, not a vote against every block)."
                if DROPOUT_MORE == "weakest" and len(MEMBERS) > 1
                else "."
            )
            if DROPOUT
            else "off."
        ),
        "  Headline, lead and captions are the user's options, not the benchmark's taste.",
        "  Training weight of a block: "
        + {
            "sqrt": "the square root of its shingle count (the metric counts shingles, so"
            " long blocks matter more; the root keeps a few very long ones from dominating).",
            "shingles": "its shingle count (the metric counts shingles).",
            "none": "1 (every block alike).",
        }[WEIGHTS],
        f"- Model: scikit-learn HistGradientBoostingClassifier {json.dumps(PARAMS)},",
        "  exported as tree arrays (numpy at runtime).",
        "- Output (recall-preserving): the strongest member's own blocks (trafilatura;",
        "  the next member when it returns almost nothing), dropped only when the model",
        "  is confident they are boilerplate (p < drop_below); DOM blocks no member",
        "  of record kept are added only when p >= add_above, in page order.",
        "  Rules, not learned: a block of the strongest member that no visible DOM",
        "  block holds is dropped when it is the text of hidden elements (hidden,",
        "  aria-hidden, display:none, visibility:hidden) or of a menu (<select>, whose",
        "  options are not DOM blocks either); a paragraph of 20+ words the page shows",
        "  more often than the strongest member kept it (trafilatura drops repeats) is",
        "  repeated in place as often as another member kept it; a standfirst (lead)",
        "  the strongest member left out is added only when p >= drop_below (a member's",
        "  vote alone is not enough); the strongest member's longest body block stays",
        "  when less body text than it would be kept (the model is not trained to tell",
        "  a page without an article).",
        "- The thresholds are chosen by INNER cross-validation on the training pages only:",
        f"  out-of-fold probabilities from a {INNER_FOLDS}-fold split of the training pages,",
        f"  then the best F1 over the grid drop_below in {list(DROP_GRID)} x add_above in",
        f"  {list(ADD_GRID)} (within {TIE} of the best F1 is a tie, won by the point",
        f"  nearest the a-priori {cons.DROP_BELOW}/{cons.ADD_ABOVE}). Each",
        "  outer fold chose its own (drop/add: "
        + (folds_chosen or "a priori")
        + f"); the shipped model's, chosen the same way on all 181 pages: drop_below"
        f" {thresholds[0]:g}, add_above {thresholds[1]:g}.",
        "- The model file lists the sha1 of each training page's HTML bytes (`trained_on`;",
        "  `unboil.extractors.consensus.trained_on(digests)` counts them) so that figures",
        "  on those pages can be flagged as not cross-validated.",
        "",
        f"## Cross-validated, {k}-fold by {'site' if GROUP_BY_SITE else 'page'}, "
        "181 Scrapinghub pages (same run)",
        "",
        "Each page is scored by a model that never saw it. Title off, captions as the",
        "strongest member does (the Scrapinghub gold is the body without headline).",
        *(
            []
            if GROUP_BY_SITE
            else [
                "39 sites have two pages each: folds by page can put a page's sibling",
                "on the training side (`--group-by-site` keeps a site's pages together;",
                "figures in CONSENSUS-EXPERIMENTS.md).",
            ]
        ),
        "",
        "| extractor | P | R | F1 |",
        "|---|---|---|---|",
    ]
    lines += [f"| {n} | {fmt(cv[n])} |" for n in [*names, *(x for x in cv if x not in names)]]
    extra = [x for x in cv if x not in names]
    if extra:
        lines += [
            "",
            f"`{extra[0]}`: the same test pages with {MEMBERS[0]}'s output removed (as when it",
            "finds no article): the fallback, led by the next member (compare with it above).",
        ]
    lines += ["", "Per fold (F1):", "", "| fold | " + " | ".join(names) + " |"]
    lines += ["|---" * (len(names) + 1) + "|"]
    for i, row in enumerate(folds):
        lines.append(f"| {i + 1} | " + " | ".join(f"{row[n].f1:.3f}" for n in names) + " |")
    if moz:
        lines += [
            "",
            f"## Mozilla Readability test pages ({moz_n}), never trained on",
            "",
            "The model trained on all 181 Scrapinghub pages; captions on (`captions=True`:",
            "captions and leads are content in this gold). Members in the same run.",
            "",
            "| extractor | P | R | F1 |",
            "|---|---|---|---|",
        ]
        lines += [f"| {n} | {fmt(moz[n])} |" for n in names]
    if ms_traf:
        lines += [
            "",
            "## Cost",
            "",
            "Median per page over the 181 pages, one warm process, each run on a fresh",
            f"page (its own parse): trafilatura alone {ms_traf:.1f} ms, consensus "
            f"{ms_cons:.1f} ms ({ms_cons / ms_traf:.2f}x), of which "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in parts.items())
            + ".",
        ]
    size = MODEL_OUT.stat().st_size if MODEL_OUT.exists() else 0
    lines += [
        "",
        "## Model",
        "",
        f"`extractors/models/consensus.json`, {size / 1024:.0f} KiB, "
        f"{len(model_features())} features.",
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
