"""A source as a command line names it, loaded as a ``Page``: ``-`` (standard input),
an http(s) URL (``fetching``) or a file path (``loading``). The one place that tells
them apart."""

from __future__ import annotations

import os
from typing import BinaryIO

from .errors import SourceError
from .fetching import fetch
from .loading import (
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    OTHER_SCHEMES,
    is_http_url,
    load_file,
    load_stdin,
    url_scheme,
)
from .page import Page


def load(
    source: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    stdin: BinaryIO | None = None,
    allow_private: bool = False,
) -> Page:
    """Load a page from ``-`` (standard input), an http(s) URL or a file path. A URL
    at a loopback, private, link-local or reserved address is refused unless
    ``allow_private`` (see ``fetching.fetch``)."""
    if source == "-":
        return load_stdin(stdin, max_bytes=max_bytes)
    if is_http_url(source):
        return fetch(source, timeout=timeout, max_bytes=max_bytes, allow_private=allow_private)
    scheme = url_scheme(source)
    if (
        scheme is not None
        and (source[len(scheme) + 1 :].startswith("//") or scheme in OTHER_SCHEMES)
        # "notes:2024.html" is a legal file name: only refuse what is not a file.
        and ("\x00" in source or not os.path.exists(source))
    ):
        raise SourceError(source, f"unsupported URL scheme '{scheme}:' (only http and https)")
    return load_file(source, max_bytes=max_bytes, timeout=timeout)
