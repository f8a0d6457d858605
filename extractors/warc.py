"""WARC/ARC input and output for ``unboil batch`` (through warcio, imported lazily).

- ``scan(path)`` streams a ``.warc``, ``.warc.gz``, ``.arc`` or ``.arc.gz`` file and
  returns one ``WarcEntry`` per ``response`` (or ``resource``) record: its record id,
  target URI, offset and length in the file, and -- when it will not be processed --
  the reason it is skipped: not HTML (by the HTTP content type, and by a sniff of the
  first bytes when the type is missing or generic), ``WARC-Truncated``, a payload
  shorter than its ``Content-Length`` or not matching its ``WARC-Payload-Digest``, a
  content encoding that does not decode, an HTTP status other than 2xx, or a record
  that cannot be read at all (the rest of the file is then lost: one entry says so).
  ``request``, ``metadata``, ``warcinfo``, ``revisit`` records are not pages and are
  not listed.
- ``load_record(path, offset, source)`` is what a worker runs for one entry: it seeks
  to the record, reads it again, undoes the transfer and content encodings and loads
  the payload with ``loading.load_bytes`` (the HTTP ``charset`` first, the target URI
  as the page URL). It raises ``WarcSkip`` (a ``SourceError``) for a record that
  turns out not to be a page.
- ``ConversionWriter`` writes the cleaned text as WARC ``conversion`` records
  (``WARC-Refers-To`` the original record when there is one), one gzip member each,
  one ``write`` each, into a file it locks; it reports each record's byte range, and
  ``cut`` drops what a crashed run left beyond the records a manifest accounts for.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import stat
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any, BinaryIO

from .errors import OutputError, SourceError, UnboilError

__all__ = [
    "INSTALL",
    "ConversionWriter",
    "WarcEntry",
    "WarcSkip",
    "is_warc",
    "load_record",
    "require_warcio",
    "scan",
]

INSTALL = "pip install 'warcio>=1.7'"
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
#: content types that say nothing: the payload is sniffed
GENERIC_TYPES = frozenset(
    {"", "application/octet-stream", "text/plain", "unk", "unknown", "application/unknown"}
)
_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<div", b"<p>")
SNIFF_BYTES = 2048


class WarcSkip(SourceError):
    """A WARC record that is not processed; ``cause`` says why."""


def require_warcio() -> Any:
    """The warcio module, or an ``UnboilError`` naming the ``pip install`` to run."""
    try:
        import warcio.archiveiterator
    except ImportError:
        raise UnboilError(f"WARC input needs warcio: {INSTALL}") from None
    return warcio


def is_warc(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(WARC_SUFFIXES)


@dataclass(frozen=True)
class WarcEntry:
    """One page-like record of a WARC file."""

    path: str
    offset: int
    length: int
    #: ``WARC-Record-ID`` without the angle brackets; ``offset-N`` when there is none
    record_id: str
    url: str | None
    content_type: str | None
    #: why the record is skipped; None: it is a page to process
    skip: str | None = None
    #: the record is a page that cannot be read (see ``_examine``): it failed, it is
    #: not skipped
    failed: bool = False


# --------------------------------------------------------------------------- reading


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get_header(name)
    return value.strip() if isinstance(value, str) else None


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _digest_ok(raw: bytes, digest: str | None) -> bool:
    """``sha1:BASE32`` (or hex, or another hashlib algorithm) matches ``raw``; a digest
    we cannot check counts as matching."""
    if not digest or ":" not in digest:
        return True
    algo, _, value = digest.partition(":")
    algo = algo.strip().lower().replace("-", "")
    try:
        h = hashlib.new(algo, raw).digest()
    except ValueError:
        return True
    value = value.strip()
    if value.lower() == h.hex():
        return True
    try:
        return base64.b32decode(value.upper() + "=" * (-len(value) % 8)) == h
    except ValueError:
        return True


def _decoded(raw: bytes, chunked: bool, encoding: str | None, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the payload with the transfer (chunked) and
    content (gzip, deflate, br: one layer) encodings undone, never decompressing more
    than that (``fetching.decode_body``: a brotli bomb stops at the limit); raises
    ``ValueError`` when they do not decode."""
    from .fetching import decode_body

    if chunked:
        from warcio.bufferedreaders import ChunkedDataReader

        raw = ChunkedDataReader(io.BytesIO(raw), raise_exceptions=True).read()
    step = 1 << 16  # small input pieces: the decoders never copy much of it at a time
    pieces = (raw[i : i + step] for i in range(0, len(raw), step))
    return decode_body(pieces, encoding, limit)


