"""``unboil check``'s gold-free canary: every backend on each page, and the pages whose
backends agree less than a threshold flagged (a sign that a site's layout changed)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import ConfigError
from .loading import DEFAULT_TIMEOUT, PAGE_SUFFIXES, is_http_url


@dataclass
class CanaryPage:
    source: str
    #: mean agreement over every pair of backends (None when the page was not read)
    agreement: float | None
    pairs: dict[str, float] = field(default_factory=dict)
    #: the page could not be read
    error: str | None = None
    #: backend -> its error on this page
    backend_errors: dict[str, str] = field(default_factory=dict)
    flagged: bool = False


def expand_pages(sources: Sequence[str]) -> list[str]:
    """Files and URLs as given; a folder becomes every page in it (recursively:
    *.html, *.htm, *.html.gz, *.htm.gz), sorted."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if not is_http_url(source) and path.is_dir():
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.is_file() and p.name.lower().endswith(PAGE_SUFFIXES)
            )
            if not found:
                names = ", ".join(f"*{s}" for s in PAGE_SUFFIXES)
                raise ConfigError(f"{source}: no pages ({names}) in this folder")
            out += found
        else:
            out.append(source)
    return out


def agreement_canary(
    sources: Sequence[str],
    backends: Sequence[str],
    threshold: float,
    *,
    progress: Callable[[int], None] | None = None,
    allow_private: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[CanaryPage]:
    """Run ``backends`` on each page (no gold) and flag the pages whose mean pairwise
    agreement is below ``threshold``. A page that cannot be read is flagged too. A URL
    at a loopback, private, link-local or reserved address is not fetched (the page
    fails) unless ``allow_private``; ``timeout`` is the seconds allowed to fetch one."""
    from .compare import compare
    from .errors import SourceError
    from .pipeline import load_page
    from .registry import shared
    from .scoring import pair_agreements

    if len(set(backends)) < 2:
        raise ConfigError("the agreement canary needs at least two backends")
    for name in backends:
        shared(name)  # fail early on an unknown or unavailable backend
    out = []
    for source in sources:
        try:
            page = load_page(source, "html", allow_private=allow_private, timeout=timeout)
        except SourceError as exc:
            out.append(CanaryPage(source, None, error=exc.cause, flagged=True))
        else:
            result = compare(page, backends)
            pairs = {
                f"{a}~{b}": round(value, 4)
                for (a, b), value in pair_agreements(result.agreement).items()
            }
            mean = round(sum(pairs.values()) / len(pairs), 4) if pairs else 1.0
            errors = {n: e.error for n, e in result.extractions.items() if e.error}
            out.append(CanaryPage(source, mean, pairs, None, errors, mean < threshold))
        if progress:
            progress(1)
    return out
