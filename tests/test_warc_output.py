"""``--warc-output`` keeps the promise the rest of a batch keeps (issue #23, item 4):
after any crash (kill -9, a full disk) and ``--resume`` every ok page has exactly one
readable record and the file reads to its end; a second writer is refused."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gzip
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plugins
import pytest
from click.testing import CliRunner, Result

from unboil.cli.main import cli
from unboil.extractors.batch import BatchConfig, BatchRunner
from unboil.extractors.batch_page import PageOptions
from unboil.extractors.inputs import discover
from unboil.extractors.manifest import MANIFEST_NAME, read_manifest

pytest.importorskip("warcio")
from warcio.archiveiterator import ArchiveIterator

WORDS = ["river", "stone", "market", "winter", "garden", "letter", "window", "harbour"]


def page_html(n: int, words: int = 120) -> str:
    """A page whose text does not compress to nothing (its own words, in its own order)."""
    rng = random.Random(n)
    paras = []
    for p in range(3):
        text = " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(words))
        paras.append(f"<p>Paragraph {p} of page {n}: {text}.</p>")
    body = f"<article>{''.join(paras)}</article>"
    return f"<html><head><title>Page {n}</title></head><body>{body}</body></html>"


def make_pages(folder: Path, n: int, words: int = 120) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        p = folder / f"page{i:03d}.html"
        p.write_text(page_html(i, words))
        paths.append(p)
    return paths


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["batch", *args])


def read_warc(path: Path) -> list[tuple[str, str]]:
    """(target URI, text) of each record; fails unless the file is whole, valid records
    to its very end (a truncated gzip member, a bad digest, trailing bytes)."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        gzip.decompress(data)  # EOFError on a truncated member
    records, end = [], 0
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh, check_digests="raise")
        for rec in it:
            assert rec.rec_type == "conversion"
            text = rec.content_stream().read().decode("utf-8")
            records.append((rec.rec_headers.get_header("WARC-Target-URI"), text))
            end = it.get_record_offset() + it.get_record_length()
    # (warcio leaves the blank lines ending an uncompressed last record out of its length)
    assert not data[end:].strip(b"\r\n"), f"{len(data) - end} bytes after the last record"
    return records


def check_one_record_per_ok_page(out: Path, warc: Path) -> Counter[str]:
    """Every ok page of the manifest (its last record) has exactly one record in the
    WARC, holding its output's text, and the WARC holds nothing else."""
    last = {r["source"]: r for r in read_manifest(out / MANIFEST_NAME)}
    ok = {Path(s).resolve().as_uri(): r for s, r in last.items() if r["status"] == "ok"}
    records = read_warc(warc)
    counts = Counter(uri for uri, _text in records)
    assert set(counts) == set(ok), set(counts) ^ set(ok)
    assert set(counts.values()) == {1}, [u for u, c in counts.items() if c > 1]
    for uri, text in records:
        assert text == (out / ok[uri]["output"]).read_text("utf-8").rstrip("\n")
    return counts


# --- kill -9 --------------------------------------------------------------------------

# A backend installed as a plugin (dist-info on PYTHONPATH) for the subprocess runs:
# slow enough to be killed in the middle. With UNBOIL_TEST_KILL_AT=N the batch parent
# kills itself (SIGKILL) just before writing its Nth manifest record: after the page's
# WARC record, before its manifest line, the window a real kill -9 hits now and then.
SLOW_PLUGIN = (
    plugins.SLOW_PLUGIN
    + """
import os, signal

KILL_AT = int(os.environ.get("UNBOIL_TEST_KILL_AT") or 0)
if KILL_AT:
    from unboil.extractors import manifest as _manifest

    _append, _calls = _manifest.Manifest.append, [0]

    def append(self, rec, **kwargs):
        _calls[0] += 1
        if _calls[0] == KILL_AT:
            os.kill(os.getpid(), signal.SIGKILL)
        return _append(self, rec, **kwargs)

    _manifest.Manifest.append = append
"""
)


@pytest.fixture
def slow_env(tmp_path: Path) -> dict[str, str]:
    return plugins.environment(plugins.install(tmp_path / "plugins", SLOW_PLUGIN))


def batch_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "unboil.cli", "batch", *args]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(batch_cmd(*args), env=env, capture_output=True, text=True, timeout=120)


def wait_for_records(path: Path, n: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.01)
    raise AssertionError("no records")


