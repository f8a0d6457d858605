"""No control, bidi-override or zero-width character from a page or a file name
reaches a terminal unescaped, in any command: pages lose them, names show them
escaped, JSON writes them as ``\\u`` escapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import names
import pytest

#: what an attacker writes: a title change, a screen clear, a C1 CSI, a carriage
#: return, a right-to-left override, zero-width spaces and joiners, a line separator
TRICKS = "\x1b]0;pwned\x07\x1b[2J\x9b31m\r\u202e\u2066\u200b\u2060\ufeff\u2028"
UNSAFE = set("\x1b\x07\x9b\r\u202e\u2066\u200b\u2060\ufeff\u2028")
PARA = "This paragraph is what the article says, in enough words to be kept by all."


def _clean(text: str) -> bool:
    return not (UNSAFE & set(text))


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unboil.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_strip_and_escape() -> None:
    from unboil.extractors.terminal import escape_json, escape_unsafe, strip_unsafe

    assert strip_unsafe(f"a{TRICKS}b") == "a]0;pwned[2J31m\nb"
    assert strip_unsafe("plain text") == "plain text"
    # the joiners spell words (Persian) and emoji; direction marks move nothing
    kept = "می\u200cخواهم 👨\u200d👩 \u200fשלום"
    assert strip_unsafe(kept) == kept
    assert escape_unsafe("a\nb\x1b\u202e.html") == "a\\nb\\x1b\\u202e.html"
    assert escape_unsafe("x\\y") == "x\\y"
    line = escape_json(json.dumps({"s": "a\u202eb\x85\u200d"}, ensure_ascii=False))
    assert _clean(line) and "\u200d" not in line
    assert json.loads(line) == {"s": "a\u202eb\x85\u200d"}


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    html = (
        f"<html><head><title>Title {TRICKS}</title></head><body><article>"
        f"<h1>Head {TRICKS}</h1>" + f"<p>{PARA} {TRICKS}</p>" * 4 + "</article></body></html>"
    )
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    text = "\n\n".join(f"{PARA} {TRICKS} number {i}." for i in range(6))
    (tmp_path / "dump.txt").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("fmt", ["txt", "markdown", "json", "jsonl"])
@pytest.mark.parametrize("page", ["page.html", "dump.txt"])
def test_page_text_loses_them(pages: Path, page: str, fmt: str) -> None:
    """HTML and text mode alike (text mode passed them through before)."""
    proc = _run("-f", fmt, "--title", page, cwd=pages)
    assert proc.returncode == 0, proc.stderr
    assert "article says" in proc.stdout
    assert _clean(proc.stdout), repr(proc.stdout[:300])
    assert _clean(proc.stderr)


@pytest.mark.parametrize("name", names.HTML_BACKENDS)
def test_every_backend_loses_them(pages: Path, name: str) -> None:
    from unboil.extractors.base import ExtractOptions
    from unboil.extractors.registry import get
    from unboil.extractors.sources import load

    result = get(name).extract(load(str(pages / "page.html")), ExtractOptions(title=True))
    assert result.ok, result.error
    assert _clean(result.text + (result.title or "")), name
    assert all(_clean(s) for s in _strings(result.metadata)), name


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


HOSTILE_NAME = "x\x1b]0;pwned\x07\u202e\n.html"


def test_file_names_are_escaped_in_every_command(pages: Path) -> None:
    """A newline in a name forged an extra error line; an escape retitled the
    terminal. Every command shows the name escaped, on one line."""
    (pages / HOSTILE_NAME).write_bytes((pages / "page.html").read_bytes())
    missing = "gone\x1b[2J\u202e\n.html"
    commands = [
        ["-b", "trafilatura", HOSTILE_NAME, "page.html"],  # ==> NAME <== headers
        ["-b", "trafilatura", missing],  # the error line
        ["-b", "trafilatura", "-f", "jsonl", HOSTILE_NAME],
        ["diff", "--stripped", "--stat", HOSTILE_NAME],
        ["diff", "--stripped", HOSTILE_NAME],
        ["compare", "-b", "trafilatura,resiliparse", HOSTILE_NAME],
        ["batch", ".", "-b", "trafilatura", "-f", "jsonl", "-q"],
    ]
    for command in commands:
        proc = _run(*command, cwd=pages)
        assert "Traceback" not in proc.stderr, command
        assert _clean(proc.stdout), (command, proc.stdout[:500])
        assert _clean(proc.stderr), (command, proc.stderr)
        for line in proc.stderr.splitlines():
            assert line.startswith("unboil: "), (command, line)
    proc = _run("-b", "trafilatura", "-f", "jsonl", HOSTILE_NAME, cwd=pages)
    assert json.loads(proc.stdout)["source"] == HOSTILE_NAME  # escaped, not changed
    proc = _run("-b", "trafilatura", missing, cwd=pages)
    assert proc.stderr == "unboil: gone\\x1b[2J\\u202e\\n.html: no such file\n"


def test_bench_and_check_escape_page_names(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    stem = "p\x1b]0;x\x07\u202e"
    html = "<html><body><article>" + f"<p>{PARA}</p>" * 3 + "</article></body></html>"
    (gold / f"{stem}.html").write_text(html, encoding="utf-8")
    (gold / f"{stem}.txt").write_text((PARA + "\n") * 3, encoding="utf-8")
    for command in (["bench", str(gold), "-b", "trafilatura"], ["check", str(gold)]):
        proc = _run(*command, cwd=tmp_path)
        assert "Traceback" not in proc.stderr, command
        assert _clean(proc.stdout) and _clean(proc.stderr), (command, proc.stdout)
