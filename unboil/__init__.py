"""unboil: strip boilerplate from web pages and keep the main content.

    >>> import unboil
    >>> html = open("samples/seed-independent.html", encoding="utf-8").read()
    >>> article = unboil.extract(html)
    >>> print(article)  # doctest: +ELLIPSIS
    North Korean leader Kim Jong-un has asked ...

``extract`` cleans a document (HTML or text; a string, bytes or a path) with a backend,
the learned ``consensus`` by default; ``load`` reads one into a ``Page``; ``backends``
lists what is installed. The library is ``unboil.extractors``; the command line,
``unboil.cli`` (``python -m unboil``).
"""

from unboil.extractors import __version__
from unboil.extractors.api import backends, extract, load
from unboil.extractors.base import Block, Extraction, ExtractOptions
from unboil.extractors.errors import UnboilError
from unboil.extractors.page import Page

__all__ = [
    "Block",
    "ExtractOptions",
    "Extraction",
    "Page",
    "UnboilError",
    "__version__",
    "backends",
    "extract",
    "load",
]
