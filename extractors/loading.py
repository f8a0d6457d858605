"""Loading pages: files, gzip, stdin and URLs, decoded to text once.

``load(source)`` is the entry point: ``-`` reads standard input, ``http://`` and
``https://`` are fetched (``fetching.fetch``: httpx, one deadline, bounded
decompression, private addresses refused), anything else is a file path. Every source goes
through ``load_bytes``, which decompresses gzip (recognised by its magic bytes, with a
cap on the decompressed size), refuses what is not an HTML page, and decodes.

Decoding, first match wins:

1. a byte order mark (UTF-8, UTF-16, UTF-32) -- it beats the HTTP header, as in
   browsers;
2. UTF-16/UTF-32 without a BOM, recognised by its pattern of NUL bytes;
3. the charset of the HTTP ``Content-Type`` header;
4. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` or the XML declaration
   in the first 4 KB;
5. UTF-8, strict, or with a few stray bytes among many valid multi-byte sequences;
6. charset-normalizer's best guess (a near tie goes to the Windows codepage of the
   language it reads: cp1252 for French, cp1254 for Turkish...);
7. UTF-8 with replacement characters.

A declared charset is only trusted when it is a text codec Python knows (browser
labels are mapped as browsers map them: ``iso-8859-1`` and ``ascii`` mean
windows-1252, ``shift_jis`` means cp932...), when an 8-bit page does not claim UTF-16
and when the bytes fit it; a few invalid sequences are tolerated (decoded as U+FFFD)
rather than switching a whole page to another charset. A page declared in a legacy
charset (windows-1252 is the default many servers send) whose bytes are valid
multi-byte UTF-8 is read as UTF-8.

Every failure is a ``SourceError`` with a one-line cause; content that is not HTML is a
``NotHtml`` (a ``SourceError``) whose ``kind`` says what it looks like.

One module over 600 lines for one concern: bytes to a decoded page (every decoding
choice above and its limits read the same bytes, in one order).
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
import sys
import time
import zlib
from typing import BinaryIO

from . import __version__
from .errors import SourceError
from .page import Page

#: what a saved page's file is called (gzip-compressed too): the suffixes a folder's
#: pages have for ``batch``, ``check`` and gold sets
PAGE_SUFFIXES = (".html.gz", ".htm.gz", ".html", ".htm")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: seconds to fetch a URL, and (batch, check, the CLI) for each backend on each page
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5

USER_AGENT = f"unboil/{__version__}"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1"

STDIN_SOURCE = "<stdin>"

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "NotHtml",
    "is_http_url",
    "load_bytes",
    "load_file",
    "load_stdin",
    "url_scheme",
]


class NotHtml(SourceError):
    """The source was read but is not an HTML page.

    ``kind`` says what it looks like: ``empty``, ``text`` (plain text without any
    markup), ``json``, ``pdf``, ``png``, ``jpeg``, ``gif``, ``webp``, ``image``, ``zip``,
    ``archive``, ``binary``, or for a refused HTTP content type ``audio``, ``video``,
    ``font`` or ``other``. For ``text`` the decoded text is kept in ``page`` (its
    ``html`` is the plain text) so that a text mode can use it without reloading.
    """

    def __init__(self, source: str, cause: str, kind: str, page: Page | None = None) -> None:
        super().__init__(source, cause)
        self.kind = kind
        self.page = page


# --------------------------------------------------------------------------- files


def load_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> Page:
    """Read a file (at most ``max_bytes``) and load it as a page. A file that is not a
    regular one (a named pipe, ``<(command)``, a terminal) is read as its writer sends
    it, within ``timeout`` seconds."""
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError) as exc:
        raise SourceError(source, read_error_cause(exc, path)) from None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        if regular:
            os.set_blocking(fd, True)
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(max_bytes + 1)
        else:
            data = _read_stream(fd, source, max_bytes, timeout)
    except OSError as exc:
        raise SourceError(source, read_error_cause(exc, path)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise SourceError(source, _too_large(max_bytes))
    return load_bytes(data, source, max_bytes=max_bytes)


def _read_stream(fd: int, source: str, max_bytes: int, timeout: float) -> bytes:
    """Up to ``max_bytes + 1`` bytes of a pipe or device (opened non-blocking), to its
    end or until ``timeout`` seconds have passed (a SourceError)."""
    import select

    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    parts: list[bytes] = []
    total = 0
    while total <= max_bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise SourceError(source, f"timed out after {timeout:g}s waiting for data")
        try:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
        except BlockingIOError:  # a named pipe with no writer yet: poll says readable
            time.sleep(min(0.05, max(remaining, 0)))
            continue
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


def load_stdin(stdin: BinaryIO | None, *, max_bytes: int) -> Page:
    """Standard input (or ``stdin``), at most ``max_bytes``, as a page."""
    source = STDIN_SOURCE
    if stdin is None:
        if sys.stdin is None:
            raise SourceError(source, "no standard input")
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise SourceError(source, "standard input is not readable as bytes")
    try:
        data = stdin.read(max_bytes + 1) or b""  # None: a non-blocking stream with no data
    except (OSError, ValueError) as exc:  # ValueError: read on a closed file
        raise SourceError(source, f"cannot read: {_os_reason(exc)}") from None
    if isinstance(data, str):  # a text stream passed by mistake
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise SourceError(source, _too_large(max_bytes))
    return load_bytes(data, source, max_bytes=max_bytes)


# --------------------------------------------------------------------------- bytes


def load_bytes(
    data: bytes,
    source: str,
    *,
    content_type: str | None = None,
    url: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Page:
    """Turn raw bytes (from any source) into a ``Page``: gunzip, sniff, decode.

    ``content_type`` is the HTTP header, if any: its media type must be HTML-like and
    its charset is the first one tried after a BOM.
    """
    if len(data) > max_bytes:
        raise SourceError(source, _too_large(max_bytes))
    mime, header_charset = _parse_content_type(content_type)
    _check_mime(source, mime)

    layers = 0
    while data[:2] == _GZIP_MAGIC and layers < 3:  # a .gz of a .gz: unwrap again
        data = _gunzip(data, source, max_bytes)
        layers += 1

    _sniff_binary(data, source)
    wide = _sniff_utf16_32(data)
    if wide is None and data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        _check_control_bytes(data, source)

    text, encoding, how = _decode(data, header_charset, wide)
    if text.startswith("\ufeff"):
        text = text.lstrip("\ufeff")
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")

    page = Page(
        source=source,
        html=text,
        raw=data,
        encoding=encoding,
        encoding_source=how,
        url=url,
        content_type=content_type,
    )
    _check_text(text, source, page)
    return page


_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 16


def _gunzip(data: bytes, source: str, max_bytes: int) -> bytes:
    """Decompress gzip (several members too) without ever holding more than
    ``max_bytes`` of output: a gzip bomb stops at the cap."""
    parts: list[bytes] = []
    total = 0
    rest = data
    while rest[:2] == _GZIP_MAGIC:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        buf = rest
        try:
            while not d.eof:
                chunk = d.decompress(buf, _CHUNK)
                buf = d.unconsumed_tail
                if not chunk and not buf:
                    raise SourceError(source, "truncated gzip data")
                total += len(chunk)
                if total > max_bytes:
                    raise SourceError(
                        source, f"decompresses to more than {_size(max_bytes)} (max_bytes)"
                    )
                parts.append(chunk)
        except zlib.error as exc:
            reason = str(exc).rsplit(": ", 1)[-1]
            raise SourceError(source, f"corrupt gzip data ({reason})") from None
        rest = d.unused_data  # another member, or trailing padding that is ignored
    return b"".join(parts)


# Magic numbers of formats that are certainly not HTML: (prefix, kind, label).
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png", "PNG image"),
    (b"\xff\xd8\xff", "jpeg", "JPEG image"),
    (b"GIF87a", "gif", "GIF image"),
    (b"GIF89a", "gif", "GIF image"),
    (b"PK\x03\x04", "zip", "ZIP archive"),
    (b"PK\x05\x06", "zip", "ZIP archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive", "7-Zip archive"),
    (b"Rar!\x1a\x07", "archive", "RAR archive"),
    (b"\xfd7zXZ\x00", "archive", "xz data"),
    (b"\x28\xb5\x2f\xfd", "archive", "zstd data"),
    (b"BZh", "archive", "bzip2 data"),
    (b"\x7fELF", "binary", "an executable"),
)


def _sniff_binary(data: bytes, source: str) -> None:
    """Refuse empty input and well-known binary formats by their first bytes."""
    if not data.strip():
        raise NotHtml(source, "empty page", "empty")
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        raise NotHtml(source, "not an HTML page (looks like PDF)", "pdf")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        raise NotHtml(source, "not an HTML page (looks like a WebP image)", "webp")
    if head.startswith((b"WARC/1.", b"WARC/0.")):  # gunzipped already, when it was
        raise NotHtml(source, "not an HTML page (a WARC file: unboil batch reads those)", "warc")
    for magic, kind, label in _MAGIC:
        if data.startswith(magic):
            if magic == b"BZh" and data[4:10] != b"1AY&SY":
                continue
            raise NotHtml(source, f"not an HTML page (looks like {_article(label)})", kind)


def _article(label: str) -> str:
    if label.startswith(("an ", "a ")) or label.endswith(" data"):
        return label
    return ("an " if label[0] in "AEIOU" else "a ") + label


# C0 control bytes that never occur in text (tab, LF, FF, CR, VT, SO/SI and ESC for
# ISO-2022 do).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 14, 15, 27))
_ASCII = bytes(range(128))


def _check_control_bytes(data: bytes, source: str) -> None:
    """Refuse binary data: many NUL/control bytes in the first 8 KB."""
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL))
    if controls > max(2, len(sample) // 20):
        raise NotHtml(source, "not an HTML page (binary data)", "binary")


def _sniff_utf16_32(data: bytes) -> str | None:
    """UTF-16/UTF-32 without a BOM: HTML is mostly ASCII, so the high bytes of its
    code units are NUL, at fixed positions. Returns a codec name or None."""
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 8 or b"\x00" not in sample:
        return None
    n = len(sample) // 4
    nul = [sample[i::4].count(0) / n for i in range(4)]
    if nul[2] > 0.9 and nul[3] > 0.9 and nul[0] < 0.5:
        return "utf-32-le"
    if nul[0] > 0.9 and nul[1] > 0.9 and nul[3] < 0.5:
        return "utf-32-be"
    even, odd = (nul[0] + nul[2]) / 2, (nul[1] + nul[3]) / 2
    if odd > 0.2 and even < odd / 4:
        return "utf-16-le"
    if even > 0.2 and odd < even / 4:
        return "utf-16-be"
    return None


# Something that looks like a tag (attributes bounded, so that no input backtracks long).
_TAG = re.compile(
    r"<(?:[A-Za-z][A-Za-z0-9:._-]*(?:\s[^<>]{0,2000})?/?>|/[A-Za-z][^<>]{0,100}>|!--|!doctype)",
    re.I,
)


def _check_text(text: str, source: str, page: Page) -> None:
    """Refuse decoded text that is empty, JSON, or has no markup at all."""
    stripped = text.strip()
    if not stripped:
        raise NotHtml(source, "empty page", "empty")
    if stripped[0] in "{[":
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            raise NotHtml(source, "not an HTML page (looks like JSON)", "json")
    if not _looks_like_markup(stripped):
        raise NotHtml(source, "not an HTML page (plain text)", "text", page=page)


_DOCUMENT_TAG = re.compile(r"<(?:!doctype|html[\s>]|head[\s>]|body[\s>])", re.I)


def _looks_like_markup(text: str) -> bool:
    """HTML (a document or a fragment) rather than text that mentions a tag or two:
    it starts with markup, has a document tag (doctype, html, head, body), or its tags
    are at least 2% of it. So a Markdown note or a text dump that says "the <div>
    element" is plain text, and ``[aside]<p>a <b>b</b></p>`` is HTML."""
    if _TAG.match(text) or _DOCUMENT_TAG.search(text):
        return True
    count = markup = 0
    for m in _TAG.finditer(text):
        count += 1
        markup += m.end() - m.start()
    return count >= 2 and markup * 50 >= len(text)


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels browsers know that Python does not, or spells differently.
_LABELS = {
    "windows-31j": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "x-euc-jp": "euc_jp",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "ks_c_5601-1987": "cp949",
    "windows-949": "cp949",
    "x-mac-roman": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
    "macintosh": "mac-roman",
    "iso-8859-8-i": "iso8859-8",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
}

