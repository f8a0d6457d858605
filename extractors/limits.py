"""A time limit for one page in the current process (``unboil PAGE``).

``unboil batch`` runs pages in worker processes that are killed at the limit; a
one-shot command has no worker to kill, so the limit is a SIGALRM timer that raises
in the main thread. Python code inside a backend is interrupted at once; a long call
into C returns first. Where there is no SIGALRM (Windows) or not on the main thread,
no limit is set.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


class ExtractionTimeout(Exception):
    """A page took longer than its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``ExtractionTimeout`` in the block after ``seconds`` (None or <= 0: no
    limit)."""
    usable = (
        seconds is not None
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    assert seconds is not None

    def expire(signum: int, frame: FrameType | None) -> None:
        raise ExtractionTimeout(f"timed out after {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
