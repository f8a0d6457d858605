"""The tool's own error types: every failure a user should see as one line."""

from __future__ import annotations


class UnboilError(Exception):
    """Base class of every error unboil reports as a one-line message."""


class SourceError(UnboilError):
    """A source (file, stdin, URL) could not be read or is not an HTML page."""

    def __init__(self, source: str, cause: str) -> None:
        super().__init__(f"{source}: {cause}")
        self.source = source
        self.cause = cause


class OutputError(UnboilError):
    """An output (``-o`` file, report, batch output) could not be written."""


class BackendNotFound(UnboilError):
    """No backend is registered under the given name."""


class BackendUnavailable(UnboilError):
    """The backend exists but its library is not installed."""


class BatchError(UnboilError):
    """A batch cannot start: bad inputs or options (a usage error)."""
