"""``unboil extract`` (the default command): clean pages and print the article."""

from __future__ import annotations

import sys
from typing import Any

import click

from ..extractors.formats import FORMATS
from ..extractors.terminal import escape_unsafe
from .exitcodes import ExitStatus
from .main import (
    command_hint,
    common_options,
    debug_enabled,
    error,
    given,
    handle_errors,
    note_text_mode,
    refuse_overwriting_input,
)
from .options import (
    allow_private_option,
    backend_option,
    captions_option,
    input_format_option,
    links_option,
    size_option,
    timeout_option,
    title_option,
    url_option,
)

DEFAULT_BACKEND = "consensus"


@click.command("extract")
@click.argument("sources", nargs=-1, required=True, metavar="PAGE...")
@backend_option(DEFAULT_BACKEND)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="txt",
    show_default=True,
    help="txt: blocks separated by blank lines; markdown: the page's structure kept "
    "(headings, numbered lists, code, emphasis; links with --links); "
    "json: one object (an array for several pages); jsonl: one line per page.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to FILE (atomically: a temp file, then a rename) instead of stdout.",
)
@title_option
@captions_option
@links_option
@url_option
@click.option(
    "--metadata/--no-metadata",
    default=None,
    help="Ask the backend for author, date, headline, ...  [default: when the output "
    "shows them: -f json/jsonl, --title]",
)
@timeout_option("Seconds allowed to fetch a URL, and to extract each page.")
@allow_private_option
@input_format_option
@size_option
@common_options
@handle_errors
def extract(
    sources: tuple[str, ...],
    backend: str,
    fmt: str,
    output: str | None,
    title: bool,
    captions: bool | None,
    metadata: bool | None,
    timeout: float,
    max_bytes: int,
    input_format: str = "auto",
    allow_private: bool = False,
    links: bool = False,
    page_url: str | None = None,
) -> None:
    """Clean each PAGE (a saved .html/.htm file, gzip too; '-' for stdin; an http(s)
    URL) and print its article text. A PAGE that is plain text (a text dump of an
    article with its debris) is cleaned in text mode: its paragraphs or lines are
    classified and the article ones kept (see --input-format).

    A page that fails is reported on stderr in one line and the others go on; the
    exit status is then 3.
    """
    from ..extractors import formats
    from ..extractors.base import ExtractOptions
    from ..extractors.errors import SourceError
    from ..extractors.pipeline import backend_for, extract_page, load_page
    from ..extractors.pipeline import failure as failed_with
    from ..extractors.registry import shared

    refuse_overwriting_input(output, sources)
    shared(backend)  # an unknown or uninstalled backend: a usage error before any page
    noted = False
    if metadata is None:  # the text is the same either way; metadata costs time
        metadata = title or fmt in ("json", "jsonl")
    options = ExtractOptions(title=title, captions=captions, metadata=metadata)
    multiple = len(sources) > 1
    chunks: list[str] = []
    records: list[dict[str, Any]] = []
    failed = 0

    def emit(text: str) -> None:
        if output:
            chunks.append(text)
        else:
            click.echo(text, nl=False)
            sys.stdout.flush()

    for i, source in enumerate(sources):
        page = result = None
        failure: str | None = None
        try:
            page = load_page(
                source,
                input_format,
                max_bytes=max_bytes,
                timeout=timeout,
                allow_private=allow_private,
            )
        except SourceError as exc:
            failure = exc.cause
            if i == 0 and failure == "no such file":
                failure += command_hint(source)
            if debug_enabled():
                import traceback

                traceback.print_exc()
        if page is not None:
            if backend_for(page, backend) != backend and not noted and given("backend"):
                noted = True  # text mode: the text backend, whatever -b says
                note_text_mode(source, f"-b {backend}", "; --input-format html reads it as HTML")
            used, result = extract_page(page, backend, options, timeout)
            failure = failed_with(used, result)
            if failure:
                if debug_enabled() and result.detail:
                    click.echo(result.detail, err=True, nl=False)
            elif result.reason:
                error(f"{source}: {result.reason} ({used})")
        if failure:
            failed += 1
            error(f"{source}: {failure}")
        rec = formats.record(source, result, page, error=failure)
        if fmt == "json":
            records.append(rec)
        elif fmt == "jsonl":
            emit(formats.to_json_line(rec))
        elif result is not None and not failure:
            if fmt == "txt":
                body = formats.to_txt(result)
            else:
                body = formats.to_markdown(result, page, links=links, url=page_url)
            if multiple:
                body = ("\n" if i else "") + f"==> {escape_unsafe(source)} <==\n" + body
            emit(body)
    if fmt == "json":
        emit(formats.to_json(records))

    if output and failed < len(sources):
        from ..extractors.fsutil import atomic_write

        atomic_write(output, "".join(chunks))
    elif output:
        error(f"{output}: not written (every page failed)")
    if failed:
        sys.exit(ExitStatus.SOURCES_FAILED)
