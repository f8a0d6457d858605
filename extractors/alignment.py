"""The page's blocks and the members' outputs on one vocabulary: how much of each block
a text covers, and which block each of a text's blocks is (the votes the consensus
reads, ``block_features.member_votes``).

- ``TextIndex``: a text's shingles and lines, the plain reference (it also labels
  blocks from a gold text: ``label_blocks``, the training data).
- ``Alignment``: the same coverage and ownership on integer token ids and shingle
  codes, computed with sorts and look-ups over arrays (numpy, imported when used),
  near linear in the page's tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice, repeat
from typing import TYPE_CHECKING

from .scoring import SHINGLE, Shingle, shingle_set, tokens

if TYPE_CHECKING:
    import numpy as np

    from .blocks import DomBlock


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


# -- the page and the members' outputs on one vocabulary (vectorised) --------------------

#: k-gram codes are polynomials in the token ids while they stay below this; beyond it
#: (a page of more than about 55,000 distinct tokens) they are built from dense ranks
_CODE_LIMIT = 2**63


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + c) for s, c in zip(starts, counts)])``."""
    import numpy as np

    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    ends = np.cumsum(counts)
    step = np.ones(total, dtype=np.int64)
    nz = counts > 0
    first = (ends - counts)[nz]
    step[0] = starts[nz][0]
    # at the start of each later range: jump from the previous range's last value
    prev_last = (starts + counts - 1)[nz][:-1]
    step[first[1:]] = starts[nz][1:] - prev_last
    out: np.ndarray = np.cumsum(step)
    return out


def gram_codes(ids: np.ndarray, base: int, k: int) -> np.ndarray:
    """Exact int64 codes of the ``k``-token windows of ``ids`` (token ids below
    ``base``): equal codes for equal windows, one code per start position."""
    import numpy as np

    n = len(ids) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    if k == 1:
        out: np.ndarray = ids.astype(np.int64, copy=True)
        return out
    if base**k < _CODE_LIMIT:
        code = ids[:n].astype(np.int64, copy=True)
        for j in range(1, k):
            code *= base
            code += ids[j : j + n]
        return code
    # the first k - 1 tokens' codes as dense ranks (at most len(ids) of them), then
    # the last token: rank * base + id stays below len(ids) * base
    head = gram_codes(ids, base, k - 1)
    _, rank = np.unique(head, return_inverse=True)
    code = rank.reshape(-1)[:n].astype(np.int64) * base
    code += ids[k - 1 : k - 1 + n]
    return code


