"""Consensus: the member extractors' outputs as votes on the page's DOM blocks, combined
by a small learned model (gradient-boosted trees over votes + block features).

The recall-preserving strategy: start from the strongest member's own text (its blocks,
not a re-assembly of DOM blocks: that alone would cost about .009 F1) and

- drop one of its blocks only when the model is confident it is boilerplate
  (probability < ``DROP_BELOW``);
- add a DOM block no member-of-record kept only when the model is confident it is
  article text (probability >= ``ADD_ABOVE``), in page order;
- leave titles, leads and captions to the user's options, never to the model (the
  model is not trained on them: their inclusion is a convention of each gold set).

The strongest member is the first of ``MEMBERS`` that returned more than almost
nothing. A model file may also hold a leader model (``Leader``: each member's predicted
word F1, from ``pagekind.leader_features``), which then ranks the members on each page
and keeps the first one's own text whole (but for an appeal) where it predicts that text
beats the vote; the shipped model has none (it cost F1 on pages of collections it was
not trained on: ``benchmarks/CONSENSUS-EXPERIMENTS.md``). The model is a JSON file
(``models/consensus.json``) of tree arrays, evaluated with numpy, loaded once per
process; ``benchmarks/train_consensus.py`` trains it on three collections.

Over 600 lines for one concern: the vote and its combination (blocks, alignment,
features and page kind have their modules).
"""

from __future__ import annotations

import functools
import math
import statistics
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .alignment import Alignment, TextIndex
from .base import Backend, Block, BlockVote, Extraction, ExtractOptions
from .block_features import Votes, member_votes, vote_features
from .block_features import feature_names as blocks_feature_names
from .blocks import DomBlock, assign_roles, segment, unseen_texts
from .scoring import SHINGLE, tokens
from .trees import ModelError, Trees, load_model

if TYPE_CHECKING:
    import numpy as np

    from .page import Page

#: Member backends, strongest first on news pages. jusText is not a member: it cost time
#: and did not change the cross-validated F1 (benchmarks/CONSENSUS-EXPERIMENTS.md).
MEMBERS = ("trafilatura", "readability", "resiliparse")
#: A block of the strongest member is dropped only below this probability.
DROP_BELOW = 0.25
#: A block the strongest member did not keep is added only from this probability up.
ADD_ABOVE = 0.75
#: Decisions with a probability in this band are flagged ``doubtful``.
DOUBT_BAND = (0.25, 0.75)
#: A member "returned almost nothing" below this many words, or below this share of
#: the median output of the members that returned something.
MIN_WORDS = 10
#: Text inside a small element named like a comment prompt, a cookie banner or a
#: donation appeal (``blocks.VETO_TOKENS``, whole class/id tokens) is not kept, whatever
#: the votes (the members keep such boxes when they sit inside the article container),
#: unless that would remove at least this share of the strongest member's text.
VETO_MAX_SHARE = 0.5
#: the rule above applies (the training script compares without it)
VETO = True
#: blocks of an appeal for support told by its words (``textmode.appeals``: a short
#: line asking for support or donations and the blocks up to the next such line) are
#: not kept either
APPEALS = True
MIN_SHARE = 0.1
#: the strongest member's text that no visible block holds is dropped when it is the
#: text of hidden elements, unless the visible blocks hold less than this share of the
#: member's words and the member found at least ``SHOWN_MIN_WORDS`` (a "Please enable
#: JavaScript" line alone is no article)
SHOWN_MIN_SHARE = 0.2
SHOWN_MIN_WORDS = 50
#: the vote collapsed when it keeps less than this share of the words of the members'
#: median output (their text sits where no visible block holds it: an <option> list,
#: a script's template): the strongest member's own text stands instead
COLLAPSE_SHARE = 0.3

#: the shipped model: a file of the models package (``trees.load_model``)
MODEL_FILE = "consensus.json"
MODEL_FORMAT = "unboil-consensus-trees"
MODEL_VERSION = 1


# -- the model -------------------------------------------------------------------------


