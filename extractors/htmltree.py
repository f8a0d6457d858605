"""lxml helpers shared by the backends: parsing, tree -> blocks.

Imported only inside functions (``Page.tree``, the adapters' ``run``);
lxml itself is imported by ``parse_html`` when a document is first parsed.

- ``parse_html(html)``: the one robust parse of a decoded document.
- ``element_blocks(element)``: an element (e.g. readability's summary) as ordered blocks.
- ``visible_blocks(root)``: all visible text of a page as blocks (the alltext baseline).
- ``text_blocks(text)``: plain text (one paragraph a line) as blocks.
- ``quiet_logs(*names)``: keep a library's log records off stderr.

Over 600 lines for one concern: HTML to blocks, the robust parse (deep nesting,
characters XML refuses) and the walk every backend's blocks come from, which must
agree with each other. The page's language is ``language``'s.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

from .base import (
    CLOSING_MARK,
    CODE,
    CODE_END,
    EM,
    EM_END,
    HREF_END,
    LINK,
    LINK_END,
    MARKS,
    OPENING_MARK,
    OPENING_OF,
    STRONG,
    STRONG_END,
    Block,
    Markup,
)

if TYPE_CHECKING:
    from lxml import etree
    from lxml.html import HtmlElement

    from .page import Page

# -- parsing ---------------------------------------------------------------------------

_local = threading.local()


def _parser() -> etree.HTMLParser:
    import lxml.html
    from lxml import etree

    # lxml advises against sharing a parser between threads: one per thread.
    parser: etree.HTMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        # The HTML parser never loads DTDs or external entities; no_network makes sure
        # nothing referenced by the document is fetched. (HTMLParser has no
        # resolve_entities option: only the predefined HTML entities are expanded.)
        # Comments and processing instructions are dropped as trafilatura's own parser
        # does: left in, they cost it .004 F1 on the benchmark (6 pages lose text).
        parser = etree.HTMLParser(
            encoding="utf-8",
            no_network=True,
            recover=True,
            remove_comments=True,
            remove_pis=True,
        )
        # lxml.html's own parser picks each element's class in Python
        # (HtmlElementClassLookup.lookup), a call every time an element gets a Python
        # object: millions a batch, in trafilatura's and readability's walks of the tree
        # too (they copy it with its parser). lxml's C lookup gives every element the
        # same HtmlElement (no Form/Input/Select/Textarea/Label subclasses, whose form
        # helpers nothing here uses): faster for readability and consensus, the same
        # outputs on the bench pages.
        parser.set_element_class_lookup(
            etree.ElementDefaultClassLookup(
                element=lxml.html.HtmlElement,
                comment=lxml.html.HtmlComment,
                pi=lxml.html.HtmlProcessingInstruction,
                entity=lxml.html.HtmlEntity,
            )
        )
        _local.parser = parser
    return parser


def parse_html(html: str) -> HtmlElement:
    """Parse a decoded document. Never raises for odd input: an empty, comment-only
    or doctype-only document gives an empty ``<html>`` element.

    The text is encoded to UTF-8 and parsed as such, so an XML declaration or a
    ``<meta charset>`` naming another encoding is ignored (the text is already decoded).
    Characters lxml refuses in strings (C0 controls, lone surrogates), written out or
    as character references, are dropped (``safe_markup``). What lies deeper than
    libxml2's nesting limit (256), which it silently drops, is kept: the excess
    nesting is removed and the document parsed again (``flatten_deep``).
    """
    import lxml.html
    from lxml import etree

    data = safe_bytes(html)
    root = None
    if data.strip():
        parser = _parser()
        try:
            root = etree.fromstring(data, parser)
            if _cut_at_depth_limit(parser):
                # libxml2 silently dropped everything nested deeper than its limit:
                # parse again with the excess nesting removed (the text stays).
                flat = flatten_deep(safe_markup(html))
                if flat is not None:
                    root = etree.fromstring(flat.encode("utf-8", "replace"), parser)
        except etree.LxmlError:
            root = None
    if root is None or not isinstance(root, lxml.html.HtmlElement):
        return lxml.html.Element("html")
    return root


def _cut_at_depth_limit(parser: etree.HTMLParser) -> bool:
    log = parser.error_log
    return any(e.type_name == "ERR_RESOURCE_LIMIT" and "depth" in e.message for e in log)


#: Nesting kept by ``flatten_deep``: below libxml2's limit (256), and far below the
#: depths at which lexbor (resiliparse) turns quadratic.
MAX_DEPTH = 200

# Elements whose end tag is optional or that have none: they do not count as nesting
# (an unclosed <p> or <li> is closed by the next one) and are never removed.
_FLAT_TAGS = frozenset(
    (
        *("p", "li", "dt", "dd", "option", "optgroup", "rb", "rt", "rtc", "rp"),
        *("tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption"),
        *("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"),
        *("param", "source", "track", "wbr", "html", "head", "body", "frame", "keygen"),
        *("basefont", "bgsound", "image", "isindex", "nextid"),
    )
)
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp", "iframe", "noembed"))
_TAG_OR_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][^\s/>]*)[^>]*>", re.S)


@functools.cache
def _raw_end(name: str) -> re.Pattern[str]:
    return re.compile(f"</{name}[^>]*>", re.I)


def flatten_deep(html: str, limit: int = MAX_DEPTH) -> str | None:
    """``html`` without the start and end tags nested deeper than ``limit`` (their text
    and the rest stay, at depth ``limit``); None when nothing is that deep.

    A linear scan: 100,000 nested ``<div>`` elements (which libxml2 cuts off at depth 256,
    losing their text, and lexbor parses in quadratic time) take a fraction of a second.
    """
    depth = 0
    deepest = 0
    cut: list[tuple[int, int]] = []
    pos = 0
    n = len(html)
    while pos < n:
        m = _TAG_OR_COMMENT.search(html, pos)
        if m is None:
            break
        pos = m.end()
        name = m.group(2)
        if name is None:  # a comment
            continue
        name = name.lower()
        if name in _FLAT_TAGS or m.group(0).endswith("/>"):
            continue
        if name in _RAW_TEXT:
            # kept whole, never counted: its text is not markup (skip to its end tag)
            if not m.group(1):
                close = _raw_end(name).search(html, pos)
                pos = close.end() if close is not None else n
            continue
        if m.group(1):  # an end tag
            if depth > limit:
                cut.append(m.span())
            depth = max(depth - 1, 0)
            continue
        depth += 1
        deepest = max(deepest, depth)
        if depth > limit:
            cut.append(m.span())
    if deepest <= limit:
        return None
    parts = []
    last = 0
    for start, end in cut:
        parts.append(html[last:start])
        last = end
    parts.append(html[last:])
    return "".join(parts)


#: Depth from which lexbor's main-content extraction gets slow (quadratic or worse in
#: the nesting; docs/hostile.md).
LEXBOR_SAFE_DEPTH = 2000


# Characters lxml refuses in a string (ValueError: "All strings must be XML
# compatible") and charset declarations that libraries re-read from decoded text
# (goose3: LookupError on "<meta charset=lang ...>").
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE_CONTROLS = re.compile("[\x0b\x0c]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters lxml refuses in strings (C0 controls but tab,
    LF and CR; lone surrogates; U+FFFE/U+FFFF): vertical tab and form feed become
    spaces, lone surrogates ``?``, the others are dropped. Parsed text that keeps them
    makes libraries that build elements from it (readability, jusText, goose3) raise
    ValueError."""
    if _UNSAFE_CHARS.search(text) is None:
        return text
    text = _SURROGATES.sub("?", _SPACE_CONTROLS.sub(" ", text))  # "?" as encode("replace")
    return _UNSAFE_CHARS.sub("", text)


