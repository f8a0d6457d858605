"""A batch's inputs and the names of what it writes.

``discover`` turns folders (walked recursively, file names matched against globs),
files and URL lists into ``Input``\\ s, each with the output path it will get.

Output paths mirror the inputs and are predictable from them: a file found in a
folder ``DIR`` keeps its path relative to ``DIR`` (``DIR/a/b/page.html.gz`` ->
``OUTDIR/a/b/page.txt``), a file named on its own keeps its name (``x/page.htm`` ->
``OUTDIR/page.txt``), a URL becomes ``host[_port]/path`` (``https://h/a/b.html?q``
-> ``OUTDIR/h/a/b-<8 hex of the query>.txt``; a path ending in ``/`` ends in
``index``). ``.gz`` and then one extension are dropped. *Naming* below says what
makes every name safe and unique.

Naming (``name_inputs``): every file a batch writes has a name no other input, and no
other file of the batch, can have. An input's files are ``STEM`` + the format's
extension, ``STEM.audit.html`` (``--audit``) and, for a URL, ``STEM.html``
(``--save-html``); OUTDIR's own are ``unboil-manifest.jsonl``, ``index.html`` and the
``--warc-output`` file when it is inside OUTDIR. Each ``/``-separated name of a stem is
made safe: ``""``, ``.`` and ``..`` become ``_``, ``_`` and ``__`` and NUL becomes
``_`` (a stem can never leave OUTDIR); a name longer than 235 bytes (UTF-8) is cut to
at most 226 bytes of whole characters plus ``-<8 hex of the whole name>`` (so that
``-<8 hex>`` and ``.audit.html`` still fit in 255 bytes); a stem's last name ending in
``.audit`` (any case) ends in ``_audit`` instead, so no saved page is ever an audit
report's name. A folder named as one of OUTDIR's own files gets ``-<8 hex of its
name>``. Then, in input order, a stem whose files would take a name already taken
(case-insensitively: by an earlier input's files, OUTDIR's own, or a folder some
output needs) gets ``-<8 hex of its source>`` appended (``-<8 hex of SOURCE#N>``,
N = 1, 2..., in the unlikely case that is taken too).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import BatchError, UnboilError
from .loading import DEFAULT_MAX_BYTES
from .manifest import MANIFEST_NAME

#: every suffix of ``loading.PAGE_SUFFIXES``, as ``check`` and gold sets take them
DEFAULT_GLOBS = ("*.html", "*.htm", "*.html.gz", "*.htm.gz")
#: output file extension of each format (jsonl streams to stdout and has no files)
EXTENSIONS = {"txt": ".txt", "markdown": ".md", "json": ".json"}
#: the raw page saved beside a URL's output (--save-html): STEM + this
HTML_SUFFIX = ".html"
#: the audit report beside an output (--audit): STEM + this
AUDIT_SUFFIX = ".audit.html"
#: OUTDIR/index.html, the audit index (--audit; ``audit.INDEX_NAME``)
INDEX_NAME = "index.html"
#: the longest name a folder holds (bytes; Linux, macOS, Windows)
NAME_MAX = 255
#: a stem's names are at most this long (bytes, UTF-8): ``-<8 hex>`` and ``.audit.html``
#: still fit in ``NAME_MAX``
MAX_STEM_NAME = NAME_MAX - len("-12345678") - len(AUDIT_SUFFIX)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Input:
    """One page to process. ``stem`` is its output path relative to OUTDIR, without
    the extension (posix separators)."""

    source: str
    kind: str  # "file" | "url" | "warc"
    stem: str
    #: WARC records: the WARC file, the record's offset in it, its target URI, and why
    #: it is skipped (not HTML, truncated...) when it is not processed
    container: str | None = None
    offset: int | None = None
    url: str | None = None
    skip: str | None = None
    #: the record is a page that cannot be read: recorded ``failed``, not ``skipped``
    skip_failed: bool = False

    def output(self, fmt: str) -> str:
        return self.stem + EXTENSIONS.get(fmt, ".json")


def _strip_extensions(name: str) -> str:
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, _ext = name.rpartition(".")
    return stem if dot and stem else name


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(segment: str) -> str:
    """A URL segment or record id as one name: ``[A-Za-z0-9._-]`` only, at most 150
    characters, never empty, ``.`` or ``..``."""
    return _name(_UNSAFE.sub("_", segment)[:150])


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _utf8(name: str) -> bytes:
    """A name as the file system gets it (a file name that is not UTF-8 holds surrogate
    escapes: its own bytes)."""
    return name.encode("utf-8", "surrogateescape")


def _name(name: str) -> str:
    """One name of a stem (between its ``/``): never empty, ``.`` or ``..`` (a stem
    cannot leave OUTDIR), no NUL, at most ``MAX_STEM_NAME`` bytes (a longer one is cut
    at a character boundary and gets ``-<8 hex of the whole name>``)."""
    if name in ("", ".", ".."):
        return "_" * max(len(name), 1)
    name = name.replace("\x00", "_")
    raw = _utf8(name)
    if len(raw) <= MAX_STEM_NAME:
        return name
    cut = MAX_STEM_NAME - len("-12345678")
    while cut > 0 and raw[cut] & 0xC0 == 0x80:  # not inside a UTF-8 character
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogateescape") + "-" + _short_hash(name)


def _written(stem: str, kind: str) -> list[str]:
    """Every name the batch may write for an input of ``kind`` with ``stem`` (whatever
    the format and options): the output in each format, the audit report, the saved
    page of a URL."""
    names = [*(stem + ext for ext in EXTENSIONS.values()), stem + AUDIT_SUFFIX]
    return [*names, stem + HTML_SUFFIX] if kind == "url" else names


def _folders(path: str) -> Iterator[str]:
    """The folders of a relative path: ``a/b/c`` -> ``a``, ``a/b``."""
    parts = path.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def reserved_names(
    outdir: str | os.PathLike[str] | None, warc_output: str | os.PathLike[str] | None = None
) -> list[str]:
    """The files of OUTDIR itself, relative to it: the manifest, the audit index and the
    ``--warc-output`` file when it lies inside OUTDIR."""
    names = [MANIFEST_NAME, INDEX_NAME]
    if outdir is not None and warc_output is not None:
        with contextlib.suppress(ValueError, OSError):
            rel = Path(warc_output).resolve().relative_to(Path(outdir).resolve())
            if rel.parts:
                names.append(rel.as_posix())
    return names


def name_inputs(items: Iterable[Input], reserved: Iterable[str] = ()) -> list[Input]:
    """The inputs with their final stems (see *Naming* in the module docstring): every
    name made safe, and no file of one input taking a name of another's, of OUTDIR's
    own files (``reserved``, relative to OUTDIR, with ``/``; the manifest and
    ``index.html`` always are) or of a folder some output needs. A ``warc-file`` input
    (its records are named later) takes its stem as a folder. Already final stems are
    kept as they are."""
    own = {n.casefold() for n in (MANIFEST_NAME, INDEX_NAME, *reserved)}
    safe: list[Input] = []
    for item in items:
        parts = [_name(p) for p in item.stem.split("/")]
        if parts[-1].casefold().endswith(".audit"):  # STEM.html would be an audit report
            parts[-1] = parts[-1][: -len(".audit")] + "_audit"
        for i in range(len(parts) - 1):  # a folder where one of OUTDIR's files goes
            if "/".join(parts[: i + 1]).casefold() in own:
                parts[i] = _name(f"{parts[i]}-{_short_hash(parts[i])}")
        safe.append(dataclasses.replace(item, stem="/".join(parts)))
    folders = {f.casefold() for name in own for f in _folders(name)}
    for item in safe:
        folders.update(f.casefold() for f in _folders(item.stem))
        if item.kind == "warc-file":
            folders.add(item.stem.casefold())
    taken = own | folders
    named: list[Input] = []
    for item in safe:
        stem = item.stem
        if item.kind != "warc-file":
            n = 0
            while any(w.casefold() in taken for w in _written(stem, item.kind)):
                n += 1
                salt = item.source if n == 1 else f"{item.source}#{n - 1}"
                stem = f"{item.stem}-{_short_hash(salt)}"
            taken.update(w.casefold() for w in _written(stem, item.kind))
        named.append(dataclasses.replace(item, stem=stem))
    return named


def url_stem(url: str) -> str:
    """``https://host:8080/a/b.html?x=1`` -> ``host_8080/a/b-<hash of x=1>``."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = _safe((parts.hostname or "unknown-host").lower()) + (f"_{port}" if port else "")
    segments = [_safe(s) for s in parts.path.split("/") if s not in ("", ".", "..")]
    if not segments or parts.path.endswith("/"):
        segments.append("index")
    last = segments[-1]
    stem, dot, ext = last.rpartition(".")
    if dot and stem and ext.isalnum() and len(ext) <= 5:
        last = stem
    if parts.query:
        last += "-" + _short_hash(parts.query)
    segments[-1] = _name(last)
    return "/".join([_name(host), *segments])


