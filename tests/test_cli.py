"""The `unboil` command: every source kind, every format, every error, exit codes."""

from __future__ import annotations

import ast
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import names
import pytest
from click.testing import CliRunner, Result

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors import registry
from unboil.extractors.base import Backend, Block, Extraction, ExtractOptions
from unboil.extractors.page import Page

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEED = SAMPLES / "seed-independent.html"
UNBOIL = Path(sys.executable).with_name("unboil")

SEED_FIRST = "North Korean leader Kim Jong-un has asked his country’s key weapons factories"
SEED_LAST = "neighbouring rivals and the US mainland."
JSONL_KEYS = {
    "source",
    "backend",
    "version",
    "title",
    "text",
    "error",
    "reason",
    "words",
    "quality",
}


def invoke(*args: str, input: bytes | str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def gold_paragraphs(name: str) -> list[str]:
    return [p.strip() for p in (SAMPLES / name).read_text("utf-8").split("\n\n") if p.strip()]


def assert_one_line_error(result: Result, source: str) -> str:
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"unboil: {source}: "), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


# --- sources ----------------------------------------------------------------------


def test_default_command_is_extract() -> None:
    plain = invoke(str(SEED))
    named = invoke("extract", str(SEED))
    assert plain.exit_code == named.exit_code == 0
    assert plain.stdout == named.stdout
    assert SEED_FIRST in plain.stdout and SEED_LAST in plain.stdout


def test_options_before_or_after_the_page() -> None:
    before = invoke("-b", "readability", str(SEED))
    after = invoke(str(SEED), "-b", "readability")
    assert before.exit_code == after.exit_code == 0
    assert before.stdout == after.stdout


def test_stdin() -> None:
    result = invoke("-", input=SEED.read_bytes())
    assert result.exit_code == 0
    assert SEED_FIRST in result.stdout


