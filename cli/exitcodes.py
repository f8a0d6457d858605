"""Exit statuses, defined once. Documented in the README; each is asserted by a test."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    #: a quality check failed (check), or the two texts differ (diff)
    CHECK_FAILED = 1
    #: bad options or arguments; also "trouble" for diff
    USAGE = 2
    #: some sources failed (they were reported; the others were processed)
    SOURCES_FAILED = 3
    #: a bug in unboil: an unexpected error, said in one line (sysexits' EX_SOFTWARE)
    INTERNAL_ERROR = 70
    #: interrupted with Ctrl-C
    INTERRUPTED = 130
    #: the output's reader went away (``unboil ... | head``): stopped quietly, as cat
    PIPE_CLOSED = 141