_CHAR_REF = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,8})|0*([0-9]{1,10}));?")


def _xml_code(code: int) -> bool:
    """Whether a character reference to ``code`` is one lxml accepts."""
    return (
        code in (9, 10, 13)
        or 32 <= code < 0xD800
        or 0xE000 <= code < 0xFFFE
        or 0x10000 <= code <= 0x10FFFF
    )


def _char_ref(m: re.Match[str]) -> str:
    hexa, dec = m.group(1), m.group(2)
    code = int(hexa, 16) if hexa is not None else int(dec)
    if _xml_code(code):
        return m.group(0)
    return " " if code in (11, 12) else ""


# The same cleaning on the UTF-8 bytes, in C (``safe_bytes``): lone surrogates are "?"
# from encode("replace"); VT and FF become spaces, the other C0 controls but tab, LF and
# CR go; U+FFFE / U+FFFF go.
_C0_SPACES = bytes.maketrans(b"\x0b\x0c", b"  ")
_C0_DROPPED = bytes(c for c in range(32) if c not in (9, 10, 11, 12, 13))
_NONCHARACTERS = ("\ufffe", "\uffff")
_CHAR_REF_BYTES = re.compile(_CHAR_REF.pattern.encode())
# Character references ``_char_ref`` might change (a superset: controls, surrogates,
# U+FFFE/U+FFFF, and every reference of 5+ significant digits); the others (&#8217;,
# &#x27;, ...) are left as they are without a Python call each.
_SUSPECT_REF = re.compile(
    rb"&#(?:[xX]0*(?:1?[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF]"
    rb"|[0-9a-fA-F]{5,})(?![0-9a-fA-F])|0*(?:[12]?[0-9]|3[01]|[0-9]{5,})(?![0-9]))"
)


