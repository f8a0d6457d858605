"""A page cut into DOM blocks, with the features the consensus model reads.

- ``segment(root)``: the text runs between block-level tags of a parsed page, in page
  order (an iterative walk: pages can nest deeply), each a ``DomBlock`` with its DOM
  context (tag, depth, link characters, boilerplate-like class/id tokens, ...).
- ``assign_roles(blocks, root)``: title (the page headline), lead (standfirst), caption,
  else body. Which of these belong in the output is the user's choice, not the model's.
- ``vote_features(blocks, members)``: one feature row per block: the DOM features plus
  the member extractors' votes (a member *selects* a block when at least half of the
  block's 4-token shingles occur in its output).
- ``label_blocks(blocks, gold)``: positive when at least half of a block's shingles
  occur in the gold text (training data).

Only lxml is needed here; numpy is imported by ``vote_features``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .htmltree import BLOCK_TAGS, SKIP_TAGS, body_of, collapse_ws, strip_invisible
from .scoring import SHINGLE, tokens

if TYPE_CHECKING:
    import numpy as np
    from lxml.html import HtmlElement

# -- class / id vocabulary -------------------------------------------------------------
# Generic web vocabulary (no site's own names): each group is one feature bit.
_GROUPS: dict[str, tuple[str, ...]] = {
    "nav": ("nav", "menu", "breadcrumb", "pagination", "pager", "toolbar", "masthead", "skip"),
    "footer": ("footer", "copyright", "colophon", "legal"),
    "header": ("header", "topbar", "top-bar"),
    "comment": ("comment", "disqus", "reply", "discussion", "forum", "engage"),
    "share": ("share", "sharing", "social", "facebook", "twitter", "whatsapp", "pinterest"),
    "related": (
        "related", "recommend", "more-stories", "readmore", "read-more", "popular",
        "trending", "outbrain", "taboola", "teaser", "also", "next-", "prev-",
    ),
    "ad": ("advert", "sponsor", "promo", "banner", "dfp", "adslot", "ad-slot", "commercial"),
    "newsletter": ("newsletter", "subscri", "signup", "sign-up", "register", "paywall", "regwall"),
    "cookie": ("cookie", "consent", "gdpr", "privacy"),
    "donate": ("donat", "support", "contribut", "membership", "appeal"),
    "sidebar": ("sidebar", "aside", "widget", "rail"),
    "meta": ("byline", "author", "dateline", "date", "time", "meta", "tags", "categor"),
    "content": ("article", "content", "entry", "post", "story", "body", "text"),
    "hidden": ("hidden", "sr-only", "visually-hidden", "screen-reader", "offscreen"),
}  # fmt: skip
#: whole class/id tokens (split at non-alphanumerics) of standfirsts and captions
_LEAD_TOKENS = frozenset(
    {"standfirst", "dek", "deck", "lead", "lede", "summary", "subtitle", "subheadline"}
    | {"intro", "excerpt", "teaser-text", "strapline", "kicker-text", "description"}
)
_CAPTION_TOKENS = frozenset({"caption", "figcaption", "credit", "credits", "wp-caption-text"})
_AD_TOKENS = frozenset({"ad", "ads", "advertisement", "adv"})

GROUP_NAMES = tuple(_GROUPS)
#: one pattern per group: any of its needles as a substring
_GROUP_PATTERNS = tuple(
    (g, re.compile("|".join(re.escape(n) for n in needles))) for g, needles in _GROUPS.items()
)
_GROUP_BIT = {g: 1 << i for i, g in enumerate(GROUP_NAMES)}
_N = len(GROUP_NAMES)
#: element-tag bits, after the class/id groups
_TAG_BITS = (
    "article", "main", "aside", "nav", "footer", "header", "form", "figure",
    "figcaption", "table", "a", "li", "heading", "blockquote", "button", "label",
)  # fmt: skip
_TAG_BIT = {t: 1 << (_N + i) for i, t in enumerate(_TAG_BITS)}
_LEAD_BIT = 1 << (_N + len(_TAG_BITS))
_CAPTION_BIT = _LEAD_BIT << 1
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NAME_ATTRS = ("class", "id", "role", "data-component", "data-module")
#: groups that mark a box of boilerplate when the element holding the name is small
BOX_GROUPS = (
    "nav", "footer", "comment", "share", "related", "ad", "newsletter", "cookie",
    "donate", "sidebar", "meta",
)  # fmt: skip
_BOX_BITS = sum(_GROUP_BIT[g] for g in BOX_GROUPS)
#: a named element is a box when it holds less than this share of the page's text
BOX_SHARE = 0.5
#: whole class/id tokens of comment prompts, cookie banners and donation appeals: text
#: inside a small element so named is vetoed by the consensus
VETO_TOKENS = frozenset(
    {"comment", "comments", "commenting", "disqus", "engage", "engagement"}
    | {"cookie", "cookies", "consent", "gdpr", "cmp"}
    | {"donate", "donation", "donations", "appeal", "contribute", "contributions"}
)
#: words of calls to action (English): share of a block's tokens
_CALL_WORDS = frozenset(
    {"subscribe", "subscription", "newsletter", "sign", "signup", "donate", "donation"}
    | {"support", "comment", "comments", "commenting", "register", "registering", "cookie"}
    | {"cookies", "advertisement", "share", "follow", "login", "log", "join", "click"}
    | {"email", "inbox", "privacy", "consent", "accept", "premium", "membership"}
)
_SPLIT = re.compile(r"[^a-z0-9]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_PUNCT = re.compile(r"[.,;:!?\"'()«»“”‘’—–-]")
_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)]?(?:\s|$)")

ROLES = ("title", "lead", "caption", "body")
_STATS_CHARS = 300


def _own_mask(el: HtmlElement) -> int:
    tag = el.tag
    mask = 0
    if tag in _TAG_BIT:
        mask |= _TAG_BIT[tag]
    elif tag in _HEADINGS:
        mask |= _TAG_BIT["heading"]
    elif tag in ("ul", "ol", "dl", "dd", "dt"):
        mask |= _TAG_BIT["li"]
    elif tag == "caption":
        mask |= _CAPTION_BIT
    if tag == "figcaption":
        mask |= _CAPTION_BIT
    attrib = el.attrib
    if not attrib:
        return mask
    names = " ".join(v for v in (attrib.get(a) for a in _NAME_ATTRS) if v)
    if not names:
        return mask
    cached = _name_masks.get(names)
    if cached is None:
        cached = _names_mask(names.lower())
        if len(_name_masks) < 20_000:
            _name_masks[names] = cached
    return mask | cached


_name_masks: dict[str, int] = {}


def _names_mask(names: str) -> int:
    """The group bits of an element's class/id/role names (lower case)."""
    mask = 0
    for group, pattern in _GROUP_PATTERNS:
        if pattern.search(names):
            mask |= _GROUP_BIT[group]
    words = set(_SPLIT.split(names))
    if words & _AD_TOKENS:
        mask |= _GROUP_BIT["ad"]
    if words & _LEAD_TOKENS or "standfirst" in names:
        mask |= _LEAD_BIT
    if words & _CAPTION_TOKENS or "caption" in names:
        mask |= _CAPTION_BIT
    return mask


