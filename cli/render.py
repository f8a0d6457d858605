"""Rendering: rich on a terminal, plain pipe-friendly text otherwise. rich is
imported only when something is rendered."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from .main import color_choice

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    choice = color_choice()
    stream = sys.stderr if stderr else sys.stdout
    return Console(
        file=stream,
        force_terminal=True if choice else None,
        no_color=True if choice is False else None,
        highlight=False,
        # colour forced into a pipe (``less -R``): no width to wrap at, so lines are not
        # cut (a diff line cut in two loses its -/+ on the second half)
        soft_wrap=bool(choice) and not _isatty(stream),
    )


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def is_terminal(stderr: bool = False) -> bool:
    stream = sys.stderr if stderr else sys.stdout
    return stream.isatty() or bool(color_choice())


def rich_table(title: str | None = None, **options: Any) -> Table:
    """A rich Table in the tool's one style: bold header, a rule under it, the title
    on the left; ``options`` go to ``Table``."""
    from rich import box
    from rich.table import Table

    return Table(
        title=title, header_style="bold", box=box.SIMPLE_HEAD, title_justify="left", **options
    )


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> None:
    """A rich table on a terminal; tab-separated lines with a header otherwise (the
    title, if any, as a '# ' line first). Cells and title are shown with their control
    characters escaped (they may hold file names)."""
    from ..extractors.terminal import escape_unsafe

    rows = [[escape_unsafe(str(c)) for c in row] for row in rows]
    title = escape_unsafe(title) if title else title
    if not is_terminal():
        if title:
            click.echo(f"# {title}")
        click.echo("\t".join(headers))
        for row in rows:
            click.echo("\t".join(str(c) for c in row))
        return
    t = rich_table(title)
    for i, h in enumerate(headers):
        t.add_column(h, no_wrap=i == 0, overflow="fold")
    for row in rows:
        t.add_row(*[str(c) for c in row])
    console().print(t)


@contextmanager
def progress_bar(
    label: str, total: int, quiet: bool = False, unit: str | None = None
) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr when it is a terminal; yields
    ``advance(n=1, failed=False)``. With ``unit`` (e.g. "pages") it also shows the rate
    and the failures so far."""
    if quiet or not is_terminal(stderr=True):
        yield lambda n=1, failed=False: None
        return
    import time

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns: list[ProgressColumn | str] = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if unit:
        columns += [
            TextColumn(f"{{task.fields[rate]:.1f}} {unit}/s"),
            TextColumn("{task.fields[failures]} failed"),
        ]
    columns += [TimeElapsedColumn()]
    columns += [TextColumn("ETA")] if unit else []
    columns += [TimeRemainingColumn()]
    start = time.perf_counter()
    # rich would send what is written to stdout through the bar's console (stderr):
    # records piped to another program must reach the pipe, so stdout is left alone
    # unless it is the same screen as the bar
    same_screen = sys.stdout.isatty()
    with Progress(
        *columns,
        console=console(stderr=True),
        transient=True,
        redirect_stdout=same_screen,
    ) as progress:
        task = progress.add_task(label, total=total, rate=0.0, failures=0)
        failures = 0

        def advance(n: int = 1, failed: bool = False) -> None:
            nonlocal failures
            failures += failed
            done = progress.tasks[0].completed + n
            rate = done / max(time.perf_counter() - start, 1e-9)
            progress.update(task, advance=n, rate=rate, failures=failures)

        yield advance