class ConsensusModel(Trees):
    """The consensus model: the block model's trees (``trees.Trees``), the members it
    was trained with, its thresholds, its training pages and the leader model."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.version = data.get("version")
        self.members: list[str] = list(data.get("members", MEMBERS))
        self.meta: dict[str, Any] = dict(data.get("meta", {}))
        thresholds = data.get("thresholds") or {}
        #: chosen by inner cross-validation when the model was trained (see
        #: benchmarks/CONSENSUS.md); the module's a-priori values otherwise
        self.drop_below = float(thresholds.get("drop_below", DROP_BELOW))
        self.add_above = float(thresholds.get("add_above", ADD_ABOVE))
        #: sha1 hex digests of the (decompressed) HTML bytes of the training pages
        self.trained_on: frozenset[str] = frozenset(data.get("trained_on", ()))
        #: which member leads on a page (None: the first of ``members`` that returned
        #: more than almost nothing)
        self.leader = Leader.of(data["leader"]) if data.get("leader") else None


@dataclass
class Leader:
    """One regression forest per member, predicting the member's word F1 on a page
    from ``pagekind.leader_features``: the members ranked by it lead in that order.
    With ``voted``, a forest predicting the voted text's word F1 on the page: where the
    leading member is predicted to beat the vote by ``margin``, its own text is kept
    (a forum thread, a listing: pages where the vote of news-trained habits loses)."""

    members: list[str]
    features: list[str]
    models: list[Trees]
    voted: Trees | None = None
    margin: float = 0.0

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Leader:
        features = list(data["features"])
        models = [Trees({**arrays, "features": features}) for arrays in data["models"]]
        voted = data.get("voted")
        return cls(
            list(data["members"]),
            features,
            models,
            Trees({**voted, "features": features}) if voted else None,
            float(data.get("margin", 0.0)),
        )

    def predict(self, row: np.ndarray) -> list[float]:
        if row.shape[1] != len(self.features):
            raise ValueError(f"the leader model reads {len(self.features)} features")
        return [float(m.raw(row)[0]) for m in self.models]

    def choose(self, row: np.ndarray) -> tuple[list[str], bool]:
        """The members ranked, and whether the first one's own text beats the vote."""
        scores = self.predict(row)
        ranked = sorted(zip(scores, self.members, strict=True), key=lambda x: -x[0])
        own = self.voted is not None and ranked[0][0] > float(self.voted.raw(row)[0]) + self.margin
        return [m for _, m in ranked], own


@functools.cache
def model() -> ConsensusModel:
    """The shipped model (``models/consensus.json``), loaded and checked once per
    process: its features must be the ones this version computes."""
    from . import pagekind

    data = load_model(MODEL_FILE, MODEL_FORMAT, MODEL_VERSION, feature_names(len(MEMBERS)))
    found = ConsensusModel(data)
    leader = found.leader
    if leader is not None and leader.features != pagekind.leader_feature_names(leader.members):
        raise ModelError(f"model {MODEL_FILE}: its leader reads other page features")
    return found


def page_digest(raw: bytes) -> str:
    """The digest the model's ``trained_on`` list holds for a page: sha1 (hex) of its
    HTML bytes after gzip decompression (``Page.raw``)."""
    import hashlib

    return hashlib.sha1(raw).hexdigest()


def trained_on(html_bytes_digests: Iterable[str], tree_model: ConsensusModel | None = None) -> int:
    """How many of these page digests (``page_digest``) the shipped model was trained
    on: consensus figures on such pages are not cross-validated."""
    seen = (tree_model or model()).trained_on
    return sum(1 for d in html_bytes_digests if d.lower() in seen)


# -- preparing a page ------------------------------------------------------------------


def _words(ex: Extraction | None) -> int:
    if ex is None or not ex.ok:
        return 0
    return sum(len(tokens(b.text)) for b in ex.blocks)


def member_tokens(
    members: Mapping[str, Extraction], known: Mapping[str, list[str]] | None = None
) -> dict[str, list[list[str]]]:
    """Each member's blocks as token lists (empty for a failed member), tokenised once:
    a text in ``known`` (the page blocks' tokens, by text) is not tokenised again."""
    known = known or {}
    cache: dict[str, list[str]] = {}
    out: dict[str, list[list[str]]] = {}
    for name, ex in members.items():
        lists = []
        if ex.ok:
            for b in ex.blocks:
                text = b.text
                toks = known.get(text)
                if toks is None:
                    toks = cache.get(text)
                    if toks is None:
                        toks = cache[text] = tokens(text)
                lists.append(toks)
        out[name] = lists
    return out