def _char_ref_bytes(m: re.Match[bytes]) -> bytes:
    hexa, dec = m.group(1), m.group(2)
    code = int(hexa, 16) if hexa is not None else int(dec)
    if _xml_code(code):
        return m.group(0)
    return b" " if code in (11, 12) else b""


def safe_bytes(html: str) -> bytes:
    """``safe_markup(html).encode("utf-8", "replace")``, computed on the bytes."""
    for nonchar in _NONCHARACTERS:  # a character search in the str: faster than in bytes
        if nonchar in html:
            html = html.replace(nonchar, "")
    data = html.encode("utf-8", "replace").translate(_C0_SPACES, _C0_DROPPED)
    if b"&#" in data and _SUSPECT_REF.search(data) is not None:
        data = _CHAR_REF_BYTES.sub(_char_ref_bytes, data)
    return data


def safe_markup(html: str) -> str:
    """``xml_safe`` on the markup, and character references to such characters
    (``&#1;``, ``&#x0B``: the parser would put the character itself in the tree)
    dropped too."""
    html = xml_safe(html)
    if "&#" in html:
        html = _CHAR_REF.sub(_char_ref, html)
    return html


# <meta ...> and <?xml ...> tags, then the declaration inside one: two simple scans cost
# less than one pattern looking for "charset" after every "<meta"
_DECL_TAG = re.compile(r"<(?:meta|\?xml)\b[^>]*>", re.I)
_DECL_ATTR = re.compile(r"\b(charset|encoding)(\s*=)", re.I)


def _declaration(m: re.Match[str]) -> str:
    """Rename charset= in a <meta> tag and encoding= in an <?xml ...?> declaration."""
    tag = m.group(0)
    name = "encoding" if tag[1] == "?" else "charset"
    new = "data-enc" if name == "encoding" else "data-cs"
    return _DECL_ATTR.sub(
        lambda a: (new if a.group(1).lower() == name else a.group(1)) + a.group(2), tag
    )


def page_html(page: Page, safe_depth: int = MAX_DEPTH) -> str:
    """The page's HTML for a library that parses it itself.

    Without nesting deeper than ``MAX_DEPTH`` (libxml2 drops what lies deeper; lexbor
    turns quadratic): scanned once per page, and only when the page holds more than
    ``safe_depth`` start tags (counted in C, so that a library safe to that depth pays
    nothing on normal pages). Without control characters, lone surrogates and
    charset declarations (the text is decoded already: a library reading a bogus
    ``<meta charset>`` again raises LookupError, lxml refuses control characters).
    """
    html = page.info.get("_library_html")
    if html is None:
        html = page.info["_library_html"] = _DECL_TAG.sub(_declaration, safe_markup(page.markup))
    html = str(html)
    if html.count("<") - html.count("</") <= safe_depth:
        return html
    flat = page.info.get("_flat_html")
    if flat is None:
        flat = page.info["_flat_html"] = flatten_deep(html) or html
    return str(flat)


