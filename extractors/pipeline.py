"""One page's path, the same for every command, both batch engines and the Python API:
the input read as HTML or as text (``load_page``, ``load_page_bytes``: text mode is
decided here and nowhere else), the backend that cleans it (``backend_for``: the
``text`` backend for a text page, whatever was asked), run within the time limit
(``extract_page``), and a failure said in one line (``failure``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .base import Extraction, ExtractOptions
    from .page import Page

InputFormat = Literal["auto", "html", "text"]
#: the backend that cleans a text page
TEXT_BACKEND = "text"


def text_page(page: Page) -> Page:
    """``page`` marked as a plain-text input (its ``html`` is the text)."""
    page.info["format"] = "text"
    return page


def load_page(source: str, input_format: str = "auto", **limits: Any) -> Page:
    """``sources.load`` (a path, ``-`` or a URL) with text mode: ``auto`` reads plain
    text (which ``load`` refuses as ``NotHtml(kind="text")``) as a text page; ``text``
    reads whatever loads as text; ``html`` refuses plain text as ``load`` does."""
    from .sources import load

    return _with_text_mode(lambda: load(source, **limits), input_format)


def load_page_bytes(data: bytes, source: str, input_format: str = "auto", **kwargs: Any) -> Page:
    """``loading.load_bytes`` with text mode, as ``load_page``; with ``text`` what
    ``load_bytes`` refuses other than as plain text (empty, binary, PDF...) stays
    refused."""
    from .loading import load_bytes

    return _with_text_mode(lambda: load_bytes(data, source, **kwargs), input_format)


def _with_text_mode(load: Callable[[], Page], input_format: str) -> Page:
    """The page ``load`` gives, as ``input_format`` says (``load_page``)."""
    from .loading import NotHtml

    try:
        page = load()
    except NotHtml as exc:
        if input_format != "html" and exc.kind == "text" and exc.page is not None:
            return text_page(exc.page)
        raise
    return text_page(page) if input_format == "text" else page


def backend_for(page: Page, backend: str) -> str:
    """The backend that cleans ``page``: ``backend``, or the text backend for text."""
    return TEXT_BACKEND if page.is_text else backend


def extract_page(
    page: Page, backend: str, options: ExtractOptions, timeout: float | None = None
) -> tuple[str, Extraction]:
    """The backend that ran (``backend_for``) and its extraction, within ``timeout``
    seconds (None: no limit; a timeout is the extraction's error). A backend that
    fails returns its error (``Backend.extract``); it does not raise."""
    from .base import Extraction
    from .limits import ExtractionTimeout, time_limit
    from .registry import shared

    name = backend_for(page, backend)
    try:
        with time_limit(timeout):
            return name, shared(name).extract(page, options)
    except ExtractionTimeout as exc:
        return name, Extraction(backend=name, error=str(exc))


def failure(backend: str, result: Extraction) -> str | None:
    """The one line that says the backend failed on the page, or None."""
    return f"{backend} failed: {result.error}" if result.error else None
