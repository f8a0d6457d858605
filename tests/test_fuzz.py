"""Property-based tests (hypothesis): random and mutated HTML through the page loader,
every backend adapter, the consensus and the diff. No exception escapes except the
tool's own error type (``SourceError`` from the loader)."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unboil.extractors.errors import SourceError

SEED = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>T</title></head>'
    b"<body><nav><a href='/'>Home</a></nav><article><h1>Headline</h1>"
    b"<p>First paragraph of the article, long enough to be kept.</p>"
    b"<p>Second paragraph &amp; more text &#x263A; &bogus; <b>bold</b></p>"
    b"<ul><li>one<li>two</ul><table><tr><td>a<td>b</table></article>"
    b"<script>var x = '<p>not text</p>';</script><footer>(c)</footer></body></html>"
)
TOKENS = [
    b"<", b">", b"</", b"<div>", b"</div>", b"<p>", b"<!--", b"-->", b"<![CDATA[", b"]]>",
    b"<script>", b"</script>", b"<style>", b"&", b"&#", b";", b"\x00", b"\xff", b"\xc3",
    b"\xef\xbb\xbf", b"\x1f\x8b", b"%PDF-", b"{", b"}", b'"', b"'", b"=", b"<meta charset=",
    b"utf-16", b"shift_jis", b"<html>", b"<body>", b"<table>", b"<td>", b"<br/>",
    b"<!DOCTYPE", b"<?xml ", b"encoding=", b"\r\n", b" ", b"\t", "é".encode(), "日本".encode(),
    b"&#x1", b"&#11;", b"&#xD800;", b"&#0", b"\x0c", b"\x01",
]  # fmt: skip

settings.register_profile(
    "unboil",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
settings.load_profile("unboil")


@st.composite
def mutated_html(draw: st.DrawFn) -> bytes:
    """The seed page with pieces cut, duplicated or replaced by hostile tokens."""
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup"]))
        i = draw(st.integers(0, len(data)))
        if op == "insert":
            data[i:i] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[i : i + draw(st.integers(1, 40))]
        elif op == "replace":
            data[i : i + 1] = draw(st.binary(min_size=1, max_size=4))
        else:
            data[i:i] = bytes(data[i : i + draw(st.integers(1, 60))]) * draw(st.integers(1, 5))
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        return gzip.compress(bytes(data), mtime=0)
    return bytes(data)


inputs = st.one_of(
    st.binary(max_size=2000),
    mutated_html(),
    st.lists(st.sampled_from(TOKENS), max_size=60).map(b"".join),
    st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
)


def _load(data: bytes):  # type: ignore[no-untyped-def]
    from unboil.extractors.loading import load_bytes

    try:
        return load_bytes(data, "<fuzz>", max_bytes=1 << 20)
    except SourceError as exc:
        assert exc.cause and "\n" not in exc.cause
        return None


@given(
    inputs, st.sampled_from([None, "text/html", "text/html; charset=utf-16", "x/y; charset=bogus"])
)
def test_loader_raises_only_source_errors(data: bytes, content_type: str | None) -> None:
    from unboil.extractors.loading import load_bytes

    try:
        page = load_bytes(data, "<fuzz>", content_type=content_type, max_bytes=1 << 20)
    except SourceError as exc:
        assert exc.cause and "\n" not in exc.cause
        return
    assert isinstance(page.html, str) and page.html.strip()
    assert "\x00" not in page.html


@given(inputs)
def test_parse_and_flatten_never_raise(data: bytes) -> None:
    from unboil.extractors.htmltree import flatten_deep, parse_html

    html = data.decode("utf-8", "replace")
    assert parse_html(html) is not None
    flat = flatten_deep(html, limit=3)
    assert flat is None or len(flat) <= len(html)


BACKENDS = ["alltext", "trafilatura", "readability", "justext", "resiliparse", "boilerpy3",
            "goose3", "newspaper", "consensus"]  # fmt: skip


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=25)
@given(data=mutated_html())
def test_backend_adapters_never_fail(backend: str, data: bytes) -> None:
    from unboil.extractors.registry import get

    engine = get(backend)
    if not engine.available():
        pytest.skip(f"{backend} not installed")
    page = _load(data)
    if page is None:
        return
    result = engine.run(page, __import__("unboil.extractors.base").extractors.base.ExtractOptions())
    assert result is not None
    assert all(b.text is not None for b in result.blocks)
    assert 0 <= result.quality["replacement_share"] <= 1


@settings(max_examples=30)
@given(st.lists(st.text(max_size=80), max_size=12), st.lists(st.text(max_size=80), max_size=12))
def test_diff_never_raises(a: list[str], b: list[str]) -> None:
    from unboil.extractors.diffing import diff_blocks
    from unboil.extractors.unified import unified

    diff = diff_blocks(a, b)
    assert isinstance(unified(diff), str)
