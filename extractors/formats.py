"""Serialising extractions: txt, markdown, json and jsonl records.

The jsonl record schema is a contract that scripts and CI rely on (see the README):
``source``, ``backend``, ``version``, ``title``, ``text``, ``error`` (null or a
one-line error), ``reason`` (why the text is empty, when it is), ``words``,
``seconds``, ``quality`` (chars, replacement_share, control_share: mojibake and
binary taken for text become visible), ``url``, ``encoding``, ``metadata``.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .terminal import escape_json

if TYPE_CHECKING:
    from .base import Block, Extraction
    from .page import Page

FORMATS = ("txt", "markdown", "json", "jsonl")


def to_txt(extraction: Extraction) -> str:
    """Blocks separated by blank lines; a trailing newline when there is text."""
    text = extraction.text
    return text + "\n" if text else ""


#: a line that markdown would read as markup (a heading, a list item, a quote, a rule,
#: a numbered item): its first character is escaped
_LINE_MARKUP = re.compile(r"^(\s*)([#>+\-*=]|\d+[.)](?=\s|$))")
#: characters that mark emphasis, code or links anywhere in a line
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<])")


def escape_markdown(text: str) -> str:
    """``text`` as literal markdown: inline markup characters and a line's leading
    markup (``#``, ``-``, ``>``, ``1.``...) backslash-escaped."""
    text = _INLINE_MARKUP.sub(r"\\\1", text)
    return "\n".join(_LINE_MARKUP.sub(r"\1\\\2", line) for line in text.split("\n"))


def _table(block: Block) -> str:
    """A GFM table: the first row as the header, every row as wide as the widest, ``|``
    in a cell escaped."""
    rows = (
        [list(r) for r in block.cells]
        if block.cells
        else [row.split(" | ") for row in block.text.splitlines() if row.strip()]
    )
    width = max(len(r) for r in rows)
    lines = []
    for i, row in enumerate(rows):
        cells = [escape_markdown(c).replace("|", "\\|") for c in row]
        lines.append("| " + " | ".join(cells + [""] * (width - len(cells))) + " |")
        if i == 0:
            lines.append("|" + " --- |" * width)
    return "\n".join(lines)


def _markdown_block(block: Block) -> str:
    if block.kind == "pre":
        fence = "````" if "```" in block.text else "```"
        return f"{fence}\n{block.text}\n{fence}"
    if block.kind == "table" and block.text.strip():
        return _table(block)
    text = escape_markdown(block.text)
    if block.is_heading:
        return "#" * int(block.kind[1]) + " " + " ".join(text.split())
    if block.kind == "li":
        return "- " + text
    if block.kind == "quote":
        return "\n".join("> " + line for line in text.splitlines())
    if block.kind == "caption":
        return f"*{text}*"
    return text


def to_markdown(extraction: Extraction) -> str:
    """Headings, lists, quotes, code and tables kept where the backend gives them;
    list items of one list stay on consecutive lines."""
    parts: list[str] = []
    previous = None
    for block in extraction.blocks:
        rendered = _markdown_block(block)
        if previous == "li" and block.kind == "li":
            parts[-1] += "\n" + rendered
        else:
            parts.append(rendered)
        previous = block.kind
    text = "\n\n".join(parts)
    return text + "\n" if text else ""


def record(
    source: str, extraction: Extraction | None, page: Page | None = None, error: str | None = None
) -> dict[str, Any]:
    """One json/jsonl record. ``extraction`` is None when the source could not be
    loaded (``error`` says why)."""
    rec: dict[str, Any] = {
        "source": source,
        "backend": extraction.backend if extraction else None,
        "version": extraction.version if extraction else None,
        "title": extraction.title if extraction else None,
        "text": extraction.text if extraction else "",
        "error": error if error is not None else (extraction.error if extraction else None),
        "reason": extraction.reason if extraction else None,
        "words": extraction.words if extraction else 0,
        "quality": extraction.quality if extraction and extraction.ok else None,
        "seconds": round(extraction.seconds, 6) if extraction else 0.0,
        "url": page.url if page else None,
        "encoding": page.encoding if page else None,
        "metadata": extraction.metadata if extraction else {},
    }
    return rec


def to_json_line(rec: dict[str, Any]) -> str:
    return escape_json(json.dumps(rec, ensure_ascii=False, default=str)) + "\n"


def to_json(records: list[dict[str, Any]]) -> str:
    """One object for one source, an array for several."""
    data: Any = records[0] if len(records) == 1 else records
    return escape_json(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n"
