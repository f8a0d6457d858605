"""Block- and word-level diffs of two extractions, as data.

``diff_blocks(a, b)`` aligns two lists of blocks (paragraphs) and returns a
``BlockDiff``: ops in order, each covering a range of ``a`` and a range of ``b`` so
that the ops walk both lists from start to end (like ``difflib`` opcodes):

- ``equal``: the same blocks on both sides (whitespace runs compared as one space);
- ``delete`` / ``insert``: blocks only in ``a`` / only in ``b``;
- ``replace``: one block changed into another, near enough to pair (word-level
  similarity at least ``REPLACE_RATIO``), with word-level ``words`` ops;
- ``split``: one block of ``a`` became two or more consecutive blocks of ``b`` with
  the same words; ``merge``: the reverse;
- ``move``: a block that left one place and arrives, identical or nearly (similarity
  at least ``MOVE_RATIO``), at another; blocks repeated on a side never move. A move
  is two ops: where the block leaves (an ``a`` range, an empty ``b`` range, ``other``
  = its index in ``b``) and where it arrives (an empty ``a`` range, a ``b`` range,
  ``other`` = its index in ``a``).

The alignment is ``difflib.SequenceMatcher`` over whole blocks (autojunk off), between
anchors (blocks found once on each side, in order, as in patience diff); inside
each run it did not match, blocks are paired by word-level similarity without ever
crossing, and what is left is matched across runs as moves. Candidate pairs come from
every pair of a small run, otherwise from the blocks sharing their rarest words, so
pages with thousands of blocks stay near-linear.

``diff_gold`` compares an extraction with gold text: missed and extra text and the
page's P/R/F1. ``unified`` renders a ``BlockDiff`` as a unified diff.

No click and no rich here: ``cli/diff.py`` renders. (Over 600 lines, one concern: the
ops, the word diff and the aligner that makes them are one algorithm.)
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from .scoring import PageScore, score_page

#: Least word-level similarity for two blocks in the same changed run to be paired
#: as one changed block (``replace``) rather than a delete and an insert.
REPLACE_RATIO = 0.5
#: Least word-level similarity for a block deleted in one place and inserted in
#: another to count as moved.
MOVE_RATIO = 0.8
#: Runs with at most this many block pairs are compared exhaustively; bigger ones
#: only compare blocks sharing rare words.
EXHAUSTIVE_PAIRS = 400
#: Stretches between anchors of at most this many cells (blocks of a x blocks of b)
#: are aligned by an exact longest common subsequence.
LCS_CELLS = 2500
#: Rare words of a block used to find candidates, and candidates kept per block.
KEY_WORDS = 4
CANDIDATES = 6

#: (tag, a start, a end, b start, b end), as difflib's opcodes
Opcode = tuple[str, int, int, int, int]

OPS = ("equal", "delete", "insert", "replace", "split", "merge", "move")

_WORD = re.compile(r"\w+")


def normalize(text: str) -> str:
    """A block as one line: NFC, whitespace runs as one space, trimmed. Blocks are
    compared, and shown in a unified diff, in this form."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _tokens(line: str) -> tuple[str, ...]:
    """Words for similarity, splits and merges: ``\\w+`` runs, case folded."""
    return tuple(_WORD.findall(line.casefold()))


@dataclass(frozen=True)
class WordOp:
    """A run of words inside a changed block: ``equal``, ``delete`` (only in a) or
    ``insert`` (only in b). Words are joined by single spaces."""

    op: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


