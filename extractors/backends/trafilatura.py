"""trafilatura, comments left out, on the shared lxml tree (trafilatura copies it)."""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ..base import Backend, Extraction, ExtractOptions

if TYPE_CHECKING:
    from ..page import Page

_METADATA = ("author", "date", "sitename", "description", "url", "hostname", "language")
_METADATA_LISTS = ("categories", "tags")


def _stoplist_cache() -> Path | None:
    """Where the union of jusText's stop-lists is cached: the user's cache folder
    (``$XDG_CACHE_HOME`` or ``~/.cache``), ``unboil/``, a name that changes with
    trafilatura's version, the stop-list folder's state and the Python version (the
    marshal format). ``UNBOIL_NO_CACHE`` set: no cache."""
    if os.environ.get("UNBOIL_NO_CACHE"):
        return None
    try:
        import justext
        import trafilatura

        lists = Path(justext.__file__).parent / "stoplists"
        st = lists.stat()
        key = f"{trafilatura.__version__}|{lists}|{st.st_mtime_ns}|{sys.implementation.cache_tag}"
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    except Exception:
        return None
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return Path(base, "unboil", f"jt-stoplist-{digest}.marshal")


def _cached_stoplist() -> tuple[str, ...] | None:
    """The cached union of every jusText stop-list (trafilatura's ``JT_STOPLIST``):
    marshal reads it in 20 ms; trafilatura builds it from ~100 files in 70 ms, in the
    start-up of every process that uses it. None when missing or unreadable."""
    path = _stoplist_cache()
    if path is None:
        return None
    try:
        words = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(words, tuple) or not all(isinstance(w, str) for w in words[:100]):
        return None
    return words


def _save_stoplist(words: object) -> None:
    """Writes the cache (atomically: concurrent writers each rename a whole file);
    a cache that cannot be written is not an error."""
    path = _stoplist_cache()
    if path is None or not isinstance(words, tuple):
        return
    with contextlib.suppress(Exception):  # OutputError and the like
        from ..fsutil import atomic_write

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, marshal.dumps(words), durable=False)


def _stoplist_from_cache() -> None:
    """Makes trafilatura's stop-list builder (``external.jt_stoplist_init``, called by its
    jusText fallback on the first page that needs it) read the cache, and write it when
    it has to build: a one-page run whose page falls back then pays ~20 ms, not ~70.
    Once per process; nothing when the internals are not as known."""
    import trafilatura.external as external

    build = getattr(external, "jt_stoplist_init", None)
    if build is None or getattr(build, "unboil_cached", False):
        return

    def jt_stoplist_init() -> tuple[str, ...]:
        words = _cached_stoplist()
        if words is None:
            words = tuple(build())
            _save_stoplist(words)
        external.JT_STOPLIST = words  # type: ignore[assignment]
        return words

    jt_stoplist_init.unboil_cached = True  # type: ignore[attr-defined]
    external.jt_stoplist_init = jt_stoplist_init  # type: ignore[assignment]


class TrafilaturaBackend(Backend):
    name = "trafilatura"
    description = "trafilatura: main text by structure and heuristics, comments left out"
    modules: ClassVar[tuple[str, ...]] = ("trafilatura",)
    distribution = "trafilatura"
    install = "pip install unboil"
    uses_tree = True

    def warm(self, *, metadata: bool = False) -> None:
        super().warm()
        # trafilatura's jusText fallback loads and lower-cases every jusText stop-list
        # on its first use (~0.2 s): do it here, once, when the internals are as known.
        import justext.core
        import trafilatura.external as external

        _stoplist_from_cache()
        if getattr(external, "JT_STOPLIST", None) is None and hasattr(external, "jt_stoplist_init"):
            external.jt_stoplist_init()
        stoplist = getattr(external, "JT_STOPLIST", None)
        if stoplist is not None and hasattr(justext.core, "define_stoplist"):
            justext.core.define_stoplist(stoplist)  # an lru_cache: the lower-cased set
        if metadata:
            # htmldate's date parsers, built on first use (dateparser's import and
            # every locale's month names: ~0.1 s) and datetime.strptime's module
            import _strptime  # noqa: F401

            import htmldate.extractors as dates

            for name in ("get_external_parser", "month_words"):
                build = getattr(dates, name, None)
                if callable(build):
                    build()

    def run(self, page: Page, options: ExtractOptions) -> Extraction:
        import trafilatura

        from ..htmltree import page_title, trafilatura_blocks

        _stoplist_from_cache()
        # bare_extraction gives the body as trafilatura's XML; its text is what
        # extract() prints. Comments off: .960 F1 on the benchmark against .953.
        doc = trafilatura.bare_extraction(
            page.tree, url=page.url, include_comments=False, with_metadata=options.metadata
        )
        if doc is None or isinstance(doc, dict) or doc.body is None:
            return Extraction(backend=self.name)
        if not options.metadata:
            return Extraction(
                backend=self.name, blocks=trafilatura_blocks(doc.body), title=page_title(page.tree)
            )
        metadata: dict[str, Any] = {}
        for key in _METADATA:
            value = getattr(doc, key, None)
            if value:
                metadata[key] = value
        for key in _METADATA_LISTS:
            values = [v for v in getattr(doc, key, None) or [] if v]
            if values:
                metadata[key] = values
        return Extraction(
            backend=self.name,
            blocks=trafilatura_blocks(doc.body),
            title=doc.title or None,
            metadata=metadata,
        )
