"""Batch runs: many pages through one backend, in worker processes, resumably.

The engine behind ``unboil batch``; no click, no rich. The pieces:

- ``inputs.discover`` turns folders, files and URL lists into ``Input``\\ s, each with
  the output path it will get (``inputs`` says how every name is made safe and unique).
- ``process_page`` is what a worker process runs for one page: load (or take the
  fetched page), extract, score agreement, write the output atomically, return the
  manifest record as a plain dict.
- ``BatchRunner`` drives a pebble ``ProcessPool``: a per-page timeout that kills and
  replaces a stuck worker (the futures' results are always read), workers recycled
  every ``recycle`` pages so memory stays flat, at most a few pages queued per worker.
  URLs are fetched in the parent by a thread pool (per-host limit, retries with
  backoff on 429/5xx and connection errors, size cap, optional hishel cache) and the
  fetched page goes to a worker.
- ``Manifest``: ``OUTDIR/unboil-manifest.jsonl``, one record per processed input,
  appended (one whole-line write) only *after* the input's output file was renamed
  into place. See ``manifest.MANIFEST_FIELDS`` for the schema.
- Durability is a group commit: workers write and rename without an fsync each; the
  parent, for the pages finished in each tenth of a second, syncs the output folder's
  filesystem once (``fsutil.sync_filesystem``), then appends their records and fsyncs
  the manifest once. A killed process loses nothing (the kernel has every write); after a
  power loss every record in the manifest still has its output on disk. (The Dask
  engine's workers may write on other machines: they fsync each file.)
- ``--warc-output`` (``warc.ConversionWriter``): the file is locked for the run (a
  second writer is refused) and written only by the parent, in the same commit: the
  round's conversion records are appended (one ``write`` each), the file is fsynced,
  and only then are the pages' manifest records appended, each with the byte range of
  its WARC record (``warc_output``, ``warc_offset``, ``warc_end``). A record whose
  append fails (a full disk) is cut back off and its page recorded ``failed``.

Resume rule (``resume=True``): the manifest is read, a truncated last line (a run
killed mid-write) is cut off. An input is skipped when its **last** record is ``ok``,
for the same backend and the same output path, and that output file exists. Every
other input -- never seen, ``failed``, ``timeout``, ``skipped`` (interrupted), or whose
output is gone -- is processed again and gets a new record appended. So an input has
at most one ``ok`` record, never followed by another record, and its last record is
its current state; earlier ``failed``/``timeout`` records stay as history. Without
``resume`` the manifest is started afresh.

With ``--warc-output`` a done page must also have its record in that WARC: the WARC is
cut back to the end of the longest run of records, from its start, that belong to
pages done (their last record is ``ok``, names this WARC file and its range); every
other byte -- a record whose manifest line never landed, a half-written last member, a
record of a page to be done again -- is cut off, and every done page whose record lies
beyond the cut is done again. So after any crash and ``--resume`` the WARC reads to its
end and holds one record per ``ok`` page. Without ``resume`` it is emptied (once
locked).

Agreement score: the agreement with ``agreement_backend`` when one is given (run on the
page too, unless it is a member of consensus); else, for the ``consensus`` backend, the
mean pairwise ``scoring.agreement`` between its members' texts (how much the extractors
agreed on the page); else null.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import random
import statistics
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import OutputError, SourceError
from .inputs import AUDIT_SUFFIX, HTML_SUFFIX, Input
from .loading import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from .manifest import MANIFEST_NAME, STATUSES, Manifest, remove_stale_temp_files
from .registry import shared

if TYPE_CHECKING:
    import httpx

    from .base import Extraction
    from .page import Page
    from .textmode import BatchRepeats

__all__ = [
    "BatchConfig",
    "BatchRunner",
    "Fetcher",
    "Summary",
    "process_page",
]

DEFAULT_RECYCLE = 1000
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# --------------------------------------------------------------------------- one page


@dataclass
class Task:
    """What a worker needs for one page (pickled to it)."""

    source: str
    kind: str
    backend: str
    fmt: str
    title: bool = False
    #: None: as the backend does
    captions: bool | None = None
    metadata: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    agreement_backend: str | None = None
    include_text: bool = False
    #: absolute output path and the same relative to OUTDIR; None: nothing written
    output: str | None = None
    output_rel: str | None = None
    html_output: str | None = None
    html_rel: str | None = None
    #: the audit report (``--audit``), absolute and relative to OUTDIR
    audit_output: str | None = None
    audit_rel: str | None = None
    #: the fetched page (URLs), else None and ``source`` is read as a file
    page: Page | None = None
    #: auto | html | text: plain text is cleaned by the ``text`` backend (text mode)
    input_format: str = "auto"
    #: a WARC record (kind ``warc``): the WARC file and the record's offset in it
    warc_path: str | None = None
    warc_offset: int = 0
    #: fsync each file written (else the parent syncs the filesystem once per round)
    durable: bool = True
    #: text mode: the ``textmode.repeat_key`` of the lines this text shares with many
    #: texts of the batch (``BatchConfig.drop_repeated``), dropped
    repeated: frozenset[int] = frozenset()


def skip_record(item: Input, backend: str) -> dict[str, Any]:
    """The record of an input known, before it is read, not to be processed: a WARC
    record that is not an HTML page (``skipped``), or a page that cannot be read, such
    as a corrupt record (``failed``)."""
    status = "failed" if item.skip_failed else "skipped"
    return base_record(item.source, item.kind, backend, status, error=item.skip, url=item.url)


def _warc_failed(rec: dict[str, Any], exc: Exception) -> None:
    """A page done but whose ``--warc-output`` record could not be written: failed (a
    resumed run does it again)."""
    for key in ("warc_output", "warc_offset", "warc_end"):
        rec.pop(key, None)
    rec.update(status="failed", error=f"--warc-output {exc}")


def warc_prefix(
    done: Iterable[dict[str, Any]], warc_path: str | None, size: int
) -> tuple[int, set[str]]:
    """``(keep, sources)``: the end of the longest run of WARC records, from the start
    of the ``--warc-output`` file (``warc_path``, ``size`` bytes), that belong to the
    pages done (``done``: their last manifest records, each naming its record's
    ``warc_output``, ``warc_offset`` and ``warc_end``), and those pages. The rest of
    the file is not accounted for: it is cut off, and the other pages are done again."""
    ranges = []
    for rec in done:
        start, end = rec.get("warc_offset"), rec.get("warc_end")
        if (
            rec.get("warc_output") == warc_path
            and type(start) is int
            and type(end) is int
            and 0 <= start < end
        ):
            ranges.append((start, end, str(rec["source"])))
    keep, sources = 0, set()
    for start, end, source in sorted(ranges):
        if start != keep or end > size:
            break
        keep = end
        sources.add(source)
    return keep, sources


def is_settled_skip(rec: dict[str, Any] | None) -> bool:
    """A WARC record skipped for what it is (not HTML, truncated...), not because a
    run was interrupted: resume does not look at it again."""
    return (
        rec is not None
        and rec.get("kind") == "warc"
        and rec.get("status") == "skipped"
        and rec.get("error") not in (None, "interrupted")
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def base_record(source: str, kind: str, backend: str, status: str, **fields: Any) -> dict[str, Any]:
    """A manifest record with every field present (``manifest.MANIFEST_FIELDS`` order)."""
    rec: dict[str, Any] = {
        "source": source,
        "kind": kind,
        "output": None,
        "html": None,
        "backend": backend,
        "version": None,
        "status": status,
        "error": None,
        "reason": None,
        "seconds": 0.0,
        "words": 0,
        "quality": None,
        "agreement": None,
        "title": None,
        "url": None,
        "encoding": None,
        "finished": None,
        "file": None,
    }
    rec.update(fields)
    return rec


def file_stamp(path: str) -> dict[str, int] | None:
    """``{"size", "mtime_ns"}`` of a file (None when it cannot be read)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def agreement_score(result: Extraction, other: Extraction | None = None) -> float | None:
    """The agreement between ``result`` and ``other`` when ``other`` is given (None when
    it failed); else the mean pairwise agreement of a consensus result's members; None
    when there is nothing to compare."""
    from .scoring import agreement, mean_agreement

    if other is not None:
        return round(agreement(result.text, other.text), 4) if other.ok else None
    if result.members:
        mean = mean_agreement({n: m.text for n, m in result.members.items() if m.ok})
        return None if mean is None else round(mean, 4)
    return None