@dataclass(frozen=True)
class DiffOp:
    """One step of the alignment: ``a[a_start:a_end]`` against ``b[b_start:b_end]``."""

    op: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    #: the blocks of each side in the op's ranges (as given, not normalised)
    a_text: tuple[str, ...] = ()
    b_text: tuple[str, ...] = ()
    #: word-level ops (``replace``, and ``move`` of a block that changed on the way)
    words: tuple[WordOp, ...] = ()
    #: ``move`` only: the block's index on the other side
    other: int | None = None

    @property
    def moved_out(self) -> bool:
        """A ``move`` op at the place the block left (in a)."""
        return self.op == "move" and self.a_end > self.a_start

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "op": self.op,
            "a": [self.a_start, self.a_end],
            "b": [self.b_start, self.b_end],
            "a_text": list(self.a_text),
            "b_text": list(self.b_text),
        }
        if self.words:
            d["words"] = [w.to_dict() for w in self.words]
        if self.op == "move":
            d["to" if self.moved_out else "from"] = self.other
        return d


@dataclass(frozen=True)
class DiffStat:
    """Blocks and words added, removed, changed. A moved, split or merged block is
    not counted as added or removed; the words added and removed inside changed
    (and moved-and-changed) blocks are counted in ``words_*``."""

    blocks_a: int
    blocks_b: int
    equal: int
    added: int
    removed: int
    changed: int
    moved: int
    split: int
    merged: int
    words_added: int
    words_removed: int

    @property
    def same(self) -> bool:
        return self.equal == self.blocks_a == self.blocks_b

    def summary(self) -> str:
        """One line: '3 blocks added, 12 removed, 1 changed, ...; +40 -812 words'."""
        if self.same:
            return f"no differences ({_plural(self.blocks_a, 'block')})"
        parts = [
            f"{n} {label}"
            for n, label in (
                (self.added, "added"),
                (self.removed, "removed"),
                (self.changed, "changed"),
                (self.moved, "moved"),
                (self.split, "split"),
                (self.merged, "merged"),
            )
            if n
        ]
        return (
            f"blocks: {', '.join(parts)}, {self.equal} unchanged "
            f"({self.blocks_a} -> {self.blocks_b}); "
            f"words: +{self.words_added} -{self.words_removed}"
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "blocks_a": self.blocks_a,
            "blocks_b": self.blocks_b,
            "equal": self.equal,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "moved": self.moved,
            "split": self.split,
            "merged": self.merged,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
        }


@dataclass(frozen=True)
class BlockDiff:
    """The ops that turn blocks ``a`` into blocks ``b``."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    ops: tuple[DiffOp, ...] = field(default_factory=tuple)

    @property
    def same(self) -> bool:
        return all(op.op == "equal" for op in self.ops)

    @property
    def stat(self) -> DiffStat:
        count: Counter[str] = Counter()
        words_added = words_removed = 0
        for op in self.ops:
            na, nb = op.a_end - op.a_start, op.b_end - op.b_start
            if op.op == "equal":
                count["equal"] += na
            elif op.op == "delete":
                count["removed"] += na
                words_removed += sum(len(t.split()) for t in op.a_text)
            elif op.op == "insert":
                count["added"] += nb
                words_added += sum(len(t.split()) for t in op.b_text)
            elif op.op == "split":
                count["split"] += na
            elif op.op == "merge":
                count["merged"] += nb
            elif op.op == "replace" or op.moved_out:
                count["changed" if op.op == "replace" else "moved"] += 1
                for w in op.words:
                    if w.op == "insert":
                        words_added += len(w.text.split())
                    elif w.op == "delete":
                        words_removed += len(w.text.split())
        return DiffStat(
            blocks_a=len(self.a),
            blocks_b=len(self.b),
            equal=count["equal"],
            added=count["added"],
            removed=count["removed"],
            changed=count["changed"],
            moved=count["moved"],
            split=count["split"],
            merged=count["merged"],
            words_added=words_added,
            words_removed=words_removed,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "same": self.same,
            "stat": self.stat.to_dict(),
            "ops": [op.to_dict() for op in self.ops],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


# --------------------------------------------------------------------------- words


def diff_words(a: str, b: str) -> tuple[WordOp, ...]:
    """Word-level ops from block ``a`` to block ``b`` (words split on whitespace; a
    changed run is a delete then an insert)."""
    wa, wb = a.split(), b.split()
    ops: list[WordOp] = []

    def add(op: str, words: Sequence[str]) -> None:
        if not words:
            return
        if ops and ops[-1].op == op:
            ops[-1] = WordOp(op, ops[-1].text + " " + " ".join(words))
        else:
            ops.append(WordOp(op, " ".join(words)))

    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add("equal", wa[i1:i2])
        else:
            add("delete", wa[i1:i2])
            add("insert", wb[j1:j2])
    return tuple(ops)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Word-level similarity of two token sequences (difflib ratio, 1.0 when both
    are empty)."""
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


