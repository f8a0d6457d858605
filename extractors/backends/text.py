"""Text mode: the article paragraphs of a plain-text input (see ``textmode``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Block, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page


class TextBackend(Backend):
    name = "text"
    description = "plain-text input: keeps the article paragraphs (a learned classifier)"
    modules: ClassVar[tuple[str, ...]] = ("numpy",)
    distribution = "unboil"
    install = "pip install unboil"

    def warm(self, *, metadata: bool = False) -> None:
        from .. import textmode

        textmode.model()
        textmode.flat_model()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from .. import textmode

        title = None
        if page.is_text:
            text = page.html
            title = textmode.markdown_title(text)
        else:  # an HTML page: its visible text, as the model was trained
            from ..htmltree import visible_blocks

            text = "\n\n".join(b.text for b in visible_blocks(page.tree))
        units, _probs, kept = textmode.classify(text)
        # the lines this text shares with many texts of its batch (batch --drop-repeated),
        # dropped whatever the model says
        repeated = page.info.get("repeated")
        dropped = textmode.repeats(units, repeated) if repeated else []
        for i in dropped:
            kept[i] = False
        blocks = [Block(u) for u, k in zip(units, kept, strict=True) if k]
        metadata = {"units": len(units), "kept": sum(kept)}
        if repeated:
            metadata["repeated"] = len(dropped)
        return Extraction(backend=self.name, blocks=blocks, title=title, metadata=metadata)
