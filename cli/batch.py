"""``unboil batch``: clean whole folders and URL lists, in parallel and resumably.

The work is done by ``unboil.extractors.batch``; this module parses the options,
shows the progress bar and prints the summary.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ..extractors.batch import DEFAULT_RECYCLE
from ..extractors.terminal import escape_unsafe
from .exitcodes import ExitStatus
from .main import common_options, error, handle_errors
from .options import (
    SizeType,
    allow_private_option,
    backend_option,
    captions_option,
    input_format_option,
    jobs_option,
    quiet_option,
    size_option,
    timeout_option,
    title_option,
)

if TYPE_CHECKING:
    from ..extractors.batch import Summary

DEFAULT_BACKEND = "consensus"


def _default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@click.command("batch")
@click.argument("inputs", nargs=-1, type=click.Path(), metavar="[FOLDER|FILE]...")
@click.option(
    "--urls",
    "urls_file",
    type=click.File("r", encoding="utf-8"),
    help="Also clean the URLs in FILE: one a line ('-': stdin; blank lines and # comments "
    "skipped).",
)
@click.option(
    "--glob",
    "globs",
    multiple=True,
    metavar="PATTERN",
    help="File names to take from folders (repeatable)  "
    "[default: *.html, *.htm, *.html.gz, *.htm.gz]",
)
@click.option(
    "-o",
    "--output-dir",
    "outdir",
    type=click.Path(file_okay=False),
    help="Write one file per input here, mirroring the input tree, and the manifest "
    "unboil-manifest.jsonl.",
)
@backend_option(DEFAULT_BACKEND)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["txt", "markdown", "json", "jsonl"]),
    default=None,
    help="Output files: txt (.txt), markdown (.md), json (.json). jsonl: no OUTDIR, one "
    "record per page (text included) on stdout.  [default: txt, or jsonl without -o]",
)
@jobs_option
@timeout_option(
    "Seconds allowed per page; a stuck worker is killed and replaced and the page "
    "recorded as 'timeout'. Also bounds each URL fetch, retries included."
)
@click.option(
    "--recycle",
    type=click.IntRange(min=0),
    default=DEFAULT_RECYCLE,
    show_default=True,
    help="Replace each worker after this many pages, so memory stays flat (0: never).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Skip inputs the manifest already records as ok (with their output present); "
    "redo the rest. Without it the manifest is started afresh.",
)
@click.option(
    "--agreement",
    "agreement_backend",
    metavar="NAME",
    help="Record how much backend NAME (run on each page too, unless it is a member of "
    "consensus) agrees with -b. Without it, consensus records its members' agreement.",
)
@title_option
@captions_option
@input_format_option
@click.option(
    "--drop-repeated",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Text mode: also drop the lines (of 4+ words) that N or more of the batch's "
    "text files hold, a site's template lines the model may keep (0: off). The text "
    "files are read once more before the run.",
)
@click.option(
    "--max-memory",
    type=SizeType(),
    default="2GiB",
    show_default=True,
    help="Address-space cap per worker process (0: none): a runaway page fails with "
    "MemoryError instead of exhausting the machine.",
)
@click.option(
    "--metadata/--no-metadata",
    default=True,
    show_default=True,
    help="Ask the backend for author, date, ... (--no-metadata is faster).",
)
@size_option
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False),
    help="Keep fetched pages in an on-disk HTTP cache in DIR (hishel) for later runs.",
)
@click.option(
    "--save-html",
    is_flag=True,
    help="Save each fetched page (after gzip) next to its output, as .html.",
)
@click.option(
    "--per-host",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="At most this many fetches at a time to one host.",
)
@click.option(
    "--fetchers",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="At most this many fetches at a time in all.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Retries of a fetch on 429/5xx answers and connection errors (backoff 0.5 s, "
    "doubling; Retry-After honoured up to 10 s).",
)
@allow_private_option
@click.option(
    "--audit",
    is_flag=True,
    help="Also write an HTML audit report per page (STEM.audit.html: the page with what "
    "the consensus kept and stripped outlined) and OUTDIR/index.html listing the pages, "
    "lowest agreement first (a page without one is scored against the consensus).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: a process pool on this machine. dask: a dask.distributed cluster (the "
    "one at --scheduler, else a LocalCluster of -j workers); files and WARCs only. See "
    "docs/scale.md.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="The Dask scheduler to use (tcp://host:8786); implies --engine dask.",
)
@click.option(
    "--warc-output",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Also write the cleaned text of every page to FILE as WARC conversion records "
    "(gzipped when FILE ends in .gz), with -o or -f jsonl.",
)
@quiet_option("No progress bar and no summary.")
@common_options
@handle_errors
def batch(
    inputs: tuple[str, ...],
    urls_file: Any,
    globs: tuple[str, ...],
    outdir: str | None,
    backend: str,
    fmt: str | None,
    jobs: int | None,
    timeout: float,
    recycle: int,
    resume: bool,
    agreement_backend: str | None,
    title: bool,
    captions: bool | None,
    input_format: str,
    drop_repeated: int,
    max_memory: int,
    metadata: bool,
    max_bytes: int,
    cache_dir: str | None,
    save_html: bool,
    per_host: int,
    fetchers: int,
    retries: int,
    allow_private: bool,
    audit: bool,
    engine: str,
    scheduler: str | None,
    warc_output: str | None,
    quiet: bool,
) -> None:
    """Clean every page in FOLDERs (recursively), FILEs, WARCs and a URL list, in parallel.

    \b
    unboil batch site/ -o clean/                  site/a/b.html -> clean/a/b.txt
    unboil batch crawl.warc.gz -o clean/          clean/crawl/<record uuid>.txt
    unboil batch warcs/ --glob '*.warc.gz' -o clean/ --engine dask --scheduler tcp://h:8786
    unboil batch site/ -o clean/ --resume         go on after a crash or Ctrl-C
    unboil batch --urls urls.txt -o out/ --save-html --cache ~/.cache/unboil
    unboil batch -b consensus pages/ -f jsonl | jq .agreement

    With -o, OUTDIR/unboil-manifest.jsonl gets one record per input (source, output,
    backend, status ok/failed/timeout/skipped, error, seconds, words, agreement),
    appended once its output is in place. Exit status: 0 all ok, 3 some inputs failed
    (listed on stderr), 2 usage error, 130 interrupted (Ctrl-C; a second Ctrl-C
    abandons the pages in flight).
    """
    from ..extractors import registry
    from ..extractors.batch import BatchConfig, BatchRunner
    from ..extractors.batch_page import PageOptions
    from ..extractors.errors import BatchError
    from ..extractors.inputs import (
        DEFAULT_GLOBS,
        discover,
        read_url_list,
        refuse_overwriting_inputs,
        refuse_warc_output_clash,
    )

    fmt = fmt or ("txt" if outdir else "jsonl")
    if outdir is None and fmt != "jsonl":
        raise click.UsageError("-o OUTDIR is required unless -f jsonl (records on stdout)")
    if outdir is not None and fmt == "jsonl":
        raise click.UsageError("-f jsonl streams records to stdout: drop -o, or use -f json")
    if audit and outdir is None:
        raise click.UsageError("--audit needs -o OUTDIR (the reports and index.html go there)")
    if resume and outdir is None:
        raise click.UsageError("--resume needs -o OUTDIR (it reads OUTDIR's manifest)")
    urls = read_url_list(urls_file) if urls_file is not None else []
    if not inputs and urls_file is None:
        raise click.UsageError("nothing to do: give folders, files or --urls FILE")
    if scheduler is not None:
        engine = "dask"
    if engine == "dask" and urls:
        raise click.UsageError("--engine dask takes files and WARCs: fetch URLs locally")
    registry.get(backend)  # unknown or missing backend: a usage error before any work
    if agreement_backend:
        registry.get(agreement_backend)
    try:
        items = discover(
            inputs,
            urls,
            globs=globs or DEFAULT_GLOBS,
            outdir=outdir,
            scan_warcs=engine == "local",  # dask: the workers scan the WARCs
            max_bytes=max_bytes,
            warc_output=warc_output,  # inside OUTDIR: no output may take its name
        )
        if outdir is not None:
            refuse_overwriting_inputs(items, outdir, fmt, audit)
        if warc_output is not None:
            refuse_warc_output_clash(items, warc_output, outdir)
    except BatchError as exc:
        raise click.UsageError(str(exc)) from None
    if not items:
        patterns = ", ".join(globs or DEFAULT_GLOBS)
        from ..extractors.warc import is_warc

        if any(os.path.isfile(raw) and is_warc(raw) for raw in inputs):
            raise click.UsageError(
                "no pages found: the WARC files hold no response or resource records "
                "(conversion records, as --warc-output writes, are not pages)"
            )
        raise click.UsageError(f"no pages found (file names matching {patterns})")

    if 0 < max_memory < 256 * 1024**2:
        raise click.BadParameter(
            "below 256 MiB a worker cannot even start (0 means no cap)",
            param_hint="--max-memory",
        )
    config = BatchConfig(
        page=PageOptions(
            backend=backend,
            fmt=fmt,
            title=title,
            captions=captions,
            metadata=metadata,
            max_bytes=max_bytes,
            agreement_backend=agreement_backend,
            input_format=input_format,
        ),
        max_memory=max_memory,
        outdir=outdir,
        jobs=jobs or _default_jobs(),
        timeout=timeout,
        recycle=recycle,
        drop_repeated=drop_repeated,
        resume=resume,
        save_html=save_html,
        cache_dir=cache_dir,
        per_host=per_host,
        fetchers=fetchers,
        retries=retries,
        allow_private=allow_private,
        audit=audit,
        warc_output=warc_output,
    )
    runner: BatchRunner
    if engine == "dask":
        from ..extractors.dask_engine import DaskRunner, require_dask

        require_dask()
        runner = DaskRunner(config, scheduler=scheduler)
    else:
        runner = BatchRunner(config)
    stream = fmt == "jsonl"

    with _interrupt_handler(runner.interrupt), _progress(len(items), quiet) as advance:

        def on_record(rec: dict[str, Any]) -> None:
            if stream:
                from ..extractors.formats import to_json_line

                # every streamed record has its text: "" for a page that failed or was
                # skipped, as `unboil -f jsonl` gives it
                sys.stdout.write(to_json_line({**rec, "text": rec.get("text") or ""}))
                sys.stdout.flush()
            advance(rec["status"])

        summary = runner.run(items, on_record)

    if audit and outdir is not None:
        from ..extractors.audit import write_index

        write_index(outdir)
    for source, _status, why in summary.failures:
        error(f"{source}: {why}")  # one line each: error() escapes what the name holds
    if not quiet:
        _print_summary(summary)
    if summary.interrupted:
        error("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
    if summary.failures:
        sys.exit(ExitStatus.SOURCES_FAILED)


@contextmanager
def _interrupt_handler(interrupt: Callable[[], None]) -> Iterator[None]:
    """SIGINT (Ctrl-C) asks the runner to stop instead of raising in the middle of a
    manifest write."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        interrupt()

    signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[str], None]]:
    """Pages done / total, pages/s, failures and ETA on stderr when it is a terminal;
    yields ``advance(status)``."""
    from .render import progress_bar

    with progress_bar("batch", total, quiet=quiet, unit="pages") as advance:
        yield lambda status: advance(1, failed=status in ("failed", "timeout"))