def body_of(root: HtmlElement) -> HtmlElement:
    """The ``<body>`` of a parsed document, else the root itself."""
    body = root.find("body")
    return body if body is not None else root


# -- logging -------------------------------------------------------------------------

_NULL_HANDLER: logging.Handler = logging.NullHandler()


def quiet_logs(*loggers: str) -> None:
    """Give libraries that log without a handler of their own (readability, goose3,
    boilerpy3) a NullHandler, as libraries should: else Python's last-resort handler
    prints their warnings and tracebacks to stderr. Records still reach the root
    logger's handlers when an application configures logging."""
    for name in loggers:
        logging.getLogger(name).addHandler(_NULL_HANDLER)  # the same one: added once


# -- text ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# Soft hyphens, zero-width spaces, word joiners, BOMs and control characters (not
# whitespace) never belong in text. Joiners (ZWJ/ZWNJ) and direction marks stay.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u200b\u2060\ufeff]")


def collapse_ws(text: str) -> str:
    """Runs of whitespace (non-breaking spaces included) as one space, stripped."""
    # str.split() and the regex ``\s`` both take whitespace as str.isspace() does:
    # the same result as _SPACES.sub(" ", text).strip(), several times faster.
    return " ".join(text.split())


def strip_invisible(text: str) -> str:
    """``text`` without soft hyphens, zero-width spaces, BOMs and control characters."""
    return _INVISIBLE.sub("", text)


def _printable(text: str) -> str:
    # trafilatura's own rule (utils.remove_control_characters): printables and spaces
    if text.isprintable():
        return text
    return "".join(c for c in text if c.isprintable() or c.isspace())


def text_blocks(text: str | None, kind: str = "p") -> list[Block]:
    """Plain text as blocks: one block per non-blank line, whitespace collapsed."""
    if not text:
        return []
    blocks = []
    for line in strip_invisible(text).splitlines():
        line = collapse_ws(line)
        if line:
            blocks.append(Block(line, kind))
    return blocks


def page_title(root: HtmlElement) -> str | None:
    """The text of the document's ``<title>``, else its ``og:title``; None when empty."""
    # the head's own children (not a walk of the whole page: svg has titles too)
    for head in root.iterchildren("head"):
        for el in head.iterchildren("title"):
            title = collapse_ws(el.text_content())
            if title:
                return title
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:title":
            title = collapse_ws(meta.get("content") or "")
            if title:
                return title
    return None


# -- tree -> blocks --------------------------------------------------------------------


@dataclass(frozen=True)
class _Scheme:
    """The vocabulary of a tree: HTML, or trafilatura's XML output."""

    skip: frozenset[str]  # never text
    blocks: frozenset[str]  # start and end a block
    kinds: dict[str, str]  # block tag -> kind (else "p")
    breaks: frozenset[str]  # line breaks: end a block (a newline in pre)
    table: str
    rows: str
    cells: tuple[str, ...]
    caption: str | None
    layout_markers: frozenset[str]  # inside a table, make it a layout table
    clean: Callable[[str], str] = strip_invisible


_HEADINGS = {f"h{i}": f"h{i}" for i in range(1, 7)}

#: HTML elements whose content is never visible text.
SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "embed"}
    | {"canvas", "title", "frameset", "frame", "datalist"}
)

#: HTML elements that start and end a block (``br`` and ``hr`` break one).
BLOCK_TAGS = frozenset(
    {"html", "body", "p", "div", "section", "article", "main", "aside", "header", "footer"}
    | {"nav", "address", "blockquote", "pre", "figure", "figcaption", "caption", "center"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "hgroup", "ul", "ol", "li", "dl", "dt", "dd"}
    | {"menu", "dir", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "form"}
    | {"fieldset", "legend", "details", "summary", "dialog", "option", "textarea"}
    | {"br", "hr", "listing", "plaintext", "xmp", "noframes", "search"}
)

