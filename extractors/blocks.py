"""A page cut into DOM blocks: what the consensus votes on.

- ``segment(root)``: the text runs between block-level tags of a parsed page, in page
  order (an iterative walk: pages can nest deeply), each a ``DomBlock`` with its DOM
  context (tag, depth, link characters, boilerplate-like class/id tokens, ...) as bits
  of the generic class/id vocabulary below.
- ``assign_roles(blocks, root)``: title (the page headline), lead (standfirst), caption,
  else body. Which of these belong in the output is the user's choice, not the model's.

Only lxml is needed here. The model's rows are ``block_features``'s; the members'
coverage of each block is ``alignment``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .htmltree import BLOCK_TAGS, SKIP_TAGS, body_of, collapse_ws, strip_invisible
from .scoring import shingle_set, tokens

if TYPE_CHECKING:
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
GROUP_BIT = {g: 1 << i for i, g in enumerate(GROUP_NAMES)}
GROUP_COUNT = len(GROUP_NAMES)
#: element-tag bits, after the class/id groups
TAG_BITS = (
    "article", "main", "aside", "nav", "footer", "header", "form", "figure",
    "figcaption", "table", "a", "li", "heading", "blockquote", "button", "label",
)  # fmt: skip
TAG_BIT = {t: 1 << (GROUP_COUNT + i) for i, t in enumerate(TAG_BITS)}
_LEAD_BIT = 1 << (GROUP_COUNT + len(TAG_BITS))
_CAPTION_BIT = _LEAD_BIT << 1
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_NAME_ATTRS = ("class", "id", "role", "data-component", "data-module")
#: groups that mark a box of boilerplate when the element holding the name is small
BOX_GROUPS = (
    "nav", "footer", "comment", "share", "related", "ad", "newsletter", "cookie",
    "donate", "sidebar", "meta",
)  # fmt: skip
_BOX_BITS = sum(GROUP_BIT[g] for g in BOX_GROUPS)
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
CALL_WORDS = frozenset(
    {"subscribe", "subscription", "newsletter", "sign", "signup", "donate", "donation"}
    | {"support", "comment", "comments", "commenting", "register", "registering", "cookie"}
    | {"cookies", "advertisement", "share", "follow", "login", "log", "join", "click"}
    | {"email", "inbox", "privacy", "consent", "accept", "premium", "membership"}
)
_SPLIT = re.compile(r"[^a-z0-9]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
PUNCT = re.compile(r"[.,;:!?\"'()«»“”‘’—–-]")
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)]?(?:\s|$)")

ROLES = ("title", "lead", "caption", "body")
STATS_CHARS = 300


def _tag_mask(tag: str) -> int:
    """The tag bits of an element's own tag."""
    mask = _tag_masks.get(tag)
    if mask is None:
        mask = 0
        if tag in TAG_BIT:
            mask |= TAG_BIT[tag]
        elif tag in HEADINGS:
            mask |= TAG_BIT["heading"]
        elif tag in ("ul", "ol", "dl", "dd", "dt"):
            mask |= TAG_BIT["li"]
        elif tag == "caption":
            mask |= _CAPTION_BIT
        if tag == "figcaption":
            mask |= _CAPTION_BIT
        if len(_tag_masks) < 2_000:
            _tag_masks[tag] = mask
    return mask


def _attrs_mask(attrs: Mapping[str, str]) -> int:
    """The group bits of an element's class/id/role names (its attributes given)."""
    names = " ".join(filter(None, map(attrs.get, _NAME_ATTRS)))
    if not names:
        return 0
    cached = _name_masks.get(names)
    if cached is None:
        cached = _names_mask(names.lower())
        if len(_name_masks) < 20_000:
            _name_masks[names] = cached
    return cached


_tag_masks: dict[str, int] = {}
_name_masks: dict[str, int] = {}
_name_vetoes: dict[str, bool] = {}


