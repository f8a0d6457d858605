"""Scoring backends on gold sets (``unboil bench``, ``unboil check``).

Each page is loaded and parsed once and every backend runs on it; pages are spread
over worker processes with ``jobs > 1`` (a pebble pool, as batch's: a page past its
time limit is killed with its worker, and Ctrl-C stops the pool at once). Timing is the
backend's own time on an already parsed page (the parse is timed separately).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .base import ExtractOptions
from .goldsets import GoldPage, GoldSet
from .registry import shared
from .scoring import PageScore, SegmentScore, aggregate, score_page, score_segments, tokens

#: seconds a worker's page gets beyond its backends' time limits (loading, parsing)
PAGE_GRACE = 10.0


@dataclass
class PageResult:
    name: str
    backend: str
    precision: float
    recall: float
    f1: float
    ms: float
    words: int
    error: str | None = None


@dataclass
class BackendResult:
    backend: str
    version: str | None
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages: int
    failed: int
    median_ms: float
    page_results: list[PageResult] = field(default_factory=list)


@dataclass
class GoldSetResult:
    name: str
    path: str
    kind: str
    convention: dict[str, bool | None]
    pages: int
    parse_ms: float
    results: list[BackendResult]
    #: things a reader of the figures must know (e.g. pages a model was trained on)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_page(
    gold: GoldPage,
    backends: Sequence[str],
    options: ExtractOptions,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Load one gold page and run every backend on it, each within ``timeout``
    seconds (a backend past it fails on the page). Returns plain data (it crosses
    process boundaries)."""
    from .errors import SourceError
    from .loading import read_error_cause
    from .pipeline import extract_page, load_page_bytes
    from .textmode import text_digest

    out = _page_record(gold)
    text_input = gold.input_format == "text"
    try:
        data = gold.read_bytes()
        page = load_page_bytes(data, str(gold.path), "text" if text_input else "html", url=gold.url)
    except SourceError as exc:
        out["error"] = exc.cause
        return out
    except OSError as exc:
        out["error"] = read_error_cause(exc, gold.path)
        return out
    start = time.perf_counter()
    if not text_input:
        page.tree  # noqa: B018 - parse once, before the backends are timed
    out["parse_ms"] = (time.perf_counter() - start) * 1000
    if text_input:
        out["digest"] = text_digest(page.html)  # what the text model lists
    elif "consensus" in backends or "text" in backends:
        from .consensus import page_digest

        out["digest"] = page_digest(page.raw)
    for name in backends:
        _, result = extract_page(page, name, options, timeout)
        out["runs"][name] = {
            "text": result.text,
            "ms": result.seconds * 1000,
            "error": result.error,
            "version": result.version,
        }
    return out


def _run_all(
    goldset: GoldSet,
    backends: Sequence[str],
    jobs: int,
    options: ExtractOptions,
    progress: Callable[[int], None] | None,
    timeout: float | None,
) -> Iterable[dict[str, Any]]:
    if jobs <= 1:
        for gold in goldset.pages:
            yield run_page(gold, backends, options, timeout)
            if progress:
                progress(1)
        return
    from concurrent.futures import TimeoutError as FutureTimeout

    from pebble import ProcessExpired, ProcessPool

    from .workers import mp_context, quick_pebble

    quick_pebble()
    # in the worker each backend has ``timeout`` (a SIGALRM); the pool kills a page
    # stuck where the alarm cannot reach (a long call into C) a little after that
    limit = None if timeout is None else timeout * len(backends) + PAGE_GRACE
    pool = ProcessPool(max_workers=jobs, context=mp_context())
    try:
        futures = [
            pool.schedule(run_page, (gold, backends, options, timeout), timeout=limit)
            for gold in goldset.pages
        ]
        for gold, future in zip(goldset.pages, futures, strict=True):
            try:
                yield future.result()
            except FutureTimeout:  # only with a limit
                yield _page_record(gold, f"timed out after {limit:g}s")
            except ProcessExpired as exc:
                yield _page_record(gold, f"worker died ({exc})")
            if progress:
                progress(1)
    except BaseException:  # Ctrl-C, a closed pipe: the pages in flight are not waited for
        pool.stop()
        raise
    finally:
        pool.close()
        pool.join()


def _page_record(gold: GoldPage, error: str | None = None) -> dict[str, Any]:
    """A page's result before its backends run (or instead: ``error``)."""
    out: dict[str, Any] = {"name": gold.name, "parse_ms": 0.0, "runs": {}}
    if error is not None:
        out["error"] = error
    return out