def resume_until_done(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``--resume``; again while the killed run's workers (which exit within 0.5 s of
    their parent) still hold the lock."""
    for _ in range(20):
        result = run([*args, "--resume"], env)
        if "another unboil batch" not in result.stderr:
            return result
        time.sleep(0.2)
    return result


def test_killed_between_a_warc_record_and_its_manifest_line(
    tmp_path: Path, slow_env: dict[str, str]
) -> None:
    """The record was appended before the manifest line: killed in between, the page
    was done again on resume and its record was in the WARC twice."""
    pages = make_pages(tmp_path / "in", 40, words=20)
    out, warc = tmp_path / "out", tmp_path / "clean.warc.gz"
    args = [str(tmp_path / "in"), "-o", str(out), "--warc-output", str(warc), "-b", "test-slow"]
    args += ["-j", "2", "-q"]
    killed = run(args, {**slow_env, "UNBOIL_TEST_KILL_AT": "7"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(read_manifest(out / MANIFEST_NAME)) == 6

    result = resume_until_done(args, slow_env)
    assert result.returncode == 0, result.stderr
    counts = check_one_record_per_ok_page(out, warc)
    assert len(counts) == len(pages)


def test_kill_9_at_random_then_resume(tmp_path: Path, slow_env: dict[str, str]) -> None:
    """A real kill -9 at three points of a run, each followed by --resume: the WARC
    reads to its end with one record per page."""
    make_pages(tmp_path / "in", 60, words=20)
    for trial, after in enumerate((3, 17, 31)):
        out, warc = tmp_path / f"out{trial}", tmp_path / f"clean{trial}.warc.gz"
        args = [str(tmp_path / "in"), "-o", str(out), "--warc-output", str(warc)]
        args += ["-b", "test-slow", "-j", "2", "-q"]
        proc = subprocess.Popen(
            batch_cmd(*args), env=slow_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for_records(out / MANIFEST_NAME, after, proc)
            time.sleep(random.Random(trial).uniform(0, 0.05))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        result = resume_until_done(args, slow_env)
        assert result.returncode == 0, result.stderr
        assert len(check_one_record_per_ok_page(out, warc)) == 60


# --- a full disk ------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)])
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)])


def test_a_full_disk_then_resume(tmp_path: Path) -> None:
    """The WARC output on a file system that fills up: the page whose record does not
    fit fails (its partial record cut back off at once), the file stays whole records;
    with space again, --resume ends with one record per page. (Before: the run stopped
    on the error with a partial record in the file; after --resume the manifest said
    every page ok and warcio raised in the middle of the file.)"""
    make_pages(tmp_path / "in", 40)
    out = tmp_path / "out"
    with small_tmpfs(tmp_path / "disk", "48k") as disk:
        warc = disk / "clean.warc.gz"
        args = [str(tmp_path / "in"), "-o", str(out), "--warc-output", str(warc)]
        args += ["-b", "alltext", "-j", "2", "-q"]
        result = invoke(*args)
        assert result.exit_code == 3, result.output
        recs = read_manifest(out / MANIFEST_NAME)
        full = [r for r in recs if r["status"] == "failed"]
        assert full and all("No space left on device" in r["error"] for r in full)
        assert all(r["error"].startswith(f"warc_output {warc}") for r in full)
        assert 0 < len(check_one_record_per_ok_page(out, warc)) < 40

        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
        result = invoke(*args, "--resume")
        assert result.exit_code == 0, result.output
        assert len(check_one_record_per_ok_page(out, warc)) == 40


def test_a_write_that_fails_midway_is_cut_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As above without a small file system: the WARC output's writes fail with ENOSPC
    once a few KB went in (a record half written)."""
    make_pages(tmp_path / "in", 12)
    out, warc = tmp_path / "out", tmp_path / "clean.warc"
    inputs = discover([str(tmp_path / "in")], outdir=out)
    config = BatchConfig(
        page=PageOptions("alltext"), outdir=str(out), jobs=1, warc_output=str(warc)
    )
    runner = BatchRunner(config)
    room = [9000]
    real_write = os.write

    def write(fd: int, data: Any) -> int:
        held = getattr(runner.warc_out, "_fd", None)
        if held is not None and fd == held:
            if room[0] <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            data = bytes(data)[: room[0]]
            room[0] -= len(data)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    summary = runner.run(inputs)
    assert 0 < summary.counts["failed"] < 12
    assert summary.counts["ok"] + summary.counts["failed"] == 12
    assert len(check_one_record_per_ok_page(out, warc)) == summary.counts["ok"]

    monkeypatch.setattr(os, "write", real_write)
    summary = BatchRunner(dataclasses.replace(config, resume=True)).run(inputs)
    assert summary.counts["ok"] == 12 - summary.already_done
    assert len(check_one_record_per_ok_page(out, warc)) == 12


# --- two writers -------------------------------------------------------------------------


def test_a_second_writer_of_the_same_warc_is_refused(
    tmp_path: Path, slow_env: dict[str, str]
) -> None:
    """Two runs with different -o writing the same WARC file both exited 0, with half
    the records (no lock; the second emptied the file)."""
    make_pages(tmp_path / "a", 120, words=20)
    make_pages(tmp_path / "b", 5, words=20)
    warc = tmp_path / "clean.warc.gz"
    first = tmp_path / "out1"
    proc = subprocess.Popen(
        batch_cmd(
            str(tmp_path / "a"),
            "-o",
            str(first),
            "--warc-output",
            str(warc),
            "-b",
            "test-slow",
            "-j",
            "2",
            "-q",
        ),
        env=slow_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_records(first / MANIFEST_NAME, 5, proc)
        second = tmp_path / "out2"
        result = invoke(
            str(tmp_path / "b"),
            "-o",
            str(second),
            "--warc-output",
            str(warc),
            "-b",
            "alltext",
            "-q",
        )
        assert result.exit_code == 2, result.output
        assert "another unboil batch is writing this WARC file" in result.stderr
        assert not (second / MANIFEST_NAME).exists()  # refused before anything was written
        assert proc.poll() is None, "the first run had ended: nothing was tested"
    finally:
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert len(check_one_record_per_ok_page(first, warc)) == 120


def test_the_warc_writer_is_exclusive(tmp_path: Path) -> None:
    from unboil.extractors.errors import OutputError
    from unboil.extractors.warc import ConversionWriter

    path = tmp_path / "x.warc"
    with ConversionWriter(path) as held:
        held.write({"source": "http://a/", "kind": "url"}, "text")
        with pytest.raises(OutputError, match="another unboil batch"):
            ConversionWriter(path)
        assert path.stat().st_size > 0  # the refused writer changed nothing
    ConversionWriter(path).close()  # released
