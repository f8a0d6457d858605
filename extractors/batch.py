"""Batch runs: many pages through one backend, in worker processes, resumably.

The engine behind ``unboil batch``; no click, no rich. The pieces:

- ``inputs.discover`` turns folders, files and URL lists into ``Input``\\ s, each with
  the output path it will get (``inputs`` says how every name is made safe and unique).
- ``batch_page.process_page`` is what a worker process runs for one page: load (or take the
  fetched page), extract, score agreement, write the output atomically, return the
  manifest record as a plain dict.
- ``BatchRunner`` drives a pebble ``ProcessPool``: a per-page timeout that kills and
  replaces a stuck worker (the futures' results are always read), workers recycled
  every ``recycle`` pages so memory stays flat, at most a few pages queued per worker.
  URLs are fetched in the parent (``batch_fetching``: a thread pool, per-host limit,
  retries with backoff on 429/5xx and connection errors, size cap, optional hishel
  cache) and the fetched page goes to a worker; ``workers`` sets the workers up.
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

Over 600 lines for one concern: the runner (its event loop, the manifest commits and
the interrupt handling share one state); inputs, manifest, pages, fetching and
workers have their modules.
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch_fetching import Fetcher
from .batch_page import (
    PageOptions,
    Task,
    base_record,
    file_stamp,
    is_settled_skip,
    now,
    process_page,
    skip_record,
    warc_failed,
    warc_prefix,
)
from .errors import OutputError, SourceError
from .inputs import AUDIT_SUFFIX, HTML_SUFFIX, Input
from .loading import DEFAULT_TIMEOUT
from .manifest import INTERRUPTED, MANIFEST_NAME, STATUSES, Manifest, remove_stale_temp_files
from .workers import (
    DEFAULT_MAX_MEMORY,
    check_memory_cap,
    mp_context,
    preload,
    quick_pebble,
    worker_init,
)

if TYPE_CHECKING:
    from .page import Page
    from .textmode import BatchRepeats

__all__ = ["BatchConfig", "BatchRunner", "Summary"]

DEFAULT_RECYCLE = 1000


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
            page = load_page(item.source, cfg.page.input_format, max_bytes=cfg.page.max_bytes)
        except (SourceError, OSError):  # NotHtml included
            continue
        if page.is_text:
            counter.add(item.source, page.html)
    return counter


# --------------------------------------------------------------------------- the run


@dataclass
class BatchConfig:
    #: how every page is treated (backend, output format, input format, size limit...)
    page: PageOptions = field(default_factory=PageOptions)
    #: None: no files, no manifest; records (with their text) go to ``on_record``
    outdir: str | None = None
    jobs: int = 1
    timeout: float = DEFAULT_TIMEOUT
    #: a worker is replaced after this many pages (memory stays flat)
    recycle: int = DEFAULT_RECYCLE
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
    #: each worker's address space in bytes (0: no cap; ``workers.worker_init``)
    max_memory: int = DEFAULT_MAX_MEMORY

    def page_options(self, durable: bool = True) -> PageOptions:
        """``page`` as the workers get it: with the text in the record when no file
        holds it, and whether each file is synced as it is written."""
        include_text = self.outdir is None or self.warc_output is not None
        return replace(self.page, include_text=include_text, durable=durable)


@dataclass
class Summary:
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    #: inputs skipped because an earlier run already did them (resume)
    already_done: int = 0
    #: inputs never started because the run was interrupted (no record)
    not_started: int = 0
    #: inputs queued for a worker when the run was interrupted (recorded ``skipped``)
    stopped: int = 0
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
        if status == "skipped" and rec.get("error") == INTERRUPTED:
            self.stopped += 1
        if status == "ok":
            if not rec.get("words"):
                self.empty += 1
            if rec.get("agreement") is not None:
                self.agreements.append((rec["source"], float(rec["agreement"])))


class BatchRunner:
    """Runs a batch. ``run(inputs, on_record)`` calls ``on_record(rec)`` in the
    calling thread for every record as it is made (after it was written to the
    manifest) and returns the ``Summary``. ``interrupt()`` may be called from a
    signal handler: the first call stops starting new pages and lets the pages in
    flight finish; the second abandons them (recorded ``skipped``)."""

    #: workers skip the fsync of each output; ``run`` syncs once per commit instead
    group_commit = True
    #: seconds between group commits: finished pages are recorded (and counted by the
    #: progress bar) at most this late; a sync per page would slow every run
    commit_every = 0.1

    def __init__(self, config: BatchConfig) -> None:
        self.config = config
        #: what every page is given, sent with each task
        self.page_options = config.page_options(durable=not self.group_commit)
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
            output = item.output(cfg.page.fmt)
            if is_settled_skip(rec):
                settled.add(item.source)
                continue
            if (
                rec is not None
                and rec.get("status") == "ok"
                and rec.get("backend") in (cfg.page.backend, "text")  # "text": text mode
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
            options=self.page_options,
            page=page,
            repeated=self.repeated.get(item.source, frozenset()),
        )
        if item.kind == "warc":
            task.warc_path, task.warc_offset = item.container, item.offset or 0
        if cfg.outdir is not None:
            rel = item.output(cfg.page.fmt)
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
                rec["finished"] = now()
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
                rec["finished"] = now()
            try:
                start, end = out.write(rec, rec.get("text") or "", sync=False)
            except OutputError as exc:
                warc_failed(rec, exc)
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
                    warc_failed(rec, exc)

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

        def skipped(item: Input, why: str = INTERRUPTED) -> None:
            emit(base_record(item.source, item.kind, cfg.page.backend, "skipped", error=why))

        pending = list(reversed(todo))
        fetcher: Fetcher | None = None
        fetch_pool: ThreadPoolExecutor | None = None
        if any(item.kind == "url" for item in todo):
            fetcher = Fetcher(
                timeout=cfg.timeout,
                max_bytes=cfg.page.max_bytes,
                per_host=cfg.per_host,
                connections=cfg.fetchers,
                retries=cfg.retries,
                backoff=cfg.backoff,
                cache_dir=cfg.cache_dir,
                allow_private=cfg.allow_private,
            )
            fetch_pool = ThreadPoolExecutor(cfg.fetchers, thread_name_prefix="unboil-fetch")
        # no collections while the backends load: their imports and stop-lists make
        # objects by the hundred thousand, none of them garbage
        collecting = gc.isenabled()
        gc.disable()
        try:
            preload(cfg.page.backend, cfg.page.metadata)
            if cfg.page.agreement_backend:
                preload(cfg.page.agreement_backend)
        finally:
            if collecting:
                gc.enable()
        check_memory_cap(cfg.max_memory)  # the workers fork from this process as it is now
        quick_pebble()
        # the parent's objects (modules, stop-lists) into the permanent generation before
        # the workers fork: their collections do not walk them again nor write to their
        # pages (copy-on-write), as the gc
        # module's documentation advises for fork without exec; undone after the run
        context = mp_context()
        frozen = context.get_start_method() == "fork"
        if frozen:
            gc.freeze()

        try:
            pool = ProcessPool(
                max_workers=cfg.jobs,
                max_tasks=max(cfg.recycle, 0),
                initializer=worker_init,
                initargs=(os.getpid(), cfg.max_memory),
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
                    # the pages handed to the pool (at most two a worker) finish: a
                    # queued one cannot be told from one a worker has just begun
                if self._interrupts > 1:
                    aborted = True
                    break
                while not stopping and pending:
                    item = pending[-1]
                    if item.skip is not None:  # a WARC record that is not a page
                        pending.pop()
                        emit(skip_record(item, cfg.page.backend))
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
                                    cfg.page.backend,
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
                                    cfg.page.backend,
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
                            cfg.page.backend,
                            "timeout",
                            error=f"timed out after {cfg.timeout:g}s (worker stopped)",
                            seconds=cfg.timeout,
                        )
                    except ProcessExpired as exc:
                        rec = base_record(
                            item.source,
                            item.kind,
                            cfg.page.backend,
                            "failed",
                            error=f"worker died (exit code {exc.exitcode})",
                        )
                    except Exception as exc:
                        from .base import one_line

                        rec = base_record(
                            item.source,
                            item.kind,
                            cfg.page.backend,
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
