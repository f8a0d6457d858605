"""goose3 on the page's HTML, never fetching anything (no images, no URL)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page


_UTF8_META = '<meta charset="utf-8">'


class Goose3Backend(Backend):
    name = "goose3"
    description = "goose3: article scoring by stop-words and link density (Goose port)"
    modules: ClassVar[tuple[str, ...]] = ("goose3",)
    distribution = "goose3"
    install = "pip install 'unboil[goose3]'"
    uses_tree = False

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from goose3 import Configuration, Goose
        from lxml.etree import ParserError

        from ..htmltree import page_html, quiet_logs, text_blocks

        quiet_logs("goose3")
        if not page.html.strip():  # goose3 takes an empty raw_html for a missing one
            return Extraction(backend=self.name)
        config = Configuration()
        # raw_html and no url: goose fetches no page; image fetching, its only other
        # download (with temporary files), stays off.
        config.enable_image_fetching = False
        with Goose(config) as goose, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dateutil on odd dates, missing segmenters
            try:
                # its parser encodes the text again with the first charset it finds
                # after a "<meta" (LookupError on a bogus one): make that UTF-8
                article = goose.extract(raw_html=_UTF8_META + page_html(page))
            except ParserError:  # "Document is empty": nothing but a doctype, comments
                return Extraction(backend=self.name)
        metadata: dict[str, Any] = {}
        if article.authors:
            metadata["author"] = "; ".join(a.strip() for a in article.authors if a.strip())
        values = {
            "date": article.publish_date,
            "language": article.meta_lang,
            "description": article.meta_description,
            "sitename": article.opengraph.get("site_name") if article.opengraph else None,
            "url": article.canonical_link or article.final_url,
            "hostname": article.domain,
        }
        for key, value in values.items():
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
        if article.tags:
            metadata["tags"] = sorted(article.tags)
        return Extraction(
            backend=self.name,
            blocks=text_blocks(article.cleaned_text),
            title=" ".join((article.title or "").split()) or None,
            metadata=metadata,
        )
