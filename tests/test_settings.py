"""Settings files as every command's defaults: ``[tool.unboil]`` (shared) and
``[tool.unboil.COMMAND]`` in pyproject.toml, the same in unboil.toml (which wins), the
command line winning over both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from unboil.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "samples" / "seed-independent.html"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder (a repository root: the search for settings stops there) with
    the seed page in it, as the current directory."""
    (tmp_path / ".git").mkdir()
    shutil.copy(SEED, tmp_path / "page.html")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def backend_of(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return str(json.loads(result.stdout)["backend"])


def test_shared_and_command_settings_with_the_command_line_winning(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.unboil]\nbackend = "trafilatura"\n\n[tool.unboil.extract]\nformat = "json"\n'
    )
    assert backend_of(run("page.html")) == "trafilatura"
    assert backend_of(run("-b", "alltext", "page.html")) == "alltext"
    (project / "unboil.toml").write_text('backend = "readability"\n')
    assert backend_of(run("page.html")) == "readability"  # unboil.toml wins
    (project / "unboil.toml").write_text('[extract]\nbackend = "resiliparse"\n')
    assert backend_of(run("page.html")) == "resiliparse"


def test_a_shared_setting_applies_where_the_command_has_the_option(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.unboil]\nbackend = "trafilatura"\njobs = 1\n')
    result = run("batch", "page.html", "-f", "jsonl", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0])["backend"] == "trafilatura"
    assert run("compare", "page.html", "--json", "-").exit_code == 0  # compare has no -j


def test_paths_are_relative_to_the_settings_file(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.unboil.extract]\noutput = "clean.txt"\nbackend = "trafilatura"\n'
    )
    sub = project / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    result = run(str(project / "page.html"))
    assert result.exit_code == 0, result.output
    assert "Kim Jong-un" in (project / "clean.txt").read_text(encoding="utf-8")
    assert not (sub / "clean.txt").exists()


def test_an_unknown_setting_is_a_one_line_usage_error(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.unboil.extract]\ncolour = "always"\n')
    result = run("page.html")
    assert result.exit_code == 2
    assert "no setting 'colour'" in result.stderr and "pyproject.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    (project / "pyproject.toml").write_text('[tool.unboil]\nbackends = "trafilatura"\n')
    result = run("page.html")
    assert result.exit_code == 2 and "unknown key or table 'backends'" in result.stderr
