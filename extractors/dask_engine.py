"""The Dask engine of ``unboil batch`` (``--engine dask [--scheduler ADDRESS]``).

The same per-page function as the local engine (``batch.process_page``) runs on a
``dask.distributed`` cluster: the one at ``scheduler`` (``tcp://host:8786``), or a
``LocalCluster`` of ``config.jobs`` single-threaded worker processes started for the
run. Dask does the scheduling, the data movement and the rescheduling of the work of
a lost worker; this module only cuts the work into partitions and writes what comes
back.

- WARC files are scanned **on the workers** (one task per file: ``warc.scan``), so the
  client never reads a WARC; their records become inputs as in the local engine.
- Partitions: the inputs to do (after resume) are grouped by container -- a WARC file,
  or the folder of a file -- and cut into runs of ``partition_size`` pages, so a
  worker reads its own files or a range of records of one WARC. At most
  ``2 x threads`` partitions are in flight; more are submitted as they finish.
- On a worker a partition's pages run in a pebble ``ProcessPool`` private to that
  worker process (as many processes as the worker has threads, recycled every
  ``config.recycle`` pages), with the same per-page ``timeout`` as the local engine: a
  page stuck in a backend has its process killed and replaced and is recorded
  ``timeout``. The worker processes must therefore be allowed children: Dask starts
  workers as daemonic processes by default, so set ``distributed.worker.daemon:
  False`` (``DASK_DISTRIBUTED__WORKER__DAEMON=False``); the ``LocalCluster`` made here
  has it, and ``run`` checks the workers of an existing cluster.
- Exactly once: outputs are written by the workers (atomically, to a shared OUTDIR),
  but the manifest is written only by the client, when a partition's result arrives.
  When a worker dies mid-partition, Dask runs the partition again elsewhere; its pages
  are written again (the same bytes, atomically) and the client records each page
  once. A partition that kills workers ``distributed.scheduler.allowed-failures``
  times is recorded ``failed`` (``worker died``), as the local engine does.
- Resume, ``skipped`` WARC records, ``--warc-output`` and the manifest schema are the
  local engine's (``BatchRunner.plan``, ``BatchRunner.write_warc`` and
  ``BatchRunner.emitter``): the client appends a partition's WARC records and fsyncs
  the file once before their manifest records. Records of WARC inputs are named by
  ``inputs.name_inputs`` once the workers have listed them. URLs are not taken: fetch
  them with the local engine.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .batch import BatchConfig, BatchRunner, Summary
from .batch_page import Task, base_record, process_page, skip_record
from .errors import BatchError, UnboilError
from .inputs import Input, name_inputs, reserved_names, warc_inputs
from .manifest import remove_stale_temp_files
from .workers import DEFAULT_MAX_MEMORY, mp_context, preload, quick_pebble, worker_init

__all__ = ["INSTALL", "DaskRunner", "close_pool", "partitions", "require_dask", "run_partition"]

INSTALL = "pip install 'dask[distributed]'"


def require_dask() -> Any:
    """The ``distributed`` module, or an ``UnboilError`` with the ``pip install``."""
    try:
        import distributed
    except ImportError:
        raise UnboilError(f"the dask engine needs dask.distributed: {INSTALL}") from None
    return distributed


# --------------------------------------------------------------------------- worker side

_POOL: Any = None
_POOL_KEY: tuple[Any, ...] = ()
_POOL_LOCK = threading.Lock()


def _worker_pool(
    backends: tuple[str, ...],
    recycle: int,
    metadata: bool = False,
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> Any:
    """This worker process's pebble pool (made on first use, and again when a run
    asks for other backends, another recycling or another memory cap)."""
    global _POOL, _POOL_KEY
    with _POOL_LOCK:
        key = (backends, recycle, metadata, max_memory)
        if _POOL is not None and (key != _POOL_KEY or not _POOL.active):
            _POOL.stop()
            _POOL.join()
            _POOL = None
        if _POOL is None:
            import multiprocessing

            from pebble import ProcessPool

            if multiprocessing.current_process().daemon:
                raise UnboilError(
                    "this Dask worker is a daemonic process and cannot start the page "
                    "processes: start workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
                )
            for name in backends:
                preload(name, metadata)
            quick_pebble()
            try:
                from distributed import get_worker

                nthreads = get_worker().state.nthreads
            except Exception:
                nthreads = 1
            _POOL = ProcessPool(
                max_workers=max(nthreads, 1),
                max_tasks=max(recycle, 0),
                initializer=worker_init,
                initargs=(os.getpid(), max_memory),
                context=mp_context(),
            )
            _POOL_KEY = key
        return _POOL


def close_pool() -> None:
    """Stops this worker process's page processes (before the worker is closed)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.stop()
            _POOL.join()
            _POOL = None


