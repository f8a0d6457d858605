"""Text mode: boilerplate removal for text that is already extracted (no HTML).

A plain-text dump (what a naive extractor left: the article with its debris, donation
pitches, comment prompts, photo credits...) is split into units (paragraphs or lines,
see ``split_units``); each unit gets a row of features computed from the text only
(its length, punctuation and stop-word density, sentence shape, calls to action,
links and prices, position, repetition within the text, and the same figures for its
neighbours); a small gradient-boosted tree model (``models/text.json``, trained by
``benchmarks/train_text.py`` on the Scrapinghub pages as the ``alltext`` backend
renders them) says which units are article text (the features: ``text_features``).

The trees are evaluated by ``trees.Trees`` (one numpy evaluator for both models).
Text inputs are told from HTML pages by ``pipeline.load_page``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .text_features import SENTENCE_END, feature_names, features, size

if TYPE_CHECKING:
    import numpy as np


#: the shipped models: files of the models package (``trees.load_model``)
MODEL_FILE = "text.json"
FLAT_MODEL_FILE = "text-flat.json"
MODEL_FORMAT = "unboil-text-trees"
MODEL_VERSION = 1
#: A unit is kept from this probability up (the model file may override it).
THRESHOLD = 0.5
INPUT_FORMATS = ("auto", "html", "text")

# -- splitting -------------------------------------------------------------------------

_BLANK = re.compile(r"\n[ \t\r\f\v]*\n")


def _hard_wrapped(lines: Sequence[str]) -> bool:
    """True when the lines look like one paragraph wrapped at a fixed width (an
    e-mail, a man page): every line but the last close to the longest, none long."""
    if len(lines) < 2:
        return False
    widths = list(map(len, lines))
    top = max(widths)
    if top > 100 or top < 30:
        return False
    return all(w >= 0.6 * top for w in widths[:-1]) and not lines[-2].rstrip().endswith(
        (".", "!", "?", ":")
    )


#: a unit longer than this (characters) is cut at sentence ends into pieces of at most
#: this length (a sentence longer than that is cut at a space, or anywhere)
MAX_UNIT_CHARS = 2000
#: a text of more units than this has its consecutive units packed together (runs of
#: one-character lines...): what the classifier costs stays linear and bounded
MAX_UNITS = 10000
_SPACES = re.compile(r"[^\S\n]{2,}|[^\S\n ]")  # what is not already a single space


def _cut(unit: str, cap: int = MAX_UNIT_CHARS) -> list[str]:
    """``unit`` in pieces of at most ``cap`` characters, cut after sentence ends where
    possible, else at the last space, else anywhere."""
    if len(unit) <= cap:
        return [unit]
    pieces: list[str] = []
    start = 0
    ends = [m.end() for m in SENTENCE_END.finditer(unit)]
    k = 0
    while len(unit) - start > cap:
        limit = start + cap
        cut = 0
        while k < len(ends) and ends[k] <= limit:
            if ends[k] > start:
                cut = ends[k]
            k += 1
        if cut <= start + cap // 4:
            space = unit.rfind(" ", start + cap // 2, limit)
            cut = space + 1 if space > 0 else limit
        pieces.append(unit[start:cut].strip())
        start = cut
    pieces.append(unit[start:].strip())
    return [x for x in pieces if x]


def _pack(units: list[str], most: int = MAX_UNITS) -> list[str]:
    """At most about ``most`` units: consecutive units joined (with spaces) by where
    they start on a grid of ``2 * total / most`` characters, so that there are at most
    ``most / 2 + 1`` groups (vectorised: a text of millions of one-character lines
    costs a few numpy passes and one ``join`` per group)."""
    if len(units) <= most:
        return units
    import numpy as np

    lengths = np.fromiter(map(len, units), dtype=np.int64, count=len(units)) + 1
    starts = np.cumsum(lengths) - lengths
    cell = starts // max(2 * int(lengths.sum()) // most, 1)
    bounds = [*(np.flatnonzero(np.diff(cell)) + 1).tolist(), len(units)]
    out = []
    lo = 0
    for hi in bounds:
        out.append(" ".join(units[lo:hi]))
        lo = hi
    return out


#: a line break inside a sentence, as a dump with one line per text node leaves it
#: (BeautifulSoup's ``get_text("\\n")``: "the game \\nMinecraft\\n makes it easy" around a
#: link): the sentence's space is still next to the break (one space, not an indent),
#: or the next line goes on with punctuation
_INLINE_BREAK = re.compile(r"(?<=\S) \n(?=[ \t]*\S)|(?<=\S)\n (?=\S)")
_INLINE_PUNCT = re.compile(r"(?<=\S)\n(?=[,.;:!?)\]”’](?:[ \t]|$))", re.MULTILINE)


#: a text whose lines average more than this many characters has lost its line
#: structure (``get_text(" ")``, a flattened field): it is cut into sentences
FLAT_CHARS = 2000
#: a sentence end (not that of Mr., Dr. and the like) followed by a space and what may
#: open a sentence (a capital, a digit)
_SENTENCE_BREAK = re.compile(
    r"(?<=[.!?…])"
    + "".join(rf"(?<!\b{a}\.)" for a in ("Mr", "Ms", "Dr", "St", "Jr", "Sr", "vs", "Mrs", "Gen"))
    + r"([\"'”’)\]]*)[ \t]+(?=[\"'“‘(\[]?[A-Z0-9À-ÖØ-ÞΑ-ΩА-ЯЁ])"
)


def split_units(text: str) -> list[str]:
    """The text's units (``split_text`` without the kind)."""
    return split_text(text)[0]