def _vetoed(el: HtmlElement) -> bool:
    names = " ".join(v for v in (el.get(a) for a in _NAME_ATTRS) if v).lower()
    return bool(VETO_TOKENS.intersection(_SPLIT.split(names)))


@dataclass
class DomBlock:
    """One text run between block-level tags."""

    text: str
    index: int
    #: innermost enclosing block-level tag
    tag: str
    depth: int
    #: OR of the class/id group bits and tag bits of the elements the text sits in
    mask: int
    link_chars: int
    #: the group bits of small named elements (boxes) the text sits in
    box: int = 0
    #: all of the text lies in a small element named like a comment prompt, a cookie
    #: banner or a donation appeal (``VETO_TOKENS``)
    veto: bool = False
    kind: str = "p"
    role: str = "body"
    toks: list[str] = field(default_factory=list, repr=False)

    @property
    def words(self) -> int:
        return len(self.toks)

    def in_box(self, *groups: str) -> bool:
        """Inside a small element named after one of these groups."""
        return any(self.box & _GROUP_BIT[g] for g in groups)

    def has(self, name: str) -> bool:
        bit = _GROUP_BIT.get(name) or _TAG_BIT.get(name) or 0
        return bool(self.mask & bit)

    @property
    def lead_like(self) -> bool:
        return bool(self.mask & _LEAD_BIT)

    @property
    def caption_like(self) -> bool:
        return bool(self.mask & _CAPTION_BIT)