_HTML = _Scheme(
    skip=SKIP_TAGS,
    blocks=BLOCK_TAGS,
    kinds={
        "pre": "pre",
        "listing": "pre",
        "plaintext": "pre",
        "xmp": "pre",
        **_HEADINGS,
        "caption": "caption",
        "figcaption": "caption",
        "blockquote": "quote",
        "li": "li",
        "dt": "li",
        "dd": "li",
    },
    breaks=frozenset({"br", "hr"}),
    table="table",
    rows="tr",
    cells=("td", "th"),
    caption="caption",
    # Any of these inside a table makes it a layout table, walked cell by cell, rather
    # than a data table (one ``table`` block).
    layout_markers=frozenset(
        {"table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote"}
        | {"pre", "form", "article", "section", "header", "footer", "nav", "aside", "main"}
    ),
)

# trafilatura's internal XML: head (rend="h2"...), p, list/item, quote, code,
# table/row/cell, lb, graphic, and inline hi, ref, del.
_TRAFILATURA = _Scheme(
    skip=frozenset({"graphic"}),
    blocks=frozenset({"body", "doc", "main", "comments", "div", "head", "p", "list", "item"})
    | frozenset({"quote", "code", "table", "row", "cell", "lb", "fw", "note"}),
    kinds={"head": "h2", "item": "li", "quote": "quote", "code": "pre"},
    breaks=frozenset({"lb"}),
    table="table",
    rows="row",
    cells=("cell",),
    caption=None,
    layout_markers=frozenset(),
    clean=_printable,
)

#: trafilatura's elements that hold a line of text, where a ``code`` is inline code
_TRAFILATURA_TEXT = frozenset({"p", "item", "head", "cell", "hi", "ref", "del"})

# -- inline markup (``marks=True``) ---------------------------------------------------

#: HTML inline elements kept as marks: (opening mark, closing mark); ``a`` is a link
_INLINE_MARKS = {
    **dict.fromkeys(("em", "i"), (EM, EM_END)),
    **dict.fromkeys(("strong", "b"), (STRONG, STRONG_END)),
    **dict.fromkeys(("code", "kbd", "samp", "tt"), (CODE, CODE_END)),
    "a": (LINK, LINK_END),
}
#: list containers and items (numbering, nesting)
_LIST_TAGS = frozenset({"ol", "ul", "menu", "dir", "li"})
#: what a browser drops from a link's target (tabs and line breaks)
HREF_SPACE = re.compile(r"[\t\n\r]")
_OPENING_MARKS = frozenset(OPENING_OF.values())
#: a mark, with a link's href
MARK = re.compile(f"{OPENING_MARK}|{CLOSING_MARK}")
#: what a heading's trailing permalink leaves at the end: "¶", spaces, marks
_TRAILING_PILCROW = re.compile(f"(?:\\s|¶|{OPENING_MARK}|{CLOSING_MARK})+$")


def marked_text(inline: str) -> str:
    """The text of a block's ``Markup.inline``: without its marks, whitespace collapsed."""
    return collapse_ws(MARK.sub("", inline))


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


# When block elements nest, the most specific kind wins (a <p> in an <li> is an li).
_RANK = {"pre": 6, "caption": 4, "quote": 3, "li": 2, **{h: 5 for h in _HEADINGS}}
_MAX_CELL_CHARS = 400
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _is_hidden(el: HtmlElement) -> bool:
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


