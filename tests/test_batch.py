"""``unboil batch``: folders, URL lists, timeouts, the manifest, resume after kill -9
and Ctrl-C, exit statuses."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import plugins
import pytest
from click.testing import CliRunner, Result

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors import registry
from unboil.extractors.base import Backend, Block, Extraction, ExtractOptions
from unboil.extractors.inputs import discover, url_stem
from unboil.extractors.manifest import MANIFEST_FIELDS, MANIFEST_NAME, Manifest, read_manifest
from unboil.extractors.page import Page

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "seed-independent.html"
SEED_TEXT = ROOT / "tests" / "data" / "text" / "seed-text.raw.txt"  # the seed as a text dump
UNBOIL = Path(sys.executable).with_name("unboil")
SCRAPINGHUB_HTML = Path(__file__).resolve().parent.parent.parent / "shared/bench/scrapinghub/html"


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["batch", *args], input=input, catch_exceptions=False)


def page_html(n: int, extra: str = "") -> str:
    body = "".join(
        f"<p>Paragraph {i} of page {n} says something long enough to be kept as text, "
        f"with words and more words about topic {n}.</p>"
        for i in range(4)
    )
    head = f"<html><head><title>Page {n}</title></head>"
    return f"{head}<body><article>{extra}{body}</article></body></html>"


def manifest(outdir: Path) -> list[dict[str, Any]]:
    return read_manifest(outdir / MANIFEST_NAME)


def by_source(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {Path(r["source"]).name if r["kind"] == "file" else r["source"]: r for r in records}


class SleepyBackend(Backend):
    """All the text of the page, but sleeps forever on a page that says SLEEP."""

    name = "test-sleepy"
    modules: ClassVar[tuple[str, ...]] = ()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        if "SLEEP" in page.html:
            time.sleep(3600)
        texts = [t.strip() for t in page.tree.itertext() if t.strip()]
        return Extraction(backend=self.name, blocks=[Block(t) for t in texts])


class FreezeBackend(Backend):
    """Says how many objects its process inherited frozen (``gc.freeze``)."""

    name = "test-freeze"
    modules: ClassVar[tuple[str, ...]] = ()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        import gc

        return Extraction(backend=self.name, blocks=[Block(f"frozen {gc.get_freeze_count()}")])


class LimitBackend(Backend):
    """Says its process's address-space cap (``--max-memory``)."""

    name = "test-limit"
    modules: ClassVar[tuple[str, ...]] = ()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        import resource

        return Extraction(
            backend=self.name, blocks=[Block(f"cap {resource.getrlimit(resource.RLIMIT_AS)[0]}")]
        )


