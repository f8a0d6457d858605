"""What a user of a Unix tool expects of every command: hints for near misses, ``--``
ending the options, an output that never replaces an input, ``--json FILE`` (``-``:
stdout) meaning one thing everywhere, a per-page time limit and a Ctrl-C that returns
at once in ``bench`` and ``check``."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import plugins
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


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def seed_copies(folder: Path, count: int = 2) -> Path:
    """A gold set of ``count`` copies of the seed page and its gold."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        shutil.copy(SEED, folder / f"seed{i}.html")
        shutil.copy(SEED.with_suffix(".txt"), folder / f"seed{i}.txt")
    return folder


# -- hints ---------------------------------------------------------------------------


def test_a_near_miss_of_a_command_name_gets_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("bnech", "samples")
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert "unboil: bnech: no such file; did you mean 'unboil bench'?" in result.stderr
    # only the first word, and only a bare word: a missing page is just missing
    result = invoke("missing.html")
    assert "did you mean" not in result.stderr


def test_a_near_miss_of_a_backend_name_gets_a_hint() -> None:
    result = invoke("-b", "trafilatur", str(SEED))
    assert result.exit_code == ExitStatus.USAGE
    assert "no backend named 'trafilatur'; did you mean 'trafilatura'?" in result.stderr
    assert "did you mean" not in invoke("-b", "zzz", str(SEED)).stderr


def test_double_dash_ends_the_options_of_the_default_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(SEED, tmp_path / "-x.html")
    monkeypatch.chdir(tmp_path)
    result = invoke("-b", "alltext", "--", "-x.html")
    assert result.exit_code == 0, result.stderr
    assert "Kim Jong-un" in result.stdout
    result = invoke("--", "-x.html")
    assert result.exit_code == 0, result.stderr
    assert "Kim Jong-un" in result.stdout