def _names_mask(names: str) -> int:
    """The group bits of an element's class/id/role names (lower case)."""
    mask = 0
    for group, pattern in _GROUP_PATTERNS:
        if pattern.search(names):
            mask |= GROUP_BIT[group]
    words = set(_SPLIT.split(names))
    if words & _AD_TOKENS:
        mask |= GROUP_BIT["ad"]
    if words & _LEAD_TOKENS or "standfirst" in names:
        mask |= _LEAD_BIT
    if words & _CAPTION_TOKENS or "caption" in names:
        mask |= _CAPTION_BIT
    return mask


def _vetoed(attrs: Mapping[str, str]) -> bool:
    names = " ".join(filter(None, map(attrs.get, _NAME_ATTRS)))
    if not names:
        return False
    cached = _name_vetoes.get(names)
    if cached is None:
        cached = bool(VETO_TOKENS.intersection(_SPLIT.split(names.lower())))
        if len(_name_vetoes) < 20_000:
            _name_vetoes[names] = cached
    return cached


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

    def has(self, name: str) -> bool:
        bit = GROUP_BIT.get(name) or TAG_BIT.get(name) or 0
        return bool(self.mask & bit)

    @property
    def lead_like(self) -> bool:
        return bool(self.mask & _LEAD_BIT)

    @property
    def caption_like(self) -> bool:
        return bool(self.mask & _CAPTION_BIT)


def _kind(tag: str, mask: int) -> str:
    if tag in HEADINGS:
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
    attrs = el.items()
    return _hidden(dict(attrs)) if attrs else False


def _hidden(attrs: Mapping[str, str]) -> bool:
    if attrs.get("hidden") is not None or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


#: elements whose text is not read as text: a menu's options (a reader sees the chosen one)
MENU_TAGS = frozenset({"select"})


def is_unseen(el: HtmlElement) -> bool:
    """A menu or a hidden element (of a page element: not a comment, not SKIP_TAGS):
    its text is not the page's text as a reader sees it."""
    return el.tag in MENU_TAGS or (bool(el.attrib) and is_hidden(el))


def unseen_texts(root: HtmlElement) -> list[str]:
    """The text that ``segment`` leaves out as unseen: hidden elements (``is_hidden``),
    menus (``MENU_TAGS``) and ``<noscript>`` (what a browser running scripts does not
    show: "Please enable JavaScript to view the comments"), a string per text node (a
    menu's options one by one); nested ones inside one of them are not repeated."""
    hidden = [
        el
        for el in body_of(root).iter()
        if isinstance(el.tag, str)
        and (el.tag == "noscript" or (el.tag not in SKIP_TAGS and is_unseen(el)))
    ]
    found = set(hidden)
    out: list[str] = []
    for el in hidden:
        if not any(a in found for a in el.iterancestors()):
            out += [t.strip() for t in el.itertext() if t.strip()]
    return out


