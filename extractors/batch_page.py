"""One page of a batch, as a worker runs it (``process_page``): load it (or take the
fetched page) through the page pipeline, extract, score agreement, write the output
atomically, and return the manifest record as a plain dict; and the records of pages
skipped or not run."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import OutputError, SourceError
from .inputs import Input
from .loading import DEFAULT_MAX_BYTES
from .registry import shared

if TYPE_CHECKING:
    from .base import Extraction
    from .page import Page


@dataclass(frozen=True)
class PageOptions:
    """How a batch treats every one of its pages, one object built once from the batch's
    config (``BatchConfig.page``, completed by ``BatchConfig.page_options``) and sent
    with each task."""

    backend: str = "trafilatura"
    #: the output format, as ``batch --format`` names it
    fmt: str = "txt"
    title: bool = False
    #: None: as the backend does
    captions: bool | None = None
    metadata: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    agreement_backend: str | None = None
    #: auto | html | text: plain text is cleaned by the ``text`` backend (text mode)
    input_format: str = "auto"
    #: the record carries the text (no OUTDIR, or a WARC output written by the parent)
    include_text: bool = False
    #: fsync each file written (else the parent syncs the filesystem once per round)
    durable: bool = True


@dataclass
class Task:
    """What a worker needs for one page (pickled to it): the page and where its files
    go, with the batch's ``PageOptions``."""

    source: str
    kind: str
    options: PageOptions
    #: absolute output path and the same relative to OUTDIR; None: nothing written
    output: str | None = None
    output_rel: str | None = None
    html_output: str | None = None
    html_rel: str | None = None
    #: the audit report (``--audit``), absolute and relative to OUTDIR
    audit_output: str | None = None
    audit_rel: str | None = None
    #: the fetched page (URLs), else None and ``source`` is read as a file
    page: Page | None = None
    #: a WARC record (kind ``warc``): the WARC file and the record's offset in it
    warc_path: str | None = None
    warc_offset: int = 0
    #: text mode: the ``textmode.repeat_key`` of the lines this text shares with many
    #: texts of the batch (``BatchConfig.drop_repeated``), dropped
    repeated: frozenset[int] = frozenset()


def skip_record(item: Input, backend: str) -> dict[str, Any]:
    """The record of an input known, before it is read, not to be processed: a WARC
    record that is not an HTML page (``skipped``), or a page that cannot be read, such
    as a corrupt record (``failed``)."""
    status = "failed" if item.skip_failed else "skipped"
    return base_record(item.source, item.kind, backend, status, error=item.skip, url=item.url)


def warc_failed(rec: dict[str, Any], exc: Exception) -> None:
    """A page done but whose ``--warc-output`` record could not be written: failed (a
    resumed run does it again)."""
    for key in ("warc_output", "warc_offset", "warc_end"):
        rec.pop(key, None)
    rec.update(status="failed", error=f"warc_output {exc}")


def warc_prefix(
    done: Iterable[dict[str, Any]], warc_path: str | None, size: int
) -> tuple[int, set[str]]:
    """``(keep, sources)``: the end of the longest run of WARC records, from the start
    of the ``--warc-output`` file (``warc_path``, ``size`` bytes), that belong to the
    pages done (``done``: their last manifest records, each naming its record's
    ``warc_output``, ``warc_offset`` and ``warc_end``), and those pages. The rest of
    the file is not accounted for: it is cut off, and the other pages are done again."""
    ranges = []
    for rec in done:
        start, end = rec.get("warc_offset"), rec.get("warc_end")
        if (
            rec.get("warc_output") == warc_path
            and type(start) is int
            and type(end) is int
            and 0 <= start < end
        ):
            ranges.append((start, end, str(rec["source"])))
    keep, sources = 0, set()
    for start, end, source in sorted(ranges):
        if start != keep or end > size:
            break
        keep = end
        sources.add(source)
    return keep, sources


def is_settled_skip(rec: dict[str, Any] | None) -> bool:
    """A WARC record skipped for what it is (not HTML, truncated...), not because a
    run was interrupted: resume does not look at it again."""
    return (
        rec is not None
        and rec.get("kind") == "warc"
        and rec.get("status") == "skipped"
        and rec.get("error") not in (None, "interrupted")
    )


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def base_record(source: str, kind: str, backend: str, status: str, **fields: Any) -> dict[str, Any]:
    """A manifest record with every field present (``manifest.MANIFEST_FIELDS`` order)."""
    rec: dict[str, Any] = {
        "source": source,
        "kind": kind,
        "output": None,
        "html": None,
        "backend": backend,
        "version": None,
        "status": status,
        "error": None,
        "reason": None,
        "seconds": 0.0,
        "words": 0,
        "quality": None,
        "agreement": None,
        "title": None,
        "url": None,
        "encoding": None,
        "finished": None,
        "file": None,
    }
    rec.update(fields)
    return rec