class MembersBackend(Backend):
    """Looks like consensus: a result with two members that half agree."""

    name = "test-members"
    modules: ClassVar[tuple[str, ...]] = ()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        words = page.tree.text_content().split()
        a = Extraction("a", blocks=[Block(" ".join(words))])
        b = Extraction("b", blocks=[Block(" ".join(words[: len(words) // 2]))])
        return Extraction(backend=self.name, blocks=a.blocks, members={"a": a, "b": b})


@pytest.fixture
def test_backends() -> Iterator[None]:
    registry.register(SleepyBackend)
    registry.register(MembersBackend)
    registry.register(FreezeBackend)
    registry.register(LimitBackend)
    yield
    registry.unregister(SleepyBackend.name)
    registry.unregister(MembersBackend.name)
    registry.unregister(FreezeBackend.name)
    registry.unregister(LimitBackend.name)


@pytest.fixture
def slow_env(tmp_path: Path) -> dict[str, str]:
    return plugins.environment(plugins.install(tmp_path / "plugins"))


def make_pages(folder: Path, n: int) -> list[Path]:
    paths = []
    for i in range(n):
        p = folder / f"d{i % 3}" / f"page{i:02d}.html"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(page_html(i))
        paths.append(p)
    return paths


# --- inputs and outputs -----------------------------------------------------------


def test_folders_mixed_inputs_and_manifest_schema(tmp_path: Path) -> None:
    src = tmp_path / "site"
    (src / "a" / "b").mkdir(parents=True)
    (src / "a" / "b" / "page.html").write_bytes(SEED.read_bytes())
    (src / "a" / "zipped.html.gz").write_bytes(gzip.compress(SEED.read_bytes()))
    (src / "latin.htm").write_bytes(
        b"<html><meta charset='iso-8859-1'><body><article><p>"
        + "Caf\xe9 cr\xe8me br\xfbl\xe9e, une recette tr\xe8s simple. ".encode("latin-1") * 10
        + b"</p></article></body></html>"
    )
    (src / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (src / "empty.html").write_bytes(b"")
    (src / "garbage.html").write_bytes(bytes(range(256)) * 40)
    (src / "notes.txt").write_text("not taken: no glob matches it")
    out = tmp_path / "out"

    result = invoke(str(src), "-o", str(out), "-j", "2")

    assert result.exit_code == ExitStatus.SOURCES_FAILED, result.output
    recs = by_source(manifest(out))
    assert set(recs) == {
        "page.html",
        "zipped.html.gz",
        "latin.htm",
        "binary.html",
        "empty.html",
        "garbage.html",
    }
    for rec in recs.values():
        assert list(rec) == list(MANIFEST_FIELDS)
        assert rec["status"] in ("ok", "failed")
        assert isinstance(rec["seconds"], float) and isinstance(rec["words"], int)
        assert rec["backend"] == "consensus"  # the default backend
        assert (rec["error"] is None) == (rec["status"] == "ok")
    assert recs["page.html"]["output"] == "a/b/page.txt"
    assert recs["zipped.html.gz"]["output"] == "a/zipped.txt"
    assert recs["latin.htm"]["status"] == "ok"
    assert "Café crème" in (out / "latin.txt").read_text("utf-8")
    seed_text = (out / "a" / "b" / "page.txt").read_text("utf-8")
    assert "North Korean leader Kim Jong-un" in seed_text
    assert (out / "a" / "zipped.txt").read_text("utf-8") == seed_text
    assert recs["binary.html"]["error"] == "not an HTML page (looks like a PNG image)"
    assert recs["empty.html"]["error"] == "empty page"
    assert recs["garbage.html"]["status"] == "failed"
    assert not (out / "notes.txt").exists()
    # the failures are listed on stderr, one line each
    failed = sorted(line for line in result.stderr.splitlines() if line.startswith("unboil: "))
    assert failed == sorted(
        f"unboil: {src / name}: {recs[name]['error']}"
        for name in ("binary.html", "empty.html", "garbage.html")
    )
    assert "Traceback" not in result.stderr
    assert "ok\t3" in result.stderr and "failed\t3" in result.stderr


def test_all_ok_exits_0_and_formats(tmp_path: Path) -> None:
    make_pages(tmp_path / "in", 4)
    result = invoke(str(tmp_path / "in"), "-o", str(tmp_path / "md"), "-f", "markdown", "-q")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert sorted(
        p.relative_to(tmp_path / "md").as_posix() for p in (tmp_path / "md").rglob("*.md")
    ) == [
        "d0/page00.md",
        "d0/page03.md",
        "d1/page01.md",
        "d2/page02.md",
    ]
    result = invoke(str(tmp_path / "in" / "d1"), "-o", str(tmp_path / "js"), "-f", "json", "-q")
    assert result.exit_code == 0
    data = json.loads((tmp_path / "js" / "page01.json").read_text())
    assert data["title"] == "Page 1" and "Paragraph 0 of page 1" in data["text"]


def test_jsonl_streams_records_with_text(tmp_path: Path) -> None:
    make_pages(tmp_path, 3)
    result = invoke(str(tmp_path), "-f", "jsonl", "-j", "1")
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 3
    for rec in lines:
        assert rec["status"] == "ok" and rec["output"] is None
        assert "Paragraph 3 of page" in rec["text"]
    (tmp_path / "empty.html").write_bytes(b"")  # a failed page has its text too: ""
    result = invoke(str(tmp_path), "-f", "jsonl", "-j", "1")
    failed = [r for r in map(json.loads, result.stdout.splitlines()) if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["text"] == ""


@pytest.mark.skipif(sys.platform != "linux", reason="workers fork on Linux only")
def test_workers_inherit_the_parents_objects_frozen(tmp_path: Path, test_backends: None) -> None:
    """The parent freezes its objects before forking (the workers' collections skip
    them) and unfreezes them after the run."""
    import gc

    make_pages(tmp_path, 3)
    result = invoke(str(tmp_path), "-f", "jsonl", "-j", "2", "-b", "test-freeze")
    assert result.exit_code == 0, result.output
    counts = [int(json.loads(x)["text"].split()[1]) for x in result.stdout.splitlines()]
    assert len(counts) == 3 and min(counts) > 1000
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("test_backends")
def test_max_memory_reaches_the_workers_as_an_option(tmp_path: Path) -> None:
    """--max-memory caps each worker's address space through the batch's config (not
    an environment variable the parent sets for its children)."""
    make_pages(tmp_path, 2)
    # caps above what the forked test process already maps (over 1 GiB late in the suite)
    for args, cap in ((["--max-memory", "3GiB"], 3 << 30), ([], 2 << 30)):
        result = invoke(str(tmp_path), "-f", "jsonl", "-j", "2", "-b", "test-limit", *args)
        assert result.exit_code == 0, result.output
        caps = {json.loads(x)["text"] for x in result.stdout.splitlines()}
        assert caps == {f"cap {cap}"}
    assert "UNBOIL_MAX_MEMORY" not in os.environ


def test_a_memory_cap_below_what_a_worker_starts_with_is_refused(tmp_path: Path) -> None:
    """A cap under the address space the batch's process already maps (a worker forked
    from it could not start, and the pool would wait for it forever): one line, exit 2,
    before any page runs."""
    from unboil.extractors.workers import mapped_bytes

    make_pages(tmp_path, 2)
    cap = max(mapped_bytes() // 2, 300 << 20)
    result = invoke(str(tmp_path), "-f", "jsonl", "-j", "2", "--max-memory", str(cap))
    assert result.exit_code == 2
    assert "memory cap" in result.stderr and "a worker starts with" in result.stderr
    assert result.stdout == ""


def test_usage_errors(tmp_path: Path) -> None:
    make_pages(tmp_path, 1)
    assert invoke(str(tmp_path / "nope"), "-o", str(tmp_path / "o")).exit_code == 2
    assert invoke(str(tmp_path), "-f", "txt").exit_code == 2  # no -o and not jsonl
    assert invoke(str(tmp_path), "-o", str(tmp_path / "o"), "-j", "0").exit_code == 2
    assert invoke(str(tmp_path), "-f", "jsonl", "--resume").exit_code == 2
    assert invoke(str(tmp_path), "-o", str(tmp_path / "o"), "-b", "no-such").exit_code == 2
    assert invoke("-o", str(tmp_path / "o")).exit_code == 2
    (tmp_path / "none").mkdir()
    result = invoke(str(tmp_path / "none"), "-o", str(tmp_path / "o"))
    assert result.exit_code == 2 and "no pages found" in result.stderr


def test_a_named_pipe_is_recorded_failed_never_read(tmp_path: Path) -> None:
    """Reading a named pipe waits for a writer: one in the folder or named on its own
    is a failed input with its cause, and --drop-repeated (which reads the text inputs
    in the parent, before any work) does not wait for it either."""
    make_pages(tmp_path / "in", 1)
    os.mkfifo(tmp_path / "in" / "pipe.html")  # matches the glob
    os.mkfifo(tmp_path / "named.txt")
    args = [str(tmp_path / "in"), str(tmp_path / "named.txt"), "-o", str(tmp_path / "out")]
    result = invoke(*args, "-q", "--timeout", "5", "--drop-repeated", "2")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    records = {Path(r["source"]).name: r for r in manifest(tmp_path / "out")}
    assert records["page00.html"]["status"] == "ok"
    for name in ("pipe.html", "named.txt"):
        assert records[name]["status"] == "failed"
        assert records[name]["error"] == "not a regular file (a named pipe)"


@pytest.mark.skipif(sys.platform != "linux", reason="PATH_MAX of Linux")
def test_a_folder_that_cannot_be_read_is_a_failure(tmp_path: Path) -> None:
    """A folder deeper than the system's longest path cannot be listed: recorded and
    listed as failed (it went missing without a word), the rest processed."""
    make_pages(tmp_path / "in", 1)
    fd = os.open(tmp_path / "in", os.O_RDONLY)
    try:
        for _ in range(40):  # 40 x 121 characters: past PATH_MAX (4096)
            os.mkdir("d" * 120, dir_fd=fd)
            inner = os.open("d" * 120, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("p.html", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
            f.write(page_html(5))
    finally:
        os.close(fd)
    result = invoke(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    recs = manifest(tmp_path / "out")
    assert [r["status"] for r in recs].count("ok") == 1
    failed = [r for r in recs if r["status"] == "failed"]
    assert failed and failed[0]["error"].startswith("folder not read: ")
    assert "folder not read" in result.stderr


def test_a_failure_is_one_line_whatever_its_name(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "evil\nunboil: fake.html: empty page.html").write_bytes(b"")
    result = invoke(str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-q")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    listed = [line for line in result.stderr.splitlines() if line.startswith("unboil: ")]
    assert len(listed) == 1 and "evil\\nunboil: fake.html" in listed[0]


def test_a_second_batch_into_the_same_outdir_is_refused(tmp_path: Path) -> None:
    """The running batch holds the manifest: another run into its OUTDIR would truncate
    its records. Refused before anything is written; once the first ends, fine."""
    from unboil.extractors.manifest import Manifest

    make_pages(tmp_path / "in", 2)
    out = tmp_path / "out"
    with Manifest(out / MANIFEST_NAME, resume=False) as held:  # as a run in progress does
        held.append({"source": "x", "status": "ok"})
        result = invoke(str(tmp_path / "in"), "-o", str(out), "-q")
        assert result.exit_code == 2
        assert "another unboil batch is writing into this folder" in result.stderr
        assert [r["source"] for r in read_manifest(out / MANIFEST_NAME)] == ["x"]
    assert invoke(str(tmp_path / "in"), "-o", str(out), "-q").exit_code == 0


@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes: Linux")
def test_a_file_name_that_is_not_utf8(tmp_path: Path) -> None:
    """Recorded (JSON escapes) instead of stopping the batch; resume finds it done."""
    make_pages(tmp_path / "in", 1)
    bad = os.fsdecode(b"bad\xff\xfename.html")
    (tmp_path / "in" / bad).write_text(page_html(7))
    out = tmp_path / "out"
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-j", "1", "-q")
    assert result.exit_code == 0, result.stderr
    recs = read_manifest(out / MANIFEST_NAME)
    assert {r["status"] for r in recs} == {"ok"} and len(recs) == 2
    assert str(tmp_path / "in" / bad) in {r["source"] for r in recs}
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-j", "1", "--resume")
    assert "already done (resume)\t2" in result.stderr


def test_an_output_that_cannot_be_written_fails_that_page(tmp_path: Path) -> None:
    make_pages(tmp_path / "in" / "a", 1)
    make_pages(tmp_path / "in", 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").write_text("a file where the folder a/ goes")
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-j", "1", "-q")
    assert result.exit_code == 3
    recs = {Path(r["source"]).parent.parent.name: r for r in read_manifest(out / MANIFEST_NAME)}
    assert recs["in"]["status"] == "ok"  # in/d0/page00.html
    assert recs["a"]["status"] == "failed"  # in/a/d0/page00.html: out/a is a file
    assert recs["a"]["error"].startswith(f"{out / 'a'}") and "cannot write" in recs["a"]["error"]
    assert "internal error" not in result.stderr


def test_an_output_that_is_an_input_is_a_usage_error(tmp_path: Path) -> None:
    """Text dumps cleaned into their own folder as txt: each output would replace its
    input. Refused before anything is written; another format is fine."""
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    dump = dumps / "a.txt"
    dump.write_text(SEED_TEXT.read_text("utf-8"), "utf-8")
    before = dump.read_bytes()
    result = invoke(str(dumps), "--glob", "*.txt", "-o", str(dumps), "-f", "txt", "-q")
    assert result.exit_code == 2
    assert "a.txt" in result.stderr and "is the input file itself" in result.stderr
    assert dump.read_bytes() == before
    assert sorted(p.name for p in dumps.iterdir()) == ["a.txt"]  # no manifest either
    result = invoke(str(dumps), "--glob", "*.txt", "-o", str(dumps), "-f", "markdown", "-q")
    assert result.exit_code == 0 and dump.read_bytes() == before
    assert "Kim Jong-un" in (dumps / "a.md").read_text("utf-8")


def test_output_paths_are_predictable(tmp_path: Path) -> None:
    assert url_stem("https://Example.org/news/a.html?id=3") == (
        "example.org/news/a-" + __import__("hashlib").sha1(b"id=3").hexdigest()[:8]
    )
    assert url_stem("http://127.0.0.1:8080/") == "127.0.0.1_8080/index"
    assert url_stem("https://h/a/b/") == "h/a/b/index"
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "p.html").write_text("<p>a</p>")
    (tmp_path / "x" / "p.htm").write_text("<p>b</p>")
    items = discover([str(tmp_path / "x")], ["https://h/p"], outdir=tmp_path / "x" / "out")
    stems = [i.stem for i in items]
    assert stems[0] == "p" and stems[1].startswith("p-") and stems[2] == "h/p"
    assert len(set(stems)) == 3


def test_agreement_of_members_and_summary(tmp_path: Path, test_backends: None) -> None:
    make_pages(tmp_path / "in", 3)
    out = tmp_path / "out"
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-b", "test-members", "-j", "1")
    assert result.exit_code == 0, result.output
    scores = [r["agreement"] for r in manifest(out)]
    assert all(0.3 < s < 0.9 for s in scores), scores
    assert "median agreement\t" in result.stderr
    assert result.stderr.count("low agreement\t") == 3
    # another backend: agreement only with --agreement
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-b", "test-sleepy")
    assert {r["agreement"] for r in manifest(out)} == {None}
    result = invoke(
        str(tmp_path / "in"), "-o", str(out), "-b", "test-sleepy", "--agreement", "alltext"
    )
    assert all(r["agreement"] > 0.5 for r in manifest(out))
    # consensus-like with --agreement NAME: agreement with NAME, a member's result as is
    result = invoke(str(tmp_path / "in"), "-o", str(out), "-b", "test-members", "--agreement", "a")
    assert all(r["agreement"] > 0.95 for r in manifest(out))  # its text is member a's
    result = invoke(
        str(tmp_path / "in"), "-o", str(out), "-b", "test-members", "--agreement", "alltext"
    )
    with_alltext = [r["agreement"] for r in manifest(out)]
    assert all(s > 0.9 for s in with_alltext) and with_alltext != scores


# --- timeouts ---------------------------------------------------------------------


def test_backend_stuck_on_one_page_times_out(tmp_path: Path, test_backends: None) -> None:
    make_pages(tmp_path / "in", 6)
    (tmp_path / "in" / "stuck.html").write_text(page_html(99, "<p>SLEEP</p>"))
    out = tmp_path / "out"
    start = time.monotonic()
    result = invoke(
        str(tmp_path / "in"), "-o", str(out), "-b", "test-sleepy", "-j", "2", "--timeout", "1"
    )
    assert time.monotonic() - start < 15
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    recs = by_source(manifest(out))
    assert recs["stuck.html"]["status"] == "timeout"
    assert recs["stuck.html"]["error"].startswith("timed out after 1s")
    assert [r["status"] for n, r in recs.items() if n != "stuck.html"] == ["ok"] * 6
    assert f"unboil: {tmp_path / 'in' / 'stuck.html'}: timed out" in result.stderr


# --- URLs -------------------------------------------------------------------------


def test_url_list(tmp_path: Path, http_server: Any) -> None:
    good = http_server.add("/good.html", page_html(1))
    flaky = http_server.flaky("/flaky", page_html(2), failures=2, status=500)
    hang = http_server.hang("/hang", 30)
    missing = http_server.url("/missing")
    gz = http_server.add(
        "/gz", gzip.compress(page_html(3).encode()), headers={"Content-Encoding": "gzip"}
    )
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# pages\n{good}\n\n{flaky}\n  {hang}\n{missing}\n{gz}\n")
    out = tmp_path / "out"
    result = invoke(
        "--urls",
        str(urls),
        "--allow-private",
        "-o",
        str(out),
        "--timeout",
        "3",  # the whole fetch, retries (0.5 s, then 1 s) included
        "--save-html",
        "--cache",
        str(tmp_path / "cache"),
        "-j",
        "2",
    )
    assert result.exit_code == ExitStatus.SOURCES_FAILED, result.output
    recs = by_source(manifest(out))
    assert {u: r["status"] for u, r in recs.items()} == {
        good: "ok",
        flaky: "ok",
        hang: "timeout",
        missing: "failed",
        gz: "ok",
    }
    assert http_server.hits("/flaky") == 3
    assert recs[missing]["error"] == "HTTP 404 Not Found"
    host = f"127.0.0.1_{http_server.port}"
    assert recs[good]["output"] == f"{host}/good.txt"
    assert recs[good]["html"] == f"{host}/good.html"
    assert (out / host / "good.html").read_text() == page_html(1)
    assert "Paragraph 1 of page 2" in (out / host / "flaky.txt").read_text()
    assert len([x for x in result.stderr.splitlines() if x.startswith("unboil: http")]) == 2

    # the cache answers a second run (the good page is not fetched again)
    before = http_server.hits("/good.html")
    result = invoke(
        "--urls",
        "-",
        "--allow-private",
        "-f",
        "jsonl",
        "--cache",
        str(tmp_path / "cache"),
        input=good,
    )
    assert result.exit_code == 0
    assert http_server.hits("/good.html") == before
    assert json.loads(result.stdout)["source"] == good


# --- resume, kill -9, Ctrl-C ------------------------------------------------------


def test_retries_end_within_the_timeout(tmp_path: Path, http_server: Any) -> None:
    """--timeout bounds a URL's retries and their waits: with 1 s, after the first
    retry (0.5 s) the next wait (1 s) would pass it, so no third request is made."""
    broken = http_server.flaky("/always-500", page_html(4), failures=100, status=500)
    result = invoke("--urls", "-", "--allow-private", "-f", "jsonl", "--timeout", "1", input=broken)
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert http_server.hits("/always-500") == 2  # 4 (3 retries) before
    assert json.loads(result.stdout)["error"] == "HTTP 500 Internal Server Error"


def test_resume_skips_ok_and_redoes_the_rest(tmp_path: Path) -> None:
    make_pages(tmp_path / "in", 3)
    bad = tmp_path / "in" / "bad.html"
    bad.write_bytes(b"")
    out = tmp_path / "out"
    assert invoke(str(tmp_path / "in"), "-o", str(out)).exit_code == 3
    bad.write_text(page_html(7))
    (out / "d0" / "page00.txt").unlink()  # an output gone: redone
    with (out / MANIFEST_NAME).open("a") as f:
        f.write('{"source": "truncated')  # a run killed in mid-write
    result = invoke(str(tmp_path / "in"), "-o", str(out), "--resume")
    assert result.exit_code == 0, result.output
    assert "already done (resume)\t2" in result.stderr
    recs = manifest(out)
    statuses = Counter((Path(r["source"]).name, r["status"]) for r in recs)
    assert statuses == {
        ("page00.html", "ok"): 2,
        ("page01.html", "ok"): 1,
        ("page02.html", "ok"): 1,
        ("bad.html", "failed"): 1,
        ("bad.html", "ok"): 1,
    }
    assert (out / MANIFEST_NAME).read_text().endswith("}\n")
    # nothing left to do
    result = invoke(str(tmp_path / "in"), "-o", str(out), "--resume")
    assert result.exit_code == 0 and len(manifest(out)) == len(recs)
    # without --resume the manifest starts afresh
    assert invoke(str(tmp_path / "in"), "-o", str(out), "-q").exit_code == 0
    assert len(manifest(out)) == 4


def test_resume_redoes_a_file_that_changed(tmp_path: Path) -> None:
    pages = make_pages(tmp_path / "in", 2)
    out = tmp_path / "out"
    assert invoke(str(tmp_path / "in"), "-o", str(out), "-q").exit_code == 0
    assert all(r["file"]["size"] > 0 for r in manifest(out))
    pages[0].write_text(page_html(9))  # another article under the same name
    os.utime(pages[0], ns=(1_000_000_000, 1_000_000_000))
    result = invoke(str(tmp_path / "in"), "-o", str(out), "--resume")
    assert "already done (resume)\t1" in result.stderr
    again = manifest(out)[2:]
    assert [r["source"] for r in again] == [str(pages[0])]
    assert "of page 9" in (out / again[0]["output"]).read_text()


def test_manifest_cuts_a_truncated_last_line(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_text('{"source": "a", "status": "ok"}\n{"source": "b", "sta')
    with Manifest(path, resume=True) as m:
        assert [r["source"] for r in m.records] == ["a"]
        m.append({"source": "c", "status": "ok"})
    assert [r["source"] for r in read_manifest(path)] == ["a", "c"]


def test_outputs_reach_the_disk_before_their_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group commit: workers write without an fsync each; the parent syncs the
    filesystem once per round of finished pages and only then records them, so after
    a power loss no manifest record points at an output that was not on disk."""
    from unboil.extractors import fsutil

    pages = tmp_path / "in"
    pages.mkdir()
    for n in range(6):
        (pages / f"p{n}.html").write_text(page_html(n))
    out = tmp_path / "out"
    syncs: list[tuple[int, set[str]]] = []  # (manifest lines, outputs present) per sync
    real_sync = fsutil.sync_filesystem

    def spy(path: str | os.PathLike[str]) -> None:
        assert Path(path) == out
        lines = len(manifest(out))
        syncs.append((lines, {p.name for p in out.glob("*.txt")}))
        real_sync(path)

    monkeypatch.setattr(fsutil, "sync_filesystem", spy)
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    result = invoke(str(pages), "-o", str(out), "-j", "2", "-q")
    assert result.exit_code == 0, result.output
    records = manifest(out)
    assert len(records) == 6 and syncs
    for i, rec in enumerate(records):
        name = Path(rec["output"]).name
        # some sync saw this output on disk before the record was written
        assert any(lines <= i and name in present for lines, present in syncs), rec
    # the parent fsynced the manifest once per round (and at the end), not per record
    assert len(fsyncs) <= len(syncs) + 1


def test_finished_pages_are_committed_in_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages finishing within a tenth of a second share one filesystem sync: a sync
    per page slowed a two-worker run by 4%."""
    from unboil.extractors import fsutil

    pages = tmp_path / "in"
    pages.mkdir()
    for n in range(30):
        (pages / f"p{n}.html").write_text(page_html(n))
    out = tmp_path / "out"
    syncs: list[int] = []
    real_sync = fsutil.sync_filesystem
    monkeypatch.setattr(fsutil, "sync_filesystem", lambda p: (syncs.append(1), real_sync(p))[1])
    result = invoke(str(pages), "-o", str(out), "-j", "1", "-q", "-b", "alltext")
    assert result.exit_code == 0, result.output
    assert len(manifest(out)) == 30
    assert 1 <= len(syncs) < 15


def test_trafilatura_stoplist_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The union of jusText's stop-lists trafilatura builds in every process (70 ms)
    is cached in the user's cache folder; a damaged cache is rebuilt, never trusted."""
    import marshal

    import trafilatura.external as external

    from unboil.extractors.backends import trafilatura as adapter

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("UNBOIL_NO_CACHE", raising=False)
    assert adapter._cached_stoplist() is None
    # (once a trafilatura run has hooked it, this call writes the cache itself)
    built = tuple(external.jt_stoplist_init())
    adapter._save_stoplist(built)
    (cache,) = (tmp_path / "unboil").glob("jt-stoplist-*.marshal")
    assert adapter._cached_stoplist() == built
    # a fresh process warms from the cache (a word only the cache has shows it)
    adapter._save_stoplist((*built, "unboil-probe"))
    probe = (
        "import trafilatura.external as e\n"
        "from unboil.extractors import registry\n"
        "registry.shared('trafilatura').warm()\n"
        "print(len(e.JT_STOPLIST), 'unboil-probe' in e.JT_STOPLIST)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [str(len(built) + 1), "True"]
    cache.write_bytes(b"\x00garbage")
    assert adapter._cached_stoplist() is None
    cache.write_bytes(marshal.dumps(["not", "a", "tuple"]))
    assert adapter._cached_stoplist() is None
    monkeypatch.setenv("UNBOIL_NO_CACHE", "1")
    adapter._save_stoplist(built)
    assert adapter._cached_stoplist() is None


#: a Scrapinghub page on which trafilatura falls back to jusText without a language
#: (its stop-lists' union is then built or read from the cache)
FALLBACK_PAGE = "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856.html.gz"
ONE_PAGE_PROBE = (
    "import sys\n"
    "import trafilatura.external as e\n"
    "from unboil.cli.main import cli\n"
    "try:\n"
    "    cli(['-b', 'trafilatura', '--no-metadata', sys.argv[1]])\n"
    "except SystemExit as exc:\n"
    "    assert not exc.code, exc.code\n"
    "print(len(e.JT_STOPLIST), 'unboil-probe' in e.JT_STOPLIST)\n"
)


def test_one_page_run_reads_and_writes_the_stoplist_cache(tmp_path: Path) -> None:
    """``unboil page.html`` (no warm-up, as in a shell one-liner) on a page where
    trafilatura needs its stop-lists: the first run builds them and writes the cache,
    the next one reads it (a word only the cache has shows it)."""
    import marshal

    page = tmp_path / "page.html"
    page.write_bytes(gzip.decompress((SCRAPINGHUB_HTML / FALLBACK_PAGE).read_bytes()))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("UNBOIL_NO_CACHE", None)

    def run() -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", ONE_PAGE_PROBE, str(page)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()[-2:]

    count, probe = run()
    assert probe == "False"
    (cache,) = (tmp_path / "cache" / "unboil").glob("jt-stoplist-*.marshal")
    words = marshal.loads(cache.read_bytes())
    assert len(words) == int(count) > 1000
    cache.write_bytes(marshal.dumps((*words, "unboil-probe")))
    assert run() == [str(int(count) + 1), "True"]


def test_warm_loads_one_time_setup_for_the_workers() -> None:
    import justext.core
    import trafilatura.external

    registry.shared("trafilatura").warm()
    assert trafilatura.external.JT_STOPLIST is not None
    assert justext.core.define_stoplist.cache_info().currsize >= 1
    for name in ("consensus", "text", "readability"):
        registry.shared(name).warm()  # imports and models load without error


PRELOAD_PROBE = """
import sys
from pathlib import Path
from unboil.extractors.batch_page import PageOptions, Task, process_page
from unboil.extractors.workers import preload
preload(sys.argv[1], sys.argv[2] == "metadata")
options = PageOptions(sys.argv[1], "json", metadata=sys.argv[2] == "metadata")
before = set(sys.modules)
for i, page in enumerate(sys.argv[4:]):
    out = f"{sys.argv[3]}/{i}.json"
    rec = process_page(Task(page, "file", options, output=out, output_rel=f"{i}.json"))
    assert rec["status"] == "ok", rec
print(" ".join(sorted(m for m in set(sys.modules) - before if not m.startswith("encodings."))))
"""


@pytest.mark.parametrize("metadata", ["metadata", "no-metadata"])
def test_workers_forked_after_the_preload_import_nothing_more(
    tmp_path: Path, metadata: str
) -> None:
    """What a worker imports while it works, every worker pays again (the parent's
    ``preload`` runs before the fork): nothing, on pages of several kinds (every third
    Scrapinghub page: dates in many formats and time zones, several languages)."""
    pages = [str(p) for p in sorted(SCRAPINGHUB_HTML.glob("*.html.gz"))[::3]]
    proc = subprocess.run(
        [sys.executable, "-c", PRELOAD_PROBE, "trafilatura", metadata, str(tmp_path), *pages],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == []


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UNBOIL), "batch", *args], env=env, capture_output=True, text=True, timeout=60
    )


def _start_slow_batch(
    folder: Path, out: Path, env: dict[str, str], **popen: Any
) -> subprocess.Popen[str]:
    """``unboil batch FOLDER -o OUT`` with the slow plugin backend on two workers."""
    return subprocess.Popen(
        [str(UNBOIL), "batch", str(folder), "-o", str(out), "-b", "test-slow", "-j", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _wait_for_records(path: Path, n: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.02)
    raise AssertionError("no records")


def test_kill_9_then_resume_is_exactly_once(tmp_path: Path, slow_env: dict[str, str]) -> None:
    pages = make_pages(tmp_path / "in", 60)
    clean, out = tmp_path / "clean", tmp_path / "out"
    args = ["-b", "test-slow", "-j", "2", "-q"]
    assert _run([str(tmp_path / "in"), "-o", str(clean), *args], slow_env).returncode == 0

    proc = subprocess.Popen(
        [str(UNBOIL), "batch", str(tmp_path / "in"), "-o", str(out), *args],
        env=slow_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _wait_for_records(out / MANIFEST_NAME, 12, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed = len(manifest(out))
    assert 12 <= killed < 60

    result = _run([str(tmp_path / "in"), "-o", str(out), "--resume", *args], slow_env)
    assert result.returncode == 0, result.stderr
    recs = manifest(out)
    counts = Counter(r["source"] for r in recs)
    assert set(counts) == {str(p) for p in pages}
    assert set(counts.values()) == {1}, "every input exactly once"
    assert {r["status"] for r in recs} == {"ok"}
    produced = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    expected = sorted(p.relative_to(clean) for p in clean.rglob("*") if p.is_file())
    assert produced == expected  # no temp files left behind
    for rel in expected:
        if rel.name != MANIFEST_NAME:
            assert (out / rel).read_bytes() == (clean / rel).read_bytes(), rel


def test_ctrl_c_stops_cleanly_with_130(tmp_path: Path, slow_env: dict[str, str]) -> None:
    pages = make_pages(tmp_path / "in", 60)
    out = tmp_path / "out"
    proc = _start_slow_batch(tmp_path / "in", out, slow_env)
    _wait_for_records(out / MANIFEST_NAME, 5, proc)
    proc.send_signal(signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == ExitStatus.INTERRUPTED, stderr
    assert "unboil: interrupted" in stderr and "pages/s\t" in stderr
    assert "Traceback" not in stderr
    recs = manifest(out)
    assert 5 <= len(recs) < 60
    assert {r["status"] for r in recs} <= {"ok", "skipped"}
    # the summary's skipped: every page that did not run (queued ones recorded
    # skipped, the others not recorded), all of them "not started"
    summary = dict(line.split("\t", 1) for line in stderr.splitlines() if "\t" in line)
    not_started = int(summary.get("not started (interrupted)", "0"))
    assert sum(r["status"] == "ok" for r in recs) + not_started == 60
    assert int(summary["skipped"]) == not_started
    for rec in recs:
        if rec["status"] == "ok":
            text = (out / rec["output"]).read_text()
            assert "Paragraph 3 of page" in text and text.endswith(".\n")
    result = _run([str(tmp_path / "in"), "-o", str(out), "--resume", "-b", "test-slow"], slow_env)
    assert result.returncode == 0, result.stderr
    oks = Counter(r["source"] for r in manifest(out) if r["status"] == "ok")
    assert set(oks) == {str(p) for p in pages} and set(oks.values()) == {1}


#: a backend that marks each page it begins and takes 0.5 s over it
_MARKING_PLUGIN = """
import os, time
from pathlib import Path
from unboil.extractors.base import Backend, Block, Extraction

class SlowBackend(Backend):
    name = "test-slow"
    modules = ()

    def run(self, page, options):
        Path(os.environ["UNBOIL_TEST_BEGUN"], Path(page.source).name).touch()
        time.sleep(0.5)
        return Extraction(backend=self.name, blocks=[Block("done " + Path(page.source).name)])
"""


def test_ctrl_c_from_a_terminal_lets_the_pages_in_flight_finish(tmp_path: Path) -> None:
    """A terminal's Ctrl-C reaches the workers too (the whole process group): the pages
    they have begun still finish and are recorded ok; the summary's skipped pages add
    up."""
    make_pages(tmp_path / "in", 40)
    out, begun = tmp_path / "out", tmp_path / "begun"
    begun.mkdir()
    env = plugins.environment(plugins.install(tmp_path / "plugins", _MARKING_PLUGIN))
    env["UNBOIL_TEST_BEGUN"] = str(begun)
    # its own process group, as a terminal's job
    proc = _start_slow_batch(tmp_path / "in", out, env, start_new_session=True)
    _wait_for_records(out / MANIFEST_NAME, 3, proc)
    deadline = time.monotonic() + 10
    while not any(begun.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == ExitStatus.INTERRUPTED, stderr
    recs = by_source(manifest(out))
    started = {p.name for p in begun.iterdir()}
    assert started, "no page had begun"
    for name in started:  # every page a worker began was finished and recorded
        assert recs[name]["status"] == "ok", recs.get(name)
        assert (out / recs[name]["output"]).read_text().startswith(f"done {name}")
    assert {r["status"] for r in recs.values()} <= {"ok", "skipped"}
    summary = dict(line.split("\t", 1) for line in stderr.splitlines() if "\t" in line)
    parts = ("already done (resume)", "not pages (WARC records)", "not started (interrupted)")
    assert int(summary["skipped"]) == sum(int(summary.get(k, "0")) for k in parts)
    assert int(summary["ok"]) + int(summary["skipped"]) == 40


def test_max_memory_below_what_a_worker_needs_is_a_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from unboil.cli.main import cli

    result = CliRunner().invoke(
        cli, ["batch", str(ROOT / "samples"), "-o", str(tmp_path / "o"), "--max-memory", "1MiB"]
    )
    assert result.exit_code == 2
    assert "--max-memory" in result.output
    assert not (tmp_path / "o").exists()
