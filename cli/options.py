"""Options shared by several commands, declared once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import click

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
    help: str = "Seconds allowed to fetch a URL.",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=30.0,
        show_default=True,
        help=help,
    )


allow_private_option = click.option(
    "--allow-private",
    is_flag=True,
    help="Also fetch URLs at loopback, private, link-local and reserved addresses "
    "(127.0.0.1, localhost, 10.x, 169.254.169.254...): refused by default.",
)


def backend_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-b",
        "--backend",
        default=default,
        show_default=True,
        metavar="NAME",
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


backends_option = click.option(
    "-b",
    "--backends",
    default=None,
    metavar="A,B,...",
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
