"""The front door: ``import unboil`` (``extract``, ``load``, ``backends``), ``python -m
unboil``, and the README's Python examples run as doctests."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import unboil
from unboil.extractors import api
from unboil.extractors.errors import BackendNotFound, SourceError

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "seed-independent.html"
SEED_GOLD = ROOT / "samples" / "seed-independent.txt"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_extract_takes_a_string_bytes_or_a_path_alike() -> None:
    html = SEED.read_text(encoding="utf-8")
    from_str = unboil.extract(html, backend="trafilatura")
    assert from_str.ok and "North Korean leader Kim Jong-un" in from_str.text
    assert unboil.extract(SEED.read_bytes(), backend="trafilatura").text == from_str.text
    assert unboil.extract(SEED, backend="trafilatura").text == from_str.text
    assert unboil.extract(str(SEED), backend="trafilatura").text == from_str.text
    assert str(from_str) == from_str.text


def test_extract_cleans_the_seed_by_default() -> None:
    """The default backend (consensus) on the seed page: its gold article, no debris."""
    article = unboil.extract(SEED)
    assert article.backend == "consensus"
    gold = [p for p in SEED_GOLD.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    assert all(p.strip() in article.text for p in gold[1:])  # the headline is --title's
    assert "donat" not in article.text.lower()


def test_plain_text_goes_to_text_mode() -> None:
    text = SEED_GOLD.read_text(encoding="utf-8") + "\n\nSubscribe to our newsletter\n"
    page = unboil.load(text)
    assert page.is_text
    result = unboil.extract(text, backend="trafilatura")  # text mode whatever -b says
    assert result.backend == "text"
    assert "Kim Jong-un" in result.text
    assert not unboil.load("<p>a paragraph of <b>markup</b></p>").is_text
    with pytest.raises(SourceError, match="plain text"):
        unboil.load(text, input_format="html")
    assert unboil.load("<p>markup read as text</p>", input_format="text").is_text


def test_errors_name_the_source_and_the_cause() -> None:
    with pytest.raises(SourceError) as missing:
        unboil.load(ROOT / "samples" / "no-such-page.html")
    assert "no-such-page.html" in str(missing.value)
    with pytest.raises(SourceError) as pdf:
        unboil.load(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    assert pdf.value.source == api.DOCUMENT_SOURCE and "PDF" in pdf.value.cause
    with pytest.raises(BackendNotFound):
        unboil.extract("<p>x</p>", backend="no-such-backend")
    with pytest.raises(TypeError):
        unboil.extract("<p>x</p>", colour=True)


def test_options_and_url() -> None:
    titled = unboil.extract(SEED, backend="trafilatura", title=True)
    assert titled.text.startswith(titled.title or "?")
    page = unboil.load("<p><a href='/b'>b</a></p>", url="https://example.org/a")
    assert page.url == "https://example.org/a"


def test_backends_lists_the_installed_default_first() -> None:
    names = unboil.backends()
    assert names[0] == "consensus"
    assert {"trafilatura", "readability", "resiliparse", "text"} <= set(names)


def test_python_dash_m_unboil_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "unboil", "-b", "trafilatura", str(SEED)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "North Korean leader Kim Jong-un" in done.stdout


@pytest.mark.parametrize("module", [unboil, api])
def test_docstring_examples(module: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    failed, tried = doctest.testmod(module, optionflags=FLAGS)  # type: ignore[arg-type]
    assert tried and not failed


def test_readme_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``>>>`` example in the README runs as shown."""
    monkeypatch.chdir(ROOT)
    failed, tried = doctest.testfile(
        str(ROOT / "README.md"), module_relative=False, optionflags=FLAGS
    )
    assert tried and not failed


def test_ci_runs_the_readmes_two_commands() -> None:
    """The README's first screen holds two commands, and CI runs both as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = readme.split("\n## ")[0]
    commands = [block.split("\n", 1)[1].strip() for block in first_screen.split("```sh")[1:]]
    commands = [c.split("```")[0].strip() for c in commands]
    assert len(commands) == 2
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert all(c in ci for c in commands)
    assert "pip install -e . &&" in commands[0]  # the tool, not the test tools
