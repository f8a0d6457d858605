"""The names of what ``unboil batch`` writes (issue #23, items 5, 9, 12): inside OUTDIR
whatever the input, one name per file (an input's output, saved page and audit report,
OUTDIR's manifest, index and WARC output never share one, even case-insensitively, and
no file is where another needs a folder), and no name too long for the file system."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unboil.cli.main import cli
from unboil.extractors.inputs import Input, discover, url_stem
from unboil.extractors.manifest import MANIFEST_NAME, read_manifest

#: every name a batch may write for an input (whatever the format and options), as
#: the README states them: STEM.txt/.md/.json, STEM.audit.html, STEM.html (URLs)
OUTPUTS = (".txt", ".md", ".json", ".audit.html")
OWN = (MANIFEST_NAME, "index.html")  # OUTDIR's own files

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["batch", *args])


def page_html(n: int) -> str:
    para = f"Paragraph of page {n}: the wording of this page is its own and long enough. "
    body = f"<article><p>{para * 6}</p></article>"
    return f"<html><head><title>Page {n}</title></head><body>{body}</body></html>"


def written(items: list[Input], own: tuple[str, ...] = OWN) -> list[tuple[str, str]]:
    """(source, path relative to OUTDIR) of everything the batch may write."""
    files = [("OUTDIR", name) for name in own]
    for item in items:
        suffixes = OUTPUTS + ((".html",) if item.kind == "url" else ())
        files.extend((item.source, item.stem + suffix) for suffix in suffixes)
    return files


def check_names(items: list[Input], outdir: Path, own: tuple[str, ...] = OWN) -> None:
    """The naming promise, for ``discover``'s inputs."""
    root = outdir.resolve()
    for item in items:
        parts = item.stem.split("/")
        assert not {"", ".", ".."} & set(parts), f"{item.source!r}: stem {item.stem!r}"
        assert "\x00" not in item.stem
        assert Path(root, item.stem).resolve().is_relative_to(root), item
    files = written(items, own)
    by_name: dict[str, str] = {}
    for source, rel in files:
        path = Path(root, rel).resolve()
        assert path.is_relative_to(root) and path != root, f"{source!r} -> {rel!r}"
        for part in rel.split("/"):
            assert len(part.encode("utf-8", "surrogateescape")) <= 255, (source, rel)
        key = rel.casefold()
        assert key not in by_name, f"{rel!r}: of {by_name[key]!r} and of {source!r}"
        by_name[key] = source
    for source, rel in files:
        parts = rel.casefold().split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            assert folder not in by_name, (
                f"{rel!r} of {source!r} needs a folder where {by_name[folder]!r} puts a file"
            )


# --- URLs ----------------------------------------------------------------------------

HOSTILE_URLS = [
    "http://../x",
    "http://./x",
    "http://../../../etc/passwd",
    "http://%2e%2e/x",
    "http://h/../../x",
    "http://h/./.",
    "http://h/evilx.audit.html",  # STEM.html of this one was evilx's audit report
    "http://h/evilx",
    "http://h/EVILX.AUDIT",
    "http://h/y",
    "http://h/y.txt/inner",  # a folder where y's output goes
    "http://h/z.audit.html/inner",
    "http://index.html/x",  # OUTDIR's own names, as folders
    "http://unboil-manifest.jsonl/x",
    "http://h/" + "a" * 400,
    "http://h/" + "b" * 400 + "?q=1",
    "http://h/a\\..\\..\\x",
    "http://h/%00/x",
]


def test_url_stems_never_leave_outdir(tmp_path: Path) -> None:
    """The ``..`` of a host was kept: ``url_stem("http://../x")`` was ``../x``."""
    for url in HOSTILE_URLS:
        stem = url_stem(url)
        assert not {"", ".", ".."} & set(stem.split("/")), (url, stem)
        assert Path(tmp_path, stem).resolve().is_relative_to(tmp_path.resolve())
    assert url_stem("http://../x") == "__/x"


def test_url_names_are_unique_and_inside(tmp_path: Path) -> None:
    items = discover([], HOSTILE_URLS, outdir=tmp_path / "out")
    check_names(items, tmp_path / "out")
    stems = {i.source: i.stem for i in items}
    # the saved page of .../evilx.audit.html is not evilx's audit report
    assert stems["http://h/evilx"] == "h/evilx"
    assert stems["http://h/evilx.audit.html"] == "h/evilx_audit"


