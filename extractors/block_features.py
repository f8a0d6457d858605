"""The rows the consensus model reads: one per page block (``blocks.segment``), its
DOM features and the members' votes on it (``member_votes``: a member *selects* a
block when at least half of the block's 4-token shingles occur in its output, read
from ``alignment.Alignment``), with the same for its neighbours (``vote_features``,
named by ``feature_names``). numpy is imported when the rows are made."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .alignment import Alignment
from .blocks import (
    BOX_GROUPS,
    CALL_WORDS,
    GROUP_BIT,
    GROUP_COUNT,
    GROUP_NAMES,
    HEADINGS,
    PUNCT,
    SENTENCE_END,
    STATS_CHARS,
    TAG_BIT,
    TAG_BITS,
    DomBlock,
)

if TYPE_CHECKING:
    import numpy as np

#: DOM feature names (the vote features follow, per member)
_DOM_FEATURES = (
    "depth", "log_words", "log_chars", "link_density", "punct_share", "sentence_ends",
    "ends_sentence", "starts_upper", "rel_pos", "rel_char_pos", "dist_dense",
    "dist_dense_chars", "is_heading", "heading_level", "is_li", "is_td", "is_quote",
    "tag_p", "tag_div", "n_groups", "digits_share", "upper_share", "prev_words",
    "next_words", "call_words", "call_share", "n_boxes",
    *(f"cls_{g}" for g in GROUP_NAMES),
    *(f"in_{t}" for t in TAG_BITS),
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
    #: the page and the members' outputs on one vocabulary (reused by the combination)
    align: Alignment | None = field(default=None, repr=False, compare=False)


def member_votes(
    blocks: Sequence[DomBlock],
    members: Mapping[str, Sequence[Sequence[str]]],
    order: Sequence[str],
    align: Alignment | None = None,
) -> Votes:
    """The votes of the members (each given as its blocks' token lists) on the blocks;
    ``align``: these blocks and members' alignment, when it is made already."""
    page_words = sum(b.words for b in blocks) or 1
    if align is None:
        align = Alignment(blocks, {name: members.get(name, ()) for name in order})
    coverage: dict[str, list[float]] = {}
    selected: dict[str, list[bool]] = {}
    length: dict[str, float] = {}
    for name in order:
        cov = align.coverage(name)
        coverage[name] = cov.tolist()
        selected[name] = (cov >= 0.5).tolist()
        length[name] = align.text_words(name) / page_words
    return Votes(list(order), coverage, selected, length, align)


def _char_counts(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Per text (none empty): its characters that are digits, upper case, letters,
    punctuation (``PUNCT``), and whether its first one is upper case; one pass over
    all texts' code points, each distinct character classified once."""
    import numpy as np

    cps = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lens = np.fromiter(map(len, texts), np.int64, len(texts))
    starts = np.cumsum(lens) - lens
    out: dict[str, np.ndarray] = {}
    if len(cps) == 0:
        for name in ("digit", "upper", "alpha", "punct"):
            out[name] = np.zeros(len(texts), dtype=np.int64)
        out["first_upper"] = np.zeros(len(texts), dtype=bool)
        return out
    present = np.zeros(int(cps.max()) + 1, dtype=bool)
    present[cps] = True
    chars = [chr(c) for c in np.flatnonzero(present).tolist()]
    # a class bit per test, one table look-up per character
    table = np.zeros(len(present), dtype=np.uint8)
    table[present] = [
        ch.isdigit()
        | ch.isupper() << 1
        | ch.isalpha() << 2
        | (PUNCT.fullmatch(ch) is not None) << 3
        for ch in chars
    ]
    cls = table[cps]
    for bit, name in enumerate(("digit", "upper", "alpha", "punct")):
        flag = (cls >> bit) & 1
        out[name] = np.add.reduceat(flag, starts, dtype=np.int64)
        if name == "upper":
            out["first_upper"] = flag[starts].astype(bool)
    return out


def _sentence_ends(texts: Sequence[str]) -> np.ndarray:
    """``len(SENTENCE_END.findall(t))`` for each text (none holds a newline: a match
    ends at the newline between two texts as it would at the end of the text)."""
    import numpy as np

    joined = "\n".join(texts)
    at = [m.start() for m in SENTENCE_END.finditer(joined)]
    lens = np.fromiter(map(len, texts), np.int64, len(texts)) + 1
    starts = np.cumsum(lens) - lens
    counts: np.ndarray = np.bincount(
        np.searchsorted(starts, np.array(at, dtype=np.int64), side="right") - 1,
        minlength=len(texts),
    )
    return counts


def _bits(values: np.ndarray, bits: Sequence[int]) -> np.ndarray:
    """A column per bit (given as its value): set in each of ``values``."""
    import numpy as np

    out: np.ndarray = (values[:, None] & np.array(bits, dtype=np.int64)) != 0
    return out


def _popcount(values: np.ndarray) -> np.ndarray:
    import numpy as np

    top = int(values.max()).bit_length() if len(values) else 0
    count = np.zeros(len(values), dtype=np.int64)
    for j in range(top):
        count += (values >> j) & 1
    return count


def _call_counts(blocks: Sequence[DomBlock], align: Alignment | None) -> np.ndarray:
    """Per block: its tokens that are call-to-action words (``CALL_WORDS``)."""
    import numpy as np

    if align is None or align.n != len(blocks):
        return np.array(
            [sum(t.lower() in CALL_WORDS for t in b.toks) for b in blocks], dtype=np.int64
        )
    call = np.fromiter(
        (t.lower() in CALL_WORDS for t in align.page_vocab), bool, len(align.page_vocab)
    )
    n_page = int(align.page_bounds[-1])
    per_token = call[align.ids[:n_page]]
    block = np.repeat(np.arange(len(blocks), dtype=np.int64), align.lengths)
    counts: np.ndarray = np.bincount(block[per_token], minlength=len(blocks))
    return counts


def vote_features(blocks: Sequence[DomBlock], votes: Votes, strongest: str) -> np.ndarray:
    """The feature matrix (one row per block, columns as ``feature_names``)."""
    import numpy as np

    n = len(blocks)
    names = feature_names(len(votes.members))
    X = np.zeros((n, len(names)), dtype=np.float64)
    if n == 0:
        return X
    texts = [b.text for b in blocks]
    tags = [b.tag for b in blocks]
    words_i = np.fromiter((b.words for b in blocks), np.int64, n)
    words = words_i.astype(np.float64)
    chars = np.fromiter(map(len, texts), np.int64, n)
    links = np.fromiter((b.link_chars for b in blocks), np.int64, n)
    masks = np.fromiter((b.mask for b in blocks), np.int64, n)
    boxes = np.fromiter((b.box for b in blocks), np.int64, n)
    total_chars = int(chars.sum()) or 1
    prose = words * (1 - np.minimum(1.0, links / np.maximum(1, chars)))
    # the centre of the densest text region (a window of 7 blocks; the first best)
    run = np.zeros(n + 1)
    np.cumsum(prose, out=run[1:])
    i = np.arange(n)
    center = int(np.argmax(run[np.minimum(n, i + 4)] - run[np.maximum(0, i - 3)]))
    char_pos = (np.cumsum(chars) - chars) + chars / 2
    heads = [t[:STATS_CHARS] for t in texts]  # character statistics on the first chars
    stats = _char_counts(heads)
    nt = np.fromiter(map(len, heads), np.int64, n)
    log_words = np.fromiter(map(math.log1p, words_i.tolist()), np.float64, n)
    calls = _call_counts(blocks, votes.align)
    heading = np.fromiter((t in HEADINGS for t in tags), bool, n)
    cols = [
        np.fromiter((b.depth for b in blocks), np.int64, n),
        log_words,
        np.fromiter(map(math.log1p, chars.tolist()), np.float64, n),
        links / chars,
        stats["punct"] / nt,
        _sentence_ends(texts),
        np.fromiter((t[-1] in ".!?…。！？\"'”’»)" for t in texts), bool, n),
        stats["first_upper"],
        i / n,
        char_pos / total_chars,
        (i - center) / n,
        (char_pos - char_pos[center]) / total_chars,
        heading,
        np.fromiter(
            (int(t[1]) if h else 0 for t, h in zip(tags, heading.tolist(), strict=True)),
            np.int64,
            n,
        ),
        np.fromiter((t in ("li", "dd", "dt") for t in tags), bool, n),
        np.fromiter((t in ("td", "th") for t in tags), bool, n),
        np.fromiter((t == "blockquote" for t in tags), bool, n),
        np.fromiter((t == "p" for t in tags), bool, n),
        np.fromiter((t == "div" for t in tags), bool, n),
        _popcount(masks & ((1 << GROUP_COUNT) - 1)),
        stats["digit"] / nt,
        stats["upper"] / np.maximum(stats["alpha"], 1),
        np.concatenate([[0.0], log_words[:-1]]),
        np.concatenate([log_words[1:], [0.0]]),
        calls,
        calls / np.maximum(1, words_i),
        _popcount(boxes),
    ]
    for j, c in enumerate(cols):
        X[:, j] = c
    j = len(cols)
    group_bits = [1 << k for k in range(GROUP_COUNT)]
    for bits, values in (
        (group_bits, masks),
        ([TAG_BIT[t] for t in TAG_BITS], masks),
        ([GROUP_BIT[g] for g in BOX_GROUPS], boxes),
    ):
        X[:, j : j + len(bits)] = _bits(values, bits)
        j += len(bits)
    col = len(_DOM_FEATURES)
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
