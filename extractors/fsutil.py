"""Atomic file writes: a temp file in the destination folder, then a rename, so a
reader never sees a half-written file and a crash never truncates an old one."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any


def _default_mode(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: str | os.PathLike[str], data: str | bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; an existing file keeps its permissions,
    a new one gets the usual ones (0666 less the umask). ``durable``: the data is
    fsynced before the rename (it survives a power loss, not only a killed process);
    without it the caller makes it durable later, e.g. with ``sync_filesystem``.

    A symlink is followed (its target is replaced, the link stays), and a path that
    is not a regular file (``/dev/null``, a named pipe, a terminal) is written to
    directly: a rename would put a file in place of the device or the pipe. A failure is an
    ``OutputError`` naming ``path`` (not the temp file)."""
    try:
        _atomic_write(path, data, durable)
    except OSError as exc:
        from .errors import OutputError

        raise OutputError(f"{os.fspath(path)}: cannot write: {exc.strerror or exc}") from exc


#: the longest file name (bytes) on the file systems unboil writes to
NAME_MAX = 255
#: what ``mkstemp`` adds to the prefix: 8 random characters and ``.tmp``
_TEMP_EXTRA = len("12345678.tmp")


def _temp_prefix(name: str) -> str:
    """``.NAME.``, the temp file's prefix: ``.NAME.XXXXXXXX.tmp`` is the temp file of
    ``NAME``. A name too long for that (over 241 bytes: a legal name may have 255) is
    cut at a character boundary, so that the temp name fits in ``NAME_MAX`` bytes."""
    raw = os.fsencode(name)
    room = NAME_MAX - _TEMP_EXTRA - 2  # the two dots
    if len(raw) > room:
        while room > 1 and raw[room] & 0xC0 == 0x80:  # not inside a UTF-8 character
            room -= 1
        name = os.fsdecode(raw[:room])
    return f".{name}."


def _atomic_write(path: str | os.PathLike[str], data: str | bytes, durable: bool) -> None:
    target = Path(os.path.realpath(path))
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with contextlib.suppress(FileNotFoundError):
        mode = target.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            with open(target, "wb") as fh:
                fh.write(payload)
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target.name), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.chmod(tmp, _default_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_syncfs: Any = None


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Both paths name one existing file (through links, ``..`` and the like)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def sync_filesystem(path: str | os.PathLike[str]) -> None:
    """Flush everything written to the filesystem that holds ``path`` to disk: one
    ``syncfs(2)`` on Linux (a group commit: far cheaper than an fsync per file), the
    whole machine's ``sync`` on other Unixes. Errors are ignored (a filesystem that
    cannot sync has nothing more to offer)."""
    global _syncfs
    if _syncfs is None:
        _syncfs = False
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                import ctypes

                _syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    try:
        if _syncfs:
            fd = os.open(path, os.O_RDONLY)
            try:
                _syncfs(fd)
            finally:
                os.close(fd)
        elif hasattr(os, "sync"):
            os.sync()
    except OSError:
        pass
