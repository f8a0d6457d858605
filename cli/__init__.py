"""unboil's command-line front end (click + rich). The work is done by
``unboil.extractors``; this package parses options and renders results."""

from __future__ import annotations

import sys


def main() -> None:
    """Console-script entry point. ``unboil --version`` is answered before click loads."""
    if sys.argv[1:] == ["--version"]:
        from ..extractors import __version__

        sys.stdout.write(f"unboil, version {__version__}\n")
        return
    from .main import run

    run()
