"""The library's front door, re-exported by the ``unboil`` package: load a page, clean
it with a backend, list the backends.

    >>> import unboil
    >>> page = unboil.load("<html><body><article><p>One paragraph.</p></article></body></html>")
    >>> page.is_text
    False

A document is given as ``bytes``, as a ``str`` of HTML or text, or as a path (a
``pathlib.Path``, or a ``str`` naming a file, ``-`` for standard input, or an http(s)
URL). A ``str`` is taken for a document when it holds a ``<`` or a line break, else
for a path: pass ``pathlib.Path`` to be explicit.
"""

from __future__ import annotations

import os
from typing import Any

from .base import Extraction, ExtractOptions
from .page import Page
from .pipeline import InputFormat

#: what a document given as a string or bytes is called in error messages
DOCUMENT_SOURCE = "<document>"


def _is_document(source: str) -> bool:
    return "<" in source or "\n" in source


def load(
    source: str | bytes | os.PathLike[str],
    *,
    url: str | None = None,
    input_format: InputFormat = "auto",
    **limits: Any,
) -> Page:
    """The page ``source`` holds, parsed lazily. ``input_format``: ``auto`` reads plain
    text as a text page (``Page.is_text``) and markup as HTML; ``html`` refuses plain
    text; ``text`` reads whatever loads as text. ``url``: the page's address, for
    resolving links. ``limits``: ``max_bytes``, ``timeout`` and ``allow_private``, as
    ``sources.load`` takes them (the string and bytes forms take ``max_bytes`` only).

    Raises ``errors.SourceError`` (its ``cause`` says why in a line) when the source
    cannot be read or is not a page: a missing file, a PDF, an HTTP error..."""
    from .pipeline import load_page, load_page_bytes

    if isinstance(source, str) and _is_document(source):
        source = source.encode("utf-8")
        limits.setdefault("content_type", "text/html; charset=utf-8")
    if isinstance(source, bytes):
        kept = {k: v for k, v in limits.items() if k in ("max_bytes", "content_type")}
        return load_page_bytes(source, DOCUMENT_SOURCE, input_format, url=url, **kept)
    page = load_page(os.fspath(source), input_format, **limits)
    if url is not None:
        page.url = url
    return page


def extract(
    source: str | bytes | os.PathLike[str] | Page,
    *,
    backend: str = "consensus",
    url: str | None = None,
    input_format: InputFormat = "auto",
    **options: Any,
) -> Extraction:
    """The main content of a document (``load`` says what ``source`` may be) as
    ``backend`` extracts it: an ``Extraction`` whose ``text`` is the cleaned text
    (``str()`` of it too), with ``title``, ``metadata`` and ``blocks``. A text page is
    cleaned by the ``text`` backend whatever ``backend`` says, as the CLI does.
    ``options``: the fields of ``ExtractOptions`` (``title``, ``captions``,
    ``metadata``).

    A backend that fails does not raise: the ``Extraction`` says so (``ok`` is False,
    ``error`` says why). A source that cannot be loaded raises ``SourceError``; an
    unknown or uninstalled backend, ``BackendNotFound`` or ``BackendUnavailable`` (all
    three are ``UnboilError``\\ s); an option that is not one, ``TypeError``."""
    from .pipeline import extract_page

    opts = ExtractOptions(**options)
    page = source if isinstance(source, Page) else load(source, url=url, input_format=input_format)
    return extract_page(page, backend, opts)[1]


def backends() -> list[str]:
    """The names of the backends that are installed and can run, the default first."""
    from . import registry

    names = [n for n in registry.names() if registry.describe(n).available]
    return sorted(names, key=lambda n: (n != "consensus", n))
