"""unboil's command-line front end (click + rich). The work is done by
``unboil.extractors``; this package parses options and renders results."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line (``sys.argv``); returns or raises SystemExit. ``unboil
    --version`` is answered before click loads."""
    if sys.argv[1:] == ["--version"]:
        from ..extractors import __version__

        sys.stdout.write(f"unboil, version {__version__}\n")
        return
    from .main import run

    run()


def entry() -> None:
    """The ``unboil`` console script: ``main()``, then a quick exit (``_exit``). Not for
    calling from Python: it ends the process."""
    try:
        main()
        code: int = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # a message: printed, status 1, as the interpreter does
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    _exit(code)


def _exit(code: int) -> None:
    """Exit without the interpreter's teardown: the atexit handlers run (libraries'
    clean-ups, logging, temporary folders) and the standard streams are flushed, but
    the modules and objects are not freed one by one, which takes 30 ms after importing
    trafilatura and about 0.1 s after a batch (3% of a batch of 181 pages). Only when
    no non-daemon thread is left that the interpreter would wait for; otherwise the
    usual exit."""
    import atexit
    import os
    import threading

    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    main_thread = threading.main_thread()
    waiting = [t for t in threading.enumerate() if t is not main_thread and not t.daemon]
    if run_exitfuncs is None or waiting:
        sys.exit(code)
    try:
        run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (unboil ... | head)
                code = code or 141
        os._exit(code)
