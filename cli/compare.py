"""``unboil compare``: every backend on one page, their agreement and the consensus."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from .exitcodes import ExitStatus
from .main import common_options, error, handle_errors
from .options import (
    allow_private_option,
    backends_option,
    json_option,
    size_option,
    split_backends,
    timeout_option,
    write_json,
)

if TYPE_CHECKING:
    from ..extractors.compare import Comparison


def _short(name: str) -> str:
    return name[:6]


@click.command("compare")
@click.argument("source", metavar="PAGE")
@backends_option
@json_option("the comparison")
@timeout_option()
@allow_private_option
@size_option
@common_options
@handle_errors
def compare(
    source: str,
    backends: str | None,
    json_out: str | None,
    timeout: float,
    allow_private: bool,
    max_bytes: int,
) -> None:
    """Run every available backend (or -b a,b,c) on PAGE and show how much they
    agree: blocks, words, seconds, the agreement matrix (shingle F1 of each pair) and
    agreement with the consensus; then the consensus text, doubtful blocks marked.
    """
    from ..extractors.compare import compare as run_compare
    from ..extractors.errors import SourceError
    from ..extractors.pipeline import load_page

    names = split_backends(backends)
    try:  # HTML only: text mode has one backend, nothing to compare
        page = load_page(
            source, "html", max_bytes=max_bytes, timeout=timeout, allow_private=allow_private
        )
    except SourceError as exc:
        error(f"{source}: {exc.cause}")
        sys.exit(ExitStatus.SOURCES_FAILED)
    result = run_compare(page, names)
    if not write_json(json_out, result.to_dict()):
        _render(result)
    failed = [e for e in result.extractions.values() if e.error]
    for e in failed:
        error(f"{source}: {e.backend} failed: {e.error}")
    if failed and len(failed) == len(result.extractions):
        sys.exit(ExitStatus.SOURCES_FAILED)


def _render(result: Comparison) -> None:
    from .render import console, is_terminal, table

    names = list(result.extractions)
    headers = ["backend", "blocks", "words", "seconds"] + [_short(n) for n in names]
    rows = []
    for name, e in result.extractions.items():
        status = (e.error and "error") or (e.reason and "empty") or ""
        rows.append(
            [
                name + (f" ({status})" if status else ""),
                str(len(e.blocks)),
                str(e.words),
                f"{e.seconds:.3f}",
                *[f"{result.agreement[name][other]:.2f}" for other in names],
            ]
        )
    table(headers, rows, title=f"{result.source}: agreement (shingle F1 between outputs)")
    cons = result.consensus
    if cons is None or not cons.votes:
        return
    kept = [v for v in cons.votes if v.kept]
    doubted = sum(1 for v in cons.votes if v.doubtful)
    header = (
        f"consensus: {len(kept)} of {len(cons.votes)} blocks kept, {doubted} doubtful "
        "(? kept but doubtful, - dropped but doubtful)"
    )
    if not is_terminal():
        click.echo(f"\n# {header}")
        for v in cons.votes:
            if v.kept or v.doubtful:
                mark = ("?" if v.kept else "-") if v.doubtful else " "
                click.echo(f"{mark} {v.text}")
        return
    from rich.text import Text

    out = console()
    out.print()
    out.print(Text(header, style="bold"))
    for v in cons.votes:
        if not (v.kept or v.doubtful):
            continue
        line = Text()
        if v.doubtful and v.kept:
            line.append("? ", style="bold yellow")
            line.append(v.text, style="yellow")
        elif v.doubtful:
            line.append("- ", style="bold red")
            line.append(v.text, style="dim strike")
        else:
            line.append("  " + v.text)
        line.append(f"  [{v.probability:.2f} {','.join(v.members) or 'no member'}]", style="dim")
        out.print(line)
