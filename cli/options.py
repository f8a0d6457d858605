"""Options shared by several commands, declared once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..extractors.loading import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_size(text: str) -> int:
    """'20MB', '500k', '1.5GiB', '1048576' -> bytes (k/M/G are powers of 1000,
    Ki/Mi/Gi of 1024)."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (try 20MB, 500k, 1048576)")
    number, unit = float(m.group(1)), (m.group(2) or "").lower()
    binary = "i" in unit
    unit = unit.replace("i", "").replace("b", "")
    factor = 1024 ** ("kmg".index(unit) + 1) if binary and unit else _UNITS[unit]
    return int(number * factor)


class SizeType(click.ParamType):
    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def size_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--max-bytes",
        type=SizeType(),
        default="20MB",
        show_default=True,
        help="Refuse pages larger than this (decompressed size included).",
    )(f)


def timeout_option(
    help: str = "Seconds allowed to fetch a URL.", default: float | None = DEFAULT_TIMEOUT
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--timeout SECONDS``; ``default=None`` leaves the default to a settings file
    (the help then says ``DEFAULT_TIMEOUT``)."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=default,
        show_default=default is not None,
        help=help if default is not None else f"{help}  [default: {DEFAULT_TIMEOUT:g}]",
    )


def quiet_option(
    help: str = "No progress bar.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("-q", "--quiet", is_flag=True, help=help)


jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes  [default: the number of cores]",
)


allow_private_option = click.option(
    "--allow-private",
    is_flag=True,
    help="Also fetch URLs at loopback, private, link-local and reserved addresses "
    "(127.0.0.1, localhost, 10.x, 169.254.169.254...): refused by default.",
)


def complete_backends(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Backend names for shell completion; after a comma, the list so far kept in
    front (``-b trafilatura,re`` -> ``trafilatura,readability``, ``...,resiliparse``)."""
    from click.shell_completion import CompletionItem

    from ..extractors import registry

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [CompletionItem(prefix + n) for n in registry.names() if n.startswith(last)]


def backend_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-b",
        "--backend",
        default=default,
        show_default=True,
        metavar="NAME",
        shell_complete=complete_backends,
        help="Extractor backend (see: unboil backends).",
    )


title_option = click.option(
    "--title/--no-title",
    default=False,
    show_default=True,
    help="Put the headline in front of the text.",
)

captions_option = click.option(
    "--captions/--no-captions",
    default=None,
    help="Keep or drop figure captions  [default: as the backend does]",
)


links_option = click.option(
    "--links/--no-links",
    default=False,
    show_default=True,
    help="-f markdown: keep link targets, as [text](url), made absolute when the page's "
    "URL is known (a fetched page's, --url, its <base href> or its canonical link).",
)


def _http_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from ..extractors.page_markup import absolute_http_url

    if value is None:
        return None
    url = absolute_http_url(value)
    if url is None:
        raise click.BadParameter(f"not an http(s) URL: {value!r}", ctx, param)
    return url


url_option = click.option(
    "--url",
    "page_url",
    metavar="URL",
    default=None,
    callback=_http_url,
    help="The address a saved page (file, stdin) came from: -f markdown --links resolves "
    "its relative links against it.",
)


def json_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--json FILE``, the same in every command: ``-`` is stdout."""
    return click.option(
        "--json",
        "json_out",
        metavar="FILE",
        type=click.Path(dir_okay=False, allow_dash=True),
        default=None,
        help=f"Write {what} as JSON to FILE ('-': stdout, instead of the table).",
    )


def write_output(path: str, text: str) -> None:
    """``text`` to stdout for ``-``, else to FILE atomically (its missing folders made,
    as every command does with the files it writes)."""
    if path == "-":
        click.echo(text, nl=False)
        return
    from ..extractors.fsutil import atomic_write

    atomic_write(path, text)


def write_json(path: str | None, doc: Any) -> bool:
    """``doc`` as JSON (``formats.json_document``) to ``--json``'s ``path``, if one was
    given; whether it went to stdout, where it is the command's whole output."""
    if not path:
        return False
    from ..extractors.formats import json_document

    write_output(path, json_document(doc))
    return path == "-"


backends_option = click.option(
    "-b",
    "--backends",
    default=None,
    metavar="A,B,...",
    shell_complete=complete_backends,
    help="Backends to run, comma-separated  [default: every available one]",
)


def split_backends(value: str | None, *, with_consensus: bool = True) -> list[str]:
    """'a,b' -> ['a', 'b']; None -> every available backend (each name checked by
    the registry when it runs)."""
    if value:
        return [n.strip() for n in value.split(",") if n.strip()]
    from ..extractors import registry

    names = [n for n in registry.names() if registry.describe(n).available]
    return names if with_consensus else [n for n in names if n != "consensus"]


input_format_option = click.option(
    "--input-format",
    type=click.Choice(("auto", "html", "text")),
    default="auto",
    show_default=True,
    help="auto: plain text (no markup) is cleaned in text mode; text: every page is "
    "plain text; html: plain text is refused. Text mode uses the 'text' backend "
    "whatever -b says.",
)
