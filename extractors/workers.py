"""Worker processes, as both batch engines set them up: the start method, a watch on
the parent and a memory cap in each worker, pebble's polling, and the one-time set-up
done in the parent before workers fork."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from typing import Any

from .errors import BatchError
from .registry import shared

#: a worker's address space, unless the batch says otherwise (``--max-memory``)
DEFAULT_MAX_MEMORY = 2 << 30
#: what a forked worker maps beyond its parent's address space to start (its watch
#: thread's stack, the pool's pipes)
WORKER_HEADROOM = 64 << 20


def mapped_bytes() -> int:
    """This process's address space (``VmSize``); 0 where ``/proc`` does not say."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def check_memory_cap(max_memory: int) -> None:
    """A ``BatchError`` when the workers' cap is below what a worker forked from this
    process starts with: it could not even start, and the pool would wait for it."""
    need = mapped_bytes() + WORKER_HEADROOM
    if 0 < max_memory < need:
        raise BatchError(
            f"the workers' memory cap ({max_memory >> 20} MiB) is below the {need >> 20} MiB "
            "a worker starts with: raise it, or 0 for no cap"
        )


def worker_init(parent: int, max_memory: int = DEFAULT_MAX_MEMORY) -> None:
    """In each worker: exit when the parent process is gone (killed with SIGKILL, the
    pool cannot stop us), so no orphan keeps writing into OUTDIR. Also caps the
    worker's address space at ``max_memory`` bytes (0: no cap), so that a runaway page
    fails with MemoryError instead of exhausting the machine. Ctrl-C is the parent's
    to handle (a terminal sends it to the workers too): the first lets the pages in
    flight finish, the second stops the pool."""
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        if max_memory > 0:
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            cap = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="unboil-parent-watch", daemon=True).start()


def mp_context() -> Any:
    """fork on Linux: workers start with the parent's imports (and the backends
    registered in-process); the platform's default elsewhere."""
    import multiprocessing
    import sys

    if sys.platform == "linux":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def quick_pebble() -> None:
    """pebble's threads poll every ``sleep_unit`` (0.1 s): closing a pool then takes
    0.1-0.2 s, 5% of a batch of 181 pages. Every 10 ms instead: closing takes 10 ms
    (and timeouts are enforced within 10 ms); the polling costs nothing measurable."""
    with contextlib.suppress(ImportError, AttributeError):
        from pebble.common import CONSTS

        CONSTS.sleep_unit = min(CONSTS.sleep_unit, 0.01)


def preload(name: str, metadata: bool = False) -> None:
    """A backend's one-time set-up (``Backend.warm``: imports, stop-lists, models)
    done in the parent, so that forked workers (recycled ones too) start with it;
    and the modules ``process_page`` imports (each worker imported them again)."""
    from . import formats, fsutil, htmltree, loading, markup, terminal, textmode  # noqa: F401

    with contextlib.suppress(Exception):
        shared(name).warm(metadata=metadata)
    if metadata:
        # a page's date names a time zone: without the system's zoneinfo files, the
        # zoneinfo module reads them from the tzdata package when one is installed
        with contextlib.suppress(ImportError):
            import tzdata.zoneinfo  # noqa: F401
