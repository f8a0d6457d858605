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


@functools.cache
def _document_class() -> Any:
    """readability's ``Document``, keeping the article element that ``summary()``
    serialises (``get_clean_html`` is readability's documented hook for this), so that
    it is not parsed again."""
    from readability import Document

    class _Document(Document):
        article: HtmlElement | None = None

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
        from readability.htmls import get_author, shorten_title

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
