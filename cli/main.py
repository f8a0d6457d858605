"""The ``unboil`` command group. ``unboil PAGE...`` runs the default command,
``extract``; the other commands live in their own modules, imported only when invoked
(``COMMANDS`` names them and gives the summaries ``unboil --help`` lists)."""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
from click_default_group import DefaultGroup

from ..extractors import __version__
from ..extractors.errors import UnboilError
from .exitcodes import ExitStatus

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _set_meta(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    # only a value given (the option's default, also where it was not given again after
    # the command name, must not undo ``unboil --no-color diff``)
    if value is not None and value != param.default:
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
        help="Force or disable colour (default: colour on a terminal; NO_COLOR and "
        "FORCE_COLOR are honoured).",
    )(f)
    return f


def debug_enabled(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get("unboil.debug"))


def color_choice(ctx: click.Context | None = None) -> bool | None:
    """True or False when --color / --no-color was given, else True when FORCE_COLOR is
    set (not empty, not 0); None: colour on a terminal unless NO_COLOR is set."""
    ctx = ctx or click.get_current_context(silent=True)
    choice = ctx.meta.get("unboil.color") if ctx else None
    if choice is None and os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return choice


def error(message: str) -> None:
    """One line on stderr, prefixed with the program name (whatever a file name or a
    server put in the message: its control characters are shown escaped)."""
    from ..extractors.terminal import escape_unsafe

    click.echo(f"unboil: {escape_unsafe(message)}", err=True)


def refuse_overwriting_input(output: str | None, sources: tuple[str, ...] | list[str]) -> None:
    """Exit 2 when the output file is one of the pages read (``unboil s.html -o s.html``
    would replace the page with its text)."""
    from ..extractors.fsutil import same_file

    if output and output != "-" and any(same_file(output, s) for s in sources):
        error(f"{output}: is one of the pages read; not overwritten (choose another output)")
        sys.exit(ExitStatus.USAGE)


def command_hint(word: str) -> str:
    """``"; did you mean 'unboil bench'?"`` when ``word``, read as a page that does not
    exist, is a near miss of a command name (``unboil bnech``)."""
    import difflib

    if not word or os.sep in word or "." in word:
        return ""
    close = difflib.get_close_matches(word.lower(), sorted(COMMANDS), n=1, cutoff=0.6)
    return f"; did you mean 'unboil {close[0]}'?" if close else ""


def given(name: str, ctx: click.Context | None = None) -> bool:
    """The option (by its parameter name) was given on the command line."""
    from click.core import ParameterSource

    ctx = ctx or click.get_current_context()
    return ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE


def note_text_mode(source: str, options: str, hint: str = "") -> None:
    """Say that a backend the user chose does not apply: ``source`` is plain text."""
    error(f"note: {source} is plain text, cleaned by the text backend ({options}: for HTML){hint}")


def pipe_closed() -> NoReturn:
    """The reader of our output went away (``unboil ... | head``): stop quietly, with
    stdout pointed at /dev/null so that nothing more fails on the way out."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    sys.exit(ExitStatus.PIPE_CLOSED)


def handle_errors(f: F) -> F:
    """Turn the tool's own errors and the system's (an output that cannot be written)
    into one line and exit 2; anything unexpected into one line and exit 70, an internal
    error (a traceback only with --debug)."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            error("interrupted")
            sys.exit(ExitStatus.INTERRUPTED)
        except BrokenPipeError:
            pipe_closed()
        except UnboilError as exc:
            if debug_enabled():
                import traceback

                traceback.print_exc()
            error(str(exc))
            sys.exit(ExitStatus.USAGE)
        except OSError as exc:  # an output that cannot be written: a full disk, stdout
            if debug_enabled():
                raise
            where = f"{exc.filename}: " if exc.filename else "cannot write the output: "
            error(f"{where}{exc.strerror or exc}")
            sys.exit(ExitStatus.USAGE)
        except Exception as exc:
            if debug_enabled():
                raise
            from ..extractors.base import one_line

            error(f"internal error: {one_line(exc)} (run with --debug for the traceback)")
            sys.exit(ExitStatus.INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]


#: command name -> ("module:attribute", the first sentence of its help). ``unboil --help``
#: lists the commands from these summaries (click shortens them as it would the
#: commands' own help) and imports a command's module only to run it or show its help.
#: tests/test_perf_behaviour.py checks the table against the commands.
COMMANDS: dict[str, tuple[str, str]] = {
    "extract": (
        "unboil.cli.extract:extract",
        "Clean each PAGE (a saved .html/.htm file, gzip too; '-' for stdin; an http(s) URL) "
        "and print its article text.",
    ),
    "audit": (
        "unboil.cli.audit:audit",
        "Write a self-contained HTML report of PAGE: the page's own layout, made inert (no "
        "script runs, nothing is fetched), each text block outlined: kept by the consensus "
        "(green), stripped (red), doubtful (amber).",
    ),
    "backends": (
        "unboil.cli.backends:backends",
        "List the extractor backends: name, version, availability, description.",
    ),
    "batch": (
        "unboil.cli.batch:batch",
        "Clean every page in FOLDERs (recursively), FILEs, WARCs and a URL list, in parallel.",
    ),
    "bench": (
        "unboil.cli.bench:bench",
        "Score backends on gold sets: precision, recall and F1 with the Scrapinghub shingle "
        "metric (or the with/without segment metric), failures and time per page.",
    ),
    "check": (
        "unboil.cli.check:check",
        "Score backends on gold sets and fail (exit 1) when a threshold is not met or the "
        "scores dropped below a recorded baseline: a CI gate for extraction quality.",
    ),
    "compare": (
        "unboil.cli.compare:compare",
        "Run every available backend (or -b a,b,c) on PAGE and show how much they agree: "
        "blocks, words, seconds, the agreement matrix (shingle F1 of each pair) and "
        "agreement with the consensus; then the consensus text, doubtful blocks marked.",
    ),
    "completion": (
        "unboil.cli.completion:completion",
        "Print the completion script for SHELL: commands, options, backend names and file "
        "names complete on Tab.",
    ),
    "diff": (
        "unboil.cli.diff:diff",
        "Show how two extractions of PAGE differ, block by block, with the changed words "
        "inside changed blocks.",
    ),
}