def split_text(text: str) -> tuple[list[str], str]:
    """The text as units, and what kind of text it is: ``plain``, ``markdown`` or
    ``flat``.

    Plain: blank-line-separated paragraphs; a paragraph of several lines is split into
    its lines unless it is one hard-wrapped paragraph (its lines are then joined with
    spaces), and a line break inside a sentence (``_INLINE_BREAK``, ``_INLINE_PUNCT``: a
    dump with one line per text node) is undone. Whitespace runs are collapsed; empty
    units dropped. Markdown (``is_markdown``: an html2text dump, an LLM pipeline's page)
    is split as Markdown reads (``_markdown_units``) and its units are shown without the
    markup (``unmark``: link targets, images, list and heading markers out). Flat (no
    line structure left, ``FLAT_CHARS``): each sentence is a unit (a text of this kind
    goes to the model trained on such units, ``flat_model``).

    Pathological input stays cheap: a unit over ``MAX_UNIT_CHARS`` is cut at sentence
    ends (``_cut``); more than ``MAX_UNITS`` units are packed together (``_pack``)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    units: list[str] = []
    if is_markdown(text):
        for unit in _markdown_units(text):
            units.extend(filter(None, map(unmark, _cut(unit))))
        return _pack(units), "markdown"
    text = _SPACES.sub(" ", _INLINE_PUNCT.sub("", _INLINE_BREAK.sub(" ", text)))
    kind = "plain"
    body = text.strip()
    if len(body) > FLAT_CHARS * (body.count("\n") + 1):
        kind = "flat"
        text = _SENTENCE_BREAK.sub("\\1\n", text)
    for para in _BLANK.split(text):
        lines = list(filter(None, map(str.strip, para.split("\n"))))
        if not lines:
            continue
        if _hard_wrapped(lines):
            lines = [" ".join(lines)]
        if max(map(len, lines)) <= MAX_UNIT_CHARS:
            units.extend(lines)
            continue
        for line in lines:
            units.extend(_cut(line))
    return _pack(units), kind


# -- Markdown --------------------------------------------------------------------------

#: a link or image target: ``](``, a target without spaces (and a title), ``)``
_MD_TARGET = re.compile(r"\]\([^()\s]+(?:\s+\"[^\"]{0,300}\")?\)")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6} \S", re.MULTILINE)
#: a line that starts a new unit inside a block: a list item, a heading, a table row
_MD_ITEM = re.compile(r"^\s*(?:[*+-]\s+|\d{1,3}[.)]\s+|#{1,6}\s|\|)")
_MD_QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
#: how much Markdown makes a text Markdown: link targets, or headings with a link
MD_LINKS = 3
MD_HEADINGS = 2


def is_markdown(text: str) -> bool:
    """Markdown rather than plain text: ``MD_LINKS`` link or image targets
    (``[text](https://…)``), or ``MD_HEADINGS`` ``#`` headings and a link. Plain dumps
    (the ``alltext`` text of the 311 bench pages) have none of this."""
    from itertools import islice

    links = sum(1 for _ in islice(_MD_TARGET.finditer(text), MD_LINKS))
    if links >= MD_LINKS or not links:
        return links >= MD_LINKS
    return sum(1 for _ in islice(_MD_HEADING.finditer(text), MD_HEADINGS)) >= MD_HEADINGS


def _markdown_units(text: str) -> list[str]:
    """Markdown's paragraphs and items: in a blank-line-separated block, a line that
    starts a list item, a heading or a table row opens a unit; other lines continue the
    unit before them (a soft-wrapped paragraph, a wrapped list item, a link whose text
    runs over two lines); quote markers are dropped, whitespace runs collapsed."""
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    units: list[list[str]] = []
    for block in _BLANK.split(text):
        opened = False
        for line in block.split("\n"):
            line = _MD_QUOTE.sub("", line)
            stripped = line.strip()
            if not stripped:
                continue
            if opened and not _MD_ITEM.match(line):
                units[-1].append(stripped)
            else:
                units.append([stripped])
                opened = True
    return [" ".join(parts) for parts in units]


def markdown_title(text: str) -> str | None:
    """A Markdown text's title: its first level-1 heading (``# …``, a wrapped one
    whole), without the markup; None for plain text or when there is none."""
    if not is_markdown(text):
        return None
    for unit in _markdown_units(text):
        if unit.startswith("# "):
            return unmark(unit) or None
    return None


#: a link's target: no spaces but one after a hyphen (html2text wraps long URLs there),
#: a balanced pair of parentheses inside (Wikipedia's), then an optional title
_MD_HREF = r"\((?:[^()\s]|(?<=-) |\([^()\s]*\))*(?:\s+\"[^\"]{0,300}\")?\)"
_MD_IMAGE = re.compile(r"!\[[^\[\]]*\]" + _MD_HREF)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]" + _MD_HREF)
_MD_LEAD = re.compile(r"^(?:#{1,6}\s+|[*+-]\s+|\d{1,3}[.)]\s+)+")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)([^*_]+?)(?<=\S)\1")
_MD_EMPHASIS = re.compile(r"(?<![\w*])([*_])(?=\S)([^*_]+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`+([^`]*)`+")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")
_MD_RULE = re.compile(r"^(?:[*_-]\s*){3,}$")


def unmark(unit: str) -> str:
    """A Markdown unit as text: images out, links as their text, list, heading and rule
    markers out, emphasis and code marks out, escapes resolved."""
    if _MD_RULE.match(unit):
        return ""
    text = _MD_IMAGE.sub("", unit)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_LEAD.sub("", text.strip())
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


# -- the model ---------------------------------------------------------------------------

#: second stage: the first stage's probabilities of the unit and its neighbours
STAGE2 = (
    *(f"p@{k:+d}" for k in (-3, -2, -1, 0, 1, 2, 3)),
    "p_window",
    "p_max",
    "p_mean",
    "kept_before",
    "kept_after",
)


def stage2_names() -> list[str]:
    return feature_names() + list(STAGE2)


def stage2_features(X: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``X`` with the first stage's probabilities ``p`` in context appended."""
    import numpy as np

    n = len(p)
    if n == 0:
        return np.zeros((0, X.shape[1] + len(STAGE2)))
    cols = []
    for k in (-3, -2, -1, 0, 1, 2, 3):
        shifted = np.full(n, np.nan)
        lo, hi = max(0, -k), min(n, n - k)
        if hi > lo:
            shifted[lo:hi] = p[lo + k : hi + k]
        cols.append(shifted)
    high = (p >= 0.5).astype(np.float64)
    before = np.concatenate([[0.0], np.cumsum(high)[:-1]])
    after = high.sum() - np.cumsum(high)
    idx = np.arange(n)
    cols += [
        np.array([p[max(0, i - 5) : i + 6].mean() for i in range(n)]),
        np.full(n, p.max()),
        np.full(n, p.mean()),
        np.where(idx > 0, before / np.maximum(idx, 1), 0.0),
        np.where(idx < n - 1, after / np.maximum(n - 1 - idx, 1), 0.0),
    ]
    return np.hstack([X, np.column_stack(cols)])


class TextModel:
    """Two stacked tree models: per-unit features, then the same with the first
    stage's probabilities of the neighbours. Both evaluated by ``trees.Trees``."""

    def __init__(self, data: dict[str, Any]) -> None:
        from .trees import ModelError, Trees

        self.stage1 = Trees(data["stage1"])
        self.stage2 = Trees(data["stage2"])
        self.meta: dict[str, Any] = dict(data.get("meta", {}))
        self.threshold = float(data.get("threshold", THRESHOLD))
        #: what the model was trained on: sha1 of each training page's HTML bytes
        #: (``consensus.page_digest``) and of its text dump (``text_digest``)
        self.trained_on: frozenset[str] = frozenset(data.get("trained_on", ()))
        self.trained_on_text: frozenset[str] = frozenset(data.get("trained_on_text", ()))
        if self.stage1.features != feature_names() or self.stage2.features != stage2_names():
            raise ModelError("the text model's features do not match this version of unboil")

    @classmethod
    def load(cls, name: str) -> TextModel:
        """The shipped model file ``name`` (``trees.load_model``)."""
        from .trees import load_model

        return cls(load_model(name, MODEL_FORMAT, MODEL_VERSION))

    def predict_proba(self, units: Sequence[str]) -> np.ndarray:
        X = features(units)
        p = self.stage1.predict_proba(X)
        out: np.ndarray = self.stage2.predict_proba(stage2_features(X, p))
        return out


@functools.cache
def model() -> TextModel:
    """The shipped text model (``models/text.json``), loaded once per process."""
    return TextModel.load(MODEL_FILE)


@functools.cache
def flat_model() -> TextModel:
    """The model for texts without line structure (``models/text-flat.json``: trained on
    the same pages flattened to one line and cut into sentences)."""
    return TextModel.load(FLAT_MODEL_FILE)


def text_digest(text: str) -> str:
    """The digest the model's ``trained_on_text`` list holds for a text dump: sha1 (hex)
    of its words joined by single spaces (line breaks and blank lines do not count, so
    a dump saved with other line ends still matches)."""
    import hashlib

    return hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()


def trained_on(digests: Iterable[str], text_model: TextModel | None = None) -> int:
    """How many of these digests (``consensus.page_digest`` of an HTML page or
    ``text_digest`` of a text dump) name pages the text model was trained on: its
    figures on such pages are not cross-validated."""
    m = text_model or model()
    seen = m.trained_on | m.trained_on_text
    return sum(1 for d in digests if d.lower() in seen)


def probabilities(units: Sequence[str], text_model: TextModel | None = None) -> list[float]:
    """Each unit's probability of being article text."""
    if not units:
        return []
    m = text_model or model()
    return [float(p) for p in m.predict_proba(units)]


def classify(
    text: str, text_model: TextModel | None = None
) -> tuple[list[str], list[float], list[bool]]:
    """The text's units, their probabilities and whether each is kept (a text without
    line structure by ``flat_model`` unless ``text_model`` is given)."""
    units, kind = split_text(text)
    m = text_model or (flat_model() if kind == "flat" else model())
    probs = probabilities(units, m)
    kept = [p >= m.threshold for p in probs]
    for i in appeals(units):
        kept[i] = False
    return units, probs, kept


_APPEAL = re.compile(
    r"\b(your support|support us|support our|donat\w*|become a (member|subscriber|supporter)"
    r"|subscribe now|make a contribution)\b",
    re.IGNORECASE,
)
#: every match of ``_APPEAL`` contains one of these (a cheap test before the regex)
_APPEAL_KEYS = ("support", "donat", "become a", "subscribe now", "contribution")
#: an appeal opens with a short line and closes within this many units
APPEAL_SPAN = 6


def appeals(units: Sequence[str]) -> list[int]:
    """Units of a donation or subscription appeal, a rule on top of the model (the
    benchmark pages have few such boxes): a short line asking for support (at most
    15 words), the units up to the next line of the appeal within ``APPEAL_SPAN``, and
    that line; a short appeal line alone."""
    hits = [
        i
        for i, u in enumerate(units)
        if any(k in u.lower() for k in _APPEAL_KEYS) and _APPEAL.search(u)
    ]
    out: set[int] = set()
    for i in hits:
        if size(units[i]) > 15:
            continue
        out.add(i)
        close = [j for j in hits if i < j <= i + APPEAL_SPAN]
        if close:
            out.update(range(i, close[-1] + 1))
    return sorted(out)


# -- repetition across a batch -----------------------------------------------------------

#: Lines shorter than this (in ``size`` words) are left to the model even when many
#: texts of a batch hold them: a heading such as "Introduction" or a "Yes." is shared by
#: unrelated articles; a site's template lines ("Join our commenting forum", the
#: donation pitch) are longer.
REPEAT_MIN_WORDS = 4
_DIGIT_RUN = re.compile(r"\d+")


def repeat_key(unit: str) -> int:
    """A line's identity across the texts of a batch, as a 64-bit hash: case, spacing
    and numbers aside ("Comments (3)" and "Comments (12)" are one line)."""
    import hashlib

    norm = _DIGIT_RUN.sub("0", " ".join(unit.casefold().split()))
    digest = hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


class BatchRepeats:
    """Counts in how many texts of a batch each line occurs (lines of at least
    ``REPEAT_MIN_WORDS`` words; copies of one text count once): ``add`` every text, then
    ``repeated(n)`` gives each text's lines that ``n`` or more texts hold."""

    def __init__(self) -> None:
        self._own: dict[str, np.ndarray] = {}
        self._counted: list[np.ndarray] = []
        self._texts: set[int] = set()

    def add(self, source: str, text: str) -> None:
        import numpy as np

        units = split_units(text)
        keys = [repeat_key(u) for u in units if size(u) >= REPEAT_MIN_WORDS]
        self._own[source] = own = np.unique(np.array(keys, dtype=np.uint64))
        whole = repeat_key(" ".join(units))
        if whole not in self._texts:  # a copy of a text seen before adds nothing
            self._texts.add(whole)
            self._counted.append(own)

    def repeated(self, min_texts: int) -> dict[str, frozenset[int]]:
        """Per text (by source), the keys of its lines found in ``min_texts`` or more
        texts; texts without such lines are left out."""
        import numpy as np

        if not self._counted or min_texts < 1:
            return {}
        keys, counts = np.unique(np.concatenate(self._counted), return_counts=True)
        common = keys[counts >= min_texts]
        out = {}
        for source, own in self._own.items():
            hits = np.intersect1d(own, common, assume_unique=True)
            if len(hits):
                out[source] = frozenset(int(k) for k in hits)
        return out


def repeats(units: Sequence[str], repeated: Collection[int]) -> list[int]:
    """The units that are lines repeated across the batch (``repeated``: their
    ``repeat_key``s). None when they would be half the text's words or more: then the
    text is a near-copy of others (the same article saved again with other debris),
    not an article among a site's template lines."""
    if not repeated:
        return []
    hits = [
        i for i, u in enumerate(units) if size(u) >= REPEAT_MIN_WORDS and repeat_key(u) in repeated
    ]
    if 2 * sum(size(units[i]) for i in hits) >= sum(size(u) for u in units):
        return []
    return hits