def process_page(task: Task) -> dict[str, Any]:
    """Load, extract, score and write one page; the manifest record. Never raises for
    a page-level failure (the record says ``failed``)."""
    from . import formats
    from .base import ExtractOptions
    from .fsutil import atomic_write
    from .loading import NotHtml, load_file
    from .pipeline import backend_for, extract_page, failure, text_page

    start = time.perf_counter()
    rec = base_record(task.source, task.kind, task.backend, "failed")
    if task.kind == "file":
        rec["file"] = file_stamp(task.source)
    page = task.page
    try:
        if page is None and task.warc_path is not None:
            from .warc import load_record

            page = load_record(
                task.warc_path, task.warc_offset, task.source, max_bytes=task.max_bytes
            )
        elif page is None:
            page = load_file(task.source, max_bytes=task.max_bytes)
    except NotHtml as exc:  # text mode: a plain-text file
        if task.kind == "warc":  # a WARC record that is not a page: skipped, not failed
            rec.update(status="skipped", error=f"not HTML: {exc.cause}")
            rec["seconds"] = round(time.perf_counter() - start, 6)
            return rec
        if task.input_format == "html" or exc.kind != "text" or exc.page is None:
            rec.update(error=exc.cause, seconds=round(time.perf_counter() - start, 6))
            return rec
        page = text_page(exc.page)
    except SourceError as exc:
        from .warc import WarcSkip

        if isinstance(exc, WarcSkip):
            rec["status"] = "skipped"
        rec.update(error=exc.cause, seconds=round(time.perf_counter() - start, 6))
        return rec
    if task.input_format == "text":
        page = text_page(page)
    backend = backend_for(page, task.backend)
    if task.repeated and backend == "text":
        page.info["repeated"] = task.repeated
    rec["backend"] = backend
    options = ExtractOptions(title=task.title, captions=task.captions, metadata=task.metadata)
    backend, result = extract_page(page, backend, options)
    rec.update(
        version=result.version,
        title=result.title,
        url=page.url,
        encoding=page.encoding,
        reason=result.reason,
        words=result.words,
        quality=result.quality if result.ok else None,
    )
    if result.error:
        rec.update(error=failure(backend, result))
        rec["seconds"] = round(time.perf_counter() - start, 6)
        return rec
    other = None
    if task.agreement_backend and backend == task.backend:
        # a member of consensus is not run again: its result is in hand
        other = (result.members or {}).get(task.agreement_backend) or shared(
            task.agreement_backend
        ).extract(page, ExtractOptions())
    rec["agreement"] = agreement_score(result, other)
    try:
        if task.audit_output:
            from .audit import audit_of

            report, cons = audit_of(page, result)
            atomic_write(task.audit_output, report, durable=task.durable)
            rec["audit"] = task.audit_rel
            if rec["agreement"] is None:  # as --agreement consensus would have scored it
                rec["agreement"] = agreement_score(result, cons)
        if task.html_output:
            atomic_write(task.html_output, page.raw, durable=task.durable)
            rec["html"] = task.html_rel
        if task.output:
            if task.fmt == "markdown":
                body = formats.to_markdown(result)
            elif task.fmt == "json":
                body = formats.to_json([formats.record(task.source, result, page)])
            else:
                body = formats.to_txt(result)
            atomic_write(task.output, body, durable=task.durable)
            rec["output"] = task.output_rel
    except OutputError as exc:  # OUTDIR unwritable, disk full: the page failed
        rec.update(error=str(exc), seconds=round(time.perf_counter() - start, 6))
        return rec
    if task.include_text:
        rec["text"] = result.text
    rec["status"] = "ok"
    rec["seconds"] = round(time.perf_counter() - start, 6)
    return rec


