"""The ``unboil`` command group. ``unboil PAGE...`` runs the default command,
``extract``; the other commands live in their own modules and are added here."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click_default_group import DefaultGroup

from ..extractors import __version__
from ..extractors.errors import UnboilError
from .exitcodes import ExitStatus

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _set_meta(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is not None and value is not False:
        ctx.meta[f"unboil.{param.name}"] = value
    return value


def common_options(f: F) -> F:
    """Options accepted both before and after the command name."""
    f = click.option(
        "--debug",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_set_meta,
        is_eager=True,
        help="Show tracebacks instead of one-line errors.",
    )(f)
    f = click.option(
        "--color/--no-color",
        default=None,
        expose_value=False,
        callback=_set_meta,
        help="Force or disable colour (default: colour on a terminal; NO_COLOR is honoured).",
    )(f)
    return f


def debug_enabled(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get("unboil.debug"))


def color_choice(ctx: click.Context | None = None) -> bool | None:
    ctx = ctx or click.get_current_context(silent=True)
    return ctx.meta.get("unboil.color") if ctx else None


def error(message: str) -> None:
    """One line on stderr, prefixed with the program name."""
    click.echo(f"unboil: {message}", err=True)


def handle_errors(f: F) -> F:
    """Turn the tool's own errors into one line and exit 2; anything unexpected into
    one line and exit 3 (a traceback only with --debug)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            error("interrupted")
            sys.exit(ExitStatus.INTERRUPTED)
        except UnboilError as exc:
            if debug_enabled():
                traceback.print_exc()
            error(str(exc))
            sys.exit(ExitStatus.USAGE)
        except Exception as exc:
            if debug_enabled():
                raise
            from ..extractors.base import one_line

            error(f"internal error: {one_line(exc)} (run with --debug for the traceback)")
            sys.exit(ExitStatus.SOURCES_FAILED)

    return wrapper  # type: ignore[return-value]


@click.group(
    cls=DefaultGroup,
    default="extract",
    default_if_no_args=False,
    context_settings=CONTEXT_SETTINGS,
)
@click.version_option(__version__, "--version", prog_name="unboil")
@common_options
def cli() -> None:
    """Strip boilerplate from web pages and keep the article.

    \b
    unboil page.html                  clean a saved page (gzip too)
    curl -s URL | unboil -            clean a piped page
    unboil https://example.org/a      fetch and clean a URL
    unboil -b readability page.html   choose a backend (see: unboil backends)
    unboil -f jsonl *.html | jq .     one JSON record per page

    Without a command name, the arguments go to `extract`.
    """


def _register_commands() -> None:
    from .audit import audit
    from .backends import backends
    from .batch import batch
    from .bench import bench
    from .check import check
    from .compare import compare
    from .diff import diff
    from .extract import extract

    cli.add_command(extract)
    cli.add_command(backends)
    cli.add_command(audit)
    cli.add_command(batch)
    cli.add_command(bench)
    cli.add_command(check)
    cli.add_command(compare)
    cli.add_command(diff)


_register_commands()


def run() -> None:
    try:
        cli.main(prog_name="unboil")
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