def read_url_list(lines: Iterable[str]) -> list[str]:
    """One URL a line; blank lines and ``#`` comments skipped."""
    urls = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            urls.append(line)
    return urls


def _walk(
    root: Path, globs: tuple[str, ...], exclude: Path | None, errors: list[OSError] | None = None
) -> Iterator[Path]:
    """The files under ``root`` matching ``globs``; folders that cannot be read (no
    permission, a path longer than the system allows) are added to ``errors``."""
    patterns = [g.lower() for g in globs]
    for dirpath, dirnames, filenames in os.walk(
        root, onerror=errors.append if errors is not None else None
    ):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if exclude is None or (here / d).resolve() != exclude
        )
        for name in sorted(filenames):
            # named pipes and devices too: _file_inputs records them as failed (a
            # broken link is passed over, as before)
            if any(fnmatch.fnmatchcase(name.lower(), p) for p in patterns) and (
                (here / name).exists()
            ):
                yield here / name


def discover(
    paths: Iterable[str],
    urls: Iterable[str] = (),
    *,
    globs: tuple[str, ...] = DEFAULT_GLOBS,
    outdir: str | os.PathLike[str] | None = None,
    scan_warcs: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    warc_output: str | os.PathLike[str] | None = None,
) -> list[Input]:
    """Folders (recursive, file names matched against ``globs``), files and URLs, in
    the order given, each once, with safe, non-clashing output stems (``name_inputs``;
    ``warc_output``, when inside ``outdir``, is one of OUTDIR's own files). A path
    that does not exist is a ``BatchError``. ``outdir`` is never walked into.

    A WARC file becomes one input per response record (kind ``warc``), listed here
    by ``warc.scan``; ``scan_warcs=False`` is for an engine that scans WARCs itself
    (on its workers): such a file stays one input of kind ``warc-file``, to be
    expanded with ``warc_inputs``."""
    exclude = Path(outdir).resolve() if outdir is not None else None
    found: list[Input] = []  # stems not yet made unique
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            errors: list[OSError] = []
            for file in _walk(path, globs, exclude, errors):
                rel = file.relative_to(path)
                # not with_name: a file "..html" has the stem "." (made safe later)
                stem = "/".join([*rel.parts[:-1], _strip_extensions(rel.name)])
                found.extend(_file_inputs(file, stem, scan_warcs, max_bytes))
            for exc in errors:  # a folder not read: a failure, recorded and listed
                where = str(exc.filename or path)
                cause = f"folder not read: {exc.strerror or exc}"
                found.append(Input(where, "file", where, skip=cause, skip_failed=True))
        elif path.exists():
            found.extend(_file_inputs(path, _strip_extensions(path.name), scan_warcs, max_bytes))
        else:
            raise BatchError(f"{raw}: no such file or folder")
    for url in urls:
        found.append(Input(url, "url", url_stem(url)))

    inputs: list[Input] = []
    seen_sources: set[str] = set()
    for item in found:
        if item.source not in seen_sources:
            seen_sources.add(item.source)
            inputs.append(item)
    return name_inputs(inputs, reserved_names(outdir, warc_output))


