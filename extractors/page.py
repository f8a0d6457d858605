"""``Page``: one web page, decoded once and parsed at most once.

Loading (files, gzip, stdin, URLs, encodings) lives in ``loading.py``; this module only
holds the page and its lazily built lxml tree so that backends can share one parse.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml.html import HtmlElement


@dataclass
class Page:
    """A loaded page.

    ``html`` is the decoded document; ``raw`` the bytes it came from (after gzip);
    ``encoding`` the codec used and ``encoding_source`` how it was chosen
    (``http-header``, ``bom``, ``meta``, ``utf-8``, ``detected``).
    """

    source: str
    html: str
    raw: bytes = b""
    encoding: str = "utf-8"
    encoding_source: str = "utf-8"
    url: str | None = None
    content_type: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_html(cls, html: str, source: str = "<string>", url: str | None = None) -> Page:
        """A page from an already decoded string (the Python API's shortcut)."""
        # lone surrogates cannot be encoded: they become "?" in the bytes
        return cls(source=source, html=html, raw=html.encode("utf-8", "replace"), url=url)

    @property
    def is_text(self) -> bool:
        """A plain-text input (text mode: ``html`` holds the text), not an HTML page."""
        return self.info.get("format") == "text"

    @cached_property
    def markup(self) -> str:
        """``html`` as every parser gets it: without ``<template>`` elements, at most
        ``markup.MAX_ATTRIBUTES`` attributes on an element (``markup.tame``)."""
        from .markup import tame

        return tame(self.html)

    @cached_property
    def tree(self) -> HtmlElement:
        """The page parsed by lxml, once. Backends that modify a tree must use
        ``copy_tree()`` instead."""
        from .htmltree import parse_html

        return parse_html(self.markup)

    def copy_tree(self) -> HtmlElement:
        return copy.deepcopy(self.tree)

    @cached_property
    def language(self) -> str | None:
        """The page's language: ``<html lang>`` (or its meta equivalents), else
        detected from the visible text; an ISO 639-1 code or None."""
        from .language import page_language

        return page_language(self)