def _kind(tag: str, mask: int) -> str:
    if tag in _HEADINGS:
        return tag
    if tag in ("li", "dd", "dt"):
        return "li"
    if tag == "blockquote":
        return "quote"
    if tag == "pre":
        return "pre"
    if tag in ("figcaption", "caption") or mask & _CAPTION_BIT:
        return "caption"
    return "p"


def is_hidden(el: HtmlElement) -> bool:
    """Hidden from a reader: ``hidden``, ``aria-hidden="true"`` or an inline style
    with display:none / visibility:hidden."""
    attrib = el.attrib
    if not attrib:
        return False
    if attrib.get("hidden") is not None or attrib.get("aria-hidden") == "true":
        return True
    style = attrib.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def segment(root: HtmlElement) -> list[DomBlock]:
    """The visible text of a parsed page as ``DomBlock``\\ s in page order."""
    body = body_of(root)
    blocks: list[DomBlock] = []
    buf: list[str] = []
    state = {"mask": 0, "link": 0, "box": 0, "veto": 1}
    block_tags: list[str] = [body.tag if isinstance(body.tag, str) else "body"]

    def add(text: str | None, mask: int, box: int, veto: int) -> None:
        if text:
            buf.append(text)
            if text.strip():
                state["mask"] |= mask
                state["box"] |= box
                state["veto"] &= veto
                if mask & _TAG_BIT["a"]:
                    state["link"] += len(text.strip())

    def flush(depth: int) -> None:
        if not buf:
            return
        text = collapse_ws(strip_invisible("".join(buf)))
        buf.clear()
        mask, link, box, veto = state["mask"], state["link"], state["box"], state["veto"]
        state["mask"] = state["link"] = state["box"] = 0
        state["veto"] = 1
        if not text:
            return
        toks = tokens(text)
        if not toks:
            return
        tag = block_tags[-1]
        blocks.append(
            DomBlock(
                text=text,
                index=len(blocks),
                tag=tag,
                depth=depth,
                mask=mask,
                link_chars=min(link, len(text)),
                box=box,
                veto=bool(veto),
                kind=_kind(tag, mask),
                toks=toks,
            )
        )

    def skipped(el: HtmlElement) -> bool:
        tag = el.tag
        return not isinstance(tag, str) or tag in SKIP_TAGS or is_hidden(el)

    if skipped(body):
        return []
    limit = BOX_SHARE * len(body.text_content())
    # frames: (element, its children, the cumulative mask and box bits inside it)
    mask0 = _own_mask(body)
    stack: list[tuple[HtmlElement, Iterator[HtmlElement], int, int, int]] = [
        (body, iter(body), mask0, 0, 0)
    ]
    add(body.text, mask0, 0, 0)
    while stack:
        el, children, mask, box, veto = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if el.tag in BLOCK_TAGS:
                flush(len(stack) + 1)
                if len(block_tags) > 1:
                    block_tags.pop()
            if stack:
                add(el.tail, *stack[-1][2:])
            continue
        if skipped(child):
            add(child.tail, mask, box, veto)
            continue
        tag = child.tag
        if tag in ("br", "hr"):
            flush(len(stack))
            add(child.tail, mask, box, veto)
            continue
        own = _own_mask(child)
        cmask = mask | own
        cbox, cveto = box, veto
        if own & _BOX_BITS and len(child.text_content()) < limit:
            cbox |= own & _BOX_BITS
            if not veto and _vetoed(child):
                cveto = 1
        if tag in BLOCK_TAGS:
            flush(len(stack))
            block_tags.append(tag)
        add(child.text, cmask, cbox, cveto)
        stack.append((child, iter(child), cmask, cbox, cveto))
    flush(1)
    return blocks


# -- shingles --------------------------------------------------------------------------

Shingle = tuple[str, ...]


def shingle_set(toks: Sequence[str]) -> set[Shingle]:
    if not toks:
        return set()
    if len(toks) < SHINGLE:
        return {tuple(toks)}
    return {tuple(toks[i : i + SHINGLE]) for i in range(len(toks) - SHINGLE + 1)}


