"""Backends come from the entry-point group: built-ins and third-party alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import names
import pytest
from click.testing import CliRunner

from unboil.cli.main import cli
from unboil.extractors import registry
from unboil.extractors.base import Backend, Block, Extraction, ExtractOptions
from unboil.extractors.errors import BackendNotFound, BackendUnavailable
from unboil.extractors.page import Page

BUILTINS = set(names.HTML_BACKENDS)
UNBOIL = Path(sys.executable).with_name("unboil")


def test_builtins_come_from_the_entry_point_group() -> None:
    import importlib.metadata

    eps = {ep.name for ep in importlib.metadata.entry_points(group="unboil.backends")}
    assert eps >= BUILTINS
    assert set(registry.names()) >= BUILTINS


def test_every_builtin_is_available_here_with_a_version() -> None:
    for name in BUILTINS:
        info = registry.describe(name)
        assert info.available, info
        assert info.version, info
        assert info.description
        assert info.install.startswith("pip install")


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(BackendNotFound, match="no backend named 'nope'"):
        registry.get("nope")


class _Upper(Backend):
    name = "upper-test"
    description = "test backend: the page's title upper-cased"

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        return Extraction(self.name, blocks=[Block(page.html.upper())])


class _Missing(Backend):
    name = "missing-test"
    description = "needs a library that is not installed"
    modules = ("surely_not_an_installed_module_xyz",)
    install = "pip install surely-not-installed"

    def run(self, page: Page, options: ExtractOptions) -> Extraction:  # pragma: no cover
        raise AssertionError("never runs")


def test_in_process_registration_and_missing_library() -> None:
    registry.register(_Upper)
    registry.register(_Missing)
    try:
        assert "upper-test" in registry.names()
        result = registry.get("upper-test").extract(Page.from_html("<p>hi</p>"))
        assert result.text == "<P>HI</P>"
        with pytest.raises(BackendUnavailable, match="pip install surely-not-installed"):
            registry.get("missing-test")
        out = CliRunner().invoke(cli, ["backends"])
        assert out.exit_code == 0
        line = next(x for x in out.stdout.splitlines() if x.startswith("missing-test"))
        assert "no" in line.split("\t") and "pip install surely-not-installed" in line
    finally:
        registry.unregister("upper-test")
        registry.unregister("missing-test")


def test_a_backend_that_raises_gives_an_error_result() -> None:
    class Boom(Backend):
        name = "boom"

        def run(self, page: Page, options: ExtractOptions) -> Extraction:
            raise ValueError("bad page\nsecond line")

    result = Boom().extract(Page.from_html("<p>x</p>"))
    assert result.error == "ValueError: bad page"
    assert result.detail and "Traceback" in result.detail
    assert result.blocks == []


def _make_plugin(tmp_path: Path) -> dict[str, str]:
    """A third-party package, installed the way pip would: a module and a dist-info
    folder whose entry_points.txt registers a backend in unboil's group."""
    (tmp_path / "unboil_shout.py").write_text(
        textwrap.dedent(
            """
            from unboil.extractors.base import Backend, Block, Extraction

            class Shout(Backend):
                name = "shout"
                description = "every paragraph in capitals (a third-party test plugin)"
                distribution = "unboil-shout"

                def run(self, page, options):
                    blocks = [Block(p.text_content().upper()) for p in page.tree.iter("p")]
                    return Extraction(self.name, blocks=blocks)
            """
        )
    )
    dist = tmp_path / "unboil_shout-1.2.3.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: unboil-shout\nVersion: 1.2.3\n")
    (dist / "entry_points.txt").write_text("[unboil.backends]\nshout = unboil_shout:Shout\n")
    return {**os.environ, "PYTHONPATH": str(tmp_path)}


def test_a_third_party_package_adds_a_backend(tmp_path: Path) -> None:
    env = _make_plugin(tmp_path)
    listed = subprocess.run(
        [str(UNBOIL), "backends", "--json", "-"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    shout = next(b for b in json.loads(listed.stdout) if b["name"] == "shout")
    assert shout["available"] and shout["version"] == "1.2.3"
    assert shout["plugin"] == "unboil_shout:Shout"
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>quiet words</p></body></html>")
    run = subprocess.run(
        [str(UNBOIL), "-b", "shout", str(page)], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "QUIET WORDS\n"


def test_a_broken_plugin_is_listed_not_fatal(tmp_path: Path) -> None:
    dist = tmp_path / "broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[unboil.backends]\nbroken = no_such_module:X\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([str(UNBOIL), "backends"], env=env, capture_output=True, text=True)
    assert run.returncode == 0
    line = next(x for x in run.stdout.splitlines() if x.startswith("broken"))
    assert "broken plugin" in line and "no_such_module" in line
    assert "trafilatura" in run.stdout
