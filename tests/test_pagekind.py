"""Page-kind evidence for the consensus model: declared types, repeated shapes, prices,
date lines, appeal language, and the leader model's page row."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from unboil.extractors import pagekind
from unboil.extractors.alignment import Alignment
from unboil.extractors.blocks import DomBlock, segment
from unboil.extractors.loading import load_file
from unboil.extractors.page import Page
from unboil.extractors.scoring import SHINGLE, shingle_agreement

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _features(page: Page) -> np.ndarray:
    blocks = segment(page.tree)
    return pagekind.features(pagekind.signals(page.html, blocks), blocks)


def _leader_row(page: Page, blocks: list[DomBlock], members: list[list[list[str]]]) -> np.ndarray:
    align = Alignment(blocks, {str(i): m for i, m in enumerate(members)})
    return pagekind.leader_features(
        pagekind.signals(page.html, blocks),
        blocks,
        [align.text_words(str(i)) for i in range(len(members))],
        [align.text_grams(str(i), SHINGLE) for i in range(len(members))],
    )


def _column(X: np.ndarray, name: str) -> np.ndarray:
    return X[:, pagekind.FEATURES.index(name)]


def test_declared_kinds_from_json_ld_microdata_and_og_type() -> None:
    html = """<html><head>
    <script type="application/ld+json">{"@context": "https://schema.org",
      "@type": "DiscussionForumPosting", "headline": "x"}</script>
    <meta property="og:type" content="product"></head>
    <body><ul itemscope itemtype="https://schema.org/ItemList"></ul></body></html>"""
    assert pagekind.declared_kinds(html) == {"discussion", "product", "list"}
    assert pagekind.declared_kinds('<script>{"@type": ["NewsArticle"]}</script>') == {"article"}
    assert pagekind.declared_kinds("<p>no types: @type is only a word here</p>") == set()


def test_a_listings_cards_repeat_and_hold_prices() -> None:
    page = load_file(SAMPLES / "listing-inkwell-bottled-inks.html")
    blocks = segment(page.tree)
    X = pagekind.features(pagekind.signals(page.html, blocks), blocks)
    assert X.shape == (len(blocks), len(pagekind.FEATURES))
    priced = [b.text for b, p in zip(blocks, _column(X, "has_price"), strict=True) if p]
    assert len(priced) >= 12 and all("£" in t or "$" in t or "€" in t for t in priced)
    # the same for every block: a page feature
    assert len(set(_column(X, "page_repeat_share"))) == 1
    assert _column(X, "page_repeat_share")[0] > 0.3
    news = load_file(SAMPLES / "news-hollinbridge-footbridge.html")
    news_X = _features(news)
    assert _column(news_X, "page_price_share")[0] < _column(X, "page_price_share")[0]


def test_appeal_language_and_its_neighbours() -> None:
    html = """<html><body><article>
    <p>The council closed the old footbridge before dawn on Monday morning.</p>
    <p>Your support helps us to tell the story. Please donate today.</p>
    <p>Engineers expect to reopen the crossing next week after an inspection.</p>
    </article></body></html>"""
    page = Page.from_html(html)
    blocks = segment(page.tree)
    X = pagekind.features(pagekind.signals(page.html, blocks), blocks)
    appeal = _column(X, "appeal")
    assert list(appeal > 0) == [False, True, False]
    neigh = _column(X, "appeal_neigh")
    assert neigh[0] > 0 and neigh[2] > 0 and neigh[1] == 0


def test_date_lines_are_short() -> None:
    html = """<html><body><div><p>Mar 3, 2025</p><p>2 hours ago</p>
    <p>On 3 March 2025 the committee met for a long and detailed discussion of the plans
    for the bridge, the ferry and the bus routes around the valley.</p></div></body></html>"""
    page = Page.from_html(html)
    X = _features(page)
    assert list(_column(X, "date_line")) == [1.0, 1.0, 0.0]


def test_leader_row_reads_sizes_and_agreement() -> None:
    page = load_file(SAMPLES / "news-hollinbridge-footbridge.html")
    blocks = segment(page.tree)
    body = [b.toks for b in blocks if b.words > 20]
    members = ["trafilatura", "readability", "resiliparse"]
    row = _leader_row(page, blocks, [body, body, []])
    names = pagekind.leader_feature_names(members)
    assert row.shape == (1, len(names))
    values = dict(zip(names, row[0], strict=True))
    assert values["agree_trafilatura_readability"] == 1.0
    assert values["agree_trafilatura_resiliparse"] == 0.0
    assert values["resiliparse_log_words"] == 0.0
    assert 0 < values["trafilatura_share"] <= 1.0
    none = pagekind.signals(page.html, [])
    assert pagekind.features(none, []).shape == (0, len(pagekind.FEATURES))


_TOKENS = st.lists(st.lists(st.sampled_from(["a", "b", "c", "é", "9"]), max_size=8), max_size=5)


@settings(max_examples=300, deadline=None)
@given(members=st.lists(_TOKENS, min_size=2, max_size=3), page=_TOKENS, shared=st.booleans())
def test_member_agreement_is_the_shingle_agreement(
    members: list[list[list[str]]], page: list[list[str]], shared: bool
) -> None:
    """The leader row's agreement (numpy multisets of the alignment's shingle codes)
    equals ``scoring.shingle_agreement`` on the members' texts' shingle Counters,
    whether or not a member's blocks are the page's very token lists."""
    blocks = [
        DomBlock(text=" ".join(t), index=i, tag="p", depth=1, mask=0, link_chars=0, toks=t)
        for i, t in enumerate(page)
    ]
    if shared:
        members[0] = page + members[0]
    align = Alignment(blocks, {str(i): m for i, m in enumerate(members)})
    grams = [pagekind._multiset(align.text_grams(str(i), SHINGLE)) for i in range(len(members))]
    for i in range(len(members)):
        assert align.text_words(str(i)) == sum(map(len, members[i]))
        for j in range(i + 1, len(members)):
            flat = [[t for block in members[m] for t in block] for m in (i, j)]
            counters = [Counter(zip(*(f[n:] for n in range(SHINGLE)), strict=False)) for f in flat]
            expected = shingle_agreement(*counters)
            assert pagekind._agreement(grams[i], grams[j]) == expected


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list("supportdonatecribgnwlmfhyj ÅſKİı-.")), max_size=40)
    | st.sampled_from(["Your SUPPORT matters", "ſubscribe now", "contrİbute", "We rely on you"])
)
def test_the_appeal_pre_check_never_hides_a_phrase(text: str) -> None:
    """``appeal_phrases`` counts as the regex does: its word pre-check (case-folded,
    Unicode case equivalents included) passes every text the regex finds a phrase in."""
    assert pagekind.appeal_phrases(text) == len(pagekind._APPEAL.findall(text))


def test_og_type_is_read_with_content_before_or_after_the_property() -> None:
    before = '<meta content="product" property="og:type"><meta name="x" content="article">'
    after = "<meta property='og:type' content='article' />"
    assert pagekind.declared_kinds(before) == {"product"}
    assert pagekind.declared_kinds(after) == {"article"}
    # another tag's content= is not the og:type's
    assert pagekind.declared_kinds('<meta content="product"><meta property="og:type">') == set()