def _print_summary(summary: Summary) -> None:
    """The summary on stderr: a rich table on a terminal, tab-separated lines
    otherwise."""
    from .render import console, is_terminal, rich_table

    median = summary.median_agreement
    skipped = summary.counts["skipped"] + summary.already_done + summary.not_started
    interrupted = summary.not_started + summary.stopped
    not_pages = summary.counts["skipped"] - summary.stopped  # WARC records
    rows = [
        ("ok", str(summary.counts["ok"])),
        ("  no article", str(summary.empty)),
        ("failed", str(summary.counts["failed"])),
        ("timeouts", str(summary.counts["timeout"])),
        ("skipped", str(skipped)),
        ("  already done (resume)", str(summary.already_done)),
        *([("  not pages (WARC records)", str(not_pages))] if not_pages else []),
        *([("  not started (interrupted)", str(interrupted))] if interrupted else []),
        ("pages/s", f"{summary.pages_per_second:.1f}"),
        ("median agreement", "-" if median is None else f"{median:.3f}"),
    ]
    lowest = summary.lowest_agreement(5)
    if not is_terminal(stderr=True):
        for key, value in rows:
            click.echo(f"{key.strip()}\t{value}", err=True)
        for source, score in lowest:
            click.echo(f"low agreement\t{score:.3f}\t{escape_unsafe(source)}", err=True)
        return
    out = console(stderr=True)
    t = rich_table("batch summary", show_header=False)
    t.add_column("", no_wrap=True)
    t.add_column("", justify="right")
    for key, value in rows:
        t.add_row(key, value)
    out.print(t)
    if lowest:
        low = rich_table("lowest agreement (worth a look)")
        low.add_column("agreement", justify="right")
        low.add_column("page", overflow="fold")
        for source, score in lowest:
            low.add_row(f"{score:.3f}", escape_unsafe(source))
        out.print(low)