class _Walker:
    """Turns a subtree into blocks, without recursion (pages nest deeply)."""

    def __init__(
        self, scheme: _Scheme, skip_hidden: bool, limit: int | None = None, marks: bool = False
    ) -> None:
        self.scheme = scheme
        self.skip_hidden = skip_hidden
        #: give blocks their ``Markup`` (HTML only): inline marks, list numbers
        self.marks = marks
        #: ``buf`` holds marks (pieces starting with one of ``MARKS``)
        self.marked = False
        #: the opening marks of the inline elements open, and their closing marks
        self.opened: list[tuple[str, str]] = []
        #: the lists open: [next number, step] of an ``ol``, None for a bullet list
        self.lists: list[list[int] | None] = []
        #: the list items open: [number or None, depth, a block of it made]
        self.items: list[list[Any]] = []
        #: stop once the blocks hold this many characters (one more per block)
        self.limit = limit
        self.size = 0
        self.counted = 0
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.kinds: list[str] = []  # the kinds of the open block elements

    def kind(self) -> str:
        best, rank = "p", 0
        for kind in self.kinds:
            r = _RANK.get(kind, 0)
            if r and r >= rank:
                best, rank = kind, r
        return best

    def kind_of(self, el: HtmlElement) -> str:
        tag = el.tag
        if tag == "head" and self.scheme is _TRAFILATURA:
            rend = el.get("rend") or ""
            return rend if rend in _HEADINGS else "h2"
        return self.scheme.kinds.get(tag, "p")

    def flush(self) -> None:
        buf = self.buf
        if not buf:
            return
        marked = self.marked
        text = self.scheme.clean("".join([p for p in buf if p[0] not in MARKS] if marked else buf))
        kind = self.kind()
        if kind == "pre":
            text = text.strip("\r\n").rstrip()
            if text.strip():
                block = Block(text, kind)
                self.blocks.append(self.with_markup(block, None) if self.marks else block)
        else:
            text = collapse_ws(text)
            if kind in _HEADINGS:  # a trailing pilcrow is a permalink (Sphinx, MkDocs): "Usage¶"
                text = text.rstrip("¶").rstrip()
            if text:
                block = Block(text, kind)
                if self.marks:
                    block = self.with_markup(block, buf if marked else None)
                self.blocks.append(block)
        buf.clear()
        if self.opened:  # inline elements go on into the next block
            buf += [opening for opening, _ in self.opened if opening]
        self.marked = bool(buf)

    def with_markup(self, block: Block, buf: list[str] | None) -> Block:
        """The block with its ``Markup`` (``buf``: its pieces, when they hold marks)."""
        markup = self.markup(block, buf)
        return block if markup is None else Block(block.text, block.kind, markup=markup)

    def markup(self, block: Block, buf: list[str] | None) -> Markup | None:
        number, depth, first = None, 0, True
        if block.kind == "li" and self.items:
            item = self.items[-1]
            number, depth, first = (None if item[2] else item[0]), item[1], not item[2]
            item[2] = True
        inline = None
        if buf is not None:
            inline = self.inline_marks(buf, block)
        if inline is None and number is None and depth == 0 and first:
            return None
        return Markup(inline, number, depth, first)

    def inline_marks(self, buf: list[str], block: Block) -> str | None:
        """The block's text with its inline marks (``Markup.inline``), the spaces at
        the edges of a marked stretch moved outside it, empty ones left out; None
        when no mark is left."""
        clean = self.scheme.clean
        out: list[str] = []
        pending: list[str] = []  # opening marks that no text followed yet
        marked = False
        closings = [closing for _, closing in reversed(self.opened) if closing]
        for piece in chain(buf, closings):
            first = piece[0]
            if first in _OPENING_MARKS:
                pending.append(piece)
            elif first in OPENING_OF:
                if pending and pending[-1][0] == OPENING_OF[first]:
                    pending.pop()  # a mark around no text
                    continue
                last = out[-1] if out else ""
                text = last.rstrip() if last and last[0] not in MARKS else last
                if text != last:  # "x \x03" -> "x\x03 "
                    out[-1:] = [text, piece, last[len(text) :]]
                else:
                    out.append(piece)
                marked = True
            else:
                text = clean(piece)
                if pending:
                    rest = text.lstrip()
                    if not rest:
                        out.append(text)
                        continue
                    out.append(text[: len(text) - len(rest)])
                    out += pending
                    pending.clear()
                    text = rest
                out.append(text)
        if not marked:
            return None
        inline = collapse_ws("".join(out))
        if block.is_heading and marked_text(inline) != block.text:
            inline = _TRAILING_PILCROW.sub("", inline)  # the permalink, as in the text
            if marked_text(inline) != block.text or MARK.search(inline) is None:
                return None
        return inline

    def skipped(self, el: HtmlElement) -> bool:
        tag = el.tag
        if not isinstance(tag, str):  # comment, processing instruction, entity
            return True
        return tag in self.scheme.skip or (self.skip_hidden and _is_hidden(el))

    def inline(self, el: HtmlElement) -> str:
        """An element's text on one line."""
        return " ".join(b.text for b in _Walker(self.scheme, self.skip_hidden).walk(el))

    def is_data_table(self, table: HtmlElement) -> bool:
        markers = self.scheme.layout_markers
        if not markers:
            return True
        for el in table.iterdescendants():
            tag = el.tag
            if isinstance(tag, str) and tag in markers:
                return False
        return all(
            len(cell.text_content()) <= _MAX_CELL_CHARS
            for cell in table.iterdescendants(*self.scheme.cells)
        )

    def table(self, table: HtmlElement) -> None:
        """A data table: its caption, then one block with a line per row."""
        scheme = self.scheme
        if scheme.caption:
            for child in table.iterchildren(scheme.caption):
                caption = self.inline(child)
                if caption:
                    self.blocks.append(Block(caption, "caption"))
        rows: list[tuple[str, ...]] = []
        for row in table.iter(scheme.rows):
            cells = tuple(
                self.inline(cell)
                for cell in row.iterchildren(*scheme.cells)
                if not self.skipped(cell)
            )
            if any(cells):
                rows.append(cells)
        if rows:
            text = "\n".join(" | ".join(c for c in cells if c) for cells in rows)
            self.blocks.append(Block(text, "table", cells=tuple(rows)))

    def enter(self, el: HtmlElement) -> bool:
        """Open an element; False when its children are not to be walked."""
        tag = el.tag
        scheme = self.scheme
        if tag in scheme.breaks:
            if self.kind() == "pre":
                self.buf.append("\n")
            else:
                self.flush()
            return False
        if tag in scheme.blocks and not self.inline_code(el):
            self.flush()
            if tag == scheme.table and self.is_data_table(el):
                self.table(el)
                return False
            self.kinds.append(self.kind_of(el))
            if self.marks and tag in _LIST_TAGS:
                self.open_list(el)
        elif self.marks and tag in _INLINE_MARKS:
            self.open_mark(el)
        if el.text:
            self.buf.append(el.text)
        return True

    def leave(self, el: HtmlElement) -> None:
        # only for elements whose children were walked (not breaks nor data tables)
        tag = el.tag
        if tag in self.scheme.blocks and not self.inline_code(el):
            self.flush()
            self.kinds.pop()
            if self.marks and tag in _LIST_TAGS:
                (self.items if tag == "li" else self.lists).pop()
        elif self.marks and tag in _INLINE_MARKS:
            _, closing = self.opened.pop()
            if closing:
                self.buf.append(closing)
                self.marked = True

    def open_mark(self, el: HtmlElement) -> None:
        """An inline element: its opening mark (a link's with its href; a link without
        one, or with an empty one, marks nothing)."""
        opening, closing = _INLINE_MARKS[el.tag]
        if opening == LINK:
            href = (el.get("href") or "").strip()
            if "\n" in href or "\t" in href or "\r" in href:
                href = HREF_SPACE.sub("", href)
            opening = f"{LINK}{href}{HREF_END}" if href else ""
            closing = closing if href else ""
        if opening:
            self.buf.append(opening)
            self.marked = True
        self.opened.append((opening, closing))

    def open_list(self, el: HtmlElement) -> None:
        """A list (its numbering) or a list item (its number, how deep it sits)."""
        tag = el.tag
        if tag == "ol":
            step = -1 if el.get("reversed") is not None else 1
            start = _number(el.get("start"))
            if start is None:
                start = 1 if step > 0 else sum(1 for _ in el.iterchildren("li"))
            self.lists.append([start, step])
        elif tag == "li":
            counter = self.lists[-1] if self.lists else None
            number = None
            if counter is not None:
                value = _number(el.get("value"))
                if value is not None:
                    counter[0] = value
                number = counter[0]
                counter[0] += counter[1]
            self.items.append([number, max(len(self.lists) - 1, 0), False])
        else:
            self.lists.append(None)

    def inline_code(self, el: HtmlElement) -> bool:
        """trafilatura's ``code`` inside a line of text (``<p><code>tarn</code> reads
        ...``): part of that line, not a code block of its own (trafilatura prints it so;
        a code block is a ``code`` of its own, or one holding several lines)."""
        if el.tag != "code" or self.scheme is not _TRAFILATURA:
            return False
        parent = el.getparent()
        if parent is None or parent.tag not in _TRAFILATURA_TEXT:
            return False
        return "\n" not in "".join(el.itertext()) and next(el.iter("lb"), None) is None

    def walk(self, root: HtmlElement) -> list[Block]:
        if self.skipped(root):
            return []
        # each entry: an element whose children are being walked
        stack: list[tuple[HtmlElement, Iterator[HtmlElement]]] = []
        if self.enter(root):
            stack.append((root, iter(root)))
        while stack:
            el, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                self.leave(el)
                if stack and el.tail:  # the root's tail is not part of it
                    self.buf.append(el.tail)
                continue
            if self.skipped(child):
                if child.tail:
                    self.buf.append(child.tail)
            elif self.enter(child):
                stack.append((child, iter(child)))
            elif child.tail:
                self.buf.append(child.tail)
            if self.limit is not None and self._full():
                return self.blocks  # a prefix of the blocks of the whole walk
        self.flush()
        return self.blocks

    def _full(self) -> bool:
        assert self.limit is not None
        size = self.size
        for block in self.blocks[self.counted :]:
            size += len(block.text) + 1
        self.size, self.counted = size, len(self.blocks)
        return size >= self.limit


