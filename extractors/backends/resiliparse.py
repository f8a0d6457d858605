"""resiliparse's main-content extraction, on its own (lexbor) parse of the page."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Block, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page

# A list item as resiliparse writes it: indented, then a bullet or a number.
_ITEM = re.compile(r"^\s+(?:•|\d+\.)\s+")


def _blocks(text: str) -> list[Block]:
    from ..htmltree import collapse_ws, strip_invisible

    blocks = []
    for raw in strip_invisible(text).splitlines():
        m = _ITEM.match(raw) if raw[:1].isspace() else None  # items start indented
        line = collapse_ws(raw[m.end() :] if m else raw)
        if line:
            blocks.append(Block(line, "li" if m else "p"))
    return blocks


class ResiliparseBackend(Backend):
    name = "resiliparse"
    description = "resiliparse: fast main-content heuristics on the lexbor parser"
    modules: ClassVar[tuple[str, ...]] = ("resiliparse",)
    distribution = "Resiliparse"
    install = "pip install unboil"
    uses_tree = False

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        from ..htmltree import LEXBOR_SAFE_DEPTH, page_html, xml_safe

        # lexbor takes the page as it is (control characters, charset declarations)
        # unless it nests too deep (lexbor turns quadratic) or holds lone surrogates
        # (no UTF-8 for them): then the sanitised copy the other libraries get.
        html, data = page.markup, None
        with contextlib.suppress(UnicodeEncodeError):
            data = html.encode("utf-8")
        # start tags less end tags bound the nesting (counted in the bytes, faster;
        # most pages hold fewer tags than that in all, and need one count only)
        tags = data.count(b"<") if data is not None else 0
        if data is None or (
            tags > LEXBOR_SAFE_DEPTH and tags - data.count(b"</") > LEXBOR_SAFE_DEPTH
        ):
            html = page_html(page, LEXBOR_SAFE_DEPTH)
        # from the str, not the bytes: parse_from_bytes decodes and encodes them again
        tree = HTMLTree.parse(html)
        # alt_texts=False: image descriptions are not article text (with them the bench
        # F1 is lower)
        text = xml_safe(extract_plain_text(tree, main_content=True, alt_texts=False))
        title = " ".join(xml_safe(tree.title or "").split()) or None
        return Extraction(backend=self.name, blocks=_blocks(text), title=title)
