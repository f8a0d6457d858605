"""readability-lxml: the text of ``summary(html_partial=True)``, element by element."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page


class ReadabilityBackend(Backend):
    name = "readability"
    description = "readability-lxml: the Arc90 Readability algorithm (Python port)"
    modules: ClassVar[tuple[str, ...]] = ("readability",)
    distribution = "readability-lxml"
    install = "pip install unboil"
    uses_tree = True

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from readability import Document
        from readability.htmls import get_author, shorten_title

        from ..htmltree import body_of, element_blocks, parse_html, quiet_logs

        quiet_logs("readability")
        # Document accepts a parsed tree (readability 0.9: Document._parse) but drops
        # hidden elements from it in place: give it a copy of the shared tree.
        doc = Document(page.copy_tree(), url=page.url)
        summary = doc.summary(html_partial=True)
        blocks = element_blocks(body_of(parse_html(summary))) if summary else []
        # What short_title() computes, without the extra parse-and-clean pass it makes:
        # shorten_title only reads the tree.
        title = shorten_title(page.tree) or None
        metadata: dict[str, Any] = {}
        author = get_author(page.tree)
        if author and author != "[no-author]":
            metadata["author"] = author.strip()
        return Extraction(backend=self.name, blocks=blocks, title=title, metadata=metadata)
