"""What kind of page a block sits on, and what the block looks like beside its
neighbours: evidence for the consensus model that tells an article from a forum
thread, a listing, a product or a documentation page (on which the members' habits
differ: trafilatura drops the posts of a thread as comments, readability keeps one
card of a listing), and a donation or subscription appeal from the article around it.

Page features (the same for every block of the page):

- the schema.org types the page declares (JSON-LD ``@type``, microdata ``itemtype``)
  and its ``og:type``, as five kinds: article, product, discussion, list,
  documentation;
- shares of the page's blocks that are headings, that are mostly links, that hold a
  price, that look like a date line ("Mar 3, 2025", "2 hours ago"), and how often the
  shape of a block (its tag and depth, with its neighbours') repeats: posts and cards
  repeat the same run of blocks.

Block features: the same signals per block (a price, a date line, its shape's repeat
count), and phrases of an appeal (support, donate, subscribe, become a member...)
with its neighbours' count of them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .blocks import DomBlock

KINDS = ("article", "product", "discussion", "list", "documentation")
_TYPE_KIND = {
    **dict.fromkeys(
        (
            "article",
            "newsarticle",
            "blogposting",
            "report",
            "scholarlyarticle",
            "opinionnewsarticle",
            "reportagenewsarticle",
            "analysisnewsarticle",
            "liveblogposting",
            "backgroundnewsarticle",
            "reviewnewsarticle",
            "review",
            "recipe",
        ),
        "article",
    ),
    **dict.fromkeys(
        ("product", "offer", "aggregateoffer", "productgroup", "individualproduct", "car"),
        "product",
    ),
    **dict.fromkeys(
        (
            "discussionforumposting",
            "qapage",
            "question",
            "answer",
            "comment",
            "socialmediaposting",
        ),
        "discussion",
    ),
    **dict.fromkeys(
        ("itemlist", "collectionpage", "searchresultspage", "offercatalog", "jobposting"),
        "list",
    ),
    **dict.fromkeys(("techarticle", "apireference", "howto", "faqpage"), "documentation"),
}
_OG_KIND = {"article": "article", "product": "product", "og:product": "product"}
_LD_TYPE = re.compile(r"\"@type\"\s*:\s*\[?\s*\"(?:https?://schema\.org/)?([A-Za-z]+)\"")
_ITEMTYPE = re.compile(r"itemtype\s*=\s*[\"']?https?://schema\.org/([A-Za-z]+)")
_OG_TYPE = re.compile(r"og:type[\"']?[^>]{0,80}?content\s*=\s*[\"']([\w:.]+)", re.IGNORECASE)

_PRICE = re.compile(r"[$€£¥₹]\s?\d|\d[\d.,]*\s?(?:€|\$|£|EUR|USD|GBP|CHF|kr|zł)\b", re.IGNORECASE)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}"
    r"|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
    r"|\d+ (?:second|minute|hour|day|week|month|year)s? ago)\b",
    re.IGNORECASE,
)
#: the language of an appeal for money, a subscription or a sign-up
_APPEAL = re.compile(
    r"\b(?:your support|support (?:us|our|independent|quality)|donat(?:e|ion|ing)"
    r"|contribut(?:e|ion)|subscri(?:be|ption)|sign(?:ing)? up|newsletter"
    r"|become a (?:member|subscriber|supporter)|membership|make a (?:gift|contribution)"
    r"|help us|we rely on|paywall|independent journalism|every (?:dollar|pound|euro))\b",
    re.IGNORECASE,
)
#: a date line is short
_DATE_LINE_WORDS = 12

PAGE_FEATURES = (
    *(f"kind_{k}" for k in KINDS),
    "page_log_blocks",
    "page_heading_share",
    "page_link_share",
    "page_price_share",
    "page_date_share",
    "page_repeat_share",
)
BLOCK_FEATURES = (
    "has_price",
    "date_line",
    "shape_repeats",
    "appeal",
    "appeal_neigh",
)
FEATURES = (*PAGE_FEATURES, *BLOCK_FEATURES)


def leader_feature_names(members: Sequence[str]) -> list[str]:
    """The columns of ``leader_features`` for these members (in this order)."""
    names = [*(f"kind_{k}" for k in KINDS), "page_log_words", "page_log_blocks"]
    names += [f"{m}_log_words" for m in members] + [f"{m}_share" for m in members]
    names += [f"agree_{a}_{b}" for i, a in enumerate(members) for b in members[i + 1 :]]
    names += ["page_heading_share", "page_link_share", "page_price_share", "page_date_share"]
    return names


def leader_features(
    html: str, blocks: Sequence[DomBlock], member_tokens: Sequence[Sequence[Sequence[str]]]
) -> np.ndarray:
    """One row of page evidence for choosing the member that leads: the declared
    kinds, the page's size, each member's output size (absolute and as a share of the
    page) and how much each pair of members agrees (shingle F1 of their outputs)."""
    import numpy as np

    from .scoring import SHINGLE

    kinds = declared_kinds(html)
    page_words = sum(b.words for b in blocks)
    row: list[float] = [float(k in kinds) for k in KINDS]
    row += [math.log1p(page_words), math.log1p(len(blocks))]
    sizes = [sum(len(t) for t in toks) for toks in member_tokens]
    row += [math.log1p(s) for s in sizes] + [s / max(page_words, 1) for s in sizes]
    grams = _shingle_counts(member_tokens, SHINGLE)
    row += [
        _agreement(grams[i], grams[j]) for i in range(len(grams)) for j in range(i + 1, len(grams))
    ]
    n = len(blocks) or 1
    texts = [b.text for b in blocks]
    row += [
        sum(b.tag in ("h1", "h2", "h3", "h4", "h5", "h6") for b in blocks) / n,
        sum(b.link_chars * 2 > len(b.text) for b in blocks) / n,
        sum(_PRICE.search(t) is not None for t in texts) / n,
        sum(b.words <= _DATE_LINE_WORDS and _DATE.search(b.text) is not None for b in blocks) / n,
    ]
    return np.array([row], dtype=np.float64)


def _shingle_counts(
    member_tokens: Sequence[Sequence[Sequence[str]]], k: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each member's ``k``-token windows (over its blocks run together) as a multiset:
    sorted distinct codes and their counts (``blocks.gram_codes``: equal windows, equal
    codes), as ``scoring.shingles`` counts them but in numpy."""
    import numpy as np

    from .blocks import gram_codes

    flats = [list(itertools.chain.from_iterable(toks)) for toks in member_tokens]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(itertools.chain.from_iterable(flats)))}
    ids = [np.fromiter(map(vocab.__getitem__, flat), np.int64, len(flat)) for flat in flats]
    base = len(vocab) + 1
    out = []
    for a in ids:
        codes, counts = np.unique(gram_codes(a, base, k), return_counts=True)
        out.append((codes, counts))
    return out