def _file_inputs(path: Path, stem: str, scan_warcs: bool, max_bytes: int) -> list[Input]:
    """A file's inputs: itself, or for a WARC (``.warc``, ``.warc.gz``, ``.arc``,
    ``.arc.gz``) one per response record, named ``STEM/RECORD-UUID``."""
    from . import warc

    odd = _not_regular(path)
    if odd is not None:  # nothing to read, or reading would wait for a writer
        return [
            Input(str(path), "file", stem, skip=f"not a regular file ({odd})", skip_failed=True)
        ]
    if not warc.is_warc(path):
        return [Input(str(path), "file", stem)]
    if not scan_warcs:
        return [Input(str(path), "warc-file", stem)]  # scanned later, by the engine
    try:
        entries = warc.scan(path, max_bytes=max_bytes)
    except UnboilError as exc:
        raise BatchError(str(exc)) from None
    return warc_inputs(str(path), stem, entries)


def _not_regular(path: Path) -> str | None:
    """What a file that is not a regular one is (``a named pipe``...), else None."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # left to fail when it is read
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def warc_inputs(path: str, stem: str, entries: Iterable[Any]) -> list[Input]:
    """``warc.WarcEntry``\\ s of the WARC ``path`` as inputs (see ``_file_inputs``); their
    stems are safe names (``_safe``), made unique by ``name_inputs``."""
    items = []
    seen: set[str] = set()
    for entry in entries:
        rid = entry.record_id
        if rid in seen:  # a WARC-Record-ID used twice: the second is named by its offset
            rid = f"offset-{entry.offset}"
        seen.add(rid)
        name = rid.rsplit(":", 1)[-1] if rid.startswith("urn:") else rid
        items.append(
            Input(
                f"{path}#{rid}",
                "warc",
                f"{stem}/{_safe(name)}",
                container=path,
                offset=entry.offset,
                url=entry.url,
                skip=entry.skip,
                skip_failed=entry.failed,
            )
        )
    return items


def refuse_overwriting_inputs(
    inputs: Iterable[Input], outdir: str | os.PathLike[str], fmt: str, audit: bool = False
) -> None:
    """BatchError (a usage error, raised before anything is written) when an output
    would replace one of the batch's input files: OUTDIR is the input folder and the
    format's extension is the inputs' own (text dumps cleaned with ``-f txt``)."""
    for item in inputs:
        if item.kind != "file":
            continue
        outs = [item.output(fmt)] + ([item.stem + AUDIT_SUFFIX] if audit else [])
        for rel in outs:
            out = Path(outdir, rel)
            with contextlib.suppress(OSError):
                if out.exists() and os.path.samefile(out, item.source):
                    raise BatchError(
                        f"{item.source}: its output {out} is the input file itself; "
                        "choose another output folder (-o) or format (-f)"
                    )


def refuse_warc_output_clash(
    inputs: Iterable[Input], warc_output: str | os.PathLike[str], outdir: str | None
) -> None:
    """BatchError when ``--warc-output`` names one of the batch's inputs (a WARC
    being read: opening it for writing empties it), the manifest or the audit index.
    (No output takes its name: ``discover`` reserves it.)"""
    target = Path(warc_output).resolve()
    if outdir is not None and target == (Path(outdir) / MANIFEST_NAME).resolve():
        raise BatchError(f"warc_output {warc_output}: that is the batch's manifest")
    if outdir is not None and target == (Path(outdir) / INDEX_NAME).resolve():
        raise BatchError(f"warc_output {warc_output}: that is the batch's index.html")
    if not target.exists():
        return
    for path in {item.container or item.source for item in inputs if item.kind != "url"}:
        with contextlib.suppress(OSError):
            if os.path.samefile(path, target):
                raise BatchError(
                    f"warc_output {warc_output}: that is an input of the batch "
                    "(writing to it would empty it)"
                )