@dataclass
class TextIndex:
    """The shingles of one text (a member's output, the gold), for block look-ups."""

    shingles: set[Shingle]
    #: its tokens joined by spaces, between spaces (for blocks shorter than a shingle)
    short: str
    #: the token tuples of its lines / blocks
    lines: set[Shingle]
    words: int

    @classmethod
    def of(cls, parts: Sequence[str]) -> TextIndex:
        return cls.of_tokens([tokens(part) for part in parts])

    @classmethod
    def of_tokens(cls, parts: Sequence[Sequence[str]]) -> TextIndex:
        toks: list[str] = []
        lines: set[Shingle] = set()
        for t in parts:
            if t:
                lines.add(tuple(t))
                toks.extend(t)
        return cls(shingle_set(toks), f" {' '.join(toks)} ", lines, len(toks))

    def coverage(
        self, toks: Sequence[str], own: set[Shingle] | None = None, inside: float = 0.4
    ) -> float:
        """The share of a block's shingles found in this text. A block shorter than a
        shingle: 1 when it is one of the text's lines, ``inside`` when it only occurs
        inside one (a word or two is found almost anywhere: not a selection)."""
        if not toks:
            return 0.0
        if len(toks) < SHINGLE:
            key = tuple(toks)
            if key in self.lines:
                return 1.0
            return inside if f" {' '.join(toks)} " in self.short else 0.0
        sh = own if own is not None else shingle_set(toks)
        if not sh:
            return 0.0
        return len(sh & self.shingles) / len(sh)


def label_blocks(blocks: Sequence[DomBlock], gold: str) -> list[bool]:
    """Each block's label against a gold text: at least half its shingles in the gold."""
    index = TextIndex.of(gold.splitlines())
    return [index.coverage(b.toks, inside=0.0) >= 0.5 for b in blocks]


# -- roles -----------------------------------------------------------------------------


def _meta(root: HtmlElement, *keys: str) -> list[str]:
    found = []
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in keys:
            content = collapse_ws(meta.get("content") or "")
            if content:
                found.append(content)
    return found


def headlines(root: HtmlElement) -> list[list[str]]:
    """Token lists of the page's headline candidates: og/twitter title, ``<title>``,
    the first ``<h1>`` elements."""
    found = _meta(root, "og:title", "twitter:title")
    for el in root.iter("title"):
        found.append(collapse_ws(el.text_content()))
        break
    for i, el in enumerate(root.iter("h1")):
        if i >= 3:
            break
        found.append(collapse_ws(el.text_content()))
    return [t for t in (tokens(f) for f in found) if t]


def _contains(seq: Sequence[str], sub: Sequence[str]) -> bool:
    n = len(sub)
    return any(list(seq[i : i + n]) == list(sub) for i in range(len(seq) - n + 1))


def _is_title(toks: list[str], candidates: list[list[str]]) -> bool:
    low = [t.lower() for t in toks]
    for cand in candidates:
        c = [t.lower() for t in cand]
        if low == c:
            return True
        if len(low) >= 3 and len(low) >= 0.6 * len(c) and _contains(c, low):
            return True
    return False


def _near(a: list[str], b: list[str]) -> bool:
    """Near-identical token lists (shingle agreement >= .8)."""
    sa, sb = shingle_set(a), shingle_set(b)
    if not sa or not sb:
        return False
    return 2 * len(sa & sb) / (len(sa) + len(sb)) >= 0.8


def assign_roles(blocks: Sequence[DomBlock], root: HtmlElement) -> None:
    """Set each block's ``role``: title (the headline: matches ``<h1>``, og:title or
    ``<title>``, in the first part of the page), lead (a standfirst before the body:
    class tokens like standfirst/dek/summary/subtitle/intro, or near-identical to the
    meta description), caption (figcaption, table caption, class caption/credit), else
    body. The model decides body against boilerplate; the user's options decide titles,
    leads and captions."""
    if not blocks:
        return
    candidates = headlines(root)
    descriptions = [tokens(d) for d in _meta(root, "description", "og:description")]
    n = len(blocks)
    # the body starts at the first long prose block
    body_start = next(
        (b.index for b in blocks if b.words >= 40 and b.link_chars < 0.3 * len(b.text)), n
    )
    title_seen = False
    for b in blocks:
        early = b.index < max(0.6 * n, 5)
        if b.caption_like and b.words <= 120:
            b.role = "caption"
        elif early and b.words <= 40 and _is_title(b.toks, candidates):
            b.role = "title"
            title_seen = True
        elif (
            b.index <= body_start
            and b.words <= 120
            and not b.has("a")
            and (b.lead_like or any(_near(b.toks, d) for d in descriptions))
            and (title_seen or b.index < 0.3 * n)
        ):
            b.role = "lead"