def _agreement(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """``scoring.shingle_agreement`` of two ``_shingle_counts`` multisets."""
    import numpy as np

    total = int(a[1].sum()) + int(b[1].sum())
    if not total:
        return 1.0
    _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    common = int(np.minimum(a[1][ia], b[1][ib]).sum())
    return 2 * common / total


def declared_kinds(html: str) -> set[str]:
    """The kinds of the schema.org types and ``og:type`` the page declares."""
    kinds = set()
    for pattern in (_LD_TYPE, _ITEMTYPE):
        for name in pattern.findall(html):
            kind = _TYPE_KIND.get(name.lower())
            if kind is not None:
                kinds.add(kind)
    at = html.find("og:type")
    if at >= 0:  # the window reaches back, but content= is read after the property only
        for value in _OG_TYPE.findall(html, max(0, at - 120), at + 200):
            kind = _OG_KIND.get(value.lower())
            if kind is not None:
                kinds.add(kind)
    return kinds


def features(html: str, blocks: Sequence[DomBlock]) -> np.ndarray:
    """One row per block, columns as ``FEATURES``."""
    import numpy as np

    n = len(blocks)
    X = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return X
    kinds = declared_kinds(html)
    texts = [b.text for b in blocks]
    price = np.fromiter((_PRICE.search(t) is not None for t in texts), bool, n)
    date = np.fromiter(
        (b.words <= _DATE_LINE_WORDS and _DATE.search(b.text) is not None for b in blocks),
        bool,
        n,
    )
    heading = np.fromiter((b.tag in ("h1", "h2", "h3", "h4", "h5", "h6") for b in blocks), bool, n)
    links = np.fromiter((b.link_chars * 2 > len(b.text) for b in blocks), bool, n)
    # a block's shape: its tag and depth, with its neighbours'
    shapes = [(b.tag, b.depth) for b in blocks]
    edge = ("", -1)
    trigrams = [
        (shapes[i - 1] if i else edge, shapes[i], shapes[i + 1] if i + 1 < n else edge)
        for i in range(n)
    ]
    counts = Counter(trigrams)
    repeats = np.fromiter((counts[t] for t in trigrams), np.float64, n)
    appeal = np.fromiter((len(_APPEAL.findall(t)) for t in texts), np.float64, n)
    words = np.fromiter((b.words for b in blocks), np.float64, n)
    total = words.sum() or 1.0
    j = 0
    for kind in KINDS:
        X[:, j] = kind in kinds
        j += 1
    X[:, j] = math.log1p(n)
    X[:, j + 1] = heading.mean()
    X[:, j + 2] = links.mean()
    X[:, j + 3] = price.mean()
    X[:, j + 4] = date.mean()
    X[:, j + 5] = float(words[repeats >= 3].sum() / total)
    j += 6
    X[:, j] = price
    X[:, j + 1] = date
    X[:, j + 2] = np.log1p(repeats)
    X[:, j + 3] = appeal
    kernel = np.ones(5)
    kernel[2] = 0.0
    X[:, j + 4] = np.convolve(appeal, kernel)[2 : 2 + n]
    return X
