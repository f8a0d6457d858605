"""The hostile-input corpus (tests/hostile.py) through the Python API, ``unboil`` and
``unboil batch``, and URL fetching under faults against the local server.

Small inputs run through every backend in-process; the big ones (30 MB, 1M ``<p>``s,
100k nested ``<div>``s, a 10 MB line) only through ``unboil batch`` with a short
per-page timeout, in one subprocess per backend, all at once.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import names
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import hostile

from unboil.extractors.errors import SourceError
from unboil.extractors.fetching import fetch
from unboil.extractors.loading import NotHtml
from unboil.extractors.sources import load

UNBOIL = str(Path(sys.executable).with_name("unboil"))
SMALL = [c for c in hostile.CASES if not c.big]
BACKENDS = list(names.HTML_BACKENDS)
DECLARED = {"cp1251_meta", "sjis_meta", "utf16_bom", "gzip", "bad_utf8", "nul"}


def _available(name: str) -> bool:
    from unboil.extractors.registry import get_class

    try:
        return get_class(name)().available()
    except Exception:
        return False


AVAILABLE = [b for b in BACKENDS if _available(b)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build(tmp_path_factory.mktemp("hostile") / "corpus", big=False)


@pytest.fixture(scope="module")
def pages(corpus: dict[str, Path]) -> dict[str, object]:
    loaded: dict[str, object] = {}
    for name, path in corpus.items():
        try:
            loaded[name] = load(str(path))
        except SourceError as exc:
            loaded[name] = exc
    return loaded


def _leaks(text: str) -> bool:
    return hostile.SECRET in text


# --------------------------------------------------------------------------- the API


@pytest.mark.parametrize("case", SMALL, ids=lambda c: c.name)
def test_load_outcome(case: hostile.Case, pages: dict[str, object]) -> None:
    got = pages[case.name]
    if case.outcome == "refused":
        assert isinstance(got, SourceError), got
        assert case.cause in got.cause
        assert "\n" not in got.cause
    else:
        assert not isinstance(got, SourceError), got


def test_refused_kinds(pages: dict[str, object]) -> None:
    kinds = {n: p.kind for n, p in pages.items() if isinstance(p, NotHtml)}
    assert kinds == {
        "empty": "empty",
        "whitespace": "empty",
        "random": "binary",
        "pdf": "pdf",
        "png": "png",
        "json": "json",
    }


@pytest.mark.parametrize("name", ["cp1251_meta", "cp1251_bare", "sjis_meta", "sjis_bare"])
def test_legacy_encodings_decoded(name: str, pages: dict[str, object]) -> None:
    page = pages[name]
    case = hostile.BY_NAME[name]
    assert case.expect is not None
    assert case.expect in page.html  # type: ignore[attr-defined]
    assert "\ufffd" not in page.html  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", AVAILABLE)
def test_every_backend_on_every_small_page(backend: str, pages: dict[str, object]) -> None:
    from unboil.extractors.base import ExtractOptions
    from unboil.extractors.registry import get

    engine = get(backend)
    for name, page in pages.items():
        if isinstance(page, SourceError):
            continue
        start = time.perf_counter()
        result = engine.extract(page, ExtractOptions(title=True))  # type: ignore[arg-type]
        assert time.perf_counter() - start < 20, name
        if result.error is not None:
            assert "\n" not in result.error, (name, result.error)
            continue
        everything = json.dumps(result.to_dict(), ensure_ascii=False)
        assert not _leaks(everything), (backend, name)
        quality = result.quality
        assert quality["chars"] == len(result.text)
        assert quality["control_share"] == 0, (backend, name)
        case = hostile.BY_NAME[name]
        if name in DECLARED and result.text:
            # a correctly declared encoding: no mojibake; the bad bytes only
            assert quality["replacement_share"] < 0.02, (backend, name, quality)
        if name in DECLARED - {"bad_utf8", "nul"}:
            assert quality["replacement_share"] == 0, (backend, name)
        if case.expect and result.reason is None and backend != "justext":
            assert case.expect[:12] in result.text, (backend, name, result.text[:200])
        if case.absent:  # in the raw strings: JSON would have escaped a control character
            raw = [result.text, result.title or "", repr(result.metadata)]
            assert not any(case.absent in s for s in raw[:2]), (backend, name)
            assert repr(case.absent)[1:-1] not in raw[2], (backend, name)


def test_deep_nesting_is_not_dropped() -> None:
    """libxml2 drops what lies below depth 256 and lexbor is quadratic in depth: the
    text at the bottom of 100,000 nested <div>s comes out, fast, from every backend."""
    from unboil.extractors.page import Page
    from unboil.extractors.registry import get

    n = 100_000
    page = Page.from_html("<html><body>" + "<div>" * n + hostile.EN + "</div>" * n)
    for backend in AVAILABLE:
        if backend in ("justext", "boilerpy3"):  # one short paragraph: boilerplate to them
            continue
        start = time.perf_counter()
        result = get(backend).extract(page)
        assert time.perf_counter() - start < 10, backend
        assert hostile.EN in result.text, (backend, result.error)


def test_flatten_deep_keeps_normal_pages_and_text() -> None:
    from unboil.extractors.htmltree import flatten_deep, parse_html

    assert flatten_deep("<div><p>a<p>b</div>" * 500) is None
    deep = "<body>" + "<div><span>" * 300 + "x<script>'<div>'</script>" + "</span></div>" * 300
    flat = flatten_deep(deep, limit=100)
    assert flat is not None
    assert flat.count("<div>") + flat.count("<span>") == 100 + 1  # one in the script
    assert "<script>'<div>'</script>" in flat
    assert flat.count("</div>") + flat.count("</span>") == 100
    assert parse_html(deep).text_content().startswith("x")


# --------------------------------------------------------------------------- the CLI


def _run(args: list[str], **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.Popen(
        [UNBOIL, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,  # type: ignore[call-overload]
    )


def test_unboil_extract_every_backend(corpus: dict[str, Path]) -> None:
    """``unboil -b NAME -f jsonl`` over every small input, the backends in parallel: a
    record per input, a one-line error per refused one, exit status 3, no traceback."""
    files = [str(corpus[c.name]) for c in SMALL]
    procs = {b: _run(["-b", b, "-f", "jsonl", *files]) for b in AVAILABLE}
    for backend, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 3, (backend, err)
        assert "Traceback" not in err and "Traceback" not in out
        records = [json.loads(line) for line in out.splitlines()]
        assert len(records) == len(files)
        assert not _leaks(out), backend
        for case, rec in zip(SMALL, records, strict=True):
            if case.outcome == "refused":
                assert case.cause in rec["error"], (backend, rec)
                assert f"{corpus[case.name]}: {rec['error']}" in err
            else:
                assert rec["error"] is None or "\n" not in rec["error"]
        assert all(line.startswith("unboil: ") for line in err.splitlines()), err


def test_unboil_extract_one_refused_page(corpus: dict[str, Path]) -> None:
    proc = _run([str(corpus["pdf"])])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 3
    assert out == ""
    assert err == f"unboil: {corpus['pdf']}: not an HTML page (looks like PDF)\n"


def test_unboil_batch_whole_corpus(tmp_path: Path) -> None:
    """Every input, the big ones included, gets a final status from ``unboil batch``
    within the per-page timeout: ok, failed (one line) or timeout."""
    paths = hostile.build(tmp_path / "corpus", big=True)
    backends = [b for b in ("trafilatura", "resiliparse", "readability") if b in AVAILABLE]
    timeout = 6
    started = time.monotonic()
    by_file = {p.name: n for n, p in paths.items()}
    for backend in backends:  # one after the other: the suite runs on two workers too
        args = ["batch", str(tmp_path / "corpus"), "-b", backend, "-j", "2", "-q"]
        proc = _run([*args, "--timeout", str(timeout), "-f", "jsonl"])
        out, err = proc.communicate(timeout=240)
        assert "Traceback" not in err, err
        assert proc.returncode == 3, err
        records = {Path(r["source"]).name: r for r in map(json.loads, out.splitlines())}
        assert set(records) == set(by_file), backend
        for file, rec in records.items():
            case = hostile.BY_NAME[by_file[file]]
            assert rec["status"] in ("ok", "failed", "timeout"), rec
            assert rec["seconds"] <= timeout + 1, rec
            if case.outcome == "refused":
                assert rec["status"] == "failed", rec
                assert case.cause.split(" 20 MB")[0] in rec["error"], rec
            if rec["error"]:
                assert "\n" not in rec["error"]
            assert not _leaks(rec.get("text") or ""), rec
        assert records["nested.html"]["status"] == "ok", (backend, records["nested.html"])
    # nothing hung past the timeout
    assert time.monotonic() - started < 180


def test_batch_worker_memory_cap() -> None:
    """A batch worker's address space is capped (``--max-memory``, default 2 GiB): a
    runaway allocation is a MemoryError in that worker, not a dead machine."""
    code = (
        "import os, resource, sys\n"
        "from unboil.extractors.workers import worker_init\n"
        "worker_init(os.getppid(), *map(int, sys.argv[1:]))\n"
        "print(resource.getrlimit(resource.RLIMIT_AS)[0])\n"
        "try:\n    bytearray(3 << 30)\nexcept MemoryError:\n    print('MemoryError')\n"
    )
    for args, cap in (([], 2 << 30), ([str(1 << 30)], 1 << 30)):
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        assert out == [str(cap), "MemoryError"]


# --------------------------------------------------------------------------- URL faults


def _reset(h) -> None:  # type: ignore[no-untyped-def]
    """Abort the connection (RST) before answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()


