"""What the speed-ups must not change: ``unboil --help`` lists the commands from the
lazy table exactly as the commands themselves would, and commands still resolve."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from unboil.cli.main import COMMANDS, cli


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_lazy_table_matches_the_command(name: str) -> None:
    module, _, attr = COMMANDS[name][0].partition(":")
    command = getattr(importlib.import_module(module), attr)
    assert isinstance(command, click.Command)
    assert command.name == name
    assert not command.hidden and not command.short_help
    summary = click.Command(name, help=COMMANDS[name][1])
    for limit in range(20, 200, 7):  # what --help shows at any terminal width
        assert summary.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_lists_every_command_without_importing_one() -> None:
    code = (
        "import sys\n"
        "sys.argv = ['unboil', '--help']\n"
        "from unboil.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('unboil.cli.')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.strip().splitlines()
    assert lines[-1] == "['unboil.cli.exitcodes', 'unboil.cli.main']"
    listed = [line.split()[0].rstrip("*") for line in lines if line.startswith("  ")]
    assert set(COMMANDS) <= set(listed)
    assert "  extract*  " in run.stdout


def test_commands_resolve_by_name_and_by_default() -> None:
    runner = CliRunner()
    assert (
        "Usage: unboil backends"
        in runner.invoke(cli, ["backends", "--help"], prog_name="unboil").stdout
    )
    assert (
        "Usage: unboil extract"
        in runner.invoke(cli, ["extract", "--help"], prog_name="unboil").stdout
    )
    ctx = cli.make_context("unboil", ["page.html"])
    assert cli.resolve_command(ctx, ["page.html"])[1] is cli.get_command(ctx, "extract")


def test_parsed_elements_get_their_class_in_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared tree's elements are lxml.html's HtmlElement (text_content, cssselect,
    drop_tree...) without lxml.html's Python class lookup, a call per element object
    made, in our walks and in the libraries that copy the tree."""
    import lxml.html

    from unboil.extractors.backends.readability import ReadabilityBackend
    from unboil.extractors.page import Page

    calls = []
    real = lxml.html.HtmlElementClassLookup.lookup
    monkeypatch.setattr(
        lxml.html.HtmlElementClassLookup,
        "lookup",
        lambda self, *a: (calls.append(a), real(self, *a))[1],
    )
    page = Page.from_html(
        "<html><body><form><label>Name</label><input name=q><select><option>a</select>"
        "</form><article><p>" + "Words of an article paragraph, long enough. " * 8 + "</p>"
        "<p>" + "A second paragraph with more words, as articles have. " * 8 + "</p>"
        "</article></body></html>"
    )
    elements = list(page.tree.iter())
    copied = list(page.copy_tree().iter())  # as readability and trafilatura get it
    assert {type(el) for el in elements + copied} == {lxml.html.HtmlElement}
    assert calls == []
    assert "Words of an article" in page.tree.text_content()
    assert page.tree.cssselect("article p")
    # readability's own parses (its output) keep lxml.html's lookup: it still works
    assert "Words of an article" in ReadabilityBackend().extract(page).text