def _examine(rec: Any, max_bytes: int, full: bool) -> tuple[str | None, str | None, bool, bytes]:
    """``(content type, reason, failed, payload)`` of a record: why it is not
    processed (None: it is), the first ``SNIFF_BYTES`` decoded bytes of its payload
    (all of them when ``full``). ``failed``: the record is a page that cannot be read
    (a digest or length that does not match, an encoding that does not decode, over
    the size cap), a failure as a broken file would be, not a record passed over."""
    http = rec.http_headers if rec.rec_type == "response" else None
    if rec.rec_type == "response":
        content_type = _header(http, "Content-Type")
    else:  # resource: the WARC header holds the type
        content_type = _header(rec.rec_headers, "Content-Type")
    truncated = _header(rec.rec_headers, "WARC-Truncated")
    if truncated:
        return content_type, f"truncated record (WARC-Truncated: {truncated})", False, b""
    if http is not None:
        code = (http.get_statuscode() or "").strip()
        if not code.startswith("2"):
            return content_type, f"HTTP status {code or 'missing'}", False, b""
    mime = _mime(content_type)
    if mime not in HTML_TYPES and mime not in GENERIC_TYPES:
        return content_type, f"not HTML ({mime})", False, b""
    from .loading import _size, _too_large

    raw = rec.raw_stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return content_type, _too_large(max_bytes), True, b""
    if not _digest_ok(raw, _header(rec.rec_headers, "WARC-Payload-Digest")):
        return content_type, "truncated or corrupt record (payload digest mismatch)", True, b""
    chunked = "chunked" in (_header(http, "Transfer-Encoding") or "").lower()
    length = _header(http, "Content-Length")
    if length and length.isdigit() and not chunked and len(raw) < int(length):
        return content_type, f"truncated payload ({len(raw)} of {length} bytes)", True, b""
    try:
        limit = max_bytes if full else SNIFF_BYTES
        body = _decoded(raw, chunked, _header(http, "Content-Encoding"), limit)
    except Exception as exc:  # zlib.error, brotli.error, ChunkedDataException...
        return content_type, f"broken content encoding: {str(exc) or type(exc).__name__}", True, b""
    if full and len(body) > max_bytes:
        cause = f"decompresses to more than {_size(max_bytes)} (max_bytes)"
        return content_type, cause, True, b""
    if mime not in HTML_TYPES:
        head = body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if not any(tag in head for tag in _SNIFF):
            return content_type, f"not HTML ({mime or 'no content type'}; sniffed)", False, b""
    if not body.strip():
        return content_type, "empty payload", False, b""
    return content_type, None, False, body


def _record_id(rec: Any, offset: int, arc: bool) -> str:
    """The record's ``WARC-Record-ID``; ``offset-N`` when it has none, and for an ARC
    record (warcio makes up a new random id at each read: names and resume would not
    be stable)."""
    rid = None if arc else _header(rec.rec_headers, "WARC-Record-ID")
    return rid.strip("<>") if rid else f"offset-{offset}"


