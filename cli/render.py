"""Rendering: rich on a terminal, plain pipe-friendly text otherwise. rich is
imported only when something is rendered."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from .main import color_choice

if TYPE_CHECKING:
    from rich.console import Console


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    choice = color_choice()
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        file=stream,
        force_terminal=True if choice else None,
        no_color=True if choice is False else None,
        highlight=False,
        soft_wrap=False,
    )


def is_terminal(stderr: bool = False) -> bool:
    stream = sys.stderr if stderr else sys.stdout
    return stream.isatty() or bool(color_choice())


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
    """A rich table on a terminal; tab-separated lines with a header otherwise."""
    if not is_terminal():
        click.echo("\t".join(headers))
        for row in rows:
            click.echo("\t".join(str(c) for c in row))
        return
    from rich.table import Table

    t = Table(title=title, header_style="bold")
    for h in headers:
        t.add_column(h)
    for row in rows:
        t.add_row(*[str(c) for c in row])
    console().print(t)
