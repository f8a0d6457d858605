"""jusText with the stop-list of the page's language (all stop-lists when unknown)."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, ClassVar

from ..base import Backend, Block, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page

#: ISO 639-1 code -> jusText stop-list name (justext.get_stoplists()).
STOPLISTS = {
    "af": "Afrikaans", "sq": "Albanian", "ar": "Arabic", "an": "Aragonese",
    "hy": "Armenian", "az": "Azerbaijani", "eu": "Basque", "be": "Belarusian",
    "bn": "Bengali", "bs": "Bosnian", "br": "Breton", "bg": "Bulgarian",
    "ca": "Catalan", "cv": "Chuvash", "hr": "Croatian", "cs": "Czech", "da": "Danish",
    "nl": "Dutch", "en": "English", "eo": "Esperanto", "et": "Estonian",
    "fi": "Finnish", "fr": "French", "gl": "Galician", "ka": "Georgian",
    "de": "German", "el": "Greek", "gu": "Gujarati", "ht": "Haitian", "he": "Hebrew",
    "iw": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "is": "Icelandic", "io": "Ido",
    "ig": "Igbo", "id": "Indonesian", "in": "Indonesian", "ga": "Irish",
    "it": "Italian", "jv": "Javanese", "kn": "Kannada", "kk": "Kazakh",
    "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "la": "Latin", "lv": "Latvian",
    "lt": "Lithuanian", "lb": "Luxembourgish", "mk": "Macedonian", "ms": "Malay",
    "ml": "Malayalam", "mt": "Maltese", "mr": "Marathi", "ne": "Nepali",
    "nb": "Norwegian_Bokmal", "no": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk",
    "oc": "Occitan", "fa": "Persian", "pl": "Polish", "pt": "Portuguese",
    "qu": "Quechua", "ro": "Romanian", "ru": "Russian", "sr": "Serbian",
    "sh": "Serbo_Croatian", "sk": "Slovak", "sl": "Slovenian", "es": "Spanish",
    "su": "Sundanese", "sw": "Swahili", "sv": "Swedish", "tl": "Tagalog",
    "ta": "Tamil", "te": "Telugu", "tr": "Turkish", "tk": "Turkmen",
    "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese",
    "vo": "Volapuk", "wa": "Walloon", "cy": "Welsh", "fy": "West_Frisian",
    "yo": "Yoruba",
}  # fmt: skip

_lock = threading.Lock()
_stoplists: dict[str, frozenset[str]] = {}
_ALL = "*"  # key of the union of every stop-list

_HEADING = re.compile(r"\bh([1-6])\b")
_PATH_KINDS = (("pre", "pre"), ("blockquote", "quote"), ("li", "li"), ("dd", "li"))


def stoplist(language: str | None) -> tuple[str, frozenset[str]]:
    """The stop-list for an ISO 639-1 code, with its name; the union of all of jusText's
    stop-lists (computed once) when the language is unknown or has none."""
    import justext

    name = STOPLISTS.get(language or "")
    if name is not None and name not in justext.get_stoplists():
        name = None
    key = name or _ALL
    with _lock:
        words = _stoplists.get(key)
        if words is None:
            if name is not None:
                words = justext.get_stoplist(name)
            else:
                words = frozenset().union(
                    *(justext.get_stoplist(n) for n in sorted(justext.get_stoplists()))
                )
            _stoplists[key] = words
    return (name or "all"), words


def _kind(dom_path: str, is_heading: bool) -> str:
    tags = dom_path.split(".")
    if is_heading:
        levels = _HEADING.findall(dom_path)
        return f"h{levels[-1]}" if levels else "h2"
    for tag, kind in _PATH_KINDS:
        if tag in tags:
            return kind
    return "p"


class JusTextBackend(Backend):
    name = "justext"
    description = "jusText: paragraph classification by length, links and stop-words"
    modules: ClassVar[tuple[str, ...]] = ("justext",)
    distribution = "jusText"
    install = "pip install unboil"
    uses_tree = True

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        from justext.core import (
            ParagraphMaker,
            classify_paragraphs,
            preprocessor,
            revise_paragraph_classification,
        )

        from ..htmltree import page_title, quiet_logs
        from ..language import choose_language, declared_language, text_sample

        quiet_logs("justext")
        # justext.justext() step by step, on the shared tree rather than a parse of its
        # own (its preprocessor cleans a copy): no second parse, no encoding guess.
        dom = preprocessor(page.tree)
        paragraphs = ParagraphMaker.make_paragraphs(dom)
        # The language is checked on the paragraphs' text (the page's visible text,
        # already at hand), as ``Page.language`` checks it on a walk of its own.
        sample = text_sample(p.text for p in paragraphs)
        language = choose_language(declared_language(page.tree), sample)
        stoplist_name, words = stoplist(language)
        classify_paragraphs(paragraphs, words)
        revise_paragraph_classification(paragraphs)
        blocks = [
            Block(p.text, _kind(p.dom_path, p.is_heading))
            for p in paragraphs
            if not p.is_boilerplate
        ]
        metadata = {"stoplist": stoplist_name}
        if language:
            metadata["language"] = language
        return Extraction(
            backend=self.name, blocks=blocks, title=page_title(page.tree), metadata=metadata
        )
