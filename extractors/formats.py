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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from .base import CLOSING_MARK, CODE, EM, LINK, OPENING_MARK, OPENING_OF, STRONG, Block
from .terminal import escape_json, strip_unsafe

if TYPE_CHECKING:
    from .base import Extraction, Markup
    from .page import Page

FORMATS = ("txt", "markdown", "json", "jsonl")


def to_txt(extraction: Extraction) -> str:
    """Blocks separated by blank lines; a trailing newline when there is text."""
    text = extraction.text
    return text + "\n" if text else ""


def _line_markup(marks: str) -> re.Pattern[str]:
    """A line's leading block markup: one of ``marks``, or a list number ``1.`` ``1)``."""
    return re.compile(rf"^(\s*)(?:([{marks}])|(\d+)([.)])(?=\s|$))")


#: a line that markdown would read as markup (a heading, a list item, a quote, a rule,
#: a numbered item): its first character is escaped (a number's "." or ")")
_LINE_MARKUP = _line_markup(r"#>+\-*=")
#: characters that mark emphasis, code or links anywhere in a line
_INLINE_MARKUP = re.compile(r"([\\`*_\[\]<])")


def escape_markdown(text: str) -> str:
    """``text`` as literal markdown: inline markup characters and a line's leading
    markup (``#``, ``-``, ``>``, ``1.``...) backslash-escaped."""
    text = _INLINE_MARKUP.sub(r"\\\1", text)
    return "\n".join(_LINE_MARKUP.sub(_escape_line, line) for line in text.split("\n"))


def _escape_line(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


#: ``_LINE_MARKUP`` but for ``*``, for rendered marks: a ``*`` there is emphasis (a
#: literal one is escaped already)
_LINE_START = _line_markup(r"#>+\-=")
#: characters written %-escaped in a link target
_URL_ESCAPES = str.maketrans({" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"})
#: the marks of ``Markup.inline`` (a link's opening one with its href), kept by a split
_TOKENS = re.compile(f"({OPENING_MARK}|{CLOSING_MARK})")
_BACKTICKS = re.compile("`+")
_OPENINGS = frozenset(OPENING_OF.values())

#: a parsed inline: text, or (mark, href, children)
_Node: TypeAlias = "str | tuple[str, str | None, list[_Node]]"


def _inline_tree(inline: str) -> list[_Node]:
    """``Markup.inline`` as a tree; a closing mark without its opening one is ignored,
    an opening one left open closes at the end."""
    root: list[_Node] = []
    stack: list[tuple[str, list[_Node]]] = [("", root)]
    for token in _TOKENS.split(inline):
        if not token:
            continue
        first = token[0]
        if first in OPENING_OF:
            mark = OPENING_OF[first]
            for k in range(len(stack) - 1, 0, -1):
                if stack[k][0] == mark:
                    del stack[k:]
                    break
        elif first in _OPENINGS:
            children: list[_Node] = []
            href = token[1:-1] if first == LINK else None
            stack[-1][1].append((first, href, children))
            stack.append((first, children))
        else:
            stack[-1][1].append(token)
    return root


def _plain(nodes: list[_Node]) -> str:
    return "".join(n if isinstance(n, str) else _plain(n[2]) for n in nodes)


def _longest_backticks(code: str) -> int:
    """The longest run of backticks in ``code``: a fence around it needs one more."""
    return max(map(len, _BACKTICKS.findall(code)), default=0)


def _code_span(code: str) -> str:
    """Inline code between as many backticks as it needs, its text as it is."""
    if not code.strip():
        return code
    fence = "`" * (_longest_backticks(code) + 1)
    pad = " " if code[0] == "`" or code[-1] == "`" or (code[0] == code[-1] == " ") else ""
    return f"{fence}{pad}{code}{pad}{fence}"


def _edges(content: str) -> tuple[str, str, str]:
    """``content`` as its leading spaces, the rest, its trailing spaces."""
    core = content.strip()
    start = len(content) - len(content.lstrip())
    return content[:start], core, content[start + len(core) :]


def _wrap(mark: str, content: str) -> str:
    """``content`` between ``mark``\\ s, its spaces outside them (none when blank)."""
    lead, core, trail = _edges(content)
    return f"{lead}{mark}{core}{mark}{trail}" if core else content


def _render(
    nodes: list[_Node],
    target: Callable[[str], str | None] | None,
    inside: frozenset[str] = frozenset(),
) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(_INLINE_MARKUP.sub(r"\\\1", strip_unsafe(node)))
            continue
        mark, href, children = node
        if mark == CODE:
            out.append(_code_span(strip_unsafe(_plain(children))))
            continue
        content = _render(children, target, inside | {mark})
        if mark in inside:  # the same mark nested: once is enough
            out.append(content)
        elif mark == EM:
            out.append(_wrap("*", content))
        elif mark == STRONG:
            out.append(_wrap("**", content))
        else:  # a link
            url = target(strip_unsafe(href or "")) if target is not None else None
            if url and content.strip():
                if out and out[-1].endswith("!"):  # "![" would make it an image
                    out[-1] = out[-1][:-1] + "\\!"
                lead, label, trail = _edges(content)
                out.append(f"{lead}[{label}]({url.translate(_URL_ESCAPES)}){trail}")
            else:
                out.append(content)
    return "".join(out)


def render_inline(inline: str, target: Callable[[str], str | None] | None = None) -> str:
    """``Markup.inline`` as markdown: code spans with their text as it is, ``*emphasis*``,
    ``**strong**``, the rest escaped as ``escape_markdown`` does; links as
    ``[text](target)`` where ``target`` gives one for the href (None: text only)."""
    text = _render(_inline_tree(inline), target)
    return _LINE_START.sub(_escape_line, text)


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


#: the kinds of the page's own blocks that a backend's plain paragraph takes in markdown
_ADOPTED = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "li", "quote", "pre"})