def strongest(
    members: Mapping[str, Extraction],
    order: Sequence[str] = MEMBERS,
    toks: Mapping[str, list[list[str]]] | None = None,
) -> str:
    """The first member, in order of strength, that returned more than almost nothing
    (else the first member)."""
    if toks is None:
        sizes = {m: _words(members.get(m)) for m in order}
    else:
        sizes = {m: sum(map(len, toks.get(m, ()))) for m in order}
    nonzero = [w for w in sizes.values() if w > 0]
    median = statistics.median(nonzero) if nonzero else 0
    for m in order:
        if sizes[m] >= MIN_WORDS and sizes[m] >= MIN_SHARE * median:
            return m
    best = max(order, key=lambda m: sizes[m])
    return best if sizes[best] > 0 else order[0]


@dataclass
class Prepared:
    """A page's blocks, votes and features, ready for the model."""

    blocks: list[DomBlock]
    votes: Votes
    X: np.ndarray
    strongest: str
    members: dict[str, Extraction]
    #: each member's blocks as token lists
    tokens: dict[str, list[list[str]]]
    #: the parsed page (for ``unseen_texts`` when a member's block is nowhere visible)
    root: Any = None
    #: the leader model's call: the strongest member's own text, not the vote
    own: bool = False

    def ranked(self) -> list[Extraction]:
        """The members' results that succeeded, the strongest member's first (the
        votes' order: ``prepare`` ranks the members so)."""
        found = (self.members.get(m) for m in self.votes.members)
        return [ex for ex in found if ex is not None and ex.ok]


def feature_names(n_members: int) -> list[str]:
    """The model's columns: ``block_features.feature_names`` then ``pagekind.FEATURES``."""
    from . import pagekind

    return blocks_feature_names(n_members) + list(pagekind.FEATURES)


def prepare(
    page: Page,
    members: Mapping[str, Extraction],
    order: Sequence[str] = MEMBERS,
    leader: Leader | None = None,
) -> Prepared:
    """The page's blocks, the members' votes and the features. The member of record is
    the first of ``order`` that returned more than almost nothing; with a ``leader``
    model, ``order`` is the members as it ranks them on this page."""
    import numpy as np

    from . import pagekind

    root = page.tree
    blocks = segment(root)
    assign_roles(blocks, root)
    toks = member_tokens(members, {b.text: b.toks for b in blocks})
    signals = pagekind.signals(page.html, blocks)
    names = list(dict.fromkeys([*order, *(leader.members if leader is not None else ())]))
    align = Alignment(blocks, {m: toks.get(m, []) for m in names})
    own = False
    if leader is not None:
        row = pagekind.leader_features(
            signals,
            blocks,
            [align.text_words(m) for m in leader.members],
            [align.text_grams(m, SHINGLE) for m in leader.members],
        )
        order, own = leader.choose(row)
    strong = strongest(members, order, toks)
    # the strongest member first: the model reads members by rank, so that a fallback
    # member of record is read as trafilatura usually is
    ranked = [strong] + [m for m in order if m != strong]
    votes = member_votes(blocks, toks, ranked, align)
    X = np.hstack([vote_features(blocks, votes, strong), pagekind.features(signals, blocks)])
    return Prepared(blocks, votes, X, strong, dict(members), toks, root, own)


# -- combining -------------------------------------------------------------------------


def _assign(
    blocks: Sequence[DomBlock],
    member_blocks: Sequence[list[str]],
    align: Alignment | None = None,
    name: str | None = None,
) -> list[int]:
    """For each DOM block, the index of the member block (given as its tokens) holding
    most of it (-1: none; ties go to the earlier member block). ``align``: the votes'
    alignment, when it holds these member blocks as the text ``name``."""
    if align is None or name is None or name not in align.bounds:
        name = "member"
        align = Alignment(blocks, {name: member_blocks})
    return align.owners(name)


#: a repeated paragraph is restored from this many words (short repeats are furniture:
#: "Advertisement", photo credits, "Reply")
REPEAT_MIN_WORDS = 20