def _in_sorted(sorted_values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """Which ``queries`` occur in ``sorted_values`` (ascending)."""
    import numpy as np

    if len(sorted_values) == 0 or len(queries) == 0:
        return np.zeros(len(queries), dtype=bool)
    at = np.searchsorted(sorted_values, queries)
    at[at == len(sorted_values)] = 0
    found: np.ndarray = sorted_values[at] == queries
    return found


class Alignment:
    """The page's blocks and some texts (the members' outputs, each given as its blocks'
    token lists) on one vocabulary of integer token ids, with the page blocks' distinct
    shingles: block coverage (``TextIndex.coverage``) and block ownership as a few
    sorts and look-ups over arrays, near-linear in the number of tokens."""

    def __init__(
        self, blocks: Sequence[DomBlock], texts: Mapping[str, Sequence[Sequence[str]]]
    ) -> None:
        import numpy as np

        self.n = len(blocks)
        page = [b.toks for b in blocks]
        page_len = np.fromiter(map(len, page), np.int64, self.n)
        page_bounds = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(page_len, out=page_bounds[1:])
        n_page = int(page_bounds[-1])
        # a text's block that is a page block's very token list (``member_tokens``
        # shares them) takes that block's ids; the others are encoded after the page's
        known = {id(t): i for i, t in enumerate(page)}
        flat: list[str] = list(chain.from_iterable(page))
        sources: list[tuple[np.ndarray, np.ndarray]] = []
        for lists in texts.values():
            lens = np.fromiter(map(len, lists), np.int64, len(lists))
            at = np.fromiter(map(known.get, map(id, lists), repeat(-1)), np.int64, len(lists))
            src = page_bounds[at]
            for j in np.flatnonzero(at < 0).tolist():
                src[j] = len(flat)
                flat.extend(lists[j])
            sources.append((src, lens))
        first_seen = dict.fromkeys(flat)
        vocab = dict(zip(first_seen, range(len(first_seen)), strict=True))
        source_ids = np.fromiter(map(vocab.__getitem__, flat), np.int64, len(flat))
        #: every token's id: the page's tokens, then each text's
        parts = [source_ids[:n_page]]
        bounds = [page_bounds]
        pos = n_page
        for src, lens in sources:
            parts.append(source_ids[_ranges(src, lens)])
            starts = np.zeros(len(lens) + 1, dtype=np.int64)
            np.cumsum(lens, out=starts[1:])
            bounds.append(starts + pos)
            pos += int(starts[-1])
        self.ids = np.concatenate(parts)
        self.base = max(1, len(vocab))
        self.page_bounds = page_bounds
        #: the page's distinct tokens: the ids below its length (the page comes first)
        self.page_vocab = list(
            islice(first_seen, int(self.ids[:n_page].max()) + 1 if n_page else 0)
        )
        self.bounds = dict(zip(texts, bounds[1:], strict=True))
        self._grams: dict[int, np.ndarray] = {}
        self._sorted: dict[tuple[str, int], np.ndarray] = {}

        # the page blocks' distinct shingles, as (block, shingle group) pairs
        lengths = np.diff(self.page_bounds)
        self.lengths = lengths
        counts = np.maximum(lengths - SHINGLE + 1, 0)
        at = _ranges(self.page_bounds[:-1], counts)
        block = np.repeat(np.arange(self.n, dtype=np.int64), counts)
        codes = self.grams(SHINGLE)[at]
        order = np.argsort(codes)
        codes = codes[order]
        new = np.ones(len(codes), dtype=bool)
        new[1:] = codes[1:] != codes[:-1]
        #: the page's distinct shingle codes, ascending
        self.shingles = codes[new]
        key = (np.cumsum(new) - 1) * max(1, self.n) + block[order]
        key.sort()
        keep = np.ones(len(key), dtype=bool)
        keep[1:] = key[1:] != key[:-1]
        key = key[keep]
        #: per distinct (block, shingle) pair: the shingle's index in ``shingles``
        self.pair_shingle = key // max(1, self.n)
        #: ... and the block
        self.pair_block = key - self.pair_shingle * max(1, self.n)
        #: each block's number of distinct shingles (0: shorter than a shingle)
        self.n_shingles = np.bincount(self.pair_block, minlength=self.n)

    def grams(self, k: int) -> np.ndarray:
        """The ``k``-gram code at every token position (windows may cross blocks)."""
        if k not in self._grams:
            self._grams[k] = gram_codes(self.ids, self.base, k)
        return self._grams[k]

    def text_grams(self, name: str, k: int) -> np.ndarray:
        """The sorted ``k``-gram codes of a text (its blocks' tokens run together)."""
        import numpy as np

        key = (name, k)
        if key not in self._sorted:
            b = self.bounds[name]
            lo, hi = int(b[0]), int(b[-1])
            codes = self.grams(k)[lo : hi - k + 1] if hi - lo >= k else np.zeros(0, np.int64)
            self._sorted[key] = np.sort(codes)
        return self._sorted[key]

    def text_words(self, name: str) -> int:
        b = self.bounds[name]
        return int(b[-1] - b[0])

    def coverage(self, name: str, inside: float = 0.4) -> np.ndarray:
        """Each block's ``TextIndex.coverage`` by the text ``name`` (vectorised)."""
        import numpy as np

        cov = np.zeros(self.n, dtype=np.float64)
        if self.n == 0:
            return cov
        b = self.bounds[name]
        words = self.text_words(name)
        if words >= SHINGLE:
            found = _in_sorted(self.text_grams(name, SHINGLE), self.shingles)
            hits = np.bincount(
                self.pair_block,
                weights=found[self.pair_shingle].astype(np.float64),
                minlength=self.n,
            )
            long = self.n_shingles > 0
            cov[long] = hits[long] / self.n_shingles[long]
        lengths = np.diff(b)
        for k in range(1, SHINGLE):
            short = np.flatnonzero(self.lengths == k)
            if len(short) == 0:
                continue
            q = self.grams(k)[self.page_bounds[short]]
            line_codes = np.sort(self.grams(k)[b[:-1][lengths == k]])
            line = _in_sorted(line_codes, q)
            within = _in_sorted(self.text_grams(name, k), q)
            cov[short] = np.where(line, 1.0, np.where(within, inside, 0.0))
        return cov

    def owners(self, name: str) -> list[int]:
        """For each block, the index of the block of text ``name`` holding most of it
        (-1: none): a block shorter than a shingle is held by a block of the same tokens
        (the i-th of them by the i-th where the text has a line, such as a price, as
        often as the page shows it; else by the first); a longer one by the block
        holding most of its distinct shingles (the first block holds a shingle several
        blocks share; ties go to the earlier block), when at least half its shingles are
        held at all."""
        import numpy as np

        owner = np.full(self.n, -1, dtype=np.int64)
        if self.n == 0:
            return []
        b = self.bounds[name]
        lengths = np.diff(b)
        nb = len(lengths)
        # shingles inside each of the text's blocks, and the first block holding each
        counts = np.maximum(lengths - SHINGLE + 1, 0)
        at = _ranges(b[:-1], counts)
        if len(at) and len(self.shingles):
            holder = np.repeat(np.arange(nb, dtype=np.int64), counts)
            codes = self.grams(SHINGLE)[at]
            order = np.argsort(codes)
            codes, holder = codes[order], holder[order]
            new = np.ones(len(codes), dtype=bool)
            new[1:] = codes[1:] != codes[:-1]
            starts = np.flatnonzero(new)
            first = np.minimum.reduceat(holder, starts)
            uniq = codes[starts]
            where = np.searchsorted(uniq, self.shingles)
            where[where == len(uniq)] = 0
            held_u = np.where(uniq[where] == self.shingles, first[where], -1)
            held = held_u[self.pair_shingle]
            ok = held >= 0
            pb, ph = self.pair_block[ok], held[ok]
            if len(pb):
                key = np.sort(pb * nb + ph)
                cut = np.ones(len(key), dtype=bool)
                cut[1:] = key[1:] != key[:-1]
                starts = np.flatnonzero(cut)
                n_held = np.diff(np.append(starts, len(key)))
                key = key[starts]
                blk, hold = key // nb, key % nb
                total = np.bincount(blk, weights=n_held.astype(np.float64), minlength=self.n)
                # per block: the most shingles, then the earliest holder
                best = np.lexsort((hold, -n_held, blk))
                lead = np.ones(len(best), dtype=bool)
                lead[1:] = blk[best][1:] != blk[best][:-1]
                win = best[lead]
                wb = blk[win]
                enough = total[wb] >= 0.5 * self.n_shingles[wb]
                owner[wb[enough]] = hold[win][enough]
        for k in range(1, SHINGLE):
            short = np.flatnonzero(self.lengths == k)
            if len(short) == 0:
                continue
            js = np.flatnonzero(lengths == k)
            if len(js) == 0:
                continue
            line_codes = self.grams(k)[b[:-1][js]]
            order = np.argsort(line_codes, kind="stable")
            line_codes, js = line_codes[order], js[order]
            q = self.grams(k)[self.page_bounds[short]]
            where = np.searchsorted(line_codes, q)  # leftmost: the first such block
            where[where == len(line_codes)] = 0
            hit = line_codes[where] == q
            owner[short[hit]] = js[where[hit]]
            _pair_in_order(owner, short[hit], q[hit], js, line_codes)
        out: list[int] = owner.tolist()
        return out


def _pair_in_order(
    owner: np.ndarray, shown: np.ndarray, shown_codes: np.ndarray, js: np.ndarray, codes: np.ndarray
) -> None:
    """Where the page shows a short line (``shown``, in page order, with its
    ``shown_codes``) exactly as often as the text has it (its blocks ``js`` sorted by
    ``codes``, in text order within a code), the i-th shown is held by the i-th block:
    a listing's repeated price stays in its own card."""
    import numpy as np

    if len(shown) < 2:
        return
    order = np.argsort(shown_codes, kind="stable")
    shown, shown_codes = shown[order], shown_codes[order]
    starts = np.flatnonzero(np.r_[True, shown_codes[1:] != shown_codes[:-1]])
    ends = np.r_[starts[1:], len(shown)]
    lo = np.searchsorted(codes, shown_codes[starts], "left")
    hi = np.searchsorted(codes, shown_codes[starts], "right")
    same = (ends - starts > 1) & (hi - lo == ends - starts)
    for a, z, first, last in zip(starts[same], ends[same], lo[same], hi[same], strict=True):
        owner[shown[a:z]] = np.sort(js[first:last])


def label_blocks(blocks: Sequence[DomBlock], gold: str) -> list[bool]:
    """Each block's label against a gold text: at least half its shingles in the gold."""
    index = TextIndex.of(gold.splitlines())
    return [index.coverage(b.toks, inside=0.0) >= 0.5 for b in blocks]