def _fenced(code: str) -> str:
    """A code block: its text as it is, fenced with more backticks than it holds in a row."""
    fence = "`" * max(3, _longest_backticks(code) + 1)
    return f"{fence}\n{code}\n{fence}"


def _markdown_block(
    block: Block, markup: Markup | None, target: Callable[[str], str | None] | None
) -> str:
    """A block (its list item marker aside) as markdown."""
    if block.kind == "table" and block.text.strip():
        return _table(block)
    if markup is not None and markup.inline and block.kind != "caption":
        text = render_inline(markup.inline, target)
    else:
        text = escape_markdown(block.text)
    if block.is_heading:
        return "#" * int(block.kind[1]) + " " + " ".join(text.split())
    if block.kind == "quote":
        return "\n".join("> " + line for line in text.splitlines())
    if block.kind == "caption":
        return f"*{text}*"
    return text


def to_markdown(
    extraction: Extraction, page: Page | None = None, *, links: bool = False, url: str | None = None
) -> str:
    """Headings, lists, quotes, code and tables kept where the backend gives them;
    list items of one list stay on consecutive lines.

    With the ``page``, each block the page shows as it is (the same text) is written
    with the page's own markup (``page_markup.page_matches``): inline code, emphasis,
    ordered lists with their numbers, nested lists indented, code blocks with their
    lines; so whatever backend chose the text. ``links``: links as ``[text](target)``,
    resolved against ``url`` or the page's URL when known (``page_markup.page_base_url``)."""
    from .page_markup import link_target, page_base_url, page_matches

    blocks = extraction.blocks
    html = page if page is not None and not page.is_text else None  # text mode: no markup
    matches = page_matches(html, blocks) if html is not None else [None] * len(blocks)
    target: Callable[[str], str | None] | None = None
    if links:
        base = page_base_url(html, url) if html is not None else url

        def target(href: str) -> str | None:
            return link_target(href, base)

    parts: list[str] = []
    widths: list[int] = []  # in a list: the text's column of its last item at each depth
    for block, match in zip(blocks, matches, strict=True):
        markup = (match.markup if match is not None else None) or block.markup
        if block.kind == "p" and match is not None and match.kind in _ADOPTED:
            # a backend that tells no structure: the page's heading, item, quote, code
            block = Block(block.text, match.kind, block.cells, block.markup)
        if block.kind == "pre":
            code = match.text if match is not None and match.kind == "pre" else block.text
            parts.append(_fenced(code))
            widths = []
            continue
        rendered = _markdown_block(block, markup, target)
        if block.kind != "li":
            parts.append(rendered)
            widths = []
            continue
        depth = min(markup.depth, len(widths)) if markup is not None else 0
        indent = widths[depth - 1] if depth else 0
        if markup is not None and not markup.first and depth < len(widths):
            # a paragraph of the item above: under its text
            parts[-1] += "\n\n" + " " * widths[depth] + rendered
            continue
        number = markup.number if markup is not None else None
        marker = "-" if number is None else f"{number}."
        line = " " * indent + marker + " " + rendered
        if widths:
            parts[-1] += "\n" + line
        else:
            parts.append(line)
        widths[depth:] = [indent + len(marker) + 1]
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
    return json_document(records[0] if len(records) == 1 else records)


def json_document(data: Any) -> str:
    """``data`` as an indented JSON document: text as it is, but the characters a
    terminal would act on escaped (``terminal.escape_json``)."""
    return escape_json(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n"