# --------------------------------------------------------------------------- blocks


@dataclass
class _Link:
    """A pairing inside one changed run: a[a0:a1] with b[b0:b1]."""

    op: str
    a0: int
    a1: int
    b0: int
    b1: int
    score: float


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by their first item) whose second items
    increase too (patience sorting, O(n log n))."""
    tails: list[int] = []  # tails[k]: the second item ending the best run of length k+1
    ends: list[int] = []  # index in pairs of that run's last pair
    back: list[int] = [-1] * len(pairs)
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        back[n] = ends[k - 1] if k else -1
        if k == len(tails):
            tails.append(j)
            ends.append(n)
        else:
            tails[k] = j
            ends[k] = n
    run: list[tuple[int, int]] = []
    n = ends[-1] if ends else -1
    while n >= 0:
        run.append(pairs[n])
        n = back[n]
    return run[::-1]


def _segment_opcodes(sa: Sequence[int], sb: Sequence[int]) -> list[Opcode]:
    """Opcodes of a stretch between anchors: a longest common subsequence when it is
    small (``SequenceMatcher`` alone turns [x, y, x, x] -> [x, x, x] into a delete
    and an insert), ``SequenceMatcher`` otherwise."""
    head = 0
    while head < min(len(sa), len(sb)) and sa[head] == sb[head]:
        head += 1
    tail = 0
    while tail < min(len(sa), len(sb)) - head and sa[-1 - tail] == sb[-1 - tail]:
        tail += 1
    if head or tail:
        trimmed: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
        middle = _segment_opcodes(sa[head : len(sa) - tail], sb[head : len(sb) - tail])
        trimmed += [(t, a1 + head, a2 + head, b1 + head, b2 + head) for t, a1, a2, b1, b2 in middle]
        if tail:
            trimmed.append(("equal", len(sa) - tail, len(sa), len(sb) - tail, len(sb)))
        return trimmed
    n, m = len(sa), len(sb)
    if not n or not m:
        tag = "delete" if n else "insert"
        return [(tag, 0, n, 0, m)] if n or m else []
    if n * m > LCS_CELLS:
        matcher = SequenceMatcher(None, sa, sb, autojunk=False)
        return [(t, a1, a2, b1, b2) for t, a1, a2, b1, b2 in matcher.get_opcodes()]
    # lengths[i][j]: LCS of sa[i:] and sb[j:]
    lengths = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = lengths[i], lengths[i + 1]
        x = sa[i]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if x == sb[j] else max(below[j], row[j + 1])
    ops: list[Opcode] = []
    i = j = 0
    gap_i, gap_j = 0, 0

    def flush(i: int, j: int) -> None:
        if gap_i < i or gap_j < j:
            tag = "replace" if gap_i < i and gap_j < j else "delete" if gap_i < i else "insert"
            ops.append((tag, gap_i, i, gap_j, j))

    while i < n and j < m:
        if sa[i] == sb[j] and lengths[i][j] == lengths[i + 1][j + 1] + 1:
            flush(i, j)
            if ops and ops[-1][0] == "equal" and ops[-1][2] == i:
                ops[-1] = ("equal", ops[-1][1], i + 1, ops[-1][3], j + 1)
            else:
                ops.append(("equal", i, i + 1, j, j + 1))
            i, j = i + 1, j + 1
            gap_i, gap_j = i, j
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    flush(n, m)
    return ops


def _opcodes(sa: Sequence[int], sb: Sequence[int]) -> list[Opcode]:
    """``SequenceMatcher`` opcodes of two id sequences, anchored first on the items
    found exactly once on each side and in the same order (as patience diff does):
    pages with many repeated blocks ("Share", "Read more") stay fast, and a moved
    paragraph does not pull the alignment away from the many that stayed."""
    count_a, count_b = Counter(sa), Counter(sb)
    where_b = {x: j for j, x in enumerate(sb) if count_b[x] == 1}
    pairs = [(i, where_b[x]) for i, x in enumerate(sa) if count_a[x] == 1 and x in where_b]
    ops: list[Opcode] = []

    def add(tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        if ops and tag == "equal" and ops[-1][0] == "equal":
            ops[-1] = ("equal", ops[-1][1], i2, ops[-1][3], j2)
        else:
            ops.append((tag, i1, i2, j1, j2))

    i0 = j0 = 0
    for i, j in [*_increasing(pairs), (len(sa), len(sb))]:
        if i > i0 or j > j0:
            for tag, a1, a2, b1, b2 in _segment_opcodes(sa[i0:i], sb[j0:j]):
                add(tag, i0 + a1, i0 + a2, j0 + b1, j0 + b2)
        if i < len(sa):
            add("equal", i, i + 1, j, j + 1)
        i0, j0 = i + 1, j + 1
    return ops


class _Aligner:
    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        self.a = list(a)
        self.b = list(b)
        self.na = [normalize(t) for t in self.a]
        self.nb = [normalize(t) for t in self.b]
        self._tok: dict[tuple[str, int], tuple[str, ...]] = {}
        self._bag: dict[tuple[str, int], Counter[str]] = {}
        self._df: Counter[str] = Counter()
        self._key_cache: dict[tuple[str, int], list[str]] = {}
        self._count_a = Counter(self.na)
        self._count_b = Counter(self.nb)
        #: A and B indices taken by a move: index -> index on the other side
        self.moved_a: dict[int, int] = {}
        self.moved_b: dict[int, int] = {}

    def tokens(self, side: str, i: int) -> tuple[str, ...]:
        key = (side, i)
        tok = self._tok.get(key)
        if tok is None:
            tok = self._tok[key] = _tokens((self.na if side == "a" else self.nb)[i])
        return tok

    def bag(self, side: str, i: int) -> Counter[str]:
        key = (side, i)
        bag = self._bag.get(key)
        if bag is None:
            bag = self._bag[key] = Counter(self.tokens(side, i))
        return bag

    # -- the skeleton ----------------------------------------------------------------

    def run(self) -> BlockDiff:
        ids: dict[str, int] = {}
        sa = [ids.setdefault(t, len(ids)) for t in self.na]
        sb = [ids.setdefault(t, len(ids)) for t in self.nb]
        opcodes = _opcodes(sa, sb)
        runs = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in opcodes if tag != "equal"]

        for i1, i2, j1, j2 in runs:
            for i in range(i1, i2):
                self._df.update(set(self.tokens("a", i)))
            for j in range(j1, j2):
                self._df.update(set(self.tokens("b", j)))

        self._exact_moves(runs)
        links = {run: self._pair_run(*run) for run in runs}
        self._near_moves(runs, links)

        ops: list[DiffOp] = []
        for tag, i1, i2, j1, j2 in opcodes:
            if tag == "equal":
                ops.append(self._op("equal", i1, i2, j1, j2))
            else:
                ops.extend(self._run_ops(i1, i2, j1, j2, links[(i1, i2, j1, j2)]))
        return BlockDiff(tuple(self.a), tuple(self.b), tuple(ops))

    def _op(
        self,
        op: str,
        a0: int,
        a1: int,
        b0: int,
        b1: int,
        words: tuple[WordOp, ...] = (),
        other: int | None = None,
    ) -> DiffOp:
        return DiffOp(op, a0, a1, b0, b1, tuple(self.a[a0:a1]), tuple(self.b[b0:b1]), words, other)

    # -- moves -----------------------------------------------------------------------

    def _exact_moves(self, runs: list[tuple[int, int, int, int]]) -> None:
        """A block deleted in one run and inserted, identical, in another."""
        waiting: dict[str, tuple[int, int]] = {}  # text -> (run, j)
        for r, (_, _, j1, j2) in enumerate(runs):
            for j in range(j1, j2):
                if self._unique(self.nb[j]):
                    waiting[self.nb[j]] = (r, j)
        for r, (i1, i2, _, _) in enumerate(runs):
            for i in range(i1, i2):
                slot = waiting.get(self.na[i])
                if slot is not None and slot[0] != r and self._unique(self.na[i]):
                    self.moved_a[i] = slot[1]
                    self.moved_b[slot[1]] = i

    def _unique(self, text: str) -> bool:
        """Found at most once on each side: a repeated block ("Share", "Read more")
        is never said to have moved, which of its copies went where is anyone's
        guess."""
        return self._count_a[text] <= 1 and self._count_b[text] <= 1

    def _near_moves(
        self, runs: list[tuple[int, int, int, int]], links: dict[Any, list[_Link]]
    ) -> None:
        """What is left unpaired: a block deleted in one run and inserted, nearly the
        same, in another."""
        run_of_a: dict[int, int] = {}
        run_of_b: dict[int, int] = {}
        for r, run in enumerate(runs):
            i1, i2, j1, j2 = run
            used_a: set[int] = set()
            used_b: set[int] = set()
            for link in links[run]:
                used_a.update(range(link.a0, link.a1))
                used_b.update(range(link.b0, link.b1))
            for i in range(i1, i2):
                if i not in used_a and i not in self.moved_a:
                    run_of_a[i] = r
            for j in range(j1, j2):
                if j not in used_b and j not in self.moved_b:
                    run_of_b[j] = r
        run_of_a = {i: r for i, r in run_of_a.items() if self._unique(self.na[i])}
        run_of_b = {j: r for j, r in run_of_b.items() if self._unique(self.nb[j])}
        if not run_of_a or not run_of_b:
            return
        pairs = []
        for i, j in self._candidates(list(run_of_a), list(run_of_b), exhaustive=False):
            if run_of_a[i] == run_of_b[j]:
                continue
            score = self._ratio(i, j, MOVE_RATIO)
            if score >= MOVE_RATIO:
                pairs.append((score, i, j))
        pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
        for _, i, j in pairs:
            if i in self.moved_a or j in self.moved_b:
                continue
            self.moved_a[i] = j
            self.moved_b[j] = i

    # -- pairing inside a run ----------------------------------------------------------

    def _pair_run(self, i1: int, i2: int, j1: int, j2: int) -> list[_Link]:
        """Non-crossing pairings (splits, merges, changed blocks) inside one run."""
        left = [i for i in range(i1, i2) if i not in self.moved_a]
        right = [j for j in range(j1, j2) if j not in self.moved_b]
        if not left or not right:
            return []
        links = self._splits(left, right, "a") + self._splits(right, left, "b")
        for i, j in self._candidates(left, right, exhaustive=True):
            score = self._ratio(i, j, REPLACE_RATIO)
            if score >= REPLACE_RATIO:
                links.append(_Link("replace", i, i + 1, j, j + 1, score))
        links.sort(key=lambda k: (-k.score, k.a0, k.b0))
        chosen: list[_Link] = []  # a chain: increasing in a and in b
        starts: list[int] = []
        for link in links:
            k = bisect.bisect_left(starts, link.a0)
            before = chosen[k - 1] if k else None
            after = chosen[k] if k < len(chosen) else None
            if before and (before.a1 > link.a0 or before.b1 > link.b0):
                continue
            if after and (after.a0 < link.a1 or after.b0 < link.b1):
                continue
            chosen.insert(k, link)
            starts.insert(k, link.a0)
        return chosen

    def _splits(self, whole: list[int], parts: list[int], side: str) -> list[_Link]:
        """Blocks of ``side`` whose words are those of two or more consecutive blocks
        of the other side (a split when ``side`` is a, a merge when it is b)."""
        other = "b" if side == "a" else "a"
        by_first: dict[str, list[int]] = defaultdict(list)
        for p, j in enumerate(parts):
            tok = self.tokens(other, j)
            if tok:
                by_first[tok[0]].append(p)
        links: list[_Link] = []
        for i in whole:
            target = self.tokens(side, i)
            if len(target) < 2:
                continue
            for p in by_first.get(target[0], ()):
                n = 0
                q = p
                while q < len(parts) and (q == p or parts[q] == parts[q - 1] + 1):
                    tok = self.tokens(other, parts[q])
                    if target[n : n + len(tok)] != tok:
                        break
                    n += len(tok)
                    q += 1
                    if n >= len(target):
                        break
                if n == len(target) and q - p >= 2:
                    j0, j1 = parts[p], parts[q - 1] + 1
                    if side == "a":
                        links.append(_Link("split", i, i + 1, j0, j1, 2.0))
                    else:
                        links.append(_Link("merge", j0, j1, i, i + 1, 2.0))
                    break
        return links

    # -- similarity ------------------------------------------------------------------

    def _ratio(self, i: int, j: int, floor: float) -> float:
        """Word-level similarity of a[i] and b[j]; 0.0 as soon as cheap bounds show it
        is below ``floor``."""
        ta, tb = self.tokens("a", i), self.tokens("b", j)
        total = len(ta) + len(tb)
        if not total:
            return 1.0 if self.na[i] == self.nb[j] else 0.0
        if 2 * min(len(ta), len(tb)) / total < floor:
            return 0.0
        common = sum((self.bag("a", i) & self.bag("b", j)).values())
        if 2 * common / total < floor:
            return 0.0
        return similarity(ta, tb)

    def _keys(self, side: str, i: int) -> list[str]:
        """The block's rarest words (document frequency over the changed runs)."""
        cached = self._key_cache.get((side, i))
        if cached is not None:
            return cached
        tok = set(self.tokens(side, i))
        if not tok:
            keys = ["\0" + (self.na if side == "a" else self.nb)[i]]
        else:
            keys = sorted(tok, key=lambda w: (self._df[w], -len(w), w))[:KEY_WORDS]
        self._key_cache[(side, i)] = keys
        return keys

    def _candidates(
        self, left: list[int], right: list[int], *, exhaustive: bool
    ) -> Iterable[tuple[int, int]]:
        """Pairs (a index, b index) worth comparing: every pair of a small run,
        otherwise the blocks of the right that share the most rare words with each
        block of the left."""
        if exhaustive and len(left) * len(right) <= EXHAUSTIVE_PAIRS:
            return [(i, j) for i in left for j in right]
        buckets: dict[str, list[int]] = defaultdict(list)
        for j in right:
            for key in self._keys("b", j):
                buckets[key].append(j)
        pairs: list[tuple[int, int]] = []
        for i in left:
            shared: Counter[int] = Counter()
            for key in self._keys("a", i):
                bucket = buckets.get(key, ())
                if len(bucket) <= 4 * CANDIDATES:
                    shared.update(bucket)
            pairs.extend((i, j) for j, _ in shared.most_common(CANDIDATES))
        return pairs

    # -- ops of one run ----------------------------------------------------------------

    def _run_ops(self, i1: int, i2: int, j1: int, j2: int, links: list[_Link]) -> list[DiffOp]:
        ops: list[DiffOp] = []
        i, j = i1, j1
        for link in [*links, _Link("end", i2, i2, j2, j2, 0.0)]:
            ops.extend(self._unpaired(i, link.a0, j, link.b0))
            if link.op == "replace":
                words = diff_words(self.na[link.a0], self.nb[link.b0])
                ops.append(self._op("replace", link.a0, link.a1, link.b0, link.b1, words))
            elif link.op != "end":
                ops.append(self._op(link.op, link.a0, link.a1, link.b0, link.b1))
            i, j = link.a1, link.b1
        return ops

    def _unpaired(self, i1: int, i2: int, j1: int, j2: int) -> list[DiffOp]:
        """Deletes (and moves out) of a[i1:i2], then inserts (and moves in) of
        b[j1:j2]."""
        ops: list[DiffOp] = []
        start = i1
        for i in range(i1, i2 + 1):
            if i == i2 or i in self.moved_a:
                if start < i:
                    ops.append(self._op("delete", start, i, j1, j1))
                if i < i2:
                    to = self.moved_a[i]
                    words = self._move_words(self.na[i], self.nb[to])
                    ops.append(self._op("move", i, i + 1, j1, j1, words, to))
                start = i + 1
        start = j1
        for j in range(j1, j2 + 1):
            if j == j2 or j in self.moved_b:
                if start < j:
                    ops.append(self._op("insert", i2, i2, start, j))
                if j < j2:
                    frm = self.moved_b[j]
                    words = self._move_words(self.na[frm], self.nb[j])
                    ops.append(self._op("move", i2, i2, j, j + 1, words, frm))
                start = j + 1
        return ops

    @staticmethod
    def _move_words(a: str, b: str) -> tuple[WordOp, ...]:
        return () if a == b else diff_words(a, b)