# Python codec names that browsers read as a superset (WHATWG Encoding Standard).
_SUPERSETS = {
    "ascii": "cp1252",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
}

# Codecs a page may never select: not charsets, or script-injection hazards.
_REFUSED = {
    "utf-7",
    "undefined",
    "unicode-escape",
    "raw-unicode-escape",
    "idna",
    "punycode",
    "mbcs",
}

_META = re.compile(rb"<meta\s[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.I)
_XML_DECL = re.compile(rb"^\s*<\?xml\s[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)", re.I)


def _codec(label: str | None) -> str | None:
    """A charset label -> the Python codec to use, or None if unusable."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _LABELS.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True):
        return None
    name = info.name
    if name.replace("_", "-") in _REFUSED:
        return None
    return _SUPERSETS.get(name, name)


def _is_wide(codec: str) -> bool:
    return codec.startswith(("utf-16", "utf-32"))


def _meta_charsets(data: bytes) -> list[str]:
    """Charsets declared in the first 4 KB: <meta> tags, then the XML declaration."""
    head = data[:4096]
    labels = [m.group(1).decode("ascii") for m in _META.finditer(head)]
    xml = _XML_DECL.match(head)
    if xml:
        labels.append(xml.group(1).decode("ascii"))
    return labels


def _decode_declared(data: bytes, codec: str) -> str | None:
    """Decode with a declared codec; tolerate a few bad sequences (as U+FFFD), but
    return None when the bytes plainly are in another charset."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    except (LookupError, UnicodeError):
        return None
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(data.translate(None, _ASCII))
    if bad <= 8 or bad <= non_ascii // 50:
        return text
    return None


def _utf8_multibyte(data: bytes) -> str | None:
    """The text if ``data`` is valid UTF-8 and not plain ASCII, else None."""
    if data.isascii():
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray bytes: valid multi-byte sequences far outnumber the
    invalid ones. Decoded with U+FFFD for the bad bytes, else None."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return text if good >= 4 * bad else None


def _decode(data: bytes, header_charset: str | None, wide: str | None) -> tuple[str, str, str]:
    """-> (text, codec, how it was chosen)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec, "bom"

    header = _codec(header_charset)
    if wide is not None:
        how = "http-header" if header is not None and _is_wide(header) else "detected"
        return data.decode(wide, errors="replace"), wide, how

    declared: list[tuple[str, str]] = []
    if header is not None and not _is_wide(header) and _ascii_compatible(header):
        declared.append((header, "http-header"))
    for label in _meta_charsets(data):
        meta = _codec(label)
        # A meta tag is read as ASCII, so it cannot rightly declare UTF-16/32 (or
        # EBCDIC): browsers ignore such a declaration.
        if meta is not None and not _is_wide(meta) and _ascii_compatible(meta):
            declared.append((meta, "meta"))
            break

    for codec, how in declared:
        if codec != "utf-8":
            # A legacy charset (often the "iso-8859-1" servers and templates claim by
            # default) on bytes that are valid multi-byte UTF-8: text in a legacy
            # charset practically never is, so this is UTF-8.
            text = _utf8_multibyte(data)
            if text is not None:
                return text, "utf-8", "utf-8"
        decoded = _decode_declared(data, codec)
        if decoded is not None:
            return decoded, codec, how

    try:
        return data.decode("utf-8"), "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data)
    if text is not None:
        return text, "utf-8", "utf-8"

    guess = _detect(data)
    if guess is not None:
        return data.decode(guess, errors="replace"), guess, "detected"
    return data.decode("utf-8", errors="replace"), "utf-8", "fallback"


def _ascii_compatible(codec: str) -> bool:
    probe = b'<meta charset="x">'
    try:
        return probe.decode(codec) == probe.decode("ascii")
    except (UnicodeError, LookupError):
        return False


#: the Windows codepage of each language charset-normalizer names (the legacy charset
#: of its undeclared pages), and how much more "chaos" (its mess measure) a reading in
#: that codepage may have than the best guess and still be preferred (``_detect``)
_WINDOWS_CODEPAGES = {
    language: codepage
    for codepage, languages in {
        "cp1252": (
            "Danish Dutch English Finnish French German Indonesian"
            " Italian Norwegian Portuguese Spanish Swedish"
        ),
        "cp1250": "Croatian Czech Hungarian Polish Romanian Slovak Slovene",
        "cp1251": "Bulgarian Russian Serbian Ukrainian",
        "cp1253": "Greek",
        "cp1254": "Turkish",
        "cp1255": "Hebrew",
        "cp1256": "Arabic Farsi",
        "cp1257": "Estonian Lithuanian",
        "cp1258": "Vietnamese",
    }.items()
    for language in languages.split()
}
_CODEPAGE_CHAOS_MARGIN = 0.05


def _detect(data: bytes) -> str | None:
    """charset-normalizer's best guess, as a usable codec name."""
    from charset_normalizer import from_bytes

    try:
        matches = from_bytes(data)
        best = matches.best()
    except Exception:  # a detector bug must not lose the page: fall back instead
        return None
    if best is None:
        return None
    usual = _WINDOWS_CODEPAGES.get(best.language)
    # A near tie between 8-bit codepages that read the text as languages of one Windows
    # codepage (French read as cp1257: "déją trčs"): that codepage, the one browsers
    # assume for an undeclared page in such a language, is the likelier.
    if (
        usual is not None
        and best.encoding != usual
        and any(
            m.encoding == usual
            and _WINDOWS_CODEPAGES.get(m.language) == usual
            and m.chaos <= best.chaos + _CODEPAGE_CHAOS_MARGIN
            for m in matches
        )
    ):
        return usual
    codec = _codec(best.encoding)
    if codec is None or _is_wide(codec):
        return None
    return codec


# --------------------------------------------------------------------------- content type

_HTML_TYPES = {
    "text/html",
    "application/xhtml+xml",
    "text/plain",
    "text/xml",
    "application/xml",
    "application/octet-stream",  # sniffed from the bytes
    "application/gzip",  # a .html.gz served as is: gunzipped by its magic bytes
    "application/x-gzip",
    "binary/octet-stream",
}


def _parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """``text/html; charset=UTF-8`` -> (``text/html``, ``UTF-8``)."""
    if not value or not value.strip():
        return None, None
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'") or None
    return mime.strip().lower() or None, charset


def _check_mime(source: str, mime: str | None) -> None:
    if mime is None or mime in _HTML_TYPES or "/" not in mime:
        return  # missing or malformed: let the bytes speak
    major, _, minor = mime.partition("/")
    if minor == "json" or minor.endswith("+json"):
        kind = "json"
    elif minor == "pdf":
        kind = "pdf"
    elif major == "image":
        kind = minor if minor in ("png", "jpeg", "gif", "webp") else "image"
    elif major in ("audio", "video", "font"):
        kind = major
    elif minor in ("zip", "x-zip-compressed"):
        kind = "zip"
    else:
        kind = "other"
    raise NotHtml(source, f"content type {mime} is not HTML", kind)


# --------------------------------------------------------------------------- HTTP


# Schemes refused even without "//" ("mailto:x", "data:text/html,...").
#: schemes that name no file (``sources.load`` refuses them)
OTHER_SCHEMES = {
    "file",
    "ftp",
    "ftps",
    "sftp",
    "data",
    "mailto",
    "javascript",
    "about",
    "ws",
    "wss",
}


def url_scheme(source: str) -> str | None:
    m = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", source)
    return m.group(1).lower() if m else None  # two letters at least: not "C:\..."


def is_http_url(source: str) -> bool:
    return source[:8].lower().startswith(("http://", "https://"))


# --------------------------------------------------------------------------- wording


def _one_line(exc: BaseException | str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _strip_errno(message: str) -> str:
    return re.sub(r"^\[Errno -?\d+\]\s*", "", message)


def read_error_cause(exc: OSError | ValueError, path: str | os.PathLike[str]) -> str:
    """Why a file could not be read, in a few words ("no such file", "is a directory",
    "permission denied", "cannot read: ...")."""
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, PermissionError):
        # Windows says "permission denied" when opening a directory.
        return "is a directory" if os.path.isdir(path) else "permission denied"
    if isinstance(exc, ValueError):  # a NUL in the path
        return "invalid file name"
    return f"cannot read: {_os_reason(exc)}"


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _strip_errno(_one_line(exc))


def _size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:  # --max-bytes 20MB: decimal units
        return f"{n // 1_000_000} MB"
    if n >= 1024 * 1024:
        value, unit = n / (1024 * 1024), "MB"
    elif n >= 1024:
        value, unit = n / 1024, "KB"
    else:
        return f"{n} byte" + ("" if n == 1 else "s")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _too_large(max_bytes: int) -> str:
    return f"larger than {_size(max_bytes)} (max_bytes)"