def count_repeats(inputs: Iterable[Input], cfg: BatchConfig) -> BatchRepeats:
    """``textmode.BatchRepeats`` over the batch's files that are text inputs (as
    ``process_page`` will read them: plain text, or anything with input format text);
    files that cannot be read are left to fail in their turn."""
    from .pipeline import load_page
    from .textmode import BatchRepeats

    counter = BatchRepeats()
    for item in inputs:
        if item.kind != "file" or item.skip:
            continue
        try:
            page = load_page(item.source, cfg.input_format, max_bytes=cfg.max_bytes)
        except (SourceError, OSError):  # NotHtml included
            continue
        if page.is_text:
            counter.add(item.source, page.html)
    return counter


# --------------------------------------------------------------------------- fetching


class RetryTransport:
    """An httpx transport that retries on 429/5xx answers and connection errors, with
    exponential backoff (and ``Retry-After`` when the server gives one, capped). The
    retries of one request, waits included, end within ``budget`` seconds (the page's
    --timeout) and by the deadline of the fetch they are part of
    (``fetching.time_left``): a wait that would pass it is not made, and the last
    answer or error stands."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 10.0,
        budget: float | None = None,
    ) -> None:
        self.inner = inner
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.budget = budget

    def _wait(self, attempt: int, retry_after: str | None, deadline: float) -> bool:
        """Sleep before the next attempt; False (no sleep) when it would end past
        ``deadline`` (``time.monotonic``)."""
        delay = self.backoff * 2**attempt * (1 + random.random() / 4)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        delay = min(delay, self.max_wait)
        if time.monotonic() + delay >= deadline:
            return False
        time.sleep(delay)
        return True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import httpx

        from .fetching import time_left

        deadline = time.monotonic() + (self.budget if self.budget is not None else float("inf"))
        left = time_left()  # the deadline of the fetch this request is part of
        if left is not None:
            deadline = min(deadline, time.monotonic() + left)
        for attempt in itertools.count():
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError):
                if attempt >= self.retries or not self._wait(attempt, None, deadline):
                    raise
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                retry_after = response.headers.get("retry-after")
                if self._wait(attempt, retry_after, deadline):
                    response.close()
                    continue
            return response
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


class Fetcher:
    """Fetches URLs for a batch from several threads: one shared httpx client (with
    retries, and a hishel on-disk cache when ``cache_dir`` is given), at most
    ``per_host`` requests at a time to one host; ``fetching.fetch`` caps redirects, the
    body size (decompressed too) and the time (one deadline per page, retries
    included), and refuses private addresses unless ``allow_private``."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 4,
        connections: int = 16,
        retries: int = 3,
        backoff: float = 0.5,
        cache_dir: str | os.PathLike[str] | None = None,
        allow_private: bool = False,
    ) -> None:
        import httpx

        from .fetching import make_client

        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.allow_private = allow_private
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

        def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
            transport: Any = RetryTransport(inner, retries=retries, backoff=backoff, budget=timeout)
            if cache_dir is not None:
                from hishel import SqliteStorage
                from hishel.httpx import CacheTransport

                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                storage = SqliteStorage(database_path=Path(cache_dir) / "unboil-http-cache.sqlite")
                transport = CacheTransport(next_transport=transport, storage=storage)
            return transport

        self.client = make_client(timeout, allow_private=allow_private, limits=limits, wrap=wrap)

    def _semaphore(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._semaphores:
                self._semaphores[host] = threading.BoundedSemaphore(self.per_host)
            return self._semaphores[host]

    def fetch(self, url: str) -> Page:
        from .fetching import fetch

        with self._semaphore(url):
            return fetch(
                url,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
                client=self.client,
                allow_private=self.allow_private,
            )

    def close(self) -> None:
        self.client.close()


# --------------------------------------------------------------------------- the run


@dataclass
class BatchConfig:
    backend: str = "trafilatura"
    fmt: str = "txt"
    #: None: no files, no manifest; records (with their text) go to ``on_record``
    outdir: str | None = None
    jobs: int = 1
    timeout: float = 30.0
    #: a worker is replaced after this many pages (memory stays flat)
    recycle: int = DEFAULT_RECYCLE
    max_bytes: int = DEFAULT_MAX_BYTES
    title: bool = False
    #: None: as the backend does
    captions: bool | None = None
    metadata: bool = True
    agreement_backend: str | None = None
    #: auto | html | text (see ``Task.input_format``)
    input_format: str = "auto"
    resume: bool = False
    save_html: bool = False
    cache_dir: str | None = None
    per_host: int = 4
    fetchers: int = 16
    retries: int = 3
    backoff: float = 0.5
    #: also write an audit report per page (STEM.audit.html) and OUTDIR/index.html
    audit: bool = False
    #: also append the cleaned text of each page to this WARC file (conversion records)
    warc_output: str | None = None
    #: text mode: drop the lines (of ``textmode.REPEAT_MIN_WORDS`` words or more) that
    #: this many of the batch's text files hold, a site's template lines; 0: off
    drop_repeated: int = 0
    #: fetch URLs at loopback, private, link-local or reserved addresses too
    allow_private: bool = False


@dataclass
class Summary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    #: inputs skipped because an earlier run already did them (resume)
    already_done: int = 0
    #: inputs never started because the run was interrupted
    not_started: int = 0
    #: pages that were extracted fine but hold no article
    empty: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    #: (source, status, error) of every failed or timed-out input, in finishing order
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    #: (source, agreement) of every ok page that has a score
    agreements: list[tuple[str, float]] = field(default_factory=list)

    @property
    def processed(self) -> int:
        return self.counts["ok"] + self.counts["failed"] + self.counts["timeout"]

    @property
    def pages_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    @property
    def median_agreement(self) -> float | None:
        return statistics.median(a for _, a in self.agreements) if self.agreements else None

    def lowest_agreement(self, n: int = 5) -> list[tuple[str, float]]:
        return sorted(self.agreements, key=lambda x: (x[1], x[0]))[:n]

    def add(self, rec: dict[str, Any]) -> None:
        status = rec["status"]
        self.counts[status] = self.counts.get(status, 0) + 1
        if status in ("failed", "timeout"):
            self.failures.append((rec["source"], status, rec.get("error") or status))
        if status == "ok":
            if not rec.get("words"):
                self.empty += 1
            if rec.get("agreement") is not None:
                self.agreements.append((rec["source"], float(rec["agreement"])))


def _worker_init(parent: int) -> None:
    """In each worker: exit when the parent process is gone (killed with SIGKILL, the
    pool cannot stop us), so no orphan keeps writing into OUTDIR. Also caps the
    worker's address space (``UNBOIL_MAX_MEMORY`` bytes, default 2 GiB, 0: no cap), so
    that a runaway page fails with MemoryError instead of exhausting the machine."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        cap = int(os.environ.get("UNBOIL_MAX_MEMORY", str(2 << 30)))
        if cap > 0:
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            cap = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="unboil-parent-watch", daemon=True).start()


def _mp_context() -> Any:
    """fork on Linux: workers start with the parent's imports (and the backends
    registered in-process); the platform's default elsewhere."""
    import multiprocessing
    import sys

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _quick_pebble() -> None:
    """pebble's threads poll every ``sleep_unit`` (0.1 s): closing a pool then takes
    0.1-0.2 s, 5% of a batch of 181 pages. Every 10 ms instead: closing takes 10 ms
    (and timeouts are enforced within 10 ms); the polling costs nothing measurable."""
    with contextlib.suppress(ImportError, AttributeError):
        from pebble.common import CONSTS

        CONSTS.sleep_unit = min(CONSTS.sleep_unit, 0.01)


