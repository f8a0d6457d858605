"""boilerpy3's ArticleExtractor (a port of boilerpipe), on the decoded page."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Block, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page

_TITLE_LABEL = "de.l3s.boilerpipe/TITLE"
_FIRST_TAG = re.compile(r"<[A-Za-z]")
_MARKUP = re.compile(r"<!--.*?-->|<[!?/][^>]*>", re.DOTALL)


def _serialised(page: Page) -> str:
    """The shared parse as balanced HTML, without scripts and styles (whose text can
    hold markup that Python's HTML parser, boilerpy3's, takes for real tags)."""
    import lxml.html
    from lxml import etree

    tree = page.copy_tree()
    etree.strip_elements(tree, "script", "style", "template", with_tail=False)
    return lxml.html.tostring(tree, encoding="unicode", method="html")


class Boilerpy3Backend(Backend):
    name = "boilerpy3"
    description = "boilerpy3: boilerpipe's ArticleExtractor (shallow text features)"
    modules: ClassVar[tuple[str, ...]] = ("boilerpy3",)
    distribution = "boilerpy3"
    install = "pip install 'unboil[boilerpy3]'"
    uses_tree = False

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from boilerpy3.exceptions import HTMLExtractionError
        from boilerpy3.extractors import ArticleExtractor

        from ..htmltree import collapse_ws, page_html, quiet_logs, strip_invisible, text_blocks

        quiet_logs("boilerpy3")
        html = page_html(page)
        if not html.strip():
            return Extraction(backend=self.name)
        m = _FIRST_TAG.search(html)
        if m is None or _MARKUP.sub("", html[: m.start()]).strip():
            # its parser fails on text before the first start tag (or without one)
            html = "<html><body>" + html
        # get_doc on the decoded string: the library's file reader assumes UTF-8 and
        # crashes on anything else. strip_invisible drops the NUL bytes it copies.
        try:
            doc = ArticleExtractor(raise_on_failure=True).get_doc(html)
        except HTMLExtractionError:
            # its parser fails on unbalanced markup (more end tags than start tags,
            # "</script>" inside a script): give it the shared parse, cleaned up
            doc = ArticleExtractor(raise_on_failure=True).get_doc(_serialised(page))
        blocks: list[Block] = []
        for tb in doc.text_blocks:
            if tb.is_content:
                # a line a block: merged text blocks are joined by newlines
                kind = "h1" if _TITLE_LABEL in tb.labels else "p"
                blocks.extend(text_blocks(tb.text, kind))
        title = collapse_ws(strip_invisible(doc.title or "")) or None
        return Extraction(backend=self.name, blocks=blocks, title=title)
