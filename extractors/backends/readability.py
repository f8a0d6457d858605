"""readability-lxml: the text of ``summary(html_partial=True)``, element by element."""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from collections.abc import Callable

    from lxml.html import HtmlElement

    from ..page import Page


_local = threading.local()


def _css_selector(expr: str) -> Callable[[HtmlElement], Any]:
    """``HtmlElement.cssselect(expr)``'s selector, compiled once per thread (compiled
    XPath is not to be shared between threads) rather than once per call."""
    cache: dict[str, Any] | None = getattr(_local, "selectors", None)
    if cache is None:
        cache = _local.selectors = {}
    selector = cache.get(expr)
    if selector is None:
        from lxml.cssselect import CSSSelector

        selector = cache[expr] = CSSSelector(expr, translator="html")  # as cssselect()
    return selector


class _CompiledCss:
    """An element whose ``cssselect`` reuses compiled selectors. readability's
    shorten_title runs ten CSS selectors on every page; translating them to XPath each
    time took a fifth of the adapter's time."""

    def __init__(self, element: HtmlElement) -> None:
        self._element = element

    def __getattr__(self, name: str) -> Any:
        return getattr(self._element, name)

    def cssselect(self, expr: str, translator: str = "html") -> list[HtmlElement]:
        if translator != "html":
            return self._element.cssselect(expr, translator=translator)
        found: list[HtmlElement] = _css_selector(expr)(self._element)
        return found


class _Candidates(dict[str, None]):
    """A set in insertion order (readability's ``add_match`` calls ``.add``)."""

    def add(self, text: str) -> None:
        self.setdefault(text, None)


def shorten_title(doc: Any) -> str:
    """readability's ``htmls.shorten_title`` (readability-lxml 0.9, Apache 2.0), made
    deterministic: it picks the longest of its headline candidates from a ``set``, so
    between two of the same length the choice changed from run to run (with the hash
    seed). Here the first found (h1, h2, h3, then its CSS heuristics) wins."""
    import re

    from readability.htmls import TITLE_CSS_HEURISTICS, add_match, norm_title

    found = doc.find(".//title")
    if found is None or found.text is None or len(found.text) == 0:
        return ""
    title = orig = norm_title(found.text)

    candidates = _Candidates()
    for item in (".//h1", ".//h2", ".//h3"):
        for e in list(doc.iterfind(item)):
            if e.text:
                add_match(candidates, e.text, orig)
            if e.text_content():
                add_match(candidates, e.text_content(), orig)
    for item in TITLE_CSS_HEURISTICS:
        for e in doc.cssselect(item):
            if e.text:
                add_match(candidates, e.text, orig)
            if e.text_content():
                add_match(candidates, e.text_content(), orig)

    cjk = re.compile("[\u4e00-\u9fff]+")
    if candidates:
        title = max(candidates, key=len)  # the first of the longest
    else:
        for delimiter in (" | ", " - ", " :: ", " / "):
            if delimiter in title:
                parts = orig.split(delimiter)
                p0, pl = parts[0], parts[-1]
                if (len(p0.split()) >= 4) or (len(p0) >= 4 and cjk.search(p0)):
                    title = p0
                    break
                if (len(pl.split()) >= 4) or (len(pl) >= 4 and cjk.search(pl)):
                    title = pl
                    break
        else:
            if ": " in title:
                p1 = orig.split(": ")[-1]
                if (len(p1.split()) >= 4) or (len(p1) >= 4 and cjk.search(p1)):
                    title = p1
                else:
                    title = orig.split(": ", 1)[1]
    if cjk.search(title):
        if not (4 <= len(title) < 100):
            return str(orig)
    elif not 15 < len(title) < 150:
        return str(orig)
    return str(title)


@functools.cache
def _text_cleaner() -> Any:
    """readability's cleaner (a copy: every option as readability sets it) without its
    ``javascript`` pass, which rewrites every link of the page (``javascript:`` URLs
    blanked: a fifth of readability's time) and drops ``on*`` attributes; the latter is
    done in ``_Document._parse``."""
    import copy

    from readability.cleaners import html_cleaner

    cleaner = copy.copy(html_cleaner)
    cleaner.javascript = False
    return cleaner


@functools.cache
def _document_class() -> Any:
    """readability's ``Document``, keeping the article element that ``summary()``
    serialises (``get_clean_html`` is readability's documented hook for this), so that
    it is not parsed again, and parsing a tree for its text only (``_parse``)."""
    from readability import Document
    from readability.readability import REGEXES

    class _Document(Document):
        article: HtmlElement | None = None

        def _parse(self, input: Any) -> Any:
            """``Document._parse`` (readability 0.9) for a parsed tree, for text: hidden
            elements dropped, the page cleaned as readability cleans it, ``on*``
            attributes removed (its misused-div test reads serialised HTML, where an
            event handler's code may hold a tag); but no link is rewritten (made
            absolute, ``javascript:`` blanked): no link reaches the text. The same
            text and title as readability's own on the 311 bench pages, 20% faster."""
            from lxml.html import HtmlElement as Element

            if not isinstance(input, Element):
                return super()._parse(input)
            doc: Any = input
            self.encoding = "utf-8"
            for elem in doc.xpath("//*[@hidden]"):
                elem.drop_tree()
            for elem in doc.xpath("//*[@style]"):
                if REGEXES["displayNoneRe"].search(elem.get("style")):
                    elem.drop_tree()
            doc = _text_cleaner().clean_html(doc)
            for attr in doc.xpath("//@*[starts-with(name(), 'on')]"):
                attr.getparent().attrib.pop(attr.attrname, None)
            return doc

        def get_clean_html(self) -> str:
            self.article = self.html
            html: str = super().get_clean_html()
            return html

    return _Document


class ReadabilityBackend(Backend):
    name = "readability"
    description = "readability-lxml: the Arc90 Readability algorithm (Python port)"
    modules: ClassVar[tuple[str, ...]] = ("readability",)
    distribution = "readability-lxml"
    install = "pip install unboil"
    uses_tree = True

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from readability.htmls import get_author

        from ..htmltree import body_of, element_blocks, page_title, parse_html, quiet_logs

        quiet_logs("readability")
        # Document accepts a parsed tree (readability 0.9: Document._parse) but drops
        # hidden elements from it in place: give it a copy of the shared tree.
        doc = _document_class()(page.copy_tree(), url=page.url)
        summary = doc.summary(html_partial=True)
        if not summary:
            blocks = []
        elif doc.article is not None:
            blocks = element_blocks(body_of(doc.article))
        else:
            blocks = element_blocks(body_of(parse_html(summary)))
        metadata: dict[str, Any] = {}
        if not options.metadata:
            # --no-metadata: the page's own <title> (shorten_title searches the whole
            # tree: about a fifth of the adapter's time)
            return Extraction(self.name, blocks=blocks, title=page_title(page.tree))
        # What short_title() computes, without the extra parse-and-clean pass it makes:
        # shorten_title only reads the tree.
        title = shorten_title(_CompiledCss(page.tree)) or None
        author = get_author(page.tree)
        if author and author != "[no-author]":
            metadata["author"] = author.strip()
        return Extraction(backend=self.name, blocks=blocks, title=title, metadata=metadata)
