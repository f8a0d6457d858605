"""The batch manifest: one JSON record a line per page (``MANIFEST_FIELDS``), written
append-only and crash-safe, locked to one run; read back whole records only. Beside
it in OUTDIR: the audit index (``audit.write_index``) reads it, and the temp files a
killed run left are cleaned up (``remove_stale_temp_files``)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from .errors import BatchError

MANIFEST_NAME = "unboil-manifest.jsonl"
STATUSES = ("ok", "failed", "timeout", "skipped")
#: the error of a page ``skipped`` because the run was interrupted before it began
INTERRUPTED = "interrupted"

#: The manifest record, one JSON object a line. ``output``/``html`` are relative to
#: OUTDIR, with ``/``. ``status``: ``ok`` (extracted and written; ``words`` may be 0,
#: then ``reason`` says why), ``failed`` (not loaded, not HTML, fetch or backend
#: error: ``error`` says why), ``timeout`` (the page, or its fetch, took longer than
#: the timeout; a stuck worker was killed), ``skipped`` (interrupted before it was
#: done). ``agreement`` is in [0, 1] or null (see the module docstring). Besides these,
#: with ``--audit`` a record has ``audit`` (the report, relative to OUTDIR), and with
#: ``--warc-output`` an ok record has ``warc_output`` (that file, absolute),
#: ``warc_offset`` and ``warc_end`` (its conversion record's byte range in it).
MANIFEST_FIELDS = {
    "source": "the file path or URL, as given or found",
    "kind": "file | url | warc (a record of a WARC file: source is PATH#RECORD-ID)",
    "output": "output file, relative to OUTDIR; null when not written",
    "html": "the saved raw page (--save-html), relative to OUTDIR; else null",
    "backend": "backend name",
    "version": "backend version",
    "status": "ok | failed | timeout | skipped",
    "error": "one-line error, null when ok",
    "reason": "why the text is empty when it is (e.g. no article found), else null",
    "seconds": "wall time of the page in its worker (load, extract, write)",
    "words": "words in the extracted text",
    "quality": "output statistics: chars, replacement_share (U+FFFD), control_share; or null",
    "agreement": "agreement score in [0, 1], or null",
    "title": "the page title, or null",
    "url": "final URL after redirects (URLs only)",
    "encoding": "the codec the page was decoded with",
    "finished": "UTC time the record was written (ISO 8601)",
    "file": "a file input's size and mtime_ns when read (--resume redoes a changed file)",
}

_TMP_FILE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # fsutil.atomic_write's temp files


def read_manifest(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every complete record of a manifest, in order; a truncated or garbled line (a
    run killed mid-write) is ignored."""
    records = []
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and "source" in rec and "status" in rec:
            records.append(rec)
    return records


class Manifest:
    """The append-only JSONL manifest. Each ``append`` is one ``write`` of a whole
    line (followed by an fsync unless ``sync=False``: then ``sync()`` later): after a
    crash the file holds whole records plus at most one truncated last line, which
    ``open`` cuts off."""

    def __init__(self, path: str | os.PathLike[str], *, resume: bool) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            self._claim()
            if resume:
                self._cut_truncated_tail()
                self.records = read_manifest(self.path)
            else:
                os.ftruncate(self._fd, 0)
        except BaseException:
            os.close(self._fd)
            raise
        self._lock = threading.Lock()
        self._dirty = False

    def _claim(self) -> None:
        """An exclusive lock on the manifest for this run (released when it closes): a
        second batch into the same OUTDIR would truncate the first's records and its
        outputs would mix with the first's. A BatchError if another run holds it."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows
            return
        assert self._fd is not None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(
                f"{self.path}: another unboil batch is writing into this folder; "
                "wait for it or choose another OUTDIR (-o)"
            ) from None

    def _cut_truncated_tail(self) -> None:
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            os.truncate(self.path, data.rfind(b"\n") + 1)

    def last_records(self) -> dict[str, dict[str, Any]]:
        """The last record of each source."""
        return {rec["source"]: rec for rec in self.records}

    def append(self, rec: dict[str, Any], *, sync: bool = True) -> None:
        try:
            line = (json.dumps(rec, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8 (surrogate escapes):
            # JSON's \\u escapes keep it, and read_manifest gives back the same name
            line = (json.dumps(rec, default=str) + "\n").encode("ascii")
        with self._lock:
            if self._fd is None:
                raise ValueError("manifest is closed")
            written = 0
            while written < len(line):  # a regular file takes it all in one write
                written += os.write(self._fd, line[written:])
            self._dirty = True
            if sync:
                self._sync()

    def _sync(self) -> None:
        if self._fd is not None and self._dirty:
            os.fsync(self._fd)
            self._dirty = False

    def sync(self) -> None:
        """fsync what ``append(..., sync=False)`` wrote."""
        with self._lock:
            self._sync()

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                self._sync()
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def remove_stale_temp_files(outdir: str | os.PathLike[str]) -> int:
    """Delete the temp files a killed run left behind (``.NAME.XXXXXXXX.tmp``, as
    ``fsutil.atomic_write`` names them) under ``outdir``; returns how many."""
    removed = 0
    for dirpath, _dirs, files in os.walk(outdir):
        for name in files:
            if _TMP_FILE.match(name):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
    return removed
