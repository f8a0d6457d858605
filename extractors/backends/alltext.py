"""All visible text of the page: the floor every extractor must beat."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page


class AllTextBackend(Backend):
    name = "alltext"
    description = "baseline: all visible text of the page, split at block elements"
    modules: ClassVar[tuple[str, ...]] = ("lxml",)
    distribution = "unboil"  # the text is unboil's own walk of the tree
    install = "pip install unboil"
    uses_tree = True

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from ..htmltree import page_title, visible_blocks

        root = page.tree
        return Extraction(backend=self.name, blocks=visible_blocks(root), title=page_title(root))