def _preload(name: str, metadata: bool = False) -> None:
    """A backend's one-time set-up (``Backend.warm``: imports, stop-lists, models)
    done in the parent, so that forked workers (recycled ones too) start with it;
    and the modules ``process_page`` imports (each worker imported them again)."""
    from . import formats, fsutil, htmltree, loading, markup, terminal, textmode  # noqa: F401

    with contextlib.suppress(Exception):
        shared(name).warm(metadata=metadata)


class BatchRunner:
    """Runs a batch. ``run(inputs, on_record)`` calls ``on_record(rec)`` in the
    calling thread for every record as it is made (after it was written to the
    manifest) and returns the ``Summary``. ``interrupt()`` may be called from a
    signal handler: the first call stops starting new pages and lets the pages in
    flight finish; the second abandons them (recorded ``skipped``)."""

    #: workers skip the fsync of each output; ``run`` syncs once per commit instead
    group_commit = True
    #: seconds between group commits: finished pages are recorded (and counted by the
    #: progress bar) at most this late; one sync per page cost 4% of a 2-worker run
    commit_every = 0.1

    def __init__(self, config: BatchConfig) -> None:
        self.config = config
        self._interrupts = 0
        self.manifest: Manifest | None = None
        self.warc_out: Any = None  # warc.ConversionWriter
        #: per source, the lines a text shares with the batch (``drop_repeated``)
        self.repeated: dict[str, frozenset[int]] = {}

    def interrupt(self) -> None:
        self._interrupts += 1

    # -- planning -----------------------------------------------------------------

    def plan(self, inputs: list[Input]) -> tuple[list[Input], int]:
        """Opens the manifest (when there is an OUTDIR) and returns the inputs to
        process and how many are skipped as already done (resume). With
        ``drop_repeated``, first reads every text file of the batch (those done before
        too, so that a resumed run drops what the first run dropped)."""
        cfg = self.config
        if cfg.drop_repeated > 0:
            self.repeated = count_repeats(inputs, cfg).repeated(cfg.drop_repeated)
        try:
            if cfg.warc_output is not None:  # locked first: a refused run changes nothing
                from .warc import ConversionWriter

                self.warc_out = ConversionWriter(cfg.warc_output)
            if cfg.outdir is None:
                if self.warc_out is not None:
                    self.warc_out.cut(0)
                return list(inputs), 0
            outdir = Path(cfg.outdir)
            outdir.mkdir(parents=True, exist_ok=True)
            self.manifest = Manifest(outdir / MANIFEST_NAME, resume=cfg.resume)  # locks OUTDIR
            remove_stale_temp_files(outdir)
            if not cfg.resume:
                if self.warc_out is not None:
                    self.warc_out.cut(0)
                return list(inputs), 0
            return self._resume_plan(inputs, outdir)
        except BaseException:
            self.close_outputs()
            raise

    def _resume_plan(self, inputs: list[Input], outdir: Path) -> tuple[list[Input], int]:
        """``plan`` for a resumed run (see *Resume rule* in the module docstring); cuts
        the WARC output back to the records of the pages done."""
        cfg = self.config
        assert self.manifest is not None
        last = self.manifest.last_records()
        done: dict[str, dict[str, Any]] = {}  # source -> its last record, ok
        settled: set[str] = set()
        for item in inputs:
            rec = last.get(item.source)
            output = item.output(cfg.fmt)
            if is_settled_skip(rec):
                settled.add(item.source)
                continue
            if (
                rec is not None
                and rec.get("status") == "ok"
                and rec.get("backend") in (cfg.backend, "text")  # "text": text mode
                and rec.get("output") == output
                and (outdir / output).is_file()
                # a file changed since it was done is done again (no stamp: older runs)
                and (item.kind != "file" or rec.get("file") in (None, file_stamp(item.source)))
            ):
                done[item.source] = rec
        if self.warc_out is not None:
            keep, kept = warc_prefix(done.values(), self.warc_path, self.warc_out.size)
            self.warc_out.cut(keep)
            done = {source: rec for source, rec in done.items() if source in kept}
        todo = [item for item in inputs if item.source not in done and item.source not in settled]
        return todo, len(inputs) - len(todo)

    @property
    def warc_path(self) -> str | None:
        """The ``--warc-output`` file as the manifest records name it (absolute)."""
        if self.config.warc_output is None:
            return None
        return str(Path(self.config.warc_output).resolve())

    def _task(self, item: Input, page: Page | None = None) -> Task:
        cfg = self.config
        task = Task(
            source=item.source,
            kind=item.kind,
            backend=cfg.backend,
            fmt=cfg.fmt,
            title=cfg.title,
            captions=cfg.captions,
            metadata=cfg.metadata,
            max_bytes=cfg.max_bytes,
            agreement_backend=cfg.agreement_backend,
            include_text=cfg.outdir is None or cfg.warc_output is not None,
            page=page,
            input_format=cfg.input_format,
            durable=not self.group_commit,
            repeated=self.repeated.get(item.source, frozenset()),
        )
        if item.kind == "warc":
            task.warc_path, task.warc_offset = item.container, item.offset or 0
        if cfg.outdir is not None:
            rel = item.output(cfg.fmt)
            task.output, task.output_rel = str(Path(cfg.outdir, rel)), rel
            if cfg.save_html and item.kind == "url":
                html_rel = item.stem + HTML_SUFFIX
                task.html_output, task.html_rel = str(Path(cfg.outdir, html_rel)), html_rel
            if cfg.audit:
                audit_rel = item.stem + AUDIT_SUFFIX
                task.audit_output, task.audit_rel = str(Path(cfg.outdir, audit_rel)), audit_rel
        return task

    # -- records ------------------------------------------------------------------

    def emitter(
        self, summary: Summary, on_record: Callable[[dict[str, Any]], None] | None
    ) -> Callable[[dict[str, Any]], None]:
        """``emit(rec)``: stamps the record, writes its text to ``--warc-output``
        (unless ``write_warc`` did), appends it to the manifest, counts it and hands it
        to ``on_record``, in that order. The WARC output is opened by ``plan`` (closed
        by ``close_outputs``)."""
        cfg = self.config

        def emit(rec: dict[str, Any]) -> None:
            if not rec.get("finished"):
                rec["finished"] = _now()
            if self.warc_out is not None and rec["status"] == "ok" and "warc_end" not in rec:
                self.write_warc([rec])
            if cfg.outdir is not None:
                rec.pop("text", None)  # asked for by the WARC output only
            if self.manifest is not None:
                self.manifest.append(rec, sync=not self.group_commit)
            summary.add(rec)
            if on_record is not None:
                on_record(rec)

        return emit

    def write_warc(self, records: list[dict[str, Any]]) -> None:
        """Append the ``--warc-output`` records of the ok pages of ``records`` (one
        ``write`` each), then fsync the file once: before their manifest records are
        written. Each gets its ``warc_output``, ``warc_offset`` and ``warc_end``; a page
        whose record cannot be written (a full disk) is ``failed`` instead (its
        partial record cut back off)."""
        out = self.warc_out
        if out is None:
            return
        written = []
        for rec in records:
            if rec["status"] != "ok" or "warc_end" in rec:
                continue
            if not rec.get("finished"):
                rec["finished"] = _now()
            try:
                start, end = out.write(rec, rec.get("text") or "", sync=False)
            except OutputError as exc:
                _warc_failed(rec, exc)
                continue
            rec.update(warc_output=self.warc_path, warc_offset=start, warc_end=end)
            written.append(rec)
        if written:
            try:
                out.sync()
            except OutputError as exc:
                with contextlib.suppress(OutputError):  # else the next resume cuts them
                    out.cut(written[0]["warc_offset"])
                for rec in written:
                    _warc_failed(rec, exc)

    def close_outputs(self) -> None:
        if self.warc_out is not None:
            self.warc_out.close()
            self.warc_out = None
        if self.manifest is not None:
            self.manifest.close()

    # -- running ------------------------------------------------------------------

    def _commit(self, landed: list[dict[str, Any]], emit: Callable[[dict[str, Any]], None]) -> None:
        """The group commit of a round of finished pages: their files reach the disk
        (one filesystem sync), their ``--warc-output`` records too (one fsync), then
        their records the manifest (one fsync)."""
        cfg = self.config
        if cfg.outdir is not None and any(rec["status"] == "ok" for rec in landed):
            from .fsutil import sync_filesystem

            sync_filesystem(cfg.outdir)
        self.write_warc(landed)
        for rec in landed:
            emit(rec)
        if self.manifest is not None:
            self.manifest.sync()

    def run(
        self, inputs: list[Input], on_record: Callable[[dict[str, Any]], None] | None = None
    ) -> Summary:
        from pebble import ProcessExpired, ProcessPool

        cfg = self.config
        todo, done_before = self.plan(inputs)
        summary = Summary(total=len(inputs), already_done=done_before)
        start = time.perf_counter()

        emit = self.emitter(summary, on_record)

        def skipped(item: Input, why: str = "interrupted") -> None:
            emit(base_record(item.source, item.kind, cfg.backend, "skipped", error=why))

        pending = list(reversed(todo))
        fetcher: Fetcher | None = None
        fetch_pool: ThreadPoolExecutor | None = None
        if any(item.kind == "url" for item in todo):
            fetcher = Fetcher(
                timeout=cfg.timeout,
                max_bytes=cfg.max_bytes,
                per_host=cfg.per_host,
                connections=cfg.fetchers,
                retries=cfg.retries,
                backoff=cfg.backoff,
                cache_dir=cfg.cache_dir,
                allow_private=cfg.allow_private,
            )
            fetch_pool = ThreadPoolExecutor(cfg.fetchers, thread_name_prefix="unboil-fetch")
        # no collections while the backends load: their imports and stop-lists make
        # objects by the hundred thousand, none of them garbage (10-30 ms of start-up)
        collecting = gc.isenabled()
        gc.disable()
        try:
            _preload(cfg.backend, cfg.metadata)
            if cfg.agreement_backend:
                _preload(cfg.agreement_backend)
        finally:
            if collecting:
                gc.enable()
        _quick_pebble()
        # the parent's objects (modules, stop-lists) into the permanent generation before
        # the workers fork: their collections do not walk them again (about 40 ms of 3.3
        # s of work on 181 pages) nor write to their pages (copy-on-write), as the gc
        # module's documentation advises for fork without exec; undone after the run
        context = _mp_context()
        frozen = context.get_start_method() == "fork"
        if frozen:
            gc.freeze()

        try:
            pool = ProcessPool(
                max_workers=cfg.jobs,
                max_tasks=max(cfg.recycle, 0),
                initializer=_worker_init,
                initargs=(os.getpid(),),
                context=context,
            )
        except BaseException:
            if frozen:
                gc.unfreeze()
            raise
        # Futures in flight: pool futures (extraction) and fetch futures (URLs).
        extracting: dict[Future[Any], Input] = {}
        fetching: dict[Future[Any], tuple[Input, float]] = {}
        # finished pages not yet committed: committed together every ``commit_every``
        # seconds (one filesystem sync and one manifest fsync for all of them)
        landed: list[dict[str, Any]] = []
        committed = time.perf_counter()
        window = cfg.jobs * 2  # pages queued for the pool: enough to keep workers busy
        stopping = aborted = False
        try:
            while pending or extracting or fetching:
                if self._interrupts and not stopping:
                    stopping = True
                    for fut in [f for f in fetching if f.cancel()]:
                        skipped(fetching.pop(fut)[0])
                    for fut in [f for f in extracting if f.cancel()]:
                        skipped(extracting.pop(fut))
                if self._interrupts > 1:
                    aborted = True
                    break
                while not stopping and pending:
                    item = pending[-1]
                    if item.skip is not None:  # a WARC record that is not a page
                        pending.pop()
                        emit(skip_record(item, cfg.backend))
                        continue
                    if item.kind == "url":
                        assert fetch_pool is not None and fetcher is not None
                        if len(fetching) >= cfg.fetchers * 2 or len(extracting) >= window:
                            break
                        pending.pop()
                        fut = fetch_pool.submit(fetcher.fetch, item.source)
                        fetching[fut] = (item, time.perf_counter())
                    else:
                        if len(extracting) >= window:
                            break
                        pending.pop()
                        task = self._task(item)
                        extracting[pool.schedule(process_page, (task,), timeout=cfg.timeout)] = item
                if not (extracting or fetching):
                    break
                due = committed + self.commit_every - time.perf_counter() if landed else 0.2
                done, _ = wait(
                    [*extracting, *fetching],
                    timeout=min(0.2, max(due, 0.0)),
                    return_when=FIRST_COMPLETED,
                )
                for fut in done:
                    if fut in fetching:
                        item, began = fetching.pop(fut)
                        try:
                            page = fut.result()
                        except CancelledError:
                            skipped(item)
                            continue
                        except SourceError as exc:
                            status = "timeout" if exc.cause.startswith("timed out") else "failed"
                            emit(
                                base_record(
                                    item.source,
                                    item.kind,
                                    cfg.backend,
                                    status,
                                    error=exc.cause,
                                    seconds=round(time.perf_counter() - began, 6),
                                )
                            )
                            continue
                        except Exception as exc:
                            from .base import one_line

                            emit(
                                base_record(
                                    item.source,
                                    item.kind,
                                    cfg.backend,
                                    "failed",
                                    error=f"fetch failed: {one_line(exc)}",
                                )
                            )
                            continue
                        if stopping:
                            skipped(item)
                            continue
                        task = self._task(item, page)
                        extracting[pool.schedule(process_page, (task,), timeout=cfg.timeout)] = item
                        continue
                    item = extracting.pop(fut)
                    try:
                        rec = fut.result()
                    except CancelledError:
                        skipped(item)
                        continue
                    except TimeoutError:
                        rec = base_record(
                            item.source,
                            item.kind,
                            cfg.backend,
                            "timeout",
                            error=f"timed out after {cfg.timeout:g}s (worker stopped)",
                            seconds=cfg.timeout,
                        )
                    except ProcessExpired as exc:
                        rec = base_record(
                            item.source,
                            item.kind,
                            cfg.backend,
                            "failed",
                            error=f"worker died (exit code {exc.exitcode})",
                        )
                    except Exception as exc:
                        from .base import one_line

                        rec = base_record(
                            item.source,
                            item.kind,
                            cfg.backend,
                            "failed",
                            error=f"internal error: {one_line(exc)}",
                        )
                    landed.append(rec)
                if landed and (
                    self._interrupts  # stopping: the pages in hand are recorded now
                    or not (extracting or fetching)
                    or time.perf_counter() - committed >= self.commit_every
                ):
                    batch, landed = landed, []
                    self._commit(batch, emit)
                    committed = time.perf_counter()
        finally:
            if landed:  # pages done (their files written): recorded before anything else
                batch, landed = landed, []
                with contextlib.suppress(Exception):
                    self._commit(batch, emit)
            if aborted or self._interrupts:
                pool.stop()
            else:
                pool.close()
            pool.join()
            if frozen:
                gc.unfreeze()
            if aborted:
                for item in extracting.values():
                    skipped(item)
                for item, _began in fetching.values():
                    skipped(item)
            if fetch_pool is not None:
                fetch_pool.shutdown(wait=not aborted, cancel_futures=True)
            if fetcher is not None:
                fetcher.close()
            self.close_outputs()
            summary.seconds = time.perf_counter() - start
            summary.interrupted = bool(self._interrupts)
            summary.not_started = len(pending)
        return summary