def _repeats(prep: Prepared, held: Sequence[list[int]], kept_dom: Sequence[bool]) -> list[int]:
    """DOM blocks to add as repeats of a kept paragraph: the page shows a paragraph (of
    ``REPEAT_MIN_WORDS`` or more, body text) more often than the strongest member kept
    it (it drops repeats) and another member kept it as often. As many as that member's
    copies (at most the page's) less the strongest member's, first ones first."""
    # the page's repeated paragraphs first (grouped by text: usually there are none)
    groups: dict[str, list[int]] = {}
    for i, b in enumerate(prep.blocks):
        if b.role == "body" and len(b.toks) >= REPEAT_MIN_WORDS:
            groups.setdefault(b.text, []).append(i)
    dom = {tuple(prep.blocks[ids[0]].toks): ids for ids in groups.values() if len(ids) > 1}
    if not dom:
        return []
    by_key: dict[tuple[str, ...], list[int]] = {}
    for j, toks in enumerate(prep.tokens.get(prep.strongest, [])):
        if len(toks) >= REPEAT_MIN_WORDS and tuple(toks) in dom:
            by_key.setdefault(tuple(toks), []).append(j)
    out: list[int] = []
    for key, same in dom.items():
        js = by_key.get(key, [])
        if not js or len(same) <= len(js) or not any(kept_dom[i] for i in same):
            continue
        others = max(
            (
                sum(1 for t in prep.tokens.get(m, []) if tuple(t) == key)
                for m in prep.votes.members
                if m != prep.strongest
            ),
            default=0,
        )
        used = {min(held[j]) for j in js if held[j]}
        free = [i for i in same if i not in used]
        out += free[: min(others, len(same)) - len(js)]
    return out


def _collapsed(prep: Prepared, kept_words: int) -> bool:
    """Whether ``kept_words`` are under ``COLLAPSE_SHARE`` of the members' median output."""
    sizes = [sum(map(len, prep.tokens.get(m, []))) for m in prep.votes.members]
    return bool(sizes) and kept_words < COLLAPSE_SHARE * statistics.median(sizes)


