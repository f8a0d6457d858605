"""newspaper4k on the page's HTML: no download, no image fetching, the page language."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page

INSTALL = "pip install 'unboil[newspaper]'"


def _quiet_jieba() -> None:
    """jieba logs its dictionary loading to stderr through a handler of its own, at
    DEBUG level, set when it is imported: import it first, then raise the level."""
    import logging

    try:
        import jieba
    except ImportError:
        return  # parse() will say what to install
    jieba.setLogLevel(logging.WARNING)


class NewspaperBackend(Backend):
    name = "newspaper"
    description = "newspaper4k: news article extraction (Goose-derived scoring, metadata)"
    modules: ClassVar[tuple[str, ...]] = ("newspaper",)
    distribution = "newspaper4k"
    install = INSTALL
    uses_tree = False

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        # Quiet: "nltk is not installed" at import (only its keywords and summary need
        # it), dateutil's warnings on odd dates in pages.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self._run(page)

    def _run(self, page: Page) -> Extraction:
        from newspaper import Article, Config
        from newspaper.utils import get_available_languages

        from ..htmltree import page_html, text_blocks

        config = Config()
        config.fetch_images = False  # never download images to size them
        config.follow_meta_refresh = False  # never follow a refresh to another URL
        config.memoize_articles = False
        language = page.language
        if language and language in get_available_languages():
            # its tokenizer and stop-words for the language (CJK needs the extras)
            config.language = language
        if config.language == "zh":
            _quiet_jieba()
        article = Article(page.url or "", config=config)
        article.download(input_html=page_html(page))
        try:
            article.parse()
        except ImportError as exc:
            # zh and ja need jieba and tinysegmenter (in unboil[newspaper]); ko and ar
            # nltk and its data, th pythainlp, hi/bn/ne/ta indic-nlp: not installed here
            cause = " ".join(str(exc).split())
            raise ImportError(
                f"newspaper4k cannot segment language {config.language!r}: {cause} "
                f"({INSTALL} installs the Chinese and Japanese segmenters)"
            ) from exc
        metadata: dict[str, Any] = {}
        if article.authors:
            metadata["author"] = "; ".join(a.strip() for a in article.authors if a.strip())
        date = article.publish_date
        values = {
            "date": date.isoformat() if hasattr(date, "isoformat") else date,
            "language": article.meta_lang or None,
            "description": article.meta_description,
            "sitename": article.meta_site_name,
            "url": article.canonical_link,
        }
        for key, value in values.items():
            if isinstance(value, str) and value.strip():
                metadata[key] = value.strip()
        tags = sorted(t for t in article.tags or () if t)
        if tags:
            metadata["tags"] = tags
        return Extraction(
            backend=self.name,
            blocks=text_blocks(article.text),
            title=" ".join((article.title or "").split()) or None,
            metadata=metadata,
        )
