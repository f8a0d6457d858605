"""``unboil completion SHELL``: the script, and what it completes in a real bash."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from unboil.cli.main import cli

UNBOIL = Path(sys.executable).with_name("unboil")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_its_script(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.stderr
    assert "_UNBOIL_COMPLETE" in result.stdout and f"{shell}_complete" in result.stdout


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.stderr


def _bash_completes(*words: str) -> list[str]:
    """What Tab offers in bash after ``words`` (the last one being completed)."""
    script = f"""
        eval "$('{UNBOIL}' completion bash)"
        COMP_WORDS=({" ".join(f"'{w}'" for w in words)})
        COMP_CWORD={len(words) - 1}
        _unboil_completion '{UNBOIL}' 2>/dev/null
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    return [line for line in run.stdout.splitlines() if line]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_commands_options_and_backend_names() -> None:
    assert _bash_completes("unboil", "ben") == ["bench"]
    assert _bash_completes("unboil", "c") == ["check", "compare", "completion"]
    assert _bash_completes("unboil", "-b", "traf") == ["trafilatura"]
    # a comma list completes its last name, the names before kept
    assert _bash_completes("unboil", "bench", "-b", "trafilatura,res") == [
        "trafilatura,resiliparse"
    ]
    assert "--resume" in _bash_completes("unboil", "batch", "--re")
