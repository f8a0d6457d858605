"""Train the consensus model on three collections and report how it generalises; export
it to extractors/models/consensus.json and write benchmarks/CONSENSUS.md.

    .venv/bin/python benchmarks/train_consensus.py [--folds 5] [--no-export] [--fast]

1. The member backends run on the Scrapinghub, Mozilla and WCXB pages (cached: see
   ``consensus_data``); every page is cut into DOM blocks, labelled from its own gold
   (a block is article text when at least half of its 4-token shingles are in it) and
   given its features. Only body blocks train the model: headline, lead and captions
   are the user's options, and the three golds disagree on them.
2. Leave-one-collection-out: a model trained on two collections scores the third,
   against every member on the same pages.
3. Site-grouped k-fold cross-validation on the pooled pages: every page is scored by a
   model that saw neither it nor any page of its site; figures per collection and per
   WCXB page type.
4. Paired bootstrap intervals (pages resampled) for consensus minus each member, on the
   cross-validated and the left-out figures.
5. The model trained on all pages (its thresholds chosen by inner cross-validation on
   them, as every fold's are) is exported, with the digests of the pages it saw.

The model is the block model (is this block article text, from the members' votes and
the page's kind), learnt from the training pages alone; the first member (trafilatura)
leads the vote. ``--leader`` adds two page-level parts, rejected on 2026-12-08 because
they cost left-out F1 (``CONSENSUS-EXPERIMENTS.md``): the leader model (each member's
word F1 on the page: the best one leads the vote) and the vote's regressor (the vote's
word F1 on the page, learnt from the training pages' inner cross-validated votes): where
the leading member is predicted to beat the vote by ``MARGIN``, its own text is kept
instead (``--no-select``: always the vote; the report's ``voted`` column is the vote
alone).

Collections weigh the same in training whatever their size (a page's blocks weigh
1 / its collection's page count). Scores: the Scrapinghub metric (shingle F1) and
WCXB's (word F1, the mean over pages), side by side. ``--fast`` uses the a-priori
thresholds instead of inner cross-validation (for experiments; the shipped figures
never come from it).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import consensus_data as cd
from tree_export import export_trees

from unboil.extractors import consensus as cons

HERE = Path(__file__).resolve().parent
MODEL_OUT = cd.ROOT / "extractors" / "models" / "consensus.json"
REPORT = HERE / "CONSENSUS.md"
MEMBERS: tuple[str, ...] = cons.MEMBERS
PARAMS: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.1,
    "max_leaf_nodes": 31,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}
#: the threshold grid searched by inner cross-validation on the training pages only
DROP_GRID = (0.15, 0.25, 0.35, 0.5)
ADD_GRID = (0.5, 0.65, 0.8)
INNER_FOLDS = 3
#: inner-CV figures this close to the best are ties, won by the point nearest the
#: a-priori thresholds
TIE = 0.0005


# -- the model ---------------------------------------------------------------------------

#: the leader model: one regressor per member, predicting its word F1 on the page
LEADER_PARAMS: dict[str, Any] = {
    "max_iter": 200,
    "learning_rate": 0.05,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 20,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}
#: choose the leading member per page (``--leader``; without it: always the first member)
LEADER = False
#: let the leader model keep the leading member's own text where it predicts that text
#: beats the vote by ``MARGIN`` (``--no-select``: always the vote)
SELECT = True
MARGIN = 0.02


#: how a page's weight is spread over its training blocks: "block" (each block weighs
#: the page's weight: a page of many blocks counts more), "sqrt" (the page's weight over
#: the square root of its blocks), "page" (each page the same, its blocks sharing it)
BLOCK_WEIGHT = "block"
BLOCK_WEIGHTS = ("block", "sqrt", "page")


def block_share(n: int) -> float:
    """Each of a page's ``n`` training blocks' share of the page's weight."""
    if BLOCK_WEIGHT == "page":
        return 1.0 / n
    if BLOCK_WEIGHT == "sqrt":
        return 1.0 / float(np.sqrt(n))
    return 1.0