# -- outputs -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [(), ("audit",)])
def test_an_output_naming_an_input_is_refused(tmp_path: Path, command: tuple[str, ...]) -> None:
    page = tmp_path / "page.html"
    shutil.copy(SEED, page)
    before = page.read_bytes()
    other_spelling = str(tmp_path / "." / "page.html")
    result = invoke(*command, str(page), "-o", other_spelling)
    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.strip() == (
        f"unboil: {other_spelling}: is one of the pages read; not overwritten "
        "(choose another output)"
    )
    assert page.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [
        ("-b", "alltext", str(SEED), "-o", "{out}"),
        ("audit", str(SEED), "-b", "alltext", "-o", "{out}"),
        ("bench", str(SAMPLES), "-b", "alltext", "-j", "1", "--json", "{out}"),
        ("check", str(SAMPLES), "-b", "alltext", "--min-f1", "0", "-j", "1", "--json", "{out}"),
        ("compare", str(SEED), "-b", "alltext,justext", "--json", "{out}"),
        ("diff", str(SEED), "-b", "alltext", "--json", "{out}"),
        ("backends", "--json", "{out}"),
    ],
)
def test_every_command_makes_the_missing_folders_of_its_output(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    out = tmp_path / "new" / "folder" / "out"
    result = invoke(*(a.format(out=out) for a in args))
    assert result.exit_code in (0, ExitStatus.CHECK_FAILED), result.stderr
    assert out.stat().st_size > 0


# -- --json FILE, '-' for stdout -----------------------------------------------------


def test_json_file_or_stdout_means_the_same_in_every_command(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    to_file = invoke("bench", str(SAMPLES), "-b", "alltext", "-j", "1", "--json", str(out))
    assert to_file.exit_code == 0, to_file.stderr
    assert to_file.stdout.startswith("# samples")  # the table, as without --json
    piped = invoke("bench", str(SAMPLES), "-b", "alltext", "-j", "1", "--json", "-")
    written, printed = json.loads(out.read_text()), json.loads(piped.stdout)
    assert [r["f1"] for r in written["goldsets"][0]["results"]] == [
        r["f1"] for r in printed["goldsets"][0]["results"]
    ]
    assert json.loads(invoke("backends", "--json", "-").stdout)[0]["name"]
    assert not (Path.cwd() / "-").exists()


def test_check_sends_a_report_to_stdout_and_its_verdict_to_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("check", str(SAMPLES), "-b", "alltext", "--min-f1", "0", "--json", "-")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert "unboil check: passed" in result.stderr
    assert not (tmp_path / "-").exists()
    both = invoke("check", str(SAMPLES), "--min-f1", "0", "--json", "-", "--junit", "-")
    assert both.exit_code == ExitStatus.USAGE
    assert "only one report can go to stdout" in both.stderr


def test_the_flags_say_the_same_in_every_command() -> None:
    for command in ("batch", "bench", "check"):
        text = " ".join(invoke(command, "--help").stdout.split())
        assert "-j, --jobs" in text and "[default: the number of cores]" in text, command
        assert "--timeout" in text, command
    for command in ("bench", "check", "compare", "audit"):
        text = " ".join(invoke(command, "--help").stdout.split())
        assert "-b, --backends A,B,..." in text and "comma" in text, command
    for command in ("backends", "bench", "check", "compare", "diff"):
        text = " ".join(invoke(command, "--help").stdout.split())
        assert "--json FILE" in text and "'-': stdout" in text, command


# -- time limits and Ctrl-C in bench and check ---------------------------------------


class _Sleepy(Backend):
    name = "sleepy-bench-test"
    modules = ()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        if "seed1" in page.source:
            time.sleep(30)
        return Extraction(self.name, blocks=[Block("Kim Jong-un")])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_bench_gives_each_page_its_time_limit(tmp_path: Path, jobs: str) -> None:
    gold = seed_copies(tmp_path / "gold", 3)
    registry.register(_Sleepy)
    try:
        result = invoke(
            "bench", str(gold), "-b", _Sleepy.name, "--timeout", "0.5", "-j", jobs, "--json", "-"
        )
    finally:
        registry.unregister(_Sleepy.name)
    assert result.exit_code == 0, result.stderr
    pages = json.loads(result.stdout)["goldsets"][0]["results"][0]["page_results"]
    errors = {p["name"]: p["error"] for p in pages}
    assert errors == {"seed0": None, "seed1": "timed out after 0.5s", "seed2": None}


def test_check_gives_each_page_its_time_limit(tmp_path: Path) -> None:
    gold = seed_copies(tmp_path / "gold", 3)
    registry.register(_Sleepy)
    try:
        result = invoke(
            "check", str(gold), "-b", _Sleepy.name, "--min-f1", "0", "--timeout", "0.5", "-j", "1"
        )
    finally:
        registry.unregister(_Sleepy.name)
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert "seed1" in result.stdout and "timed out after 0.5s" in result.stdout


#: a backend that marks that it started, then takes 20 s a page
_STUCK_PLUGIN = """
import os, time
from pathlib import Path
from unboil.extractors.base import Backend, Block, Extraction

class SlowBackend(Backend):
    name = "test-slow"
    modules = ()

    def run(self, page, options):
        Path(os.environ["UNBOIL_TEST_STARTED"]).touch()
        time.sleep(20)
        return Extraction(backend=self.name, blocks=[Block("late")])
"""


@pytest.mark.parametrize("command", ["bench", "check"])
def test_ctrl_c_in_bench_and_check_returns_at_once(tmp_path: Path, command: str) -> None:
    gold = seed_copies(tmp_path / "gold", 6)
    env = plugins.environment(plugins.install(tmp_path / "plugins", _STUCK_PLUGIN))
    started = tmp_path / "started"
    env["UNBOIL_TEST_STARTED"] = str(started)
    args = [str(UNBOIL), command, str(gold), "-b", "test-slow", "-j", "2", "-q"]
    args += ["--min-f1", "0"] if command == "check" else []
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not started.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists(), proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    # six pages of 20 s on two workers: waiting for them would take a minute
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == ExitStatus.INTERRUPTED, stderr
    assert stderr.decode().strip().endswith("unboil: interrupted")
    assert b"Traceback" not in stderr


def test_check_says_a_page_name_with_a_newline_on_one_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    gold.mkdir()
    name = "odd\n::warning::injected"
    shutil.copy(SEED, gold / f"{name}.html")
    shutil.copy(SEED.with_suffix(".txt"), gold / f"{name}.txt")
    result = invoke("check", str(gold), "-b", "alltext", "--min-page-f1", "0.99", "-j", "1")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    fail = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(fail) == 1 and "odd\\n::warning::injected" in fail[0]
    assert not any(line.startswith("::warning") for line in result.stdout.splitlines())