def _is_arc(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith((".arc", ".arc.gz"))


def _iterator(fh: BinaryIO, path: str | os.PathLike[str]) -> Any:
    """warcio's reader; ARC records read as WARC ones for ``.arc`` files only (else
    garbage would pass for an ARC record)."""
    from warcio.archiveiterator import ArchiveIterator

    return ArchiveIterator(fh, arc2warc=_is_arc(path))


def scan(path: str | os.PathLike[str], *, max_bytes: int = 10_000_000) -> list[WarcEntry]:
    """The page-like records of a WARC (see the module docstring)."""
    require_warcio()
    source = str(path)
    arc = _is_arc(path)
    entries: list[WarcEntry] = []
    offset = 0
    try:
        fh = open(path, "rb")  # noqa: SIM115 -- closed below
    except OSError as exc:
        raise SourceError(source, f"cannot read: {exc.strerror or exc}") from None
    with fh:
        it = _iterator(fh, path)
        records = iter(it)
        while True:
            try:
                rec = next(records)
            except StopIteration:
                break
            except Exception as exc:  # a record that cannot be parsed: the rest is lost
                at = _safe_offset(it, offset)
                reason = f"broken record, rest of file not read: {_short(exc)}"
                entries.append(WarcEntry(source, at, 0, f"offset-{at}", None, None, reason, True))
                break
            if rec.rec_type not in ("response", "resource"):
                continue
            url = _header(rec.rec_headers, "WARC-Target-URI")
            try:
                content_type, skip, failed, _body = _examine(rec, max_bytes, full=False)
                while rec.raw_stream.read(1 << 16):  # to the end, so that the length is
                    pass  # known: a piece at a time (a huge payload is never held)
                offset, length = it.get_record_offset(), it.get_record_length()
            except Exception as exc:
                at = _safe_offset(it, offset)
                reason = f"broken record, rest of file not read: {_short(exc)}"
                entries.append(
                    WarcEntry(source, at, 0, _record_id(rec, at, arc), url, None, reason, True)
                )
                break
            entries.append(
                WarcEntry(
                    source,
                    offset,
                    length,
                    _record_id(rec, offset, arc),
                    url,
                    content_type,
                    skip,
                    failed,
                )
            )
            offset += length
    return entries


def _safe_offset(it: Any, default: int) -> int:
    try:
        return int(it.get_record_offset() + it.get_record_length())
    except Exception:
        return default


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    # warcio quotes the line it could not read: binary garbage in a one-line error
    text = text.split(", first line:")[0]
    return text[:200]


def load_record(
    path: str | os.PathLike[str],
    offset: int,
    source: str,
    *,
    max_bytes: int = 10_000_000,
) -> Any:
    """The ``Page`` of the record at ``offset`` (see the module docstring)."""
    require_warcio()
    from .loading import load_bytes

    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            rec = next(iter(_iterator(fh, path)))
            url = _header(rec.rec_headers, "WARC-Target-URI")
            content_type, skip, failed, body = _examine(rec, max_bytes, full=True)
    except StopIteration:  # the file changed since it was scanned: a failure
        raise SourceError(source, f"no record at offset {offset}") from None
    except OSError as exc:
        raise SourceError(source, f"cannot read: {exc.strerror or exc}") from None
    except Exception as exc:
        raise SourceError(source, f"broken record: {_short(exc)}") from None
    if skip is not None:
        raise SourceError(source, skip) if failed else WarcSkip(source, skip)
    mime = _mime(content_type)
    if mime not in HTML_TYPES:  # generic type, sniffed as HTML: keep only its charset
        charset = _charset(content_type)
        content_type = f"text/html; charset={charset}" if charset else None
    return load_bytes(body, source, content_type=content_type, url=url, max_bytes=max_bytes)


def _charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


# --------------------------------------------------------------------------- writing


class ConversionWriter:
    """Appends the cleaned text of each page to a WARC file as ``conversion`` records
    (gzip members when the name ends in ``.gz``), for one process at a time: the file
    is locked (``flock``) while it is open, and a second writer gets an
    ``OutputError``. Opening it changes nothing in it; ``cut(keep)`` keeps its first
    ``keep`` bytes (``cut(0)``: a fresh file; the batch keeps the records its manifest
    accounts for, see ``batch``).

    ``write`` appends one whole record with one ``write`` call and returns its byte
    range: a crash leaves at most a partial last record, which the next ``cut`` drops.
    A write that fails (a full disk) is cut back off at once and raises
    ``OutputError``; if even that fails, the writer refuses every later record (the
    file stays as it is until the next run cuts it). ``sync`` (or ``write(...,
    sync=True)``) fsyncs the file: a record is durable before its page's manifest
    record is written."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        require_warcio()
        self.path = Path(path)
        self.gzip = str(path).lower().endswith(".gz")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror or exc}") from None
        self._fd: int | None = fd
        try:
            self._lock()
            st = os.fstat(fd)
        except BaseException:
            os.close(fd)
            self._fd = None
            raise
        #: a regular file (else a device or a pipe: nothing to cut, sync or count)
        self.regular = stat.S_ISREG(st.st_mode)
        self.size = st.st_size if self.regular else 0
        self._broken: str | None = None

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows
            return
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # type: ignore[arg-type]
        except BlockingIOError:
            raise OutputError(
                f"{self.path}: another unboil batch is writing this WARC file; wait for "
                "it or choose another warc_output"
            ) from None

    def _error(self, exc: OSError) -> OutputError:
        return OutputError(f"{self.path}: cannot write: {exc.strerror or exc}")

    def cut(self, keep: int) -> None:
        """Keep the first ``keep`` bytes (at most the file's size), drop the rest, and
        make that durable."""
        if self._fd is None:
            raise ValueError("WARC output is closed")
        if not self.regular:
            return
        keep = max(0, min(keep, os.fstat(self._fd).st_size))
        try:
            os.ftruncate(self._fd, keep)
            os.fsync(self._fd)
        except OSError as exc:
            raise self._error(exc) from None
        self.size = keep
        self._broken = None

    def write(self, rec: dict[str, Any], text: str, *, sync: bool = True) -> tuple[int, int]:
        """Append the conversion record of the manifest record ``rec`` (its text
        ``text``); its ``(offset, end)`` in the file."""
        if self._fd is None:
            raise ValueError("WARC output is closed")
        if self._broken is not None:
            raise OutputError(f"{self.path}: cannot write: {self._broken}")
        data = self._record(rec, text)
        offset = self.size
        try:
            written = 0
            while written < len(data):  # a regular file takes it all in one write
                written += os.write(self._fd, data[written:])
        except OSError as exc:
            if self.regular:
                try:  # the partial record off again: the file stays whole records
                    os.ftruncate(self._fd, offset)
                except OSError as again:
                    self._broken = f"an earlier write failed ({again.strerror or again})"
            raise self._error(exc) from None
        if self.regular:
            self.size = offset + len(data)
        if sync:
            self.sync()
        return offset, offset + len(data)

    def sync(self) -> None:
        """fsync the file (``OutputError`` when that fails)."""
        if self._fd is not None and self.regular:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                raise self._error(exc) from None

    def _record(self, rec: dict[str, Any], text: str) -> bytes:
        """The record's bytes (one gzip member when the file is gzipped)."""
        from warcio.warcwriter import WARCWriter

        buffer = io.BytesIO()
        writer = WARCWriter(buffer, gzip=self.gzip)
        source = str(rec["source"])
        uri = rec.get("url") or source
        if rec.get("kind") == "file" and "://" not in uri:
            uri = Path(source).resolve().as_uri()
        headers = [
            ("WARC-Date", _warc_date(rec.get("finished"))),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
        if rec.get("kind") == "warc" and "#" in source:
            rid = source.rsplit("#", 1)[1]
            if not rid.startswith("offset-"):
                headers.append(("WARC-Refers-To", f"<{rid}>"))
        headers.append(("X-Unboil-Backend", f"{rec.get('backend')} {rec.get('version') or ''}"))
        record = writer.create_warc_record(
            uri,
            "conversion",
            payload=io.BytesIO(text.encode("utf-8", "replace")),
            warc_headers_dict=dict(headers),
        )
        writer.write_record(record)
        return buffer.getvalue()

    def close(self) -> None:
        """Close the file (and release its lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ConversionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _warc_date(finished: Any) -> str:
    from datetime import datetime

    if isinstance(finished, str) and finished:
        try:
            when = datetime.fromisoformat(finished)
        except ValueError:
            when = datetime.now(UTC)
        if when.tzinfo is None:  # no offset: UTC, as the manifest's times are
            when = when.replace(tzinfo=UTC)
    else:
        when = datetime.now(UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