def element_blocks(
    element: HtmlElement, skip_hidden: bool = False, marks: bool = False
) -> list[Block]:
    """An HTML element's text as ordered blocks.

    Blocks break at block-level elements (``p``, ``div``, ``li``, headings, table cells
    of layout tables, ...) and at ``br``; whitespace is collapsed except inside
    ``pre``. Kinds: ``h1``..``h6``, ``li`` (also ``dt``/``dd``), ``quote``, ``pre``,
    ``caption``, ``table`` (a data table as one block: cells joined by `` | ``, a line
    per row), else ``p``. script, style and other invisible elements are left out, and
    with ``skip_hidden`` also elements marked ``hidden`` or styled ``display:none``.

    With ``marks``, blocks also get their ``Markup`` (markdown's): inline code
    (``code``, ``kbd``, ``samp``, ``tt``), emphasis (``em``, ``i``), strong emphasis
    (``strong``, ``b``) and links (``a href``, the href as written) as marks, and a
    list item's number and depth. The texts are the same either way.
    """
    return _Walker(_HTML, skip_hidden, marks=marks).walk(element)


def visible_blocks(root: HtmlElement) -> list[Block]:
    """All visible text of a parsed page (its body) as blocks."""
    return element_blocks(body_of(root), skip_hidden=True)


def trafilatura_blocks(body: etree._Element) -> list[Block]:
    """trafilatura's output tree (``Document.body``) as blocks: ``head`` -> its
    ``rend`` level (h2 when none), ``p``, ``item`` -> li, ``quote``, ``code`` -> pre,
    ``table`` -> one block (cells joined by `` | ``, a line per row); ``lb`` breaks."""
    return _Walker(_TRAFILATURA, False).walk(body)


def visible_text(root: HtmlElement, limit: int) -> list[str]:
    """The texts of the page's visible blocks, the walk stopped once they hold
    ``limit`` characters (what follows is not needed: ``language``)."""
    return [block.text for block in _Walker(_HTML, True, limit).walk(body_of(root))]