def test_gzip_page_whatever_its_name(tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_bytes(gzip.compress(SEED.read_bytes()))
    result = invoke(str(page))
    assert result.exit_code == 0
    assert SEED_FIRST in result.stdout


def test_url(http_server: Any) -> None:
    http_server.add("/news/kim.html", SEED.read_bytes(), headers={"Content-Type": "text/html"})
    result = invoke("-f", "jsonl", "--allow-private", http_server.url("/news/kim.html"))
    assert result.exit_code == 0, result.stderr
    rec = json.loads(result.stdout)
    assert SEED_FIRST in rec["text"]
    assert rec["url"] == http_server.url("/news/kim.html")


def test_url_errors_are_one_line_and_the_rest_goes_on(http_server: Any) -> None:
    http_server.add("/ok.html", SEED.read_bytes(), headers={"Content-Type": "text/html"})
    http_server.add("/gone", b"<html>gone</html>", status=404)
    result = invoke("--allow-private", http_server.url("/gone"), http_server.url("/ok.html"))
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    line = assert_one_line_error(result, http_server.url("/gone"))
    assert "404" in line
    assert SEED_FIRST in result.stdout


def test_unreachable_url() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.html"
    result = invoke("--allow-private", url)
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert_one_line_error(result, url)


def test_url_timeout(http_server: Any) -> None:
    http_server.hang("/slow", seconds=5)
    result = invoke("--timeout", "0.5", "--allow-private", http_server.url("/slow"))
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert "timed out" in assert_one_line_error(result, http_server.url("/slow"))


# --- formats ----------------------------------------------------------------------


def test_txt_is_blocks_separated_by_blank_lines() -> None:
    result = invoke("-f", "txt", str(SEED))
    blocks = result.stdout.rstrip("\n").split("\n\n")
    assert len(blocks) >= len(gold_paragraphs("seed-independent.txt"))
    assert all(b.strip() == b and b for b in blocks)


def test_markdown_keeps_headings_and_lists() -> None:
    blog = next(SAMPLES.glob("blog-*.html"))
    result = invoke("-f", "markdown", str(blog))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(x.startswith("## ") or x.startswith("### ") for x in lines), result.stdout
    assert any(x.startswith("- ") for x in lines), result.stdout


def test_markdown_renders_tables_as_tables() -> None:
    """The Markdown renderer on a backend that keeps the league table (trafilatura:
    consensus drops it on this page since the 2026-12-07 model, samples/README.md)."""
    table = str(SAMPLES / "table-vafl-standings.html")
    result = invoke("-b", "trafilatura", "-f", "markdown", table)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    head = next(i for i, x in enumerate(lines) if x.startswith("| Pos | Team |"))
    assert lines[head + 1] == "|" + " --- |" * 10
    assert lines[head + 2].startswith("| 1 | Ferncliffe Kestrels | 9 |") and lines[
        head + 2
    ].endswith(" |")
    # txt keeps the rows as they are
    assert "\nPos | Team | P |" in invoke("-b", "trafilatura", table).stdout


def test_markdown_keeps_empty_cells_and_escapes_markup(tmp_path: Path) -> None:
    """Empty cells keep their column (a value moved under the wrong heading), a "|" in
    a cell and text that reads as markup ("# ...", "- ...", *stars*) are escaped."""
    long = "a sentence long enough for every extractor to keep it as the article's text"
    page = tmp_path / "md.html"
    page.write_text(
        f"<html><body><article><h1>Fidelity</h1><p>First, {long}.</p>"
        "<table><tr><th>Name</th><th>Value</th><th>Notes</th></tr>"
        "<tr><td>a|b</td><td></td><td>empty middle</td></tr>"
        "<tr><td>c</td><td>3</td><td></td></tr></table>"
        f"<p># Not a heading, {long}.</p><p>- Not a list item, {long}.</p>"
        f"<p>Some *stars* and _underscores_, {long}.</p><p>Last, {long}.</p>"
        "</article></body></html>"
    )
    out = invoke("-b", "trafilatura", "-f", "markdown", str(page)).stdout.splitlines()
    assert "| Name | Value | Notes |" in out
    assert "| a\\|b |  | empty middle |" in out
    assert "| c | 3 |  |" in out
    assert any(x.startswith("\\# Not a heading") for x in out)
    assert any(x.startswith("\\- Not a list item") for x in out)
    assert any(x.startswith("Some \\*stars\\* and \\_underscores\\_") for x in out)
    txt = invoke("-b", "trafilatura", str(page)).stdout  # txt: the text as it is
    assert "a|b | empty middle" in txt and "# Not a heading" in txt


def test_headings_lose_their_permalink_pilcrow() -> None:
    """Sphinx and MkDocs end each heading with a "¶" link: not part of the heading."""
    page = str(SAMPLES / "docs-tarn-configuration.html")
    for backend in ("trafilatura", "readability", "consensus"):
        out = invoke("-b", backend, "-f", "markdown", page).stdout
        assert "## Where tarn looks for configuration\n" in out, backend
        assert "¶" not in out, backend


def test_json_is_one_object_for_one_page_and_a_list_for_several() -> None:
    one = json.loads(invoke("-f", "json", str(SEED)).stdout)
    assert isinstance(one, dict) and set(one) >= JSONL_KEYS
    assert one["backend"] == "consensus" and one["error"] is None  # the default backend
    assert one["title"] and "Kim" in one["title"]
    several = json.loads(invoke("-f", "json", str(SEED), str(SEED)).stdout)
    assert isinstance(several, list) and len(several) == 2


def test_jsonl_one_line_per_source_with_the_documented_schema(tmp_path: Path) -> None:
    missing = tmp_path / "missing.html"
    result = invoke("-f", "jsonl", str(SEED), str(missing), "-")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    recs = [json.loads(x) for x in lines]
    for rec in recs:
        assert set(rec) >= JSONL_KEYS
    assert [r["source"] for r in recs] == [str(SEED), str(missing), "-"]
    assert recs[0]["error"] is None and SEED_FIRST in recs[0]["text"]
    assert recs[0]["version"] and recs[0]["words"] > 300
    assert recs[0]["quality"]["chars"] == len(recs[0]["text"])
    assert recs[0]["quality"]["replacement_share"] == 0.0
    assert recs[1]["error"] and recs[1]["text"] == "" and recs[1]["quality"] is None
    assert recs[2]["error"] == "empty page"  # stdin was empty


def test_output_file_is_written_and_kept_when_everything_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    assert invoke(str(SEED), "-o", str(out)).exit_code == 0
    first = out.read_text("utf-8")
    assert SEED_FIRST in first
    failed = invoke(str(tmp_path / "nope.html"), "-o", str(out))
    assert failed.exit_code == ExitStatus.SOURCES_FAILED
    assert out.read_text("utf-8") == first
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left


def test_an_output_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "out.txt"  # its folder is a file: cannot be created, even as root
    result = invoke(str(SEED), "-o", str(out))
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.strip() == f"unboil: {out}: cannot write: Not a directory"
    if Path("/dev/full").exists():  # stdout on a full disk
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [str(UNBOIL), str(SEED)], stdout=full, stderr=subprocess.PIPE, text=True
            )
        assert proc.returncode == ExitStatus.USAGE
        assert proc.stderr.strip() == "unboil: cannot write the output: No space left on device"


