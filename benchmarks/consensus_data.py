"""The consensus model's data: three collections of pages with gold text, the member
backends' outputs on them (cached), the pages cut into labelled blocks, and scoring.

- ``scrapinghub``: 181 news articles (gold: the body, no headline, no captions);
- ``mozilla``: Mozilla Readability's 130 test pages (gold: Readability.js's output,
  captions and lead in);
- ``wcxb``: the WCXB development split, 1,474 pages of seven types (article, service,
  product, collection, forum, listing, documentation; gold reviewed by hand; its metric
  is word F1).

Each page is labelled under its own gold's convention; the roles that conventions
disagree on (headline, lead, captions) are never training data (``Prepared.train``).
Folds group pages by site (WCXB's ``domain``, Scrapinghub's URL host, the Mozilla
page's own name: its pages come from as many sites).

Member outputs are cached as JSON under ``$UNBOIL_CACHE`` (default
``/tmp/unboil-consensus-cache``), keyed by the libraries' versions and unboil's member
code, so reruns are fast.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.metadata
import json
import os
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from unboil.extractors import consensus as cons
from unboil.extractors.alignment import label_blocks
from unboil.extractors.base import Block, Extraction, ExtractOptions
from unboil.extractors.htmltree import body_of, element_blocks, parse_html
from unboil.extractors.loading import load_bytes
from unboil.extractors.page import Page
from unboil.extractors.scoring import SHINGLE, Score, evaluate, word_f1

BENCH = Path(os.environ.get("UNBOIL_BENCH", Path(__file__).resolve().parents[2] / "shared/bench"))
CACHE = Path(os.environ.get("UNBOIL_CACHE", "/tmp/unboil-consensus-cache"))
ROOT = Path(__file__).resolve().parents[1]

COLLECTIONS = ("scrapinghub", "mozilla", "wcxb")
#: every backend whose output is cached and reported side by side ("alltext": every
#: visible block of the page, the floor)
ALL_MEMBERS = ("trafilatura", "readability", "resiliparse", "justext", "alltext")
#: how each collection's gold treats captions (the user's option in unboil)
OPTIONS = {
    "scrapinghub": ExtractOptions(),
    "mozilla": ExtractOptions(captions=True),
    "wcxb": ExtractOptions(),
}
PAGE_TYPES = ("article", "service", "product", "collection", "forum", "listing", "documentation")


@dataclass
class Item:
    collection: str
    key: str
    html: bytes
    gold: str
    #: the group of site-grouped folds
    site: str
    page_type: str = "article"


def scrapinghub() -> list[Item]:
    base = BENCH / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    items = []
    for key in sorted(truth):
        data = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())
        site = urllib.parse.urlsplit(truth[key].get("url", "")).netloc.lower() or key
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
        items.append(Item("mozilla", d.name, source.read_bytes(), gold, f"mozilla:{d.name}"))
    return items


def wcxb() -> list[Item]:
    base = BENCH / "wcxb-dev"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    items = []
    for key in sorted(truth):
        entry = truth[key]
        data = gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes())
        site = (entry.get("domain") or urllib.parse.urlsplit(entry["url"]).netloc).lower()
        items.append(
            Item("wcxb", key, data, entry["articleBody"], site, entry.get("page_type", "article"))
        )
    return items


LOADERS: dict[str, Callable[[], list[Item]]] = {
    "scrapinghub": scrapinghub,
    "mozilla": mozilla,
    "wcxb": wcxb,
}


def load_items(collections: Sequence[str] = COLLECTIONS) -> list[Item]:
    return [item for name in collections for item in LOADERS[name]()]


def load_page(item: Item) -> Page:
    return load_bytes(item.html, f"{item.collection}/{item.key}")


# -- member outputs, cached ----------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {}
    for dist in ("trafilatura", "readability-lxml", "Resiliparse", "jusText", "lxml"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "-"
    return out


#: unboil's code that makes the members' outputs (the adapters, page loading, the
#: markup pass, the block text): a change to it makes a new cache, as a new library
#: version does
MEMBER_CODE = (
    "extractors/backends/*.py",
    "extractors/htmltree.py",
    "extractors/loading.py",
    "extractors/markup.py",
    "extractors/terminal.py",
)


def cache_dir() -> Path:
    digest = hashlib.sha1(json.dumps(versions(), sort_keys=True).encode())
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
    path = cache_dir() / item.collection / f"{item.key}.json"
    if path.exists():
        return item.key, json.loads(path.read_text(encoding="utf-8"))
    page = load_page(item)
    members = cons.run_members(page, ALL_MEMBERS)
    data = {name: _dump(ex) for name, ex in members.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    # two training runs may fill the cache at once: each writes its own temporary file
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return item.key, data


def member_outputs(items: list[Item], workers: int = 2) -> dict[str, dict[str, Extraction]]:
    """{collection/key: {member: its extraction}} for every item (cached)."""
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_run_item, items, chunksize=4))
    return {
        f"{item.collection}/{key}": {name: _load(name, d) for name, d in data.items()}
        for item, (key, data) in zip(items, results, strict=True)
    }


# -- prepared pages ------------------------------------------------------------------------


@dataclass
class Prepared:
    item: Item
    page: Page
    #: the page with each member of ``prepare_all``'s ``leads`` leading (``order``: that
    #: member, then the others)
    variants: dict[str, cons.Prepared]
    labels: np.ndarray
    #: body-role blocks: the model's training data
    train: np.ndarray
    #: the member outputs (all of ALL_MEMBERS, for the side-by-side figures)
    outputs: dict[str, Extraction]
    #: the page evidence the leader model reads (``pagekind.leader_features``)
    leader_row: np.ndarray
    #: each member's word F1 on the page: what the leader model predicts
    leader_y: np.ndarray

    @property
    def id(self) -> str:
        return f"{self.item.collection}/{self.item.key}"

    @property
    def prep(self) -> cons.Prepared:
        """The page as the first member leads it (no leader model)."""
        return next(iter(self.variants.values()))


def prepare_all(
    items: list[Item],
    outputs: dict[str, dict[str, Extraction]],
    members: Sequence[str] = cons.MEMBERS,
    progress: Callable[[int], None] | None = None,
    leads: Sequence[str] | None = None,
) -> list[Prepared]:
    """Every item prepared for the vote with each of ``leads`` leading (default: each
    member; a model without a leader needs only the first)."""
    from unboil.extractors import pagekind

    out = []
    for n, item in enumerate(items):
        page = load_page(item)
        key = f"{item.collection}/{item.key}"
        found = outputs[key]
        use = {m: found[m] for m in members if m in found}
        variants = {}
        for lead in leads or members:
            order = [lead, *(m for m in members if m != lead)]
            variants[lead] = cons.prepare(page, use, order)
        first = variants[members[0]]
        labels = np.array(label_blocks(first.blocks, item.gold), dtype=bool)
        train = np.array([b.role == "body" for b in first.blocks], dtype=bool)
        align = first.votes.align
        assert align is not None
        row = pagekind.leader_features(
            pagekind.signals(page.html, first.blocks),
            first.blocks,
            [align.text_words(m) for m in members],
            [align.text_grams(m, SHINGLE) for m in members],
        )
        y = np.array([word_f1(found[m].text if m in found else "", item.gold) for m in members])
        out.append(Prepared(item, page, variants, labels, train, found, row, y))
        if progress is not None:
            progress(n + 1)
    return out


# -- folds -----------------------------------------------------------------------------


def site_folds(items: Sequence[Item], n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train, test) index splits of ``items``, the pages of a site on one side."""
    from sklearn.model_selection import GroupKFold

    sites = [item.site for item in items]
    grouped = GroupKFold(n_splits=n, shuffle=True, random_state=seed)
    return list(grouped.split(list(range(len(items))), groups=sites))