def page_weights(data: Sequence[cd.Prepared]) -> np.ndarray:
    """1 / the page's collection's page count (among these pages)."""
    counts: dict[str, int] = {}
    for d in data:
        counts[d.item.collection] = counts.get(d.item.collection, 0) + 1
    return np.array([1.0 / counts[d.item.collection] for d in data])


@dataclass
class Fitted:
    blocks: Any
    #: one regressor per member (None: no leader model)
    leader: list[Any] | None
    #: the regressor of the vote's word F1 on a page (None: always the vote)
    voted: Any = None


def fit(data: Sequence[cd.Prepared], columns: np.ndarray | None = None) -> Fitted:
    """The block model, trained on every page with each member leading (so that it
    reads the votes whoever leads), and the leader model."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    xs, ys, ws = [], [], []
    weights = page_weights(data)
    for d, w in zip(data, weights, strict=True):
        mask = d.train
        n = int(mask.sum())
        if not n:
            continue
        variants = training_variants(d) if LEADER else [d.prep]
        for prep in variants:
            x = prep.X[mask]
            xs.append(x if columns is None else x[:, columns])
            ys.append(d.labels[mask])
            ws.append(np.full(n, w * block_share(n) / len(variants)))
    sample = np.concatenate(ws)
    clf = HistGradientBoostingClassifier(**PARAMS)
    clf.fit(np.vstack(xs), np.concatenate(ys), sample_weight=sample / sample.mean())
    leader = None
    if LEADER:
        rows = np.vstack([d.leader_row for d in data])
        targets = np.vstack([d.leader_y for d in data])
        leader = []
        for j in range(targets.shape[1]):
            reg = HistGradientBoostingRegressor(**LEADER_PARAMS)
            reg.fit(rows, targets[:, j], sample_weight=weights / weights.mean())
            leader.append(reg)
    return Fitted(clf, leader)


def training_variants(d: cd.Prepared) -> list[cons.Prepared]:
    """The page as the block model learns from it: led by the first member (as when no
    leader is chosen) and by the member that does best on it (the leader model's aim)."""
    best = MEMBERS[int(np.argmax(d.leader_y))]
    return [d.variants[m] for m in dict.fromkeys((MEMBERS[0], best))]


def predict_many(
    fitted: Fitted, data: Sequence[cd.Prepared], columns: np.ndarray | None = None
) -> list[tuple[cons.Prepared, np.ndarray]]:
    """Each page led by the member the leader model ranks first (its own text where the
    model says so, as ``Leader.choose`` does), with its blocks' probabilities (one call
    of each model for all the pages)."""
    if not data:
        return []
    if fitted.leader is None:
        preps = [d.prep for d in data]
    else:
        rows = np.vstack([d.leader_row for d in data])
        scores = np.column_stack([reg.predict(rows) for reg in fitted.leader])
        preps = [d.variants[MEMBERS[int(k)]] for d, k in zip(data, scores.argmax(1), strict=True)]
        if fitted.voted is not None:
            own = scores.max(1) > fitted.voted.predict(rows) + MARGIN
            preps = [dataclasses.replace(p, own=bool(o)) for p, o in zip(preps, own, strict=True)]
    sizes = [len(p.blocks) for p in preps]
    X = np.vstack([p.X for p in preps if len(p.blocks)] or [np.zeros((0, preps[0].X.shape[1]))])
    if columns is not None:
        X = X[:, columns]
    probs = fitted.blocks.predict_proba(X)[:, 1] if len(X) else np.zeros(0)
    out = []
    start = 0
    for prep, n in zip(preps, sizes, strict=True):
        out.append((prep, probs[start : start + n]))
        start += n
    return out


def consensus_text(
    d: cd.Prepared, prep: cons.Prepared, probs: np.ndarray, thresholds: tuple[float, float]
) -> str:
    options = cd.OPTIONS[d.item.collection]
    blocks, _ = cons.combine(prep, list(probs), options, *thresholds)
    return "\n\n".join(b.text for b in blocks)


def member_texts(d: cd.Prepared) -> dict[str, str]:
    out = {}
    for m in cd.ALL_MEMBERS:
        ex = d.outputs.get(m)
        out[m] = ex.text if ex is not None and ex.ok else ""
    return out


def inner_predictions(
    data: Sequence[cd.Prepared], seed: int
) -> list[tuple[cons.Prepared, np.ndarray]]:
    """Every page's voted blocks by inner site-grouped cross-validation on these pages
    (what the thresholds and the vote's regressor learn from)."""
    predicted: list[tuple[cons.Prepared, np.ndarray]] = [(d.prep, np.zeros(0)) for d in data]
    for train, test in cd.site_folds([d.item for d in data], INNER_FOLDS, seed + 1000):
        fitted = fit([data[i] for i in train])
        for i, result in zip(test, predict_many(fitted, [data[i] for i in test]), strict=True):
            predicted[i] = result
    return predicted


def fit_voted(
    data: Sequence[cd.Prepared],
    predicted: Sequence[tuple[cons.Prepared, np.ndarray]],
    thresholds: tuple[float, float],
) -> Any:
    """The regressor of the vote's word F1 on a page, from the pages' inner
    cross-validated votes."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    rows = np.vstack([d.leader_row for d in data])
    target = np.array(
        [
            cd.word_f1(consensus_text(d, prep, p, thresholds), d.item.gold)
            for d, (prep, p) in zip(data, predicted, strict=True)
        ]
    )
    weights = page_weights(data)
    reg = HistGradientBoostingRegressor(**LEADER_PARAMS)
    reg.fit(rows, target, sample_weight=weights / weights.mean())
    return reg


def choose_thresholds(
    data: Sequence[cd.Prepared], predicted: Sequence[tuple[cons.Prepared, np.ndarray]]
) -> tuple[float, float]:
    """(drop_below, add_above) from the inner cross-validated votes on these pages:
    the grid point with the best mean of the collections' word F1."""
    prior = (cons.DROP_BELOW, cons.ADD_ABOVE)
    grid = []
    for drop in DROP_GRID:
        for add in ADD_GRID:
            if add < drop:
                continue
            texts = cd.Texts()
            for d, (prep, p) in zip(data, predicted, strict=True):
                texts.add(d.item, {"consensus": consensus_text(d, prep, p, (drop, add))})
            f1 = collection_mean(texts, "consensus")
            dist = abs(drop - prior[0]) + abs(add - prior[1])
            grid.append((f1, dist, (drop, add)))
    best = max(f1 for f1, _, _ in grid)
    _, _, point = min((g for g in grid if g[0] >= best - TIE), key=lambda g: (g[1], -g[0]))
    return point


def collection_mean(texts: cd.Texts, name: str) -> float:
    """The mean over collections of each collection's mean word F1."""
    means = []
    for c in cd.COLLECTIONS:
        part = texts.select(cd.in_collection(c))
        if part.items:
            means.append(float(part.words(name).mean()))
    return float(np.mean(means)) if means else 0.0


def score_pages(
    fitted: Fitted,
    data: Sequence[cd.Prepared],
    thresholds: tuple[float, float],
    texts: cd.Texts,
) -> None:
    """Each page's consensus text, its vote (the same, never the leader's own text) and
    every member's."""
    gaps = leader_gaps(fitted, data)
    for d, (prep, probs), gap in zip(data, predict_many(fitted, data), gaps, strict=True):
        ours = consensus_text(d, prep, probs, thresholds)
        voted = consensus_text(d, dataclasses.replace(prep, own=False), probs, thresholds)
        own = consensus_text(d, dataclasses.replace(prep, own=True), probs, thresholds)
        texts.add(d.item, {"consensus": ours, "voted": voted, "own": own} | member_texts(d))
        GAPS[d.id] = gap


#: page id: the leader's predicted word F1 minus the vote's (for ``--dump``)
GAPS: dict[str, float] = {}


def leader_gaps(fitted: Fitted, data: Sequence[cd.Prepared]) -> list[float]:
    if fitted.leader is None or fitted.voted is None or not data:
        return [0.0] * len(data)
    rows = np.vstack([d.leader_row for d in data])
    scores = np.column_stack([reg.predict(rows) for reg in fitted.leader])
    return [float(g) for g in scores.max(1) - fitted.voted.predict(rows)]


def train(data: Sequence[cd.Prepared], seed: int, fast: bool) -> tuple[Fitted, tuple[float, float]]:
    """The block, leader and vote models, and the thresholds, learnt from these pages
    alone (inner cross-validation for what needs out-of-sample votes)."""
    prior = (cons.DROP_BELOW, cons.ADD_ABOVE)
    predicted = inner_predictions(data, seed) if SELECT or not fast else []
    thresholds = prior if fast else choose_thresholds(data, predicted)
    fitted = fit(data)
    if SELECT and fitted.leader is not None:
        fitted.voted = fit_voted(data, predicted, thresholds)
    return fitted, thresholds


def train_and_score(
    train_on: Sequence[cd.Prepared], test: Sequence[cd.Prepared], seed: int, fast: bool
) -> tuple[tuple[float, float], cd.Texts]:
    fitted, thresholds = train(train_on, seed, fast)
    texts = cd.Texts()
    score_pages(fitted, test, thresholds, texts)
    return thresholds, texts


# -- reporting -----------------------------------------------------------------------------

#: "voted": the consensus without the leader's choice of its own text
NAMES = ("consensus", "voted", *cd.ALL_MEMBERS)


def shown() -> tuple[str, ...]:
    """The report's columns: "voted" only where a leader may keep its own text."""
    return NAMES if SELECT else tuple(n for n in NAMES if n != "voted")


def table(texts: cd.Texts, groups: list[tuple[str, Any]]) -> list[str]:
    """A Markdown table: one row per group (label, item filter), word F1 and shingle F1
    of every backend, the best in bold."""
    names = shown()
    head = "| pages | n | " + " | ".join(names) + " |"
    lines = [head, "|" + "---|" * (len(names) + 2)]
    for label, keep in groups:
        part = texts.select(keep)
        if not part.items:
            continue
        words = {n: float(part.words(n).mean()) for n in names}
        shingle = {n: part.shingle(n).f1 for n in names}
        best_w, best_s = max(words.values()), max(shingle.values())
        cells = []
        for n in names:
            w = f"{words[n]:.3f}"
            s = f"{shingle[n]:.3f}"
            cells.append(
                (f"**{w}**" if words[n] == best_w else w)
                + " / "
                + (f"**{s}**" if shingle[n] == best_s else s)
            )
        lines.append(f"| {label} | {len(part.items)} | " + " | ".join(cells) + " |")
    return lines


def collection_groups() -> list[tuple[str, Any]]:
    return [(c, lambda it, c=c: it.collection == c) for c in cd.COLLECTIONS]


def type_groups() -> list[tuple[str, Any]]:
    return [
        (f"wcxb {t}", lambda it, t=t: it.collection == "wcxb" and it.page_type == t)
        for t in cd.PAGE_TYPES
    ]


def bootstrap_lines(texts: cd.Texts, groups: list[tuple[str, Any]]) -> list[str]:
    lines = ["| pages | " + " | ".join(f"− {m}" for m in cd.ALL_MEMBERS) + " |"]
    lines.append("|" + "---|" * (len(cd.ALL_MEMBERS) + 1))
    for label, keep in groups:
        part = texts.select(keep)
        if not part.items:
            continue
        ours = part.words("consensus")
        cells = []
        for m in cd.ALL_MEMBERS:
            mean, lo, hi = cd.paired_bootstrap(ours, part.words(m))
            cells.append(f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def own_counts(texts: cd.Texts, groups: list[tuple[str, Any]]) -> list[str]:
    """Table rows: on how many pages of each group the consensus is not the vote."""
    lines = []
    for label, keep in groups:
        part = texts.select(keep)
        if part.items:
            own = sum(a != b for a, b in zip(part.by["consensus"], part.by["voted"], strict=True))
            lines.append(f"| {label} | {own} | {len(part.items)} |")
    return lines


def printable(texts: cd.Texts, label: str) -> None:
    print(f"{label}:")
    for c, keep in collection_groups() + type_groups():
        part = texts.select(keep)
        if not part.items:
            continue
        row = "  ".join(f"{n} {part.words(n).mean():.3f}/{part.shingle(n).f1:.3f}" for n in shown())
        print(f"  {c:20s} {len(part.items):5d}  {row}")
    sys.stdout.flush()


# -- main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fast", action="store_true", help="a-priori thresholds, no inner CV")
    ap.add_argument("--no-export", action="store_true")
    ap.add_argument("--no-loco", action="store_true", help="skip leave-one-collection-out")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--dump", help="write every page's texts and scores to this JSON file")
    ap.add_argument("--leader", action="store_true", help="learn which member leads (see LEADER)")
    ap.add_argument("--no-select", action="store_true", help="always the vote")
    ap.add_argument(
        "--block-weight",
        choices=BLOCK_WEIGHTS,
        default=BLOCK_WEIGHTS[0],
        help="how a page's weight is spread over its blocks (see BLOCK_WEIGHT)",
    )
    ap.add_argument(
        "--block-params",
        type=json.loads,
        default={},
        help="JSON: the block model's parameters that differ from PARAMS (experiments)",
    )
    ap.add_argument("--loco-only", action="store_true", help="stop after leave-one-collection-out")
    args = ap.parse_args(argv)
    PARAMS.update(args.block_params)
    global LEADER, SELECT, BLOCK_WEIGHT
    LEADER = args.leader
    SELECT = LEADER and not args.no_select
    BLOCK_WEIGHT = args.block_weight
    from sklearn import __version__ as sklearn_version

    t0 = time.time()
    items = cd.load_items()
    outputs = cd.member_outputs(items)
    print(f"members on {len(items)} pages: {time.time() - t0:.0f}s", flush=True)
    data = cd.prepare_all(items, outputs, MEMBERS, leads=None if LEADER else MEMBERS[:1])
    print(f"prepared: {time.time() - t0:.0f}s", flush=True)

    # -- leave one collection out
    loco: dict[str, cd.Texts] = {}
    loco_thresholds: dict[str, tuple[float, float]] = {}
    if not args.no_loco:
        for held in cd.COLLECTIONS:
            others = [d for d in data if d.item.collection != held]
            test = [d for d in data if d.item.collection == held]
            loco_thresholds[held], loco[held] = train_and_score(others, test, args.seed, args.fast)
            printable(loco[held], f"left out: {held} (thresholds {loco_thresholds[held]})")
            print(f"  {time.time() - t0:.0f}s", flush=True)
    if args.loco_only:
        return 0

    # -- site-grouped cross-validation on the pooled pages
    cv = cd.Texts()
    fold_thresholds = []
    for k, (train_idx, test_idx) in enumerate(cd.site_folds(items, args.folds, args.seed)):
        chosen, texts = train_and_score(
            [data[i] for i in train_idx], [data[i] for i in test_idx], args.seed + k, args.fast
        )
        fold_thresholds.append(chosen)
        for i, item in enumerate(texts.items):
            cv.add(item, {n: texts.by[n][i] for n in texts.by})
        print(f"fold {k + 1}: thresholds {chosen}  {time.time() - t0:.0f}s", flush=True)
    printable(cv, f"cross-validated by site ({args.folds} folds)")

    if args.dump:
        dump = {
            "cv": {
                f"{it.collection}/{it.key}": {n: cv.by[n][i] for n in (*NAMES, "own")}
                | {"gap": GAPS.get(f"{it.collection}/{it.key}", 0.0), "gold": it.gold}
                for i, it in enumerate(cv.items)
            }
        }
        Path(args.dump).write_text(json.dumps(dump))

    # -- the final model
    fitted, thresholds = train(data, args.seed + 99, args.fast)
    meta = {
        "trained_on": ", ".join(
            f"{c} {sum(1 for it in items if it.collection == c)} pages" for c in cd.COLLECTIONS
        ),
        "trained": datetime.date.today().isoformat(),
        "sklearn": sklearn_version,
        "params": PARAMS,
        "members": cd.versions(),
        "cv_word_f1": {
            c: round(float(cv.select(cd.in_collection(c)).words(NAMES[0]).mean()), 4)
            for c in cd.COLLECTIONS
        },
        "fold_thresholds": [list(t) for t in fold_thresholds],
    }
    tmp_model = HERE / f".consensus-model-{os.getpid()}.json"
    digests = sorted(cons.page_digest(d.item.html) for d in data)
    exported = export(fitted, tmp_model, meta, thresholds, digests)
    tree_model = cons.ConsensusModel(exported)
    X_all = np.vstack([d.prep.X for d in data[:200] if len(d.prep.blocks)])
    diff = np.abs(tree_model.predict_proba(X_all) - fitted.blocks.predict_proba(X_all)[:, 1]).max()
    if fitted.leader is not None and tree_model.leader is not None:
        rows = np.vstack([d.leader_row for d in data[:200]])
        pairs = list(zip(tree_model.leader.models, fitted.leader, strict=True))
        if fitted.voted is not None and tree_model.leader.voted is not None:
            pairs.append((tree_model.leader.voted, fitted.voted))
        for model, reg in pairs:
            diff = max(diff, float(np.abs(model.raw(rows) - reg.predict(rows)).max()))
    print(f"exported model: max |numpy - sklearn| = {diff:.2e}")
    if diff > 1e-5:
        raise SystemExit("exported model disagrees with sklearn")

    ms_traf = ms_cons = 0.0
    if not args.no_timing:
        sample = [it for it in items if it.collection == "scrapinghub"]
        ms_traf, ms_cons = timing(sample, tree_model)
        print(f"ms/page (median, Scrapinghub): trafilatura {ms_traf:.1f}, consensus {ms_cons:.1f}")

    if not args.no_export:
        tmp_model.replace(MODEL_OUT)
        print(f"model: {MODEL_OUT} ({MODEL_OUT.stat().st_size / 1024:.0f} KiB)")
    else:
        tmp_model.unlink()
    write_report(cv, loco, loco_thresholds, thresholds, meta, args, ms_traf, ms_cons)
    print(f"report: {REPORT}  ({time.time() - t0:.0f}s)")
    return 0


def export(
    fitted: Fitted,
    path: Path,
    meta: dict[str, Any],
    thresholds: tuple[float, float],
    trained_on: list[str],
) -> dict[str, Any]:
    from unboil.extractors import pagekind

    arrays = export_trees(fitted.blocks, cons.feature_names(len(MEMBERS)))
    data: dict[str, Any] = {
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
    if fitted.leader is not None:
        features = pagekind.leader_feature_names(MEMBERS)
        data["leader"] = {
            "members": list(MEMBERS),
            "features": features,
            "models": [export_trees(reg, features) for reg in fitted.leader],
        }
        if fitted.voted is not None:
            data["leader"]["voted"] = export_trees(fitted.voted, features)
            data["leader"]["margin"] = MARGIN
    path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    return data


def timing(items: Sequence[cd.Item], tree_model: cons.ConsensusModel) -> tuple[float, float]:
    """Median ms/page of trafilatura alone and of consensus (members included), each on
    a fresh Page (its own parse), in this warm process."""
    from unboil.extractors import registry

    traf = registry.get("trafilatura")
    traf.extract(cd.load_page(items[0]))  # warm-up: stop-lists, first-call set-up
    cons.consensus(cd.load_page(items[0]), tree_model=tree_model)
    t_traf, t_cons = [], []
    for it in items:
        page = cd.load_page(it)
        start = time.perf_counter()
        traf.extract(page)
        t_traf.append(time.perf_counter() - start)
        page = cd.load_page(it)
        start = time.perf_counter()
        cons.consensus(page, tree_model=tree_model)
        t_cons.append(time.perf_counter() - start)
    return 1000 * statistics.median(t_traf), 1000 * statistics.median(t_cons)


def write_report(
    cv: cd.Texts,
    loco: dict[str, cd.Texts],
    loco_thresholds: dict[str, tuple[float, float]],
    thresholds: tuple[float, float],
    meta: dict[str, Any],
    args: argparse.Namespace,
    ms_traf: float,
    ms_cons: float,
) -> None:
    lines = [
        "# Consensus backend: how it was built and how it scores",
        "",
        f"Generated by `benchmarks/train_consensus.py` on {meta['trained']} "
        f"(Python {platform.python_version()}, scikit-learn {meta['sklearn']}; "
        + ", ".join(f"{d} {v}" for d, v in meta["members"].items())
        + f"). Trained on {meta['trained_on']}.",
        "",
        "Every cell: **word F1** (WCXB's metric: bags of lower-cased words, mean over",
        "pages) / shingle F1 (the Scrapinghub metric). `alltext` is every visible block.",
        "",
        f"## Cross-validated by site ({args.folds} folds over the pooled pages)",
        "",
        "No page is scored by a model that saw it or any page of its site.",
        "",
        *table(cv, collection_groups() + type_groups()),
        "",
    ]
    if loco:
        lines += [
            "## Leave one collection out",
            "",
            "A model trained on the two other collections (thresholds chosen on them) scores",
            "each collection.",
            "",
        ]
        both = cd.Texts()
        for texts in loco.values():
            for i, item in enumerate(texts.items):
                both.add(item, {n: texts.by[n][i] for n in texts.by})
        lines += table(both, collection_groups() + type_groups())
        lines += [""]
    lines += [
        "## Consensus minus each member: paired bootstrap",
        "",
        "Word F1, mean difference page by page and its 95% interval (2,000 resamples of",
        "the pages).",
        "",
        "Cross-validated by site:",
        "",
        *bootstrap_lines(cv, collection_groups() + type_groups()),
        "",
    ]
    if loco:
        lines += ["Left out:", "", *bootstrap_lines(both, collection_groups()), ""]
    lines += [
        "## The shipped model",
        "",
        f"Members: {', '.join(MEMBERS)}. Trained on all pages; thresholds by the same inner",
        f"cross-validation: drop below {thresholds[0]}, add from {thresholds[1]}"
        f" (folds chose {meta['fold_thresholds']}). Parameters: `{json.dumps(PARAMS)}`"
        + (
            f"; leader and vote regressors: `{json.dumps(LEADER_PARAMS)}`, margin {MARGIN}."
            if LEADER
            else f". {MEMBERS[0]} leads the vote on every page (no leader model)."
        ),
    ]
    if SELECT:
        lines += [
            "",
            "Where the leader's own text was kept instead of the vote (cross-validated):",
            "",
            "| pages | own text | of |",
            "|---|---|---|",
            *own_counts(cv, collection_groups() + type_groups()),
        ]
    if ms_traf:
        lines += [
            "",
            f"Time per page (median over the Scrapinghub pages, one process): trafilatura "
            f"{ms_traf:.1f} ms, consensus {ms_cons:.1f} ms ({ms_cons / ms_traf:.2f}x; "
            "goal at most 3x).",
        ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
