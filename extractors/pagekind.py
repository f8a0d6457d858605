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

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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
_CONTENT = re.compile(r"\bcontent\s*=\s*[\"']?([\w:.]+)", re.IGNORECASE)

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
#: a word of every ``_APPEAL`` phrase, case-folded (``appeal_phrases``' pre-check)
_APPEAL_WORDS = (
    "support",
    "donat",
    "contribut",
    "subscri",
    "sign",
    "newsletter",
    "member",
    "gift",
    "help us",
    "rely on",
    "paywall",
    "journalism",
    "every",
)
_HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
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


@dataclass
class PageSignals:
    """What the page features and the leader row both read, computed once a page:
    the declared kinds and, per block, whether it is a heading, is mostly links, holds
    a price or is a date line."""

    kinds: set[str]
    heading: np.ndarray
    links: np.ndarray
    price: np.ndarray
    date: np.ndarray


def signals(html: str, blocks: Sequence[DomBlock]) -> PageSignals:
    """The ``PageSignals`` of a page and its blocks."""
    import numpy as np

    n = len(blocks)
    return PageSignals(
        kinds=declared_kinds(html),
        heading=np.fromiter((b.tag in _HEADING_TAGS for b in blocks), bool, n),
        links=np.fromiter((b.link_chars * 2 > len(b.text) for b in blocks), bool, n),
        price=np.fromiter((_PRICE.search(b.text) is not None for b in blocks), bool, n),
        date=np.fromiter(
            (b.words <= _DATE_LINE_WORDS and _DATE.search(b.text) is not None for b in blocks),
            bool,
            n,
        ),
    )


def leader_features(
    page: PageSignals,
    blocks: Sequence[DomBlock],
    member_words: Sequence[int],
    member_grams: Sequence[np.ndarray],
) -> np.ndarray:
    """One row of page evidence for choosing the member that leads: the declared
    kinds, the page's size, each member's output size (absolute and as a share of the
    page) and how much each pair of members agrees (shingle F1 of their outputs).
    Per member: its words, and its shingle codes sorted, all members' in one code
    space (``alignment.Alignment.text_grams``)."""
    import numpy as np

    page_words = sum(b.words for b in blocks)
    row: list[float] = [float(k in page.kinds) for k in KINDS]
    row += [math.log1p(page_words), math.log1p(len(blocks))]
    row += [math.log1p(s) for s in member_words] + [s / max(page_words, 1) for s in member_words]
    grams = [_multiset(g) for g in member_grams]
    row += [
        _agreement(grams[i], grams[j]) for i in range(len(grams)) for j in range(i + 1, len(grams))
    ]
    n = len(blocks) or 1
    row += [
        int(page.heading.sum()) / n,
        int(page.links.sum()) / n,
        int(page.price.sum()) / n,
        int(page.date.sum()) / n,
    ]
    return np.array([row], dtype=np.float64)


def _multiset(sorted_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted codes as a multiset: the distinct codes and their counts."""
    import numpy as np

    if not len(sorted_codes):
        return sorted_codes, np.zeros(0, dtype=np.int64)
    new = np.ones(len(sorted_codes), dtype=bool)
    new[1:] = sorted_codes[1:] != sorted_codes[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(sorted_codes)))
    return sorted_codes[starts], counts


def _agreement(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """``scoring.shingle_agreement`` of two ``_multiset``\\ s."""
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
    if at >= 0:  # the tag around the first og:type: its content= before or after it
        start, end = html.rfind("<", max(0, at - 300), at), html.find(">", at)
        found = _CONTENT.search(html, start if start >= 0 else at, end if end >= 0 else at + 300)
        kind = _OG_KIND.get(found.group(1).lower()) if found else None
        if kind is not None:
            kinds.add(kind)
    return kinds


def features(page: PageSignals, blocks: Sequence[DomBlock]) -> np.ndarray:
    """One row per block, columns as ``FEATURES``."""
    import numpy as np

    n = len(blocks)
    X = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if n == 0:
        return X
    # a block's shape: its tag and depth, with its neighbours'
    shapes = [(b.tag, b.depth) for b in blocks]
    edge = ("", -1)
    trigrams = [
        (shapes[i - 1] if i else edge, shapes[i], shapes[i + 1] if i + 1 < n else edge)
        for i in range(n)
    ]
    counts = Counter(trigrams)
    repeats = np.fromiter((counts[t] for t in trigrams), np.float64, n)
    appeal = np.fromiter((appeal_phrases(b.text) for b in blocks), np.float64, n)
    words = np.fromiter((b.words for b in blocks), np.float64, n)
    total = words.sum() or 1.0
    j = 0
    for kind in KINDS:
        X[:, j] = kind in page.kinds
        j += 1
    X[:, j] = math.log1p(n)
    X[:, j + 1] = page.heading.mean()
    X[:, j + 2] = page.links.mean()
    X[:, j + 3] = page.price.mean()
    X[:, j + 4] = page.date.mean()
    X[:, j + 5] = float(words[repeats >= 3].sum() / total)
    j += 6
    X[:, j] = page.price
    X[:, j + 1] = page.date
    X[:, j + 2] = np.log1p(repeats)
    X[:, j + 3] = appeal
    kernel = np.ones(5)
    kernel[2] = 0.0
    X[:, j + 4] = np.convolve(appeal, kernel)[2 : 2 + n]
    return X


def appeal_phrases(text: str) -> int:
    """How many phrases of an appeal (``_APPEAL``) the text holds; the regex runs only
    on a text with one of their words (``_APPEAL_WORDS``: most blocks have none)."""
    # the dotted and dotless capital and small i match "i" in the regex, as casefold()
    # and the rest of these words' letters do
    folded = text.replace("\u0130", "i").casefold().replace("\u0131", "i")
    if not any(word in folded for word in _APPEAL_WORDS):
        return 0
    return len(_APPEAL.findall(text))
