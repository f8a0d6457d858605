"""Markdown from the page's own markup, whatever backend chose the text: each extracted
block matched to the page's block of the same text (its inline code, emphasis, links
and list numbers, recorded by ``htmltree.element_blocks(..., marks=True)``), and link
targets resolved against the page's URL (``formats.to_markdown`` uses both)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .base import Block
from .htmltree import HREF_SPACE, body_of, collapse_ws, element_blocks

if TYPE_CHECKING:
    from .page import Page


def markup_blocks(page: Page) -> list[Block]:
    """The page's blocks with their ``Markup`` (``element_blocks`` of its body with
    ``marks``, hidden elements included: a backend may keep their text), walked once
    per page and only when asked (markdown output)."""
    found = page.info.get("_markup_blocks")
    if found is None:
        found = page.info["_markup_blocks"] = element_blocks(body_of(page.tree), marks=True)
    return list(found)


def _match_key(text: str) -> str:
    from .terminal import strip_unsafe

    return collapse_ws(strip_unsafe(text))


def page_matches(page: Page, blocks: Iterable[Block]) -> list[Block | None]:
    """For each block (a backend's, in page order), the page's own block with the same
    text (whitespace aside), or None: the one after the previous match first, of the
    same kind first (a headline is the ``h1``, not the menu entry of the same name)."""
    import bisect

    found = markup_blocks(page)
    where: dict[str, list[int]] = {}
    for i, b in enumerate(found):
        where.setdefault(_match_key(b.text), []).append(i)
    out: list[Block | None] = []
    last = -1
    for block in blocks:
        ids = where.get(_match_key(block.text))
        if not ids:
            out.append(None)
            continue
        after = ids[bisect.bisect_right(ids, last) :]
        same = [i for i in after if found[i].kind == block.kind] or after
        if not same:
            same = [i for i in ids if found[i].kind == block.kind] or ids
        last = same[0]
        out.append(found[last])
    return out


_HTTP = ("http", "https")


def absolute_http_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL (tabs and line breaks dropped, as a
    browser does), else None."""
    from urllib.parse import urlsplit

    if not url:
        return None
    url = HREF_SPACE.sub("", url).strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in _HTTP and parts.netloc else None


def page_base_url(page: Page, url: str | None = None) -> str | None:
    """The URL the page's relative links are resolved against: ``url`` (given by the
    user), else the page's own (a fetched page), with the document's ``<base href>``
    applied; else, for a saved page, the URL it declares (``<link rel=canonical>``,
    ``og:url``), as trafilatura takes it. None when unknown."""
    from urllib.parse import urljoin

    root = page.tree
    known = absolute_http_url(url) or absolute_http_url(page.url)
    base = next((el.get("href") for el in root.iter("base") if el.get("href")), None)
    if base:
        try:
            joined = absolute_http_url(urljoin(known, base.strip()) if known else base)
        except ValueError:
            joined = None
        if joined:
            return joined
    if known:
        return known
    for el in root.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split():
            canonical = absolute_http_url(el.get("href"))
            if canonical:
                return canonical
    for el in root.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() == "og:url":
            declared = absolute_http_url(el.get("content"))
            if declared:
                return declared
    return None


#: link targets kept: web pages and mail addresses (and relative ones); never
#: ``javascript:``, ``data:`` and the like
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def link_target(href: str, base: str | None) -> str | None:
    """A link's target as markdown writes it: resolved against ``base`` when known (else
    as written), None when it is no web or mail address."""
    from urllib.parse import urljoin, urlsplit

    href = HREF_SPACE.sub("", href).strip()
    try:
        scheme = urlsplit(href).scheme.lower()
        if not scheme and base:
            href = urljoin(base, href)
    except ValueError:
        return None
    if scheme and scheme not in LINK_SCHEMES:
        return None
    return href or None