def segment(root: HtmlElement) -> list[DomBlock]:
    """The visible text of a parsed page as ``DomBlock``\\ s in page order."""
    body = body_of(root)
    if not isinstance(body.tag, str) or body.tag in SKIP_TAGS or is_hidden(body):
        return []
    blocks: list[DomBlock] = []
    buf: list[str] = []
    # the run of text pieces since the last block boundary: the OR of the masks / boxes
    # and the AND of the vetoes of its non-blank pieces, its link characters, and
    # whether it has a non-blank piece at all
    run_mask = run_box = run_link = 0
    run_veto = 1
    run_text = False
    block_tags: list[str] = [body.tag]
    link_bit = TAG_BIT["a"]

    def add(text: str, mask: int, box: int, veto: int) -> None:
        nonlocal run_mask, run_box, run_link, run_veto, run_text
        buf.append(text)
        stripped = text.strip()
        if stripped:
            run_text = True
            run_mask |= mask
            run_box |= box
            run_veto &= veto
            if mask & link_bit:
                run_link += len(stripped)

    def flush(depth: int) -> None:
        nonlocal run_mask, run_box, run_link, run_veto, run_text
        if not buf:
            return
        if not run_text:  # blank pieces only: no text, and the state is unset
            buf.clear()
            return
        text = collapse_ws(strip_invisible("".join(buf)))
        buf.clear()
        mask, link, box, veto = run_mask, run_link, run_box, run_veto
        run_mask = run_link = run_box = 0
        run_veto = 1
        run_text = False
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

    limit = BOX_SHARE * len(body.text_content())
    # frames: (element, its children, the cumulative mask and box bits inside it)
    # the body's (or root's) own class names are the page's, not a block's: Kinja's
    # feature flags ("f_ad_script_in_head_on f_caption_muted_videos_on") made every
    # block an ad and a caption, WordPress's "single-post" every block content
    mask0 = _tag_mask(body.tag)
    stack: list[tuple[HtmlElement, Iterator[HtmlElement], int, int, int]] = [
        (body, iter(body), mask0, 0, 0)
    ]
    if body.text:
        add(body.text, mask0, 0, 0)
    while stack:
        el, children, mask, box, veto = stack[-1]
        for child in children:
            tag = child.tag
            attrs = None
            if not isinstance(tag, str) or tag in SKIP_TAGS or tag in MENU_TAGS:
                skip = True
            else:
                items = child.items()
                attrs = dict(items) if items else None
                skip = attrs is not None and _hidden(attrs)
            if skip:
                if child.tail:
                    add(child.tail, mask, box, veto)
                continue
            if tag == "br" or tag == "hr":
                if buf:
                    flush(len(stack))
                if child.tail:
                    add(child.tail, mask, box, veto)
                continue
            own = _tag_masks.get(tag)
            if own is None:
                own = _tag_mask(tag)
            if attrs is not None:
                own |= _attrs_mask(attrs)
            cmask = mask | own
            cbox, cveto = box, veto
            leaf = len(child) == 0
            if (
                own & _BOX_BITS
                and len((child.text or "") if leaf else child.text_content()) < limit
            ):
                cbox |= own & _BOX_BITS
                if not veto and attrs is not None and _vetoed(attrs):
                    cveto = 1
            block = tag in BLOCK_TAGS
            if block:
                if buf:
                    flush(len(stack))
                block_tags.append(tag)
            if child.text:
                add(child.text, cmask, cbox, cveto)
            if not leaf:
                stack.append((child, iter(child), cmask, cbox, cveto))
                break
            # a leaf ends here (as a frame of its own would, below)
            if block:
                if buf:
                    flush(len(stack) + 1)
                block_tags.pop()
            if child.tail:
                add(child.tail, mask, box, veto)
        else:  # el's children are done
            stack.pop()
            if el.tag in BLOCK_TAGS:
                if buf:
                    flush(len(stack) + 1)
                if len(block_tags) > 1:
                    block_tags.pop()
            if stack and el.tail:
                add(el.tail, *stack[-1][2:])
    flush(1)
    return blocks


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


def _is_title(toks: list[str], candidates: Sequence[tuple[list[str], str]]) -> bool:
    """The block's tokens are a headline candidate's (``_title_candidates``), or most
    of one (3+ tokens, in a row)."""
    low = [t.lower() for t in toks]
    joined = None
    for cand, padded in candidates:
        if low == cand:
            return True
        if len(low) >= 3 and len(low) >= 0.6 * len(cand):
            # a run of tokens inside the candidate (tokens hold no spaces)
            joined = joined or f" {' '.join(low)} "
            if joined in padded:
                return True
    return False


def _title_candidates(candidates: list[list[str]]) -> list[tuple[list[str], str]]:
    """Headline candidates in lower case, with their tokens joined between spaces."""
    lowered = [[t.lower() for t in cand] for cand in candidates]
    return [(cand, f" {' '.join(cand)} ") for cand in lowered]


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
    candidates = _title_candidates(headlines(root))
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