def file_stamp(path: str) -> dict[str, int] | None:
    """``{"size", "mtime_ns"}`` of a file (None when it cannot be read)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def agreement_score(result: Extraction, other: Extraction | None = None) -> float | None:
    """The agreement between ``result`` and ``other`` when ``other`` is given (None when
    it failed); else the mean pairwise agreement of a consensus result's members; None
    when there is nothing to compare."""
    from .scoring import agreement, mean_agreement

    if other is not None:
        return round(agreement(result.text, other.text), 4) if other.ok else None
    if result.members:
        mean = mean_agreement({n: m.text for n, m in result.members.items() if m.ok})
        return None if mean is None else round(mean, 4)
    return None


def process_page(task: Task) -> dict[str, Any]:
    """Load, extract, score and write one page; the manifest record. Never raises for
    a page-level failure (the record says ``failed``)."""
    from . import formats
    from .base import ExtractOptions
    from .fsutil import atomic_write
    from .loading import NotHtml, load_file
    from .pipeline import backend_for, extract_page, failure, text_page

    start = time.perf_counter()
    rec = base_record(task.source, task.kind, task.options.backend, "failed")
    if task.kind == "file":
        rec["file"] = file_stamp(task.source)
    page = task.page
    try:
        if page is None and task.warc_path is not None:
            from .warc import load_record

            page = load_record(
                task.warc_path, task.warc_offset, task.source, max_bytes=task.options.max_bytes
            )
        elif page is None:
            page = load_file(task.source, max_bytes=task.options.max_bytes)
    except NotHtml as exc:  # text mode: a plain-text file
        if task.kind == "warc":  # a WARC record that is not a page: skipped, not failed
            rec.update(status="skipped", error=f"not HTML: {exc.cause}")
            rec["seconds"] = round(time.perf_counter() - start, 6)
            return rec
        if task.options.input_format == "html" or exc.kind != "text" or exc.page is None:
            rec.update(error=exc.cause, seconds=round(time.perf_counter() - start, 6))
            return rec
        page = text_page(exc.page)
    except SourceError as exc:
        from .warc import WarcSkip

        if isinstance(exc, WarcSkip):
            rec["status"] = "skipped"
        rec.update(error=exc.cause, seconds=round(time.perf_counter() - start, 6))
        return rec
    if task.options.input_format == "text":
        page = text_page(page)
    backend = backend_for(page, task.options.backend)
    if task.repeated and backend == "text":
        page.info["repeated"] = task.repeated
    rec["backend"] = backend
    options = ExtractOptions(
        title=task.options.title, captions=task.options.captions, metadata=task.options.metadata
    )
    backend, result = extract_page(page, backend, options)
    rec.update(
        version=result.version,
        title=result.title,
        url=page.url,
        encoding=page.encoding,
        reason=result.reason,
        words=result.words,
        quality=result.quality if result.ok else None,
    )
    if result.error:
        rec.update(error=failure(backend, result))
        rec["seconds"] = round(time.perf_counter() - start, 6)
        return rec
    other = None
    if task.options.agreement_backend and backend == task.options.backend:
        # a member of consensus is not run again: its result is in hand
        other = (result.members or {}).get(task.options.agreement_backend) or shared(
            task.options.agreement_backend
        ).extract(page, ExtractOptions())
    rec["agreement"] = agreement_score(result, other)
    try:
        if task.audit_output:
            from .audit import audit_of

            report, cons = audit_of(page, result)
            atomic_write(task.audit_output, report, durable=task.options.durable)
            rec["audit"] = task.audit_rel
            if rec["agreement"] is None:  # as --agreement consensus would have scored it
                rec["agreement"] = agreement_score(result, cons)
        if task.html_output:
            atomic_write(task.html_output, page.raw, durable=task.options.durable)
            rec["html"] = task.html_rel
        if task.output:
            if task.options.fmt == "markdown":
                body = formats.to_markdown(result, page)  # the page: its markup kept
            elif task.options.fmt == "json":
                body = formats.to_json([formats.record(task.source, result, page)])
            else:
                body = formats.to_txt(result)
            atomic_write(task.output, body, durable=task.options.durable)
            rec["output"] = task.output_rel
    except OutputError as exc:  # OUTDIR unwritable, disk full: the page failed
        rec.update(error=str(exc), seconds=round(time.perf_counter() - start, 6))
        return rec
    if task.options.include_text:
        rec["text"] = result.text
    rec["status"] = "ok"
    rec["seconds"] = round(time.perf_counter() - start, 6)
    return rec