def _trained_on(name: str, digests: Sequence[str]) -> tuple[int, str]:
    """How many of these page digests the learned backend ``name`` (consensus, text)
    was trained on, and the report that gives its cross-validated figures."""
    if name == "consensus":
        from .consensus import trained_on

        return trained_on(digests), "CONSENSUS.md"
    from .textmode import trained_on as text_trained_on

    return text_trained_on(digests), "TEXT.md"


def bench(
    goldset: GoldSet,
    backends: Sequence[str],
    *,
    jobs: int = 1,
    options: ExtractOptions | None = None,
    progress: Callable[[int], None] | None = None,
    timeout: float | None = None,
) -> GoldSetResult:
    """Score each backend on a gold set with its metric: the Scrapinghub shingle
    metric for text gold, the with/without segment metric for segment gold.
    ``options`` default to the gold set's own convention; ``timeout`` is each
    backend's time on each page (None: no limit)."""
    options = options or goldset.options
    from .workers import preload

    for name in backends:
        # the one-time set-up here, outside the pages' time limits (and once for all
        # forked workers); then an unknown or unavailable backend fails early
        preload(name, options.metadata)
        shared(name)
    notes = []
    if goldset.kind == "text" and list(backends) != ["text"]:
        # text input is cleaned by text mode, whatever backend is asked for (as
        # ``unboil`` does): the HTML backends have no markup to work on
        notes.append("text gold set: plain-text input, scored with the text backend only")
        backends = ["text"]
    by_name = {g.name: g for g in goldset.pages}
    per_backend: dict[str, list[tuple[PageScore, bool]]] = {b: [] for b in backends}
    segs: dict[str, SegmentScore] = {b: SegmentScore(0, 0, 0, 0) for b in backends}
    page_results: dict[str, list[PageResult]] = {b: [] for b in backends}
    versions: dict[str, str | None] = {b: None for b in backends}
    parse_ms: list[float] = []
    digests: list[str] = []
    for out in _run_all(goldset, backends, jobs, options, progress, timeout):
        gold = by_name[out["name"]]
        parse_ms.append(out["parse_ms"])
        if "digest" in out:
            digests.append(out["digest"])
        for name in backends:
            run = out["runs"].get(name)
            text = run["text"] if run else ""
            error = out.get("error") or (run["error"] if run else None)
            if run:
                versions[name] = run["version"]
            if goldset.kind == "segments":
                s = score_segments(text, gold.with_, gold.without)
                segs[name] = segs[name] + s
                p, r, f = s.precision, s.recall, s.f1
            else:
                ps = score_page(text, gold.text or "")
                per_backend[name].append((ps, tokens(text) == tokens(gold.text or "")))
                p, r, f = ps.precision, ps.recall, ps.f1
            page_results[name].append(
                PageResult(
                    gold.name,
                    name,
                    round(p, 4),
                    round(r, 4),
                    round(f, 4),
                    round(run["ms"], 2) if run else 0.0,
                    len(text.split()),
                    error,
                )
            )
    results = []
    for name in backends:
        prs = page_results[name]
        ms = [p.ms for p in prs if p.error is None] or [0.0]
        if goldset.kind == "segments":
            s = segs[name]
            p, r, f, acc = s.precision, s.recall, s.f1, s.accuracy
        else:
            score = aggregate(per_backend[name])
            p, r, f, acc = score.precision, score.recall, score.f1, score.accuracy
        results.append(
            BackendResult(
                name,
                versions[name],
                round(p, 4),
                round(r, 4),
                round(f, 4),
                round(acc, 4),
                len(prs),
                sum(1 for x in prs if x.error),
                round(statistics.median(ms), 2),
                prs,
            )
        )
    for name in ("consensus", "text"):  # the learned backends: their training pages
        if not digests or name not in backends:
            continue
        seen, report = _trained_on(name, digests)
        if seen:
            notes.append(
                f"{name} was trained on {seen} of these {len(goldset.pages)} pages: its "
                f"figure here is not cross-validated (see benchmarks/{report})"
            )
    return GoldSetResult(
        goldset.name,
        str(goldset.path),
        goldset.kind,
        {"title": options.title, "captions": options.captions},
        len(goldset.pages),
        round(statistics.median(parse_ms), 2) if parse_ms else 0.0,
        results,
        notes,
    )