def _reset_midway(h) -> None:  # type: ignore[no-untyped-def]
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(b"<html><body><p>" + b"x" * 1000)
    h.wfile.flush()
    _reset(h)


@pytest.mark.parametrize("handler", [_reset, _reset_midway], ids=["before", "midway"])
def test_fetch_connection_reset(http_server, handler) -> None:  # type: ignore[no-untyped-def]
    url = http_server.handle("/reset", handler)
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True)
    assert "\n" not in info.value.cause
    assert info.value.source == url


def test_fetch_429_is_one_line(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server.add("/busy", "<p>slow down</p>", status=429, headers={"Retry-After": "1"})
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.cause == "HTTP 429 Too Many Requests"


def test_batch_retries_429_after_retry_after(http_server) -> None:  # type: ignore[no-untyped-def]
    from unboil.extractors.batch_fetching import Fetcher

    calls: list[float] = []
    body = hostile.article("Finally served.").encode()

    def busy_once(h) -> None:  # type: ignore[no-untyped-def]
        calls.append(time.monotonic())
        if len(calls) == 1:
            h.send_response(429)
            h.send_header("Retry-After", "1")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    url = http_server.handle("/busy", busy_once)
    fetcher = Fetcher(timeout=10, retries=2, allow_private=True)
    try:
        page = fetcher.fetch(url)
    finally:
        fetcher.close()
    assert "Finally served." in page.html
    assert len(calls) == 2
    assert calls[1] - calls[0] >= 0.9  # Retry-After was honoured


def test_fetch_gzip_bomb_content_encoding(http_server) -> None:  # type: ignore[no-untyped-def]
    """Content-Encoding: gzip is counted after decompression."""
    import gzip

    bomb = gzip.compress(b"<p>" + b" " * (64 << 20), compresslevel=9)
    url = http_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(SourceError, match="larger than"):
        fetch(url, timeout=10, allow_private=True, max_bytes=1 << 20)


def test_fetch_pdf_labelled_html(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server.add("/doc", hostile._pdf(), content_type="text/html; charset=utf-8")
    with pytest.raises(NotHtml) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.kind == "pdf"


def test_fetch_endless_slow_drip_and_loop_never_hang(http_server) -> None:  # type: ignore[no-untyped-def]
    """Faults combined: each ends in its own one-line error within the timeout."""
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    urls = {
        http_server.endless("/endless"): "larger than",
        http_server.drip("/drip", "<p>" + "x" * 200, interval=0.2): "timed out",
        http_server.url("/a"): "too many redirects",
        http_server.add("/json", b"{}", content_type="application/json"): "not HTML",
    }
    for url, cause in urls.items():
        start = time.monotonic()
        with pytest.raises(SourceError) as info:
            fetch(url, timeout=2, allow_private=True, max_bytes=256 * 1024)
        assert cause in info.value.cause, (url, info.value.cause)
        assert time.monotonic() - start < 4


def test_fetched_file_urls_are_never_read(http_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A fetched page whose base, links and entities point at a local file."""
    from unboil.extractors.registry import get

    paths = hostile.build(tmp_path / "c", big=False)
    for name in ("xxe", "file_urls", "laughs"):
        url = http_server.add(f"/{name}", paths[name].read_bytes())
        page = fetch(url, timeout=5, allow_private=True)
        for backend in AVAILABLE:
            result = get(backend).extract(page)
            assert not _leaks(json.dumps(result.to_dict(), ensure_ascii=False)), backend
            assert len(result.text) < 5000, (backend, name)  # no expanded laughs


def test_library_html_is_safe_for_lxml_based_libraries() -> None:
    """What goose3, newspaper4k, boilerpy3 and resiliparse get: no control characters
    or lone surrogates (lxml raises ValueError on them), no charset declaration to
    re-read (goose3 raised LookupError on ``<meta charset=lang ...>``): both found by
    tests/test_fuzz.py."""
    from unboil.extractors.htmltree import page_html
    from unboil.extractors.page import Page

    # (Page.from_html would raise UnicodeEncodeError on the lone surrogate: page.py)
    page = Page(
        source="<s>",
        html='<?xml version="1.0" encoding="bogus"?><html><head><meta charset= lang="en">'
        '<meta http-equiv="Content-Type" content="text/html; charset=x-klingon"></head>'
        "<body><p>a\x01b\x0bc\ud800d\ufffee</p></body></html>",
    )
    html = page_html(page)
    assert "ab c?de" in html
    assert "charset" not in html.lower() and "encoding" not in html.lower()
    for backend in AVAILABLE:
        from unboil.extractors.registry import get

        result = get(backend).extract(page)
        assert result.error is None, (backend, result.error)


def test_character_references_to_control_characters() -> None:
    """``&#x1`` (found by the fuzz run: goose3 raised ValueError on it) and friends."""
    from unboil.extractors.htmltree import parse_html, safe_markup
    from unboil.extractors.page import Page
    from unboil.extractors.registry import get

    html = "<p>a&#1;b&#x0B;c&#xD800;d&#0;e&#x110000;f&#8217;g&#x1F600;h&#x1</p>"
    assert safe_markup(html) == "<p>ab cdef&#8217;g&#x1F600;h</p>"  # &#xD800; dropped
    assert parse_html(html).text_content() == "ab cdef\u2019g\U0001f600h"
    page = Page.from_html("<html><body><article>" + ("<p>" + hostile.EN + html) * 5)
    for backend in AVAILABLE:
        result = get(backend).extract(page)
        assert result.error is None, (backend, result.error)
        assert result.quality["control_share"] == 0, backend


_REFS = ["&#", "&#x", "&#X", "0", "1", "3", "9", "a", "D", "d", "8", "f", "F", "e", ";", "x", " "]
_ODD = ["\x00", "\x0b", "\x0c", "\x1f", "\t", "\ud800", "\udfff", "\ufffe", "\uffff", "é", "😀"]
_MARKUP_PIECES = st.sampled_from([*_REFS, *_ODD])


@given(st.lists(_MARKUP_PIECES, max_size=14).map("".join))
@settings(max_examples=800, deadline=None)
def test_the_bytes_cleaning_is_the_str_cleaning(html: str) -> None:
    """``parse_html`` cleans the page's UTF-8 bytes in C (``safe_bytes``); the libraries
    that parse the page themselves get ``safe_markup``'s str: the same text."""
    from unboil.extractors.htmltree import safe_bytes, safe_markup

    assert safe_bytes(html) == safe_markup(html).encode("utf-8", "replace")