def diff_blocks(a: Sequence[str], b: Sequence[str]) -> BlockDiff:
    """Align blocks ``a`` with blocks ``b``; see the module docstring for the ops."""
    return _Aligner(a, b).run()


# --------------------------------------------------------------------------- gold


def gold_blocks(text: str) -> list[str]:
    """Gold text as blocks: paragraphs separated by blank lines (by line breaks when
    the text has no blank line)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n[ \t]*\n", text)
    if len(parts) == 1:
        parts = text.split("\n")
    return [p.strip() for p in parts if p.strip()]


@dataclass(frozen=True)
class GoldDiff:
    """An extraction against gold text: ``diff`` goes from gold (a) to the
    extraction (b), so what gold has and the extraction lacks is missed (false
    negatives) and what the extraction adds is extra (false positives)."""

    diff: BlockDiff
    score: PageScore

    @property
    def missed(self) -> list[str]:
        """Gold text not in the extraction: whole blocks, and runs of words of
        changed blocks."""
        return _side_text(self.diff, "delete")

    @property
    def extra(self) -> list[str]:
        """Extracted text not in gold."""
        return _side_text(self.diff, "insert")

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.score.precision, 4),
            "recall": round(self.score.recall, 4),
            "f1": round(self.score.f1, 4),
            "missed": self.missed,
            "extra": self.extra,
            **self.diff.to_dict(),
        }


def _side_text(diff: BlockDiff, word_op: str) -> list[str]:
    out: list[str] = []
    for op in diff.ops:
        if op.op == word_op:
            out.extend(op.a_text if word_op == "delete" else op.b_text)
        elif op.op == "replace" or (op.op == "move" and not op.moved_out):
            out.extend(w.text for w in op.words if w.op == word_op)
    return out


def diff_gold(extracted: Sequence[str], gold: str) -> GoldDiff:
    """The extraction's blocks against gold text (blocks on blank lines), with the
    page's shingle P/R/F1 (``scoring.score_page``)."""
    diff = diff_blocks(gold_blocks(gold), extracted)
    return GoldDiff(diff, score_page("\n\n".join(extracted), gold))