# -- scoring -----------------------------------------------------------------------------


@dataclass
class Texts:
    """Each backend's text on a set of pages, with the gold, for scoring."""

    items: list[Item] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    by: dict[str, list[str]] = field(default_factory=dict)

    def add(self, item: Item, texts: dict[str, str]) -> None:
        self.items.append(item)
        self.gold.append(item.gold)
        for name, text in texts.items():
            self.by.setdefault(name, []).append(text)

    def select(self, keep: Callable[[Item], bool]) -> Texts:
        idx = [i for i, item in enumerate(self.items) if keep(item)]
        return Texts(
            [self.items[i] for i in idx],
            [self.gold[i] for i in idx],
            {n: [t[i] for i in idx] for n, t in self.by.items()},
        )

    def shingle(self, name: str) -> Score:
        return evaluate(zip(self.by[name], self.gold, strict=True))

    def words(self, name: str) -> np.ndarray:
        """Word F1 page by page."""
        return np.array([_word_f1(t, g) for t, g in zip(self.by[name], self.gold, strict=True)])


@functools.lru_cache(maxsize=1 << 16)
def _word_f1(text: str, gold: str) -> float:
    """``word_f1``, once per (text, gold): the report scores a page in many groups."""
    return word_f1(text, gold)


def in_collection(name: str) -> Callable[[Item], bool]:
    """A ``Texts.select`` filter: the pages of one collection."""
    return lambda item: item.collection == name


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, n: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``a - b`` (page by page) and its 95% interval, pages resampled."""
    diff = a - b
    k = len(diff)
    if not k:
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = np.sort(diff[rng.integers(0, k, size=(n, k))].mean(axis=1))
    return float(diff.mean()), float(means[int(0.025 * n)]), float(means[int(0.975 * n) - 1])