def combine(
    prep: Prepared,
    probs: Sequence[float],
    options: ExtractOptions | None = None,
    drop_below: float = DROP_BELOW,
    add_above: float = ADD_ABOVE,
) -> tuple[list[Block], list[BlockVote]]:
    """The kept text (the strongest member's own blocks where it has the span) and a
    vote for every DOM block. A block of the strongest member is dropped below
    ``drop_below``; a block it did not keep is added from ``add_above`` up. Where the
    leader model chose the strongest member's own text (``prep.own``), its blocks are
    kept but for an appeal for support, and nothing is added. Where the kept text
    collapsed (``_collapsed``), it is the strongest member's own."""
    options = options or ExtractOptions()
    if prep.own:
        drop_below, add_above = 0.0, math.inf
    blocks = prep.blocks
    strong = prep.members.get(prep.strongest)
    own = list(strong.blocks) if strong is not None and strong.ok else []
    own_toks = prep.tokens.get(prep.strongest, []) if own else []
    owner = (
        _assign(blocks, own_toks, prep.votes.align, prep.strongest) if own else [-1] * len(blocks)
    )
    held: list[list[int]] = [[] for _ in own]
    for i, j in enumerate(owner):
        if j >= 0:
            held[j].append(i)

    own_words = sum(map(len, own_toks)) or 1
    # a page that shows almost nothing but holds its text in <noscript> (a Discourse
    # thread served to a client without JavaScript) or in hidden elements: that text is
    # the page's, not the hidden extra that the rule below drops
    shown = (
        own_words < SHOWN_MIN_WORDS or sum(b.words for b in blocks) >= SHOWN_MIN_SHARE * own_words
    )
    vetoed_words = sum(blocks[i].words for i, j in enumerate(owner) if j >= 0 and blocks[i].veto)
    veto = VETO and not prep.own and vetoed_words < VETO_MAX_SHARE * own_words
    # not kept whatever the votes: a box named like a comment prompt, cookie banner or
    # appeal (the rule above), and an appeal for support told by its words
    barred = [veto and b.veto for b in blocks]
    if APPEALS:
        from .textmode import appeals

        for i in appeals([b.text for b in blocks]):
            barred[i] = True
    hidden: TextIndex | None = None
    # the strongest member's longest block of body text: its article's main paragraph,
    # kept when the model would keep less body text than it (the model is not trained
    # to tell a page without an article)
    body_words = [
        len(own_toks[j]) if any(blocks[i].role == "body" for i in held[j]) else 0
        for j in range(len(own))
    ]
    longest = body_words.index(max(body_words)) if any(body_words) else -1

    def take(force: int = -1) -> tuple[list[tuple[Block, int]], list[bool], int]:
        """The strongest member's blocks kept (its block ``force`` whatever its
        probability), the kept DOM blocks, and the words of its kept body blocks."""
        nonlocal hidden
        kept_dom = [False] * len(blocks)
        out: list[tuple[Block, int]] = []  # (block, DOM position)
        last = -1
        kept_body = 0
        for j, block in enumerate(own):
            ds = held[j]
            pos = min(ds) if ds else last
            last = max(last, pos)
            if not ds:  # in no visible block: kept unless it is the text of hidden elements
                if hidden is None:  # hidden elements' and menus' text (the page's unseen text)
                    texts = unseen_texts(prep.root) if prep.root is not None else []
                    hidden = TextIndex.of(texts)
                if not shown or hidden.words == 0 or hidden.coverage(own_toks[j], inside=0.0) < 0.5:
                    out.append((block, pos))
                continue
            if len(ds) == 1:  # the usual case, as the general one below computes it
                d = blocks[ds[0]]
                if d.role == "body":
                    keep = (probs[ds[0]] >= drop_below or j == force) and not barred[ds[0]]
                    kept_body += len(own_toks[j]) if keep else 0
                else:
                    keep = d.role != "title" and (
                        d.role != "caption" or options.captions is not False
                    )
                if keep:
                    out.append((block, pos))
                    kept_dom[ds[0]] = True
                continue
            weight = {i: max(1, blocks[i].words - SHINGLE + 1) for i in ds}
            role_words: dict[str, int] = {}
            for i in ds:
                role_words[blocks[i].role] = role_words.get(blocks[i].role, 0) + weight[i]
            role = max(role_words, key=lambda r: role_words[r])
            if role == "title":
                keep = False  # the headline is the --title option's
            elif role == "caption":
                keep = options.captions is not False
            elif role == "lead":
                keep = True
            else:
                body = [i for i in ds if blocks[i].role == "body"] or ds
                total = sum(weight[i] for i in body)
                p = sum(probs[i] * weight[i] for i in body) / total
                vetoed = sum(weight[i] for i in body if barred[i])
                keep = (p >= drop_below or j == force) and vetoed * 2 < total
                kept_body += len(own_toks[j]) if keep else 0
            if keep:
                out.append((block, pos))
                for i in ds:
                    kept_dom[i] = True

        return out, kept_dom, kept_body

    out, kept_dom, kept_body = take()
    if longest >= 0 and kept_body < body_words[longest]:
        # less body text kept than the article's main paragraph: that paragraph stays
        out, kept_dom, kept_body = take(longest)

    sel_strong = prep.votes.selected[prep.strongest] if own else [False] * len(blocks)
    span = [i for i, k in enumerate(kept_dom) if k]
    lo, hi = (span[0], span[-1]) if span else (0, len(blocks) - 1)
    # the article starts at its headline: a lead image's caption comes before the body
    titles = [i for i, d in enumerate(blocks) if d.role == "title"]
    if titles:
        lo = min(lo, titles[0])
    extras: list[tuple[Block, int]] = []
    repeats = set(_repeats(prep, held, kept_dom))
    for i, d in enumerate(blocks):
        if i in repeats:  # a kept paragraph shown again (the strongest member has it once)
            kept_dom[i] = True
            extras.append((Block(d.text, d.kind), i))
            continue
        if owner[i] >= 0 or sel_strong[i]:
            continue
        add = False
        if barred[i] or (d.veto and VETO):
            add = False
        elif d.role == "body":
            add = probs[i] >= add_above
        elif d.role == "caption":
            add = options.captions is True and lo <= i <= hi
        elif d.role == "lead":  # a member's vote and the evidence that keeps own blocks
            voted = any(prep.votes.selected[m][i] for m in prep.votes.members)
            add = voted and i <= hi and probs[i] >= drop_below
        if add:
            kept_dom[i] = True
            extras.append((Block(d.text, d.kind), i))

    merged: list[Block] = []
    k = 0
    for block, pos in out:
        while k < len(extras) and extras[k][1] < pos:
            merged.append(extras[k][0])
            k += 1
        merged.append(block)
    merged += [b for b, _ in extras[k:]]
    # the words kept, from the token lists at hand: the strongest member's blocks' and
    # the added DOM blocks'
    words_of = {id(b): len(t) for b, t in zip(own, own_toks, strict=True)}
    kept_words = sum(words_of[id(b)] for b, _ in out) + sum(blocks[i].words for _, i in extras)
    if own and _collapsed(prep, kept_words):
        merged = list(own)

    votes = []
    names = prep.votes.members
    sel = [prep.votes.selected[m] for m in names]
    lo_doubt, hi_doubt = DOUBT_BAND
    for d, p, kept, bar, *by in zip(blocks, map(float, probs), kept_dom, barred, *sel, strict=True):
        role = d.role
        body = role == "body"
        boxed = body and not kept and (bar or d.veto) and p >= 0.5  # the model would keep it
        if body and not kept and (p < 0.5 or boxed):
            role = "boilerplate"
        votes.append(
            BlockVote(
                text=d.text,
                kind=d.kind,
                role=role,
                members=[m for m, s in zip(names, by, strict=True) if s],
                probability=round(p, 4),
                kept=kept,
                doubtful=body and not boxed and lo_doubt <= p < hi_doubt,
                rule="box" if boxed else None,
            )
        )
    return merged, votes