def test_output_through_a_symlink_or_into_a_pipe(tmp_path: Path) -> None:
    """-o follows a symlink (the link stays a link) and writes into a named pipe (a
    device, a FIFO is not replaced by a regular file)."""
    import stat
    import threading

    target = tmp_path / "target.txt"
    target.write_text("old\n", "utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    assert invoke(str(SEED), "-o", str(link)).exit_code == 0
    assert link.is_symlink() and SEED_FIRST in target.read_text("utf-8")

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert invoke(str(SEED), "-o", str(fifo)).exit_code == 0
    reader.join(10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and SEED_FIRST in got[0].decode("utf-8")


def test_title_option() -> None:
    with_title = invoke("--title", str(SEED)).stdout
    without = invoke(str(SEED)).stdout
    assert with_title.startswith("North Korea’s Kim Jong-un orders increase")
    assert not without.startswith("North Korea’s Kim Jong-un orders increase")


def test_metadata_is_asked_for_when_the_output_shows_it() -> None:
    def meta(*args: str) -> dict[str, Any]:
        return dict(json.loads(invoke("-f", "json", *args, str(SEED)).stdout)["metadata"])

    assert meta().get("date")  # json shows metadata: asked for by default
    # --no-metadata: no author, date... (consensus still says which members voted)
    assert not {"date", "author", "sitename"} & set(meta("--no-metadata"))
    assert meta("-b", "trafilatura", "--no-metadata") == {}
    # txt does not show it: not asked for, and the text is the same as with it
    assert invoke(str(SEED)).stdout == invoke("--metadata", str(SEED)).stdout
    # --title shows the headline trafilatura finds in the metadata, not <title>'s
    assert invoke("--title", str(SEED)).stdout == invoke("--title", "--metadata", str(SEED)).stdout


# --- errors and exit statuses -------------------------------------------------------


@pytest.mark.parametrize(
    "name,content",
    [
        ("doc.pdf.html", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20),
        ("pic.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8),
        ("data.html", b'{"title": "not a page", "items": [1, 2, 3]}'),
        ("empty.html", b""),
        ("blank.html", b"  \n\t \n"),
        ("noise.html", os.urandom(4096)),
    ],
)
def test_non_html_input_is_refused_in_one_line(tmp_path: Path, name: str, content: bytes) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = invoke(str(bad), str(SEED))
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert_one_line_error(result, str(bad))
    assert SEED_FIRST in result.stdout  # the good page after it was still processed


def test_missing_file_and_directory(tmp_path: Path) -> None:
    missing = invoke(str(tmp_path / "nope.html"))
    assert missing.exit_code == ExitStatus.SOURCES_FAILED
    assert "no such file" in assert_one_line_error(missing, str(tmp_path / "nope.html")).lower()
    folder = invoke(str(tmp_path))
    assert folder.exit_code == ExitStatus.SOURCES_FAILED
    assert "directory" in assert_one_line_error(folder, str(tmp_path))


def test_undecodable_bytes_do_not_crash(tmp_path: Path) -> None:
    page = tmp_path / "bad-utf8.html"
    page.write_bytes(
        b'<html><head><meta charset="utf-8"></head><body><p>Un caf\xc3\xa9 tr\xe8s '
        b"bon, au bord de la mer, avec des amis \xff\xfe de toujours.</p></body></html>"
    )
    result = invoke("-b", "alltext", str(page))
    assert result.exit_code == 0
    assert "café" in result.stdout
    rec = json.loads(invoke("-b", "alltext", "-f", "jsonl", str(page)).stdout)
    assert 0 < rec["quality"]["replacement_share"] < 0.05  # only the bad bytes


def test_never_zero_when_every_source_failed(tmp_path: Path) -> None:
    result = invoke(str(tmp_path / "a.html"), str(tmp_path / "b.html"))
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert len(result.stderr.splitlines()) == 2


def test_usage_errors_exit_2() -> None:
    assert invoke("-b", "no-such-backend", str(SEED)).exit_code == ExitStatus.USAGE
    assert invoke("-f", "yaml", str(SEED)).exit_code == ExitStatus.USAGE
    assert invoke("extract").exit_code == ExitStatus.USAGE
    for command in ("extract", "diff", "compare", "audit"):  # as batch: a positive number
        for value in ("0", "-1"):
            result = CliRunner().invoke(cli, [command, "--timeout", value, str(SEED)])
            assert result.exit_code == ExitStatus.USAGE, (command, value)
            assert "not in the range x>0" in result.stderr
    unknown = invoke("-b", "no-such-backend", str(SEED))
    assert "no backend named 'no-such-backend'" in unknown.stderr


def test_no_article_is_reported_not_silent(tmp_path: Path) -> None:
    page = tmp_path / "nav.html"
    page.write_text(
        "<html><head><title>Gallery</title></head><body><div class='photo'>"
        "<img src='a.jpg' alt=''></div><script>var x = 1;</script></body></html>"
    )
    result = invoke("-f", "jsonl", str(page))
    assert result.exit_code == ExitStatus.OK
    rec = json.loads(result.stdout)
    assert rec["text"] == "" and rec["error"] is None
    assert rec["reason"] == "no article found"
    assert "no article found" in result.stderr


class _Flaky(Backend):
    """Raises on pages that contain BOOM, stops the run on STOP (a Ctrl-C)."""

    name = "flaky-test"

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        if "STOP" in page.html:
            raise KeyboardInterrupt
        if "BOOM" in page.html:
            raise RuntimeError("exploded on this page")
        return Extraction(self.name, blocks=[Block("fine")])


@pytest.fixture
def flaky() -> Iterator[str]:
    registry.register(_Flaky)
    yield _Flaky.name
    registry.unregister(_Flaky.name)


def test_a_backend_raising_on_one_page_does_not_stop_the_others(tmp_path: Path, flaky: str) -> None:
    bad, good = tmp_path / "bad.html", tmp_path / "good.html"
    bad.write_text("<html><body><p>BOOM</p></body></html>")
    good.write_text("<html><body><p>calm</p></body></html>")
    result = invoke("-b", flaky, str(bad), str(good))
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    line = assert_one_line_error(result, str(bad))
    assert "flaky-test failed: RuntimeError: exploded on this page" in line
    assert result.stdout.endswith("fine\n")
    debug = invoke("--debug", "-b", flaky, str(bad))
    assert "Traceback" in debug.stderr


def test_ctrl_c_exits_130(tmp_path: Path, flaky: str) -> None:
    page = tmp_path / "stop.html"
    page.write_text("<html><body><p>STOP</p></body></html>")
    result = invoke("-b", flaky, str(page))
    assert result.exit_code == ExitStatus.INTERRUPTED
    assert "interrupted" in result.stderr


def test_a_closed_pipe_stops_quietly_with_141(tmp_path: Path) -> None:
    pages = [str(SEED)] * 400  # far more text than a pipe buffer holds
    proc = subprocess.Popen(
        [str(UNBOIL), "-b", "alltext", *pages], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)  # `| head -c 10`
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == ExitStatus.PIPE_CLOSED
    assert stderr == ""


def test_the_real_process_runs_exit_handlers_and_keeps_its_status(tmp_path: Path) -> None:
    """The console script skips the interpreter's teardown (os._exit) but still runs
    the atexit handlers and flushes its output, and exits with the command's status."""
    out = tmp_path / "out.txt"
    marker = tmp_path / "atexit-ran"
    code = (
        "import atexit, pathlib, sys\n"
        f"atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')\n"
        f"sys.argv = ['unboil', {str(SEED)!r}, '-o', {str(out)!r}, 'missing.html']\n"
        "from unboil.cli import entry\n"
        "entry()\n"
        "print('not reached')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == ExitStatus.SOURCES_FAILED
    assert "not reached" not in run.stdout
    assert "missing.html" in run.stderr
    assert marker.read_text() == "yes"
    assert "Kim Jong-un" in out.read_text()
    printed = subprocess.run([str(UNBOIL), str(SEED)], capture_output=True, text=True)
    assert printed.returncode == 0 and printed.stdout.endswith("\n") and len(printed.stdout) > 500


def test_an_internal_error_is_not_a_failed_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug (an exception outside any backend) exits 70 with one line, not 3 (which
    says some pages failed)."""
    from unboil.extractors import formats

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("formatting broke")

    monkeypatch.setattr(formats, "to_txt", broken)
    result = CliRunner().invoke(cli, ["-b", "trafilatura", str(SEED)])
    assert result.exit_code == ExitStatus.INTERNAL_ERROR == 70
    assert "internal error: RuntimeError: formatting broke" in result.stderr
    assert "Traceback" not in result.stderr


def test_exit_status_values_are_the_documented_ones() -> None:
    assert [(s.name, int(s)) for s in ExitStatus] == [
        ("OK", 0),
        ("CHECK_FAILED", 1),
        ("USAGE", 2),
        ("SOURCES_FAILED", 3),
        ("INTERNAL_ERROR", 70),
        ("INTERRUPTED", 130),
        ("PIPE_CLOSED", 141),
    ]
    readme = (ROOT / "README.md").read_text("utf-8")
    for status in ExitStatus:
        assert f"| {int(status)} |" in readme


# --- every backend on every sample -------------------------------------------------

BACKENDS = list(names.HTML_BACKENDS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_on_every_sample(backend: str) -> None:
    from unboil.extractors.scoring import evaluate

    pages = sorted(SAMPLES.glob("*.html"))
    assert len(pages) >= 6
    result = invoke("-b", backend, "-f", "jsonl", *map(str, pages))
    recs = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(recs) == len(pages)
    for rec in recs:
        assert rec["error"] is None, rec
        assert rec["backend"] == backend and rec["version"]
    golds = [Path(p).with_suffix(".txt").read_text("utf-8") for p in pages]
    score = evaluate(zip([r["text"] for r in recs], golds, strict=True))
    # every backend finds most of the articles; the all-text floor keeps everything
    assert score.recall > 0.6, (backend, score)
    if backend == "alltext":
        assert score.recall > 0.97


@pytest.mark.parametrize("backend", ["trafilatura", "readability"])
def test_seed_article_paragraphs_are_kept(backend: str) -> None:
    out = invoke("-b", backend, str(SEED)).stdout
    normalized = " ".join(out.split())
    for para in gold_paragraphs("seed-independent.txt"):
        assert " ".join(para.split()) in normalized, (backend, para[:60])


def test_seed_comment_prompt_is_dropped_by_at_least_one_backend() -> None:
    kept = {b: "Join our commenting forum" in invoke("-b", b, str(SEED)).stdout for b in BACKENDS}
    assert not all(kept.values()), kept


# --- the real script ----------------------------------------------------------------


def test_installed_script_on_a_file_and_on_stdin() -> None:
    by_path = subprocess.run([str(UNBOIL), str(SEED)], capture_output=True, text=True)
    assert by_path.returncode == 0, by_path.stderr
    piped = subprocess.run(
        [str(UNBOIL), "-"], input=SEED.read_bytes(), capture_output=True, check=False
    )
    assert piped.returncode == 0
    assert piped.stdout.decode("utf-8") == by_path.stdout
    assert SEED_FIRST in by_path.stdout


def test_installed_script_error_has_no_traceback(tmp_path: Path) -> None:
    run = subprocess.run(
        [str(UNBOIL), str(tmp_path / "missing.html")], capture_output=True, text=True
    )
    assert run.returncode == ExitStatus.SOURCES_FAILED
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_version() -> None:
    from unboil.extractors import __version__

    run = subprocess.run([str(UNBOIL), "--version"], capture_output=True, text=True)
    assert run.stdout.strip() == f"unboil, version {__version__}"
    assert invoke("--version").stdout.strip() == f"unboil, version {__version__}"


@pytest.mark.parametrize("order", [("--version", "-v"), ("-v", "--version")])
def test_version_verbose_lists_each_backends_version(order: tuple[str, str]) -> None:
    import trafilatura

    from unboil.extractors import __version__

    lines = invoke(*order).stdout.splitlines()
    assert lines[0] == f"unboil, version {__version__}"
    listed = dict(line.split() for line in lines[1:])
    assert listed["trafilatura"] == trafilatura.__version__
    assert set(registry.names()) <= set(listed) and "python" in listed


HEAVY = ["trafilatura", "lxml", "readability", "justext", "resiliparse", "httpx", "rich.table"]


def _run_imports(arg: str, modules: list[str]) -> tuple[str, list[str]]:
    """``unboil ARG`` in a fresh interpreter: its output, and which of ``modules`` it
    imported."""
    code = (
        "import sys\n"
        f"sys.argv = ['unboil', {arg!r}]\n"
        "from unboil.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print([m for m in {modules!r} if m in sys.modules])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    out, _, imported = run.stdout.strip().rpartition("\n")
    return out, ast.literal_eval(imported)


def test_help_imports_no_heavy_library() -> None:
    out, imported = _run_imports("--help", HEAVY)
    assert "Usage: unboil" in out and imported == []


def test_version_imports_neither_heavy_libraries_nor_package_metadata() -> None:
    """``unboil --version`` is the start-up floor: the installed versions of the
    libraries (importlib.metadata, slow to import) are looked up only when reported."""
    out, imported = _run_imports("--version", [*HEAVY, "importlib.metadata"])
    assert out.startswith("unboil, version ") and imported == []


def test_captions_option_with_consensus() -> None:
    news = SAMPLES / "news-hollinbridge-footbridge.html"
    caption = "Crowds gathered on the restored Mill Lane footbridge"
    assert caption in invoke("-b", "consensus", "--captions", str(news)).stdout
    assert caption not in invoke("-b", "consensus", "--no-captions", str(news)).stdout
    # the same convention in diff (against gold: the gold's convention) and in batch
    gold = SAMPLES / "news-hollinbridge-footbridge.txt"
    for flag, changed in (("--captions", True), ("--no-captions", False)):
        out = invoke("diff", str(news), "--gold", str(gold), "-b", "consensus", flag).stdout
        assert any(caption in line for line in out.splitlines() if line.startswith("+")) is changed
        rec = json.loads(invoke("batch", str(news), "-b", "consensus", "-f", "jsonl", flag).stdout)
        assert (caption in rec["text"]) is changed


class _Sleepy(Backend):
    name = "sleepy-test"

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        import time

        if "SLOW" in page.html:
            time.sleep(30)
        return Extraction(self.name, blocks=[Block("quick")])


def test_a_page_past_its_time_limit_fails_and_the_next_goes_on(tmp_path: Path) -> None:
    slow, quick = tmp_path / "slow.html", tmp_path / "quick.html"
    slow.write_text("<html><body><p>SLOW</p></body></html>")
    quick.write_text("<html><body><p>fine</p></body></html>")
    registry.register(_Sleepy)
    try:
        result = invoke("-b", _Sleepy.name, "--timeout", "0.5", str(slow), str(quick))
    finally:
        registry.unregister(_Sleepy.name)
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    line = assert_one_line_error(result, str(slow))
    assert line.endswith("sleepy-test failed: timed out after 0.5s")
    assert result.stdout.endswith("quick\n")


def test_a_million_siblings_stop_at_the_time_limit_even_inside_consensus(
    tmp_path: Path,
) -> None:
    page = tmp_path / "million.html"
    page.write_text("<html><body>" + "<p>a b c</p>" * 1_000_000 + "</body></html>")
    run = subprocess.run(
        [str(UNBOIL), "-b", "consensus", "--timeout", "2", str(page)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == ExitStatus.SOURCES_FAILED
    assert run.stderr.strip().endswith("consensus failed: timed out after 2s")