_SUMMARIES_ONLY = "unboil.help-summaries"
_ARGS = "unboil.args"


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``unboil --version``; with ``-v`` (before or after it) each backend's version,
    or why it is not available."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"unboil, version {__version__}")
    if {"-v", "--verbose"} & set(ctx.meta.get(_ARGS, ())):
        from ..extractors import registry

        for name in registry.names():
            info = registry.describe(name)
            state = (info.version or "-") if info.available else "(missing)"
            click.echo(f"  {name} {state}")
        click.echo(f"  python {sys.version.split()[0]}")
    ctx.exit()


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil (and with it bz2,
    lzma and zlib: a tenth of ``unboil --help``'s time)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _Context(click.Context):
    def make_formatter(self) -> click.HelpFormatter:
        """click's formatter, its width worked out as click does (the terminal's width,
        at most ``max_content_width``, less 2, at least 50)."""
        from click import formatting

        width = self.terminal_width or formatting.FORCED_WIDTH
        if width is None:
            width = max(min(_terminal_columns(), self.max_content_width or 80) - 2, 50)
        return self.formatter_class(width=width, max_width=self.max_content_width)


class LazyGroup(DefaultGroup):
    """click's documented lazy-loading group on top of click-default-group's
    ``DefaultGroup``: commands in ``lazy_commands`` are imported on first use, and the
    group's help lists them from their summaries without importing anything."""

    context_class = _Context

    def __init__(
        self, *args: Any, lazy_commands: dict[str, tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``unboil -- -x.html``: a ``--`` before any command name ends the options of
        the default command, not the group's (which would leave ``-x.html`` to be read
        as an option)."""
        cut = args.index("--") if "--" in args else len(args)
        ctx.meta[_ARGS] = args[:cut]
        ended = cut < len(args) and not ctx.resilient_parsing
        if ended and not set(args[:cut]) & set(self.list_commands(ctx)):
            args = [self.default_cmd_name or "extract", *args]
        return super().parse_args(ctx, args)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[Any]:
        """Command names, and file names too (``unboil PAGE`` runs ``extract``)."""
        from click.shell_completion import CompletionItem

        items = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-"):
            return items
        # first: bash's script empties its list at a "file" item (then falls back to
        # file names when no command matched)
        return [CompletionItem(incomplete, type="file"), *items]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            if ctx.meta.get(_SUMMARIES_ONLY):
                return click.Command(cmd_name, help=self.lazy_commands[cmd_name][1])
            self._load(cmd_name)
        elif (
            cmd_name not in self.commands
            and self.default_cmd_name in self.lazy_commands
            and self.default_cmd_name not in self.commands
        ):
            # not a command name: DefaultGroup hands the arguments to the default command
            self._load(self.default_cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command, with the settings files' values as its defaults
        (``settings.defaults_for``)."""
        cmd_name, cmd, rest = super().resolve_command(ctx, args)
        if cmd_name is not None and cmd is not None and not ctx.resilient_parsing:
            from ..extractors.errors import UnboilError
            from .settings import defaults_for

            try:
                defaults = defaults_for(cmd_name, cmd)
            except UnboilError as exc:
                error(str(exc))
                sys.exit(ExitStatus.USAGE)
            if defaults:
                ctx.default_map = {**(ctx.default_map or {}), cmd_name: defaults}
        return cmd_name, cmd, rest

    def _load(self, cmd_name: str) -> None:
        module, _, attr = self.lazy_commands[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module), attr)
        if not isinstance(command, click.Command):
            raise TypeError(f"{module}:{attr} is not a click command")
        self.add_command(command, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ctx.meta[_SUMMARIES_ONLY] = True
        try:
            super().format_commands(ctx, formatter)
        finally:
            del ctx.meta[_SUMMARIES_ONLY]


@click.group(
    cls=LazyGroup,
    lazy_commands=COMMANDS,
    default="extract",
    default_if_no_args=False,
    context_settings=CONTEXT_SETTINGS,
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit (with -v: the backends' too).",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    expose_value=False,
    help="With --version: also the version of each backend's library.",
)
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


def run() -> None:
    try:
        cli.main(prog_name="unboil")
    except KeyboardInterrupt:
        error("interrupted")
        sys.exit(ExitStatus.INTERRUPTED)