URL_PIECES = st.sampled_from(
    [".", "..", "/", "\\", "%2e", "%00", "a", "A", "é", "index", ".audit", ".html", ".txt",
     ".json", ".md", "index.html", "unboil-manifest.jsonl", "-", "_", "?", "#", ":", "x" * 120]
)  # fmt: skip


HOSTS = st.sampled_from(["h", "H", "..", ".", "index.html", "unboil-manifest.jsonl", "", "é"])


@PROPERTY
@given(st.lists(st.tuples(HOSTS, st.lists(URL_PIECES, max_size=5).map("".join)), min_size=1))
def test_any_urls_get_unique_names_inside_outdir(pairs: list[tuple[str, str]]) -> None:
    urls = list(dict.fromkeys(f"https://{host}/{path}" for host, path in pairs))
    with tempfile.TemporaryDirectory() as tmp:
        items = discover([], urls, outdir=Path(tmp, "out"))
        assert [i.source for i in items] == urls
        check_names(items, Path(tmp, "out"))


# --- files -----------------------------------------------------------------------------

NAME_PIECES = st.sampled_from(
    [".", "..", "a", "A", "é", "日本", "\\", " ", "-", "_", "y", "Y", ".txt", ".TXT", ".md",
     ".json", ".audit", ".html", ".htm", ".gz", "index", "unboil-manifest.jsonl", "z" * 100,
     "é" * 60]
)  # fmt: skip


def _fits(name: str) -> bool:
    return name not in (".", "..") and 0 < len(name.encode()) <= 255