def _record(task: Task, future: Any, timeout: float) -> dict[str, Any]:
    """The record of one page from its pebble future (as the local engine makes it)."""
    from concurrent.futures import CancelledError

    from pebble import ProcessExpired

    from .base import one_line

    def failed(status: str, error: str, **fields: Any) -> dict[str, Any]:
        return base_record(
            task.source, task.kind, task.options.backend, status, error=error, **fields
        )

    try:
        return future.result()  # type: ignore[no-any-return, unused-ignore]
    except CancelledError:
        return failed("skipped", "interrupted")
    except TimeoutError:
        return failed("timeout", f"timed out after {timeout:g}s (worker stopped)", seconds=timeout)
    except ProcessExpired as exc:
        return failed("failed", f"worker died (exit code {exc.exitcode})")
    except Exception as exc:
        return failed("failed", f"internal error: {one_line(exc)}")


def run_partition(
    tasks: list[Task],
    timeout: float,
    recycle: int,
    backends: tuple[str, ...],
    max_memory: int = DEFAULT_MAX_MEMORY,
) -> list[dict[str, Any]]:
    """Runs on a Dask worker: every page of a partition through ``process_page``, each
    with its timeout, in this worker's process pool; their records, in order."""
    metadata = any(task.options.metadata for task in tasks)
    pool = _worker_pool(backends, recycle, metadata, max_memory)
    futures = [pool.schedule(process_page, (task,), timeout=timeout) for task in tasks]
    return [_record(task, fut, timeout) for task, fut in zip(tasks, futures, strict=True)]