# -- features --------------------------------------------------------------------------

#: DOM feature names (the vote features follow, per member)
_DOM_FEATURES = (
    "depth", "log_words", "log_chars", "link_density", "punct_share", "sentence_ends",
    "ends_sentence", "starts_upper", "rel_pos", "rel_char_pos", "dist_dense",
    "dist_dense_chars", "is_heading", "heading_level", "is_li", "is_td", "is_quote",
    "tag_p", "tag_div", "n_groups", "digits_share", "upper_share", "prev_words",
    "next_words", "call_words", "call_share", "n_boxes",
    *(f"cls_{g}" for g in GROUP_NAMES),
    *(f"in_{t}" for t in _TAG_BITS),
    *(f"box_{g}" for g in BOX_GROUPS),
)  # fmt: skip


def feature_names(n_members: int) -> list[str]:
    """Column names: the DOM features, then per member (``m1`` is the strongest member
    of the page, the others follow in their order of strength) selected, coverage,
    inside its span, its neighbours' votes, its output length / page text."""
    names = list(_DOM_FEATURES)
    for k in range(1, n_members + 1):
        m = f"m{k}"
        names += [f"{m}_sel", f"{m}_cov", f"{m}_span", f"{m}_neigh", f"{m}_len"]
    names += [
        "share_sel",
        "n_sel",
        "strong_sel",
        "strong_cov",
        "strong_span",
        "strong_neigh",
        "strong_len",
        "others_sel",
        "share_neigh",
    ]
    return names


def _dense_center(words: list[float]) -> int:
    """Index of the block at the centre of the densest text region (a window of 7)."""
    best, where, run = -1.0, 0, 0.0
    w = 3
    n = len(words)
    prefix = [0.0]
    for x in words:
        run += x
        prefix.append(run)
    for i in range(n):
        s = prefix[min(n, i + w + 1)] - prefix[max(0, i - w)]
        if s > best:
            best, where = s, i
    return where


def _span(sel: list[bool]) -> list[bool]:
    idx = [i for i, s in enumerate(sel) if s]
    if not idx:
        return [False] * len(sel)
    lo, hi = idx[0], idx[-1]
    return [lo <= i <= hi for i in range(len(sel))]


def _neigh(values: Sequence[float], k: int = 2) -> np.ndarray:
    """The mean of the ``k`` values on each side of each position (itself left out)."""
    import numpy as np

    a = np.asarray(values, dtype=np.float64)
    n = len(a)
    kernel = np.ones(2 * k + 1)
    kernel[k] = 0.0
    sums = np.convolve(a, kernel)[k : k + n]
    counts = np.convolve(np.ones(n), kernel)[k : k + n]
    out: np.ndarray = np.divide(sums, counts, out=np.zeros(n), where=counts > 0)
    return out


@dataclass
class Votes:
    """Which members selected each block (and how much of it)."""

    members: list[str]
    #: per member: coverage of each block by that member's output
    coverage: dict[str, list[float]]
    #: per member: selected (coverage >= .5)
    selected: dict[str, list[bool]]
    #: per member: output words / page words
    length: dict[str, float]


def member_votes(
    blocks: Sequence[DomBlock], members: Mapping[str, Sequence[Sequence[str]]], order: Sequence[str]
) -> Votes:
    """The votes of the members (each given as its blocks' token lists) on the blocks."""
    page_words = sum(b.words for b in blocks) or 1
    shingles = [shingle_set(b.toks) if b.words >= SHINGLE else None for b in blocks]
    coverage: dict[str, list[float]] = {}
    selected: dict[str, list[bool]] = {}
    length: dict[str, float] = {}
    for name in order:
        index = TextIndex.of_tokens(members.get(name, ()))
        cov = [index.coverage(b.toks, s) for b, s in zip(blocks, shingles, strict=True)]
        coverage[name] = cov
        selected[name] = [c >= 0.5 for c in cov]
        length[name] = index.words / page_words
    return Votes(list(order), coverage, selected, length)


