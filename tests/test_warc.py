"""WARC input of ``unboil batch``: HTML responses only, the HTTP charset, gzip content
encoding, non-HTML/truncated/broken records skipped with a reason, outputs named by
record id, resume, and the WARC output of conversion records."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from unboil.cli.main import cli
from unboil.extractors.errors import UnboilError
from unboil.extractors.inputs import discover
from unboil.extractors.manifest import MANIFEST_NAME, read_manifest

pytest.importorskip("warcio")

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def page_html(n: int, word: str = "topic") -> str:
    body = "".join(
        f"<p>Paragraph {i} of page {n} says something long enough to be kept as text, "
        f"with words and more words about {word} {n}.</p>"
        for i in range(4)
    )
    return (
        f"<html><head><title>Page {n}</title></head><body><article>{body}</article></body></html>"
    )


def make_warc(path: Path, *, gz: bool = True, broken_tail: bool = True) -> dict[str, str]:
    """A WARC with every kind of record; returns {label: record id}."""
    ids: dict[str, str] = {}
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "unboil tests"}))

        def response(
            label: str,
            uri: str,
            body: bytes,
            headers: list[tuple[str, str]],
            status: str = "200 OK",
            warc_headers: dict[str, str] | None = None,
        ) -> None:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            rec = w.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict=warc_headers or {},
            )
            ids[label] = rec.rec_headers.get_header("WARC-Record-ID").strip("<>")
            w.write_record(rec)

        html = [("Content-Type", "text/html; charset=utf-8")]
        response("utf8", "http://ex.com/a.html", page_html(1, "café").encode(), html)
        req = w.create_warc_record(
            "http://ex.com/a.html",
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders("GET /a.html", [("Host", "ex.com")], "HTTP/1.1"),
        )
        w.write_record(req)
        # the charset only in the HTTP header: no <meta>, cp1252 bytes
        response(
            "cp1252",
            "http://ex.com/b",
            page_html(2, "naïveté").encode("cp1252"),
            [("Content-Type", "text/html; charset=windows-1252")],
        )
        response(
            "gzip",
            "http://ex.com/c",
            gzip.compress(page_html(3).encode()),
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
        )
        response(
            "sniffed",
            "http://ex.com/d",
            page_html(4).encode(),
            [("Content-Type", "application/octet-stream")],
        )
        response(
            "png",
            "http://ex.com/e.png",
            b"\x89PNG\r\n\x1a\n" + bytes(100),
            [("Content-Type", "image/png")],
        )
        response(
            "binary",
            "http://ex.com/f",
            bytes(range(256)),
            [("Content-Type", "application/octet-stream")],
        )
        response(
            "truncated",
            "http://ex.com/g",
            page_html(7).encode()[:50],
            html,
            warc_headers={"WARC-Truncated": "length"},
        )
        response(
            "short",
            "http://ex.com/h",
            page_html(8).encode()[:80],
            [*html, ("Content-Length", "5000")],
        )
        # a payload that does not match its digest (flipped bits on disk)
        raw = io.BytesIO()
        plain = WARCWriter(raw, gzip=False)
        http = StatusAndHeaders("200 OK", html, protocol="HTTP/1.1")
        rec = plain.create_warc_record(
            "http://ex.com/i",
            "response",
            payload=io.BytesIO(page_html(9).encode()),
            http_headers=http,
        )
        ids["corrupt"] = rec.rec_headers.get_header("WARC-Record-ID").strip("<>")
        plain.write_record(rec)
        data = raw.getvalue().replace(b"Paragraph 2 of page 9", b"Paragraph 2 of pag\x00 9")
        fh.write(gzip.compress(data) if gz else data)
        response("notfound", "http://ex.com/j", page_html(10).encode(), html, "404 Not Found")
        response(
            "badgzip",
            "http://ex.com/k",
            b"\x1f\x8b\x08\x00garbage-not-deflate",
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
        )
        if broken_tail:
            fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not a gzip member")
    return ids


#: records that are not pages: skipped
EXPECTED_SKIPS = {
    "png": "not HTML (image/png)",
    "binary": "not HTML (application/octet-stream; sniffed)",
    "truncated": "truncated record (WARC-Truncated: length)",
    "notfound": "HTTP status 404",
}
#: pages whose record is broken: failed (as a broken file is)
EXPECTED_FAILURES = {
    "short": "truncated payload (80 of 5000 bytes)",
    "corrupt": "truncated or corrupt record (payload digest mismatch)",
}
PAGES = ("utf8", "cp1252", "gzip", "sniffed")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["batch", *args], catch_exceptions=False)


def test_scan_classifies_records(tmp_path: Path) -> None:
    from unboil.extractors.warc import scan

    path = tmp_path / "crawl.warc.gz"
    ids = make_warc(path)
    entries = scan(path)
    by_id = {e.record_id: e for e in entries}
    for label in PAGES:
        assert by_id[ids[label]].skip is None, label
    for label, reason in EXPECTED_SKIPS.items():
        assert (by_id[ids[label]].skip, by_id[ids[label]].failed) == (reason, False), label
    for label, reason in EXPECTED_FAILURES.items():
        assert (by_id[ids[label]].skip, by_id[ids[label]].failed) == (reason, True), label
    assert by_id[ids["badgzip"]].skip.startswith("broken content encoding")
    assert by_id[ids["badgzip"]].failed
    assert by_id[ids["utf8"]].url == "http://ex.com/a.html"
    # request and warcinfo records are not pages; the garbage at the end is one entry
    assert len(entries) == len(ids) + 1
    assert entries[-1].skip.startswith("broken record, rest of file not read")
    offsets = [e.offset for e in entries]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_batch_on_a_warc(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    ids = make_warc(path)
    out = tmp_path / "out"
    result = invoke(str(path), "-o", str(out), "-q")
    assert result.exit_code == 3, result.output  # the broken records failed
    recs = {r["source"].rsplit("#", 1)[1]: r for r in read_manifest(out / MANIFEST_NAME)}
    for label in PAGES:
        rec = recs[ids[label]]
        assert rec["status"] == "ok" and rec["kind"] == "warc", rec
        uuid = ids[label].rsplit(":", 1)[1]
        assert rec["output"] == f"crawl/{uuid}.txt"  # named by record id
        assert rec["source"] == f"{path}#{ids[label]}"
        text = (out / rec["output"]).read_text()
        assert "Paragraph 3 of page" in text
    assert recs[ids["utf8"]]["url"] == "http://ex.com/a.html"
    assert "café 1" in (out / recs[ids["utf8"]]["output"]).read_text()
    assert recs[ids["cp1252"]]["encoding"] == "cp1252"  # from the HTTP header
    assert "naïveté 2" in (out / recs[ids["cp1252"]]["output"]).read_text()
    for label, reason in EXPECTED_SKIPS.items():
        rec = recs[ids[label]]
        assert (rec["status"], rec["error"], rec["output"]) == ("skipped", reason, None)
    for label, reason in EXPECTED_FAILURES.items():
        rec = recs[ids[label]]
        assert (rec["status"], rec["error"], rec["output"]) == ("failed", reason, None)
        assert ids[label] in result.stderr  # failures are listed
    assert recs[ids["badgzip"]]["status"] == "failed"
    broken = [r for k, r in recs.items() if k.startswith("offset-")]
    assert len(broken) == 1 and broken[0]["error"].startswith("broken record")
    assert broken[0]["status"] == "failed"
    assert len(recs) == len(ids) + 1

    # resume: the pages and the skipped records are settled; the failures are tried again
    before = len(read_manifest(out / MANIFEST_NAME))
    result = invoke(str(path), "-o", str(out), "--resume", "-q")
    assert result.exit_code == 3
    again = read_manifest(out / MANIFEST_NAME)[before:]
    assert sorted(r["source"].rsplit("#", 1)[1] for r in again) == sorted(
        [ids[label] for label in EXPECTED_FAILURES]
        + [ids["badgzip"], broken[0]["source"].rsplit("#", 1)[1]]
    )
    assert all(r["status"] == "failed" for r in again)


def test_warc_found_in_a_folder_and_uncompressed(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    make_warc(tmp_path / "in" / "sub" / "x.warc", gz=False, broken_tail=False)
    items = discover([str(tmp_path / "in")], globs=("*.warc",))
    ok = [i for i in items if i.skip is None]
    assert len(ok) == len(PAGES)
    assert all(i.stem.startswith("sub/x/") and i.kind == "warc" for i in items)
    result = invoke(str(tmp_path / "in"), "--glob", "*.warc", "-f", "jsonl", "-q")
    assert result.exit_code == 3  # the corrupt records failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sum(r["status"] == "ok" for r in lines) == len(PAGES)
    assert all("Paragraph 0" in r["text"] for r in lines if r["status"] == "ok")


def _conversions(path: Path) -> list[Any]:
    with open(path, "rb") as fh:
        return [
            (
                rec.rec_headers.get_header("WARC-Target-URI"),
                rec.rec_headers.get_header("WARC-Refers-To"),
                rec.content_stream().read().decode(),
            )
            for rec in ArchiveIterator(fh)
            if rec.rec_type == "conversion"
        ]


def test_warc_output_of_conversion_records(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc.gz"
    ids = make_warc(path)
    out, conv = tmp_path / "out", tmp_path / "clean.warc.gz"
    assert invoke(str(path), "-o", str(out), "--warc-output", str(conv), "-q").exit_code == 3
    records = _conversions(conv)
    assert sorted(r[1] for r in records) == sorted(f"<{ids[label]}>" for label in PAGES)
    recs = read_manifest(out / MANIFEST_NAME)
    assert all("text" not in r for r in recs)  # the text goes to the WARC, not the manifest
    texts = {r[1]: r[2] for r in records}
    utf8 = next(r for r in recs if r["source"].endswith(ids["utf8"]))
    assert texts[f"<{ids['utf8']}>"] == (out / utf8["output"]).read_text().rstrip("\n")
    assert {r[0] for r in records} >= {"http://ex.com/a.html", "http://ex.com/b"}
    # read back: conversion records are not pages; a WARC is not a page for `unboil`
    again = invoke(str(conv), "-o", str(tmp_path / "again"))
    assert again.exit_code == 2 and "hold no response or resource records" in again.stderr
    one = CliRunner().invoke(cli, [str(conv)])
    assert one.exit_code == 3 and "a WARC file: unboil batch reads those" in one.stderr

    # alongside jsonl (no OUTDIR), and for plain files too
    page = tmp_path / "p.html"
    page.write_text(page_html(5))
    conv2 = tmp_path / "two.warc"
    result = invoke(str(page), "-f", "jsonl", "--warc-output", str(conv2), "-q")
    assert result.exit_code == 0
    [(uri, refers, text)] = _conversions(conv2)
    assert uri == page.resolve().as_uri() and refers is None and "page 5" in text
    assert "page 5" in json.loads(result.output)["text"]


def test_missing_warcio_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from unboil.extractors import warc

    monkeypatch.setitem(sys.modules, "warcio.archiveiterator", None)
    with pytest.raises(UnboilError, match=r"pip install 'warcio"):
        warc.require_warcio()


def test_warc_output_that_is_an_input_or_the_manifest_is_refused(tmp_path: Path) -> None:
    """Opening the output for writing would empty the WARC being read."""
    path = tmp_path / "crawl.warc.gz"
    make_warc(path)
    before = path.read_bytes()
    out = tmp_path / "out"
    result = invoke(str(path), "-o", str(out), "--warc-output", str(path), "-q")
    assert result.exit_code == 2 and "an input of the batch" in result.stderr
    assert path.read_bytes() == before
    result = invoke(str(path), "-o", str(out), "--warc-output", str(out / MANIFEST_NAME), "-q")
    assert result.exit_code == 2 and "the batch's manifest" in result.stderr


def test_a_record_id_used_twice_keeps_both_pages(tmp_path: Path) -> None:
    path = tmp_path / "dup.warc"
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=False)
        html = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        for n in (1, 2):
            rec = w.create_warc_record(
                f"http://ex.com/{n}",
                "response",
                payload=io.BytesIO(page_html(n).encode()),
                http_headers=html,
                warc_headers_dict={
                    "WARC-Record-ID": "<urn:uuid:11111111-2222-3333-4444-555555555555>"
                },
            )
            w.write_record(rec)
    out = tmp_path / "out"
    assert invoke(str(path), "-o", str(out), "-q").exit_code == 0
    recs = read_manifest(out / MANIFEST_NAME)
    assert len(recs) == 2 and len({r["source"] for r in recs}) == 2
    texts = {(out / r["output"]).read_text() for r in recs}
    assert any("of page 1 " in t for t in texts) and any("of page 2 " in t for t in texts)