class _Restore:
    """``close()`` leaves a ``dask.config.set`` context."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def close(self) -> None:
        self.context.__exit__(None, None, None)


def _is_daemon() -> bool:
    import multiprocessing

    return bool(multiprocessing.current_process().daemon)


# --------------------------------------------------------------------------- client side


def partitions(items: list[Input], size: int) -> list[list[Input]]:
    """Runs of at most ``size`` inputs sharing a container (WARC file, or a file's
    folder), in input order."""
    groups: dict[str, list[Input]] = {}
    for item in items:
        key = item.container if item.kind == "warc" else str(Path(item.source).parent)
        groups.setdefault(key or "", []).append(item)
    out = []
    for group in groups.values():
        for i in range(0, len(group), size):
            out.append(group[i : i + size])
    return out


class DaskRunner(BatchRunner):
    """``BatchRunner`` on Dask: ``run(inputs, on_record)`` as the local engine's.

    ``client``: an existing ``distributed.Client`` (not closed by ``run``); else one
    to ``scheduler``, else to a new ``LocalCluster`` of ``config.jobs`` workers.
    ``partition_size``: pages per Dask task (default: enough for 4 tasks per worker
    thread, between 1 and 100)."""

    #: workers may write on other machines: each fsyncs its own files
    group_commit = False

    def __init__(
        self,
        config: BatchConfig,
        *,
        scheduler: str | None = None,
        client: Any = None,
        partition_size: int | None = None,
    ) -> None:
        super().__init__(config)
        self.scheduler = scheduler
        self.client = client
        self.partition_size = partition_size
        #: workers that left the cluster during the run (their work was rescheduled)
        self.lost_workers = 0

    # -- the cluster --------------------------------------------------------------

    def _connect(self) -> tuple[Any, list[Any]]:
        """The client and what to close after the run."""
        distributed = require_dask()
        if self.client is not None:
            return self.client, []
        if self.scheduler is not None:
            try:
                client = distributed.Client(self.scheduler, timeout="30s")
            except OSError as exc:
                raise BatchError(
                    f"cannot reach the Dask scheduler {self.scheduler}: {exc}"
                ) from None
            return client, [client]
        import dask

        # for the whole run: a nanny reads it again when it restarts a lost worker
        no_daemon = dask.config.set({"distributed.worker.daemon": False})
        cluster = distributed.LocalCluster(
            n_workers=self.config.jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = distributed.Client(cluster)
        return client, [client, cluster, _Restore(no_daemon)]

    # -- the run ------------------------------------------------------------------

    def run(
        self, inputs: list[Input], on_record: Callable[[dict[str, Any]], None] | None = None
    ) -> Summary:
        if any(item.kind == "url" for item in inputs):
            raise BatchError("the dask engine takes files and WARCs, not URLs: fetch them locally")
        cfg = self.config
        start = time.perf_counter()
        client, closing = self._connect()
        try:
            daemons = [a for a, d in client.run(_is_daemon).items() if d]
            if daemons:
                raise BatchError(
                    f"Dask workers {', '.join(sorted(daemons))} are daemonic processes and "
                    "cannot run the per-page timeout: restart them with "
                    "DASK_DISTRIBUTED__WORKER__DAEMON=False"
                )
            inputs = self._expand_warcs(client, inputs)
            todo, done_before = self.plan(inputs)
            summary = Summary(total=len(inputs), already_done=done_before)
            workers = set(client.scheduler_info()["workers"])
            try:
                self._run(client, todo, summary, on_record)
            finally:
                self.lost_workers = len(workers - set(client.scheduler_info()["workers"]))
                self.close_outputs()
                if cfg.outdir is not None:
                    # the temp files of page processes that died with a lost worker
                    time.sleep(0.6 if self.lost_workers else 0)  # they exit within 0.5 s
                    remove_stale_temp_files(cfg.outdir)
            summary.seconds = time.perf_counter() - start
            summary.interrupted = bool(self._interrupts)
            return summary
        finally:
            if closing:  # our own cluster: stop the page processes first
                with contextlib.suppress(Exception):
                    client.run(close_pool)
            for thing in closing:
                thing.close()

    def _expand_warcs(self, client: Any, inputs: list[Input]) -> list[Input]:
        """``warc-file`` inputs scanned on the workers, one task a file."""
        from .warc import scan

        files = [item for item in inputs if item.kind == "warc-file"]
        if not files:
            return inputs
        futures = client.map(
            scan, [f.source for f in files], max_bytes=self.config.page.max_bytes, pure=False
        )
        scanned = {}
        for item, fut in zip(files, futures, strict=True):
            try:
                scanned[item.source] = warc_inputs(item.source, item.stem, fut.result())
            except UnboilError as exc:
                raise BatchError(str(exc)) from None
        out: list[Input] = []
        for item in inputs:
            out.extend(scanned[item.source] if item.kind == "warc-file" else [item])
        # the records named as the local engine names them (the other stems stay)
        return name_inputs(out, reserved_names(self.config.outdir, self.config.warc_output))

    def _run(
        self,
        client: Any,
        todo: list[Input],
        summary: Summary,
        on_record: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        from distributed import KilledWorker

        from .base import one_line

        cfg = self.config
        emit = self.emitter(summary, on_record)
        for item in todo:
            if item.skip is not None:
                emit(skip_record(item, cfg.page.backend))
        pages = [item for item in todo if item.skip is None]
        threads = max(sum(client.nthreads().values()), 1)
        size = self.partition_size or min(100, max(1, math.ceil(len(pages) / (threads * 4))))
        pending = list(reversed(partitions(pages, size)))
        backends = tuple(b for b in (cfg.page.backend, cfg.page.agreement_backend) if b)
        done: queue.Queue[Any] = queue.Queue()
        in_flight: dict[Any, list[Input]] = {}
        window = threads * 2

        def skipped(items: list[Input]) -> None:
            for item in items:
                emit(
                    base_record(
                        item.source, item.kind, cfg.page.backend, "skipped", error="interrupted"
                    )
                )

        try:
            while pending or in_flight:
                if self._interrupts > 1:
                    break
                while pending and not self._interrupts and len(in_flight) < window:
                    part = pending.pop()
                    fut = client.submit(
                        run_partition,
                        [self._task(item) for item in part],
                        cfg.timeout,
                        cfg.recycle,
                        backends,
                        cfg.max_memory,
                        pure=False,
                    )
                    in_flight[fut] = part
                    fut.add_done_callback(done.put)
                if not in_flight:
                    break
                try:
                    fut = done.get(timeout=0.2)
                except queue.Empty:
                    continue
                part = in_flight.pop(fut)
                try:
                    records = fut.result()
                except KilledWorker:
                    records = [
                        base_record(
                            i.source, i.kind, cfg.page.backend, "failed", error="worker died"
                        )
                        for i in part
                    ]
                except Exception as exc:
                    if fut.cancelled():
                        skipped(part)
                        continue
                    error = f"internal error: {one_line(exc)}"
                    records = [
                        base_record(i.source, i.kind, cfg.page.backend, "failed", error=error)
                        for i in part
                    ]
                self.write_warc(records)  # the partition's WARC records: one fsync
                for rec in records:
                    emit(rec)
        finally:
            if in_flight:
                client.cancel(list(in_flight))
                for part in in_flight.values():
                    skipped(part)
            summary.not_started = sum(len(p) for p in pending)
