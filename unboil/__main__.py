"""``python -m unboil``: the command line, as the ``unboil`` script runs it."""

from unboil.cli import entry

entry()