def title_of(prep: Prepared, page: Page) -> str | None:
    """The strongest member's title, else any member's, else the page's headline."""
    from .htmltree import page_title

    for ex in prep.ranked():
        if ex.title:
            return ex.title
    for d in prep.blocks:
        if d.role == "title":
            return d.text
    return page_title(page.tree)


def metadata_of(prep: Prepared) -> dict[str, Any]:
    """The members' metadata (author, date, ...: the strongest member's where members
    differ), which member was the strongest and which members ran."""
    out: dict[str, Any] = {}
    for ex in prep.ranked():
        for key, value in ex.metadata.items():
            if value not in (None, "", [], {}) and key not in out:
                out[key] = value
    out["strongest"] = prep.strongest
    out["members"] = list(prep.members)
    return out


_backends: dict[str, Backend | None] = {}
_lock = threading.Lock()


def _backend(name: str) -> Backend | None:
    """A member backend, looked up once per process (``registry.get`` checks that its
    modules can be imported: milliseconds per call), None when it cannot run."""
    with _lock:
        if name not in _backends:
            from . import registry
            from .errors import BackendNotFound, BackendUnavailable

            try:
                backend: Backend | None = registry.shared(name)
            except (BackendNotFound, BackendUnavailable):
                backend = None
            _backends[name] = backend
        return _backends[name]


def run_members(
    page: Page, order: Sequence[str] = MEMBERS, metadata: bool = True
) -> dict[str, Extraction]:
    """Every member on the page (one shared parse); a member that cannot run is left
    out (a missing vote), one that fails is kept with its error."""
    members: dict[str, Extraction] = {}
    plain = ExtractOptions(metadata=metadata)
    for name in order:
        backend = _backend(name)
        if backend is not None:
            members[name] = backend.extract(page, plain)
    return members


def consensus(
    page: Page,
    options: ExtractOptions | None = None,
    members: Mapping[str, Extraction] | None = None,
    tree_model: ConsensusModel | None = None,
) -> Extraction:
    """The consensus extraction of a page (members run here unless given)."""
    options = options or ExtractOptions()
    m = tree_model or model()
    if members is None:
        members = run_members(page, m.members, metadata=options.metadata)
    prep = prepare(page, members, m.members, m.leader)
    probs: list[float] = [float(p) for p in m.predict_proba(prep.X)] if prep.blocks else []
    kept, votes = combine(prep, probs, options, m.drop_below, m.add_above)
    return Extraction(
        backend="consensus",
        blocks=kept,
        title=title_of(prep, page),
        metadata=metadata_of(prep),
        votes=votes,
        members=dict(prep.members),
    )
