"""Stream discipline: records, texts and reports go to stdout, progress and messages to
stderr, also when stderr is a terminal (a progress bar showing) and stdout a pipe.
Each command runs in a subprocess with its stderr on a pseudo-terminal."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def run_with_terminal_stderr(*args: str, cwd: Path) -> tuple[str, str, int]:
    """``unboil *args`` with stdout a pipe and stderr a pseudo-terminal: (stdout, what
    the terminal showed, exit status)."""
    main, side = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen(
        [sys.executable, "-m", "unboil", *args],
        stdout=subprocess.PIPE,
        stderr=side,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(side)
    shown = bytearray()

    def drain() -> None:  # the terminal must be read, or a full buffer blocks the command
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the command closed the terminal
                return
            if not chunk:
                return
            shown.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    out, _ = proc.communicate(timeout=240)
    reader.join(timeout=10)
    os.close(main)
    return out.decode(), shown.decode(errors="replace"), proc.returncode


def test_batch_jsonl_reaches_the_pipe_while_the_progress_bar_shows(tmp_path: Path) -> None:
    out, shown, status = run_with_terminal_stderr(
        "batch", str(SAMPLES), "-f", "jsonl", "-b", "alltext", "-j", "1", cwd=tmp_path
    )
    pages = sorted(SAMPLES.glob("*.html"))
    records = [json.loads(line) for line in out.splitlines()]
    assert status == 0, shown
    assert len(records) == len(pages)
    assert {Path(r["source"]).name for r in records} == {p.name for p in pages}
    assert '"backend"' not in shown  # no record went to the terminal


def test_bench_report_reaches_the_pipe(tmp_path: Path) -> None:
    out, shown, status = run_with_terminal_stderr(
        "bench", str(SAMPLES), "-b", "alltext", "-j", "1", cwd=tmp_path
    )
    assert status == 0, shown
    assert "alltext" in out
    assert "alltext\t" not in shown


def test_check_report_reaches_the_pipe(tmp_path: Path) -> None:
    out, shown, status = run_with_terminal_stderr(
        "check", str(SAMPLES), "-b", "alltext", "--min-f1", "0", "-j", "1", cwd=tmp_path
    )
    assert status == 0, shown
    assert "alltext" in out and "unboil check: passed" in out
    assert "F1=" not in shown


@pytest.mark.parametrize("forcing", [("FORCE_COLOR", "1"), ("--color", "")])
def test_colour_forced_into_a_pipe_keeps_each_diff_line_whole(
    tmp_path: Path, forcing: tuple[str, str]
) -> None:
    import re

    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    flags = []
    if forcing[0] == "FORCE_COLOR":
        env["FORCE_COLOR"] = forcing[1]
    else:
        flags.append(forcing[0])
    seed = SAMPLES / "seed-independent.html"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "unboil",
            *flags,
            "diff",
            str(seed),
            "-a",
            "alltext",
            "-b",
            "trafilatura",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 1, run.stderr  # the texts differ
    assert "\x1b[" in run.stdout  # coloured
    lines = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout).splitlines()
    body = lines[lines.index(next(x for x in lines if x.startswith("@@"))) :]
    assert max(map(len, body)) > 200  # long paragraphs, not cut at 80 columns
    stray = [x for x in body if x and x[0] not in " -+@~" and not x.startswith("blocks")]
    assert not stray, stray[:3]
