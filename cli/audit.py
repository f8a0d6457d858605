"""``unboil audit``: the page itself, with what the consensus kept and stripped outlined."""

from __future__ import annotations

import sys

import click

from .exitcodes import ExitStatus
from .main import common_options, error, handle_errors, refuse_overwriting_input
from .options import allow_private_option, size_option, timeout_option


@click.command("audit")
@click.argument("source", metavar="PAGE")
@click.option(
    "-b",
    "--backends",
    default=None,
    metavar="A,B,...",
    help="Backends to compare with the consensus, comma-separated (the consensus always "
    "runs)  "
    "[default: the consensus's members]",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the report to FILE (atomically: a temp file, then a rename); '-': stdout.",
)
@timeout_option()
@allow_private_option
@size_option
@common_options
@handle_errors
def audit(
    source: str,
    backends: str | None,
    output: str,
    timeout: float,
    allow_private: bool,
    max_bytes: int,
) -> None:
    """Write a self-contained HTML report of PAGE: the page's own layout, made inert
    (no script runs, nothing is fetched), each text block outlined: kept by the
    consensus (green), stripped (red), doubtful (amber). Hover or click a block to see
    which backends kept it and the consensus probability; the side panel holds the
    agreement matrix, words per backend, the extracted text and the list of blocks
    (doubtful, kept, stripped), each a link to its place, with next/previous doubtful
    (keys n/j, p/k).

    \b
    unboil audit page.html -o report.html
    unboil audit https://example.org/a -b trafilatura,justext -o report.html
    """
    from ..extractors.audit import audit_page
    from ..extractors.errors import SourceError
    from ..extractors.pipeline import load_page

    refuse_overwriting_input(output, [source])
    names = [n.strip() for n in backends.split(",") if n.strip()] if backends else None
    try:  # HTML only: the report draws the page's blocks
        page = load_page(
            source, "html", max_bytes=max_bytes, timeout=timeout, allow_private=allow_private
        )
    except SourceError as exc:
        error(f"{source}: {exc.cause}")
        sys.exit(ExitStatus.SOURCES_FAILED)
    report = audit_page(page, names)
    if output == "-":
        click.echo(report, nl=False)
        return
    from ..extractors.fsutil import atomic_write

    atomic_write(output, report)