def vote_features(blocks: Sequence[DomBlock], votes: Votes, strongest: str) -> np.ndarray:
    """The feature matrix (one row per block, columns as ``feature_names``)."""
    import numpy as np

    n = len(blocks)
    names = feature_names(len(votes.members))
    X = np.zeros((n, len(names)), dtype=np.float64)
    if n == 0:
        return X
    words = [float(b.words) for b in blocks]
    chars = [len(b.text) for b in blocks]
    total_chars = sum(chars) or 1
    prose = [
        w * (1 - min(1.0, b.link_chars / max(1, len(b.text))))
        for w, b in zip(words, blocks, strict=True)
    ]
    center = _dense_center(prose)
    cum = 0
    char_pos = []
    for c in chars:
        char_pos.append(cum + c / 2)
        cum += c
    center_chars = char_pos[center]
    bits_cache: dict[tuple[int, int], list[float]] = {}
    rows = []
    for i, b in enumerate(blocks):
        full = b.text
        nc = len(full)
        text = full[:_STATS_CHARS]  # character statistics on the first chars
        nt = len(text)
        letters = sum(map(str.isalpha, text)) or 1
        tag = b.tag
        heading = tag in _HEADINGS
        calls = sum(t.lower() in _CALL_WORDS for t in b.toks)
        key = (b.mask, b.box)
        bits = bits_cache.get(key)
        if bits is None:
            bits = [float(bool(b.mask & (1 << j))) for j in range(_N)]
            bits += [float(bool(b.mask & _TAG_BIT[t])) for t in _TAG_BITS]
            bits += [float(bool(b.box & _GROUP_BIT[g])) for g in BOX_GROUPS]
            bits_cache[key] = bits
        rows.append(
            [
                b.depth,
                math.log1p(b.words),
                math.log1p(nc),
                b.link_chars / nc,
                len(_PUNCT.findall(text)) / nt,
                len(_SENTENCE_END.findall(full)),
                float(full[-1] in ".!?…。！？\"'”’»)"),
                float(text[0].isupper()),
                i / n,
                char_pos[i] / total_chars,
                (i - center) / n,
                (char_pos[i] - center_chars) / total_chars,
                float(heading),
                int(tag[1]) if heading else 0,
                float(tag in ("li", "dd", "dt")),
                float(tag in ("td", "th")),
                float(tag == "blockquote"),
                float(tag == "p"),
                float(tag == "div"),
                bin(b.mask & ((1 << _N) - 1)).count("1"),
                sum(map(str.isdigit, text)) / nt,
                sum(map(str.isupper, text)) / letters,
                math.log1p(words[i - 1]) if i > 0 else 0.0,
                math.log1p(words[i + 1]) if i + 1 < n else 0.0,
                calls,
                calls / max(1, b.words),
                bin(b.box).count("1"),
                *bits,
            ]
        )
    col = len(_DOM_FEATURES)
    X[:, :col] = np.array(rows, dtype=np.float64)
    sel_matrix = np.zeros((n, len(votes.members)))
    spans: dict[str, list[bool]] = {}
    neighs: dict[str, np.ndarray] = {}
    for k, m in enumerate(votes.members):
        sel = votes.selected[m]
        spans[m] = _span(sel)
        neighs[m] = _neigh(sel)
        sel_matrix[:, k] = sel
        X[:, col] = sel
        X[:, col + 1] = votes.coverage[m]
        X[:, col + 2] = spans[m]
        X[:, col + 3] = neighs[m]
        X[:, col + 4] = votes.length[m]
        col += 5
    share = sel_matrix.mean(axis=1)
    X[:, col] = share
    X[:, col + 1] = sel_matrix.sum(axis=1)
    X[:, col + 2] = votes.selected[strongest]
    X[:, col + 3] = votes.coverage[strongest]
    X[:, col + 4] = spans[strongest]
    X[:, col + 5] = neighs[strongest]
    X[:, col + 6] = votes.length[strongest]
    X[:, col + 7] = X[:, col + 1] - X[:, col + 2]
    X[:, col + 8] = _neigh(share)
    return X