@PROPERTY
@given(
    st.lists(
        st.lists(
            st.lists(NAME_PIECES, min_size=1, max_size=6).map("".join), min_size=1, max_size=3
        ),
        min_size=1,
        max_size=8,
    )
)
def test_any_file_tree_gets_unique_names_inside_outdir(trees: list[list[str]]) -> None:
    """Folders and files of any (legal) names, each a page: every one gets a name of its
    own inside OUTDIR, short enough to be written."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "in")
        root.mkdir()
        for parts in trees:
            parts = [*parts[:-1], parts[-1] + ".html"]
            if not all(_fits(p) for p in parts):
                continue
            try:
                Path(root, *parts[:-1]).mkdir(parents=True, exist_ok=True)
                Path(root, *parts).write_text("<p>x</p>")
            except OSError:  # a file where this path wants a folder, or the reverse
                continue
        items = discover([str(root)], outdir=Path(tmp, "out"))
        check_names(items, Path(tmp, "out"))


def test_a_file_named_dot_dot_is_named_inside(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    for name in ("..html", "...html", "sub/...html", "sub/..html"):
        (tmp_path / "in" / name).write_text("<p>x</p>")
    items = discover(
        [str(tmp_path / "in"), str(tmp_path / "in" / "...html")], outdir=tmp_path / "out"
    )
    check_names(items, tmp_path / "out")


# --- WARC records --------------------------------------------------------------------

HOSTILE_IDS = [
    "urn:uuid:../../x",
    "urn:uuid:..",
    "urn:uuid:.",
    "urn:uuid:",
    "urn:..",
    "/etc/passwd",
    "../../../etc/passwd",
    "..\\..\\x",
    "a\x00b",
    "urn:uuid:ABCDEF",
    "urn:uuid:abcdef",  # differs in case only
    "urn:uuid:" + "f" * 400,
    "urn:uuid:index.html",
]


def make_warc(path: Path, ids: list[str]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=str(path).endswith(".gz"))
        for n, rid in enumerate(ids):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            rec = w.create_warc_record(
                f"http://ex.com/{n}",
                "response",
                payload=io.BytesIO(page_html(n).encode()),
                http_headers=http,
                warc_headers_dict={"WARC-Record-ID": f"<{rid}>"},
            )
            w.write_record(rec)


def test_warc_record_ids_are_named_inside_outdir(tmp_path: Path) -> None:
    """A record id is a name in OUTDIR: ``..``, absolute ids, backslashes, NUL and
    ids that differ in case only each get a safe name of their own."""
    pytest.importorskip("warcio")
    make_warc(tmp_path / "crawl.warc", HOSTILE_IDS)
    (tmp_path / "crawl.html").write_text("<p>x</p>")  # crawl.txt: beside the folder crawl/
    items = discover(
        [str(tmp_path / "crawl.warc"), str(tmp_path / "crawl.html")], outdir=tmp_path / "out"
    )
    assert len(items) == len(HOSTILE_IDS) + 1
    check_names(items, tmp_path / "out")


@PROPERTY
@given(st.lists(st.text(st.sampled_from("./\\:\x00aAé_-u"), max_size=12), min_size=1, max_size=6))
def test_any_record_ids_are_named_inside_outdir(ids: list[str]) -> None:
    from unboil.extractors.inputs import warc_inputs

    class Entry:
        def __init__(self, n: int, rid: str) -> None:
            self.record_id, self.offset, self.url, self.skip, self.failed = (
                rid,
                n,
                None,
                None,
                False,
            )

    entries = [Entry(n, rid) for n, rid in enumerate(ids)]
    with tempfile.TemporaryDirectory() as tmp:
        # as the Dask engine names them: the records of a WARC listed late
        found = warc_inputs("crawl.warc", "crawl", entries)
        from unboil.extractors.inputs import name_inputs

        check_names(name_inputs(found), Path(tmp, "out"))


# --- OUTDIR's own files --------------------------------------------------------------


def test_outdir_files_are_never_an_inputs(tmp_path: Path) -> None:
    """index.html, the manifest and a WARC output inside OUTDIR: no input's file is
    named as one of them, nor needs a folder of that name."""
    out = tmp_path / "out"
    urls = [
        "http://index.html/a",
        "http://unboil-manifest.jsonl/a",
        "http://h/clean",  # h/clean.txt would be the WARC output
        "http://h/clean.txt/x",
    ]
    items = discover([], urls, outdir=out, warc_output=out / "h" / "clean.txt")
    check_names(items, out, (*OWN, "h/clean.txt"))


# --- long names and file/folder clashes, end to end ----------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="255-byte names: Linux file systems")
def test_every_legal_file_name_gets_an_output(tmp_path: Path) -> None:
    """The temp file added 14 bytes: an output name over 241 bytes failed with "File
    name too long", a legal 255-byte input name included. A file ``y.html`` beside a
    folder ``y.txt/`` failed with "Not a directory"."""
    src = tmp_path / "in"
    (src / "y.txt").mkdir(parents=True)
    names = [
        "a" * 250 + ".html",  # 255 bytes
        "é" * 125 + ".html",  # 255 bytes, 130 characters
        "日本" * 41 + "x.html",  # 252 bytes: a cut may not split a character
        "b" * 255,  # no extension at all
        "y.html",
        "y.txt/inner.html",
    ]
    for n, name in enumerate(names):
        (src / name).write_text(page_html(n))
    out = tmp_path / "out"
    result = invoke(str(src), "--glob", "*", "-o", str(out), "-b", "alltext", "-j", "1", "-q")
    assert result.exit_code == 0, result.stderr
    recs = {
        Path(r["source"]).relative_to(src).as_posix(): r for r in read_manifest(out / MANIFEST_NAME)
    }
    assert set(recs) == set(names)
    assert {r["status"] for r in recs.values()} == {"ok"}, [r["error"] for r in recs.values()]
    for n, name in enumerate(names):
        text = (out / recs[name]["output"]).read_text("utf-8")
        assert f"Paragraph of page {n}:" in text
    # predictable: as named before when it fits, else cut with the hash of the name
    assert recs["a" * 250 + ".html"]["output"] == "a" * 226 + "-" + _h("a" * 250) + ".txt"
    assert recs["y.txt/inner.html"]["output"] == "y.txt/inner.txt"
    assert recs["y.html"]["output"] == f"y-{_h(str(src / 'y.html'))}.txt"
    assert not [p for p in out.rglob("*.tmp")]


def _h(text: str) -> str:
    import hashlib

    return hashlib.sha1(text.encode()).hexdigest()[:8]


def test_atomic_write_of_a_255_byte_name(tmp_path: Path) -> None:
    from unboil.extractors.fsutil import atomic_write
    from unboil.extractors.manifest import remove_stale_temp_files

    for name in ("c" * 255, "é" * 127 + "c"):
        atomic_write(tmp_path / name, "text")
        assert (tmp_path / name).read_text() == "text"
    # a temp file of such a name is still recognised as one (and removed after a crash)
    import unboil.extractors.fsutil as fsutil

    prefix = getattr(fsutil, "_temp_prefix", lambda n: f".{n}.")("é" * 127 + "c")
    stale = tmp_path / f"{prefix}abcd_123.tmp"
    stale.write_text("")
    assert len(os.fsencode(stale.name)) <= 255
    assert remove_stale_temp_files(tmp_path) == 1


# --- --save-html and --audit, end to end ---------------------------------------------


def _allow_private() -> list[str]:
    """The flag that lets a batch fetch from 127.0.0.1, once the CLI has it."""
    from unboil.cli.batch import batch

    return ["--allow-private"] if any(p.name == "allow_private" for p in batch.params) else []


def test_a_saved_page_never_replaces_an_audit_report(tmp_path: Path, http_server: Any) -> None:
    """``.../evilx.audit.html`` (saved raw) and ``.../evilx`` (its audit report) were
    both ``host/evilx.audit.html``: the index could link to the raw page and run its
    script."""
    evil = page_html(1).replace("</body>", "<script>document.title='pwned'</script></body>")
    first = http_server.add("/evilx.audit.html", evil)
    second = http_server.add("/evilx", page_html(2))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{first}\n{second}\n")
    out = tmp_path / "out"
    args = ["--urls", str(urls), "-o", str(out), "--save-html", "--audit", "-j", "2", "-q"]
    result = invoke(*args, *_allow_private())
    assert result.exit_code == 0, result.stderr
    recs = {r["source"]: r for r in read_manifest(out / MANIFEST_NAME)}
    names = [n for r in recs.values() for n in (r["output"], r["html"], r["audit"])]
    assert len({n.casefold() for n in names}) == 6, names
    assert (out / recs[first]["html"]).read_text() == evil  # the raw page, as served
    for rec in recs.values():
        report = (out / rec["audit"]).read_text()
        assert "document.title='pwned'" not in report and "Content-Security-Policy" in report


def test_the_dask_engine_names_warc_records_as_the_local_one(tmp_path: Path) -> None:
    """The Dask engine lists a WARC's records on its workers, after ``discover``: they
    are named then, as ``discover`` names them for the local engine."""
    pytest.importorskip("warcio")
    from unboil.extractors.batch import BatchConfig
    from unboil.extractors.dask_engine import DaskRunner

    class Done:
        def __init__(self, value: Any) -> None:
            self.value = value

        def result(self) -> Any:
            return self.value

    class Client:  # runs the scans here
        def map(self, func: Any, args: list[str], **kwargs: Any) -> list[Done]:
            kwargs.pop("pure", None)
            return [Done(func(a, **kwargs)) for a in args]

    make_warc(tmp_path / "crawl.warc", HOSTILE_IDS)
    (tmp_path / "crawl.html").write_text("<p>x</p>")
    paths = [str(tmp_path / "crawl.warc"), str(tmp_path / "crawl.html")]
    out = tmp_path / "out"
    local = discover(paths, outdir=out)
    runner = DaskRunner(BatchConfig(outdir=str(out)), client=Client())
    remote = runner._expand_warcs(Client(), discover(paths, outdir=out, scan_warcs=False))
    check_names(remote, out)
    assert [(i.source, i.stem) for i in remote] == [(i.source, i.stem) for i in local]


def test_batch_check_and_gold_sets_take_the_same_page_files() -> None:
    """One list of page suffixes: batch's default globs, check's folder expansion and
    gold sets read the same files (``.htm.gz`` too)."""
    import fnmatch

    from unboil.extractors.inputs import DEFAULT_GLOBS
    from unboil.extractors.loading import PAGE_SUFFIXES

    for name in ("a.html", "a.htm", "a.html.gz", "a.htm.gz", "a.txt", "a.html.bak"):
        by_glob = any(fnmatch.fnmatch(name, g) for g in DEFAULT_GLOBS)
        assert by_glob == name.endswith(PAGE_SUFFIXES), name
