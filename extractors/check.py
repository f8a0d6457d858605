"""``unboil check``: extraction quality as a CI gate.

The backends are scored on gold sets (as ``unboil bench`` does) and the scores are held
to thresholds and, optionally, to a baseline file recorded earlier:

- thresholds: ``min_f1``, ``min_precision``, ``min_recall`` for each backend's overall
  figures on each gold set; ``min_page_f1``, ``min_page_precision``,
  ``min_page_recall`` for every page. A figure below its threshold fails.
- baseline: any page whose F1 dropped by more than ``max_page_drop`` (default 0.05)
  since the baseline, or an overall F1 that dropped by more than ``max_drop`` (default
  0.01), fails. The baseline holds a digest of each gold set: a gold set edited since
  the baseline was recorded fails ("gold set changed since the baseline") rather than
  being compared with figures from other gold.
- a page that could not be read or on which a backend failed always fails.

Every comparison with a recorded figure allows ``NOISE`` (0.0005, absolute): figures
are rounded to 4 decimals, and a drop must exceed ``max_drop + NOISE`` to fail, and a
figure lower than the recorded one by ``NOISE`` or less is not a regression when the
baseline is updated. Thresholds are compared exactly.

The agreement canary needs no gold: every backend runs on each page (``compare``) and a
page whose mean pairwise agreement (shingle F1 between the backends' outputs) is below
``agreement_below`` is flagged -- a sign that the site's layout changed.

Settings are ``check_config``'s, the baseline file ``baseline``'s, the canary
``canary``'s. Reports: ``CheckReport.to_dict`` (JSON); ``check_reports`` writes JUnit
XML and Markdown.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .baseline import Baseline, GoldRun, baseline_entry, baseline_key, display_path, gold_digest
from .canary import CanaryPage, agreement_canary, expand_pages
from .check_config import METRICS, CheckConfig
from .config import ConfigError
from .loading import is_http_url

#: Allowance for rounding and ordering noise in comparisons with a baseline.
NOISE = 0.0005
# -- results -----------------------------------------------------------------------


@dataclass
class Failure:
    """One thing that failed the check."""

    #: gold set label (or "agreement" for the canary)
    goldset: str
    backend: str | None
    #: the page, or None for a gold set's overall figures
    page: str | None
    #: f1, precision, recall, f1 drop, agreement, error, gold set, regression
    metric: str
    value: float | None
    #: the threshold, or the recorded figure for baseline comparisons
    limit: float | None
    #: value - limit (negative when it fell short)
    delta: float | None
    reason: str
    #: the setting that was not met (min_page_f1, max_drop, ...)
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "goldset": self.goldset,
            "backend": self.backend,
            "page": self.page,
            "metric": self.metric,
            "value": self.value,
            "limit": self.limit,
            "delta": None if self.delta is None else round(self.delta, 4),
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass
class Summary:
    """A backend's overall figures on one gold set, with the baseline's."""

    goldset: str
    backend: str
    version: str | None
    precision: float
    recall: float
    f1: float
    pages: int
    errors: int
    failures: int
    baseline_f1: float | None = None
    baseline_version: str | None = None

    @property
    def delta(self) -> float | None:
        return None if self.baseline_f1 is None else round(self.f1 - self.baseline_f1, 4)


@dataclass
class CheckReport:
    config: CheckConfig
    runs: list[GoldRun] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    canary: list[CanaryPage] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the baseline file written by --update-baseline (None when not written)
    baseline_written: Path | None = None
    #: baseline figures per (gold set label, backend, page) for reports
    page_baseline: dict[tuple[str, str, str], float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def page_failures(self, goldset: str, backend: str, page: str) -> list[Failure]:
        return [
            f
            for f in self.failures
            if f.goldset == goldset and f.backend == backend and f.page == page
        ]

    def overall_failures(self, goldset: str, backend: str) -> list[Failure]:
        return [
            f
            for f in self.failures
            if f.goldset == goldset and f.page is None and f.backend in (backend, None)
        ]

    def to_dict(self) -> dict[str, Any]:
        c = self.config
        return {
            "passed": self.passed,
            "noise": NOISE,
            "settings": {
                "gold": [display_path(p) for p in c.gold],
                "backends": c.backends,
                **c.thresholds,
                "baseline": None if c.baseline is None else display_path(c.baseline),
                "max_drop": c.max_drop,
                "max_page_drop": c.max_page_drop,
                "agreement_below": c.agreement_below,
            },
            "failures": [f.to_dict() for f in self.failures],
            "notes": self.notes,
            "goldsets": [
                {
                    "goldset": run.label,
                    "path": str(run.goldset.path),
                    "kind": run.goldset.kind,
                    "digest": run.digest,
                    "pages": len(run.goldset.pages),
                    "results": [
                        {
                            "backend": s.backend,
                            "version": s.version,
                            "precision": s.precision,
                            "recall": s.recall,
                            "f1": s.f1,
                            "baseline_f1": s.baseline_f1,
                            "delta": s.delta,
                            "errors": s.errors,
                            "pages": [
                                {
                                    "page": p.name,
                                    "precision": p.precision,
                                    "recall": p.recall,
                                    "f1": p.f1,
                                    "baseline_f1": self.page_baseline.get(
                                        (run.label, s.backend, p.name)
                                    ),
                                    "error": p.error,
                                    "passed": not self.page_failures(run.label, s.backend, p.name),
                                }
                                for p in _backend_result(run, s.backend).page_results
                            ],
                        }
                        for s in self.summaries
                        if s.goldset == run.label
                    ],
                }
                for run in self.runs
            ],
            "agreement": [
                {
                    "page": page.source,
                    "agreement": page.agreement,
                    "pairs": page.pairs,
                    "error": page.error,
                    "backend_errors": page.backend_errors,
                    "flagged": page.flagged,
                }
                for page in self.canary
            ],
            "baseline_written": None
            if self.baseline_written is None
            else display_path(self.baseline_written),
        }


def _backend_result(run: GoldRun, backend: str) -> Any:
    return next(b for b in run.result.results if b.backend == backend)


# -- evaluation --------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:.4f}"


def _thresholds(report: CheckReport, run: GoldRun) -> None:
    th = report.config.thresholds

    def below(backend: str, page: str | None, metric: str, value: float, key: str) -> None:
        """A failure when ``value`` is under the threshold ``key`` (when one is set)."""
        if key in th and value < th[key]:
            what = metric if page else f"overall {metric}"
            report.failures.append(
                Failure(
                    run.label,
                    backend,
                    page,
                    metric,
                    value,
                    th[key],
                    value - th[key],
                    f"{what} {_fmt(value)} is below {key} {th[key]}",
                    key,
                )
            )

    for b in run.result.results:
        for metric in METRICS:
            below(b.backend, None, metric, getattr(b, metric), f"min_{metric}")
        for p in b.page_results:
            if p.error:
                report.failures.append(
                    Failure(
                        run.label,
                        b.backend,
                        p.name,
                        "error",
                        None,
                        None,
                        None,
                        f"failed: {p.error}",
                        "error",
                    )
                )
            for metric in METRICS:
                below(b.backend, p.name, metric, getattr(p, metric), f"min_page_{metric}")


def _gold_set_failure(run: GoldRun, backend: str | None, reason: str) -> Failure:
    return Failure(run.label, backend, None, "gold set", None, None, None, reason, "baseline")


def _compare_baseline(report: CheckReport, run: GoldRun, baseline: Baseline) -> None:
    c = report.config
    entry = baseline.goldsets.get(run.key)
    if entry is None:
        report.failures.append(
            _gold_set_failure(
                run,
                None,
                f"gold set {run.key!r} is not in the baseline: record it (update_baseline)",
            )
        )
        return
    if entry["digest"] != run.digest:
        report.failures.append(
            _gold_set_failure(
                run, None, "gold set changed since the baseline: record it again (update_baseline)"
            )
        )
        return

    def compare(backend: str, page: str | None, f1: float, old_f1: float, max_drop: float) -> int:
        """A failure when F1 fell more than ``max_drop`` below the baseline; 1 when
        it rose beyond the noise, else 0."""
        drop = old_f1 - f1
        if drop > max_drop + NOISE:
            what, setting = ("F1", "max_page_drop") if page else ("overall F1", "max_drop")
            report.failures.append(
                Failure(
                    run.label,
                    backend,
                    page,
                    "f1 drop",
                    f1,
                    old_f1,
                    f1 - old_f1,
                    f"{what} {_fmt(f1)} dropped by {_fmt(drop)} from the baseline's "
                    f"{_fmt(old_f1)} ({setting} {max_drop})",
                    setting,
                )
            )
        return int(-drop > NOISE)

    improved = 0
    for b in run.result.results:
        old = entry["backends"].get(b.backend)
        summary = next(
            s for s in report.summaries if s.goldset == run.label and s.backend == b.backend
        )
        if old is None:
            report.failures.append(
                _gold_set_failure(
                    run,
                    b.backend,
                    f"no baseline for backend {b.backend!r}: record it (update_baseline)",
                )
            )
            continue
        summary.baseline_f1 = float(old["f1"])
        summary.baseline_version = old.get("version")
        if old.get("version") != b.version:
            report.notes.append(
                f"{run.label}: {b.backend} is version {b.version}, "
                f"the baseline was recorded with {old.get('version')}"
            )

        improved += compare(b.backend, None, b.f1, old["f1"], c.max_drop)
        for p in b.page_results:
            old_page = old["pages"].get(p.name)
            if old_page is None:  # cannot happen with an unchanged digest
                continue
            report.page_baseline[(run.label, b.backend, p.name)] = old_page["f1"]
            improved += compare(b.backend, p.name, p.f1, old_page["f1"], c.max_page_drop)
    if improved:
        report.notes.append(
            f"{run.label}: {improved} figure(s) better than the baseline: "
            "record them (update_baseline)"
        )


def _regressions(run: GoldRun, entry: dict[str, Any]) -> list[Failure]:
    """Figures the new run would lower in the baseline (beyond NOISE)."""
    out = []
    for b in run.result.results:
        old = entry["backends"].get(b.backend)
        if old is None:
            continue
        pairs: list[tuple[str | None, dict[str, Any], Any]] = [(None, old, b)]
        pairs += [(p.name, old["pages"].get(p.name) or {}, p) for p in b.page_results]
        for page, recorded, new in pairs:
            for metric in METRICS:
                if metric not in recorded:
                    continue
                was, now = float(recorded[metric]), float(getattr(new, metric))
                if now < was - NOISE:
                    where = f"page {page}" if page else "overall"
                    out.append(
                        Failure(
                            run.label,
                            b.backend,
                            page,
                            "regression",
                            now,
                            was,
                            now - was,
                            f"would lower the recorded {where} {metric} from {_fmt(was)} "
                            f"to {_fmt(now)}: allow_regression accepts it",
                            "update-baseline",
                        )
                    )
    return out


def update_baseline(
    report: CheckReport, old: Baseline | None, path: Path, *, allow_regression: bool
) -> None:
    """Record the runs in the baseline at ``path`` (other gold sets kept). Refuses --
    adding failures, writing nothing -- when a recorded figure would drop, unless
    ``allow_regression``. A gold set whose digest changed is recorded afresh."""
    new = Baseline(copy.deepcopy(old.goldsets) if old else {})
    refused: list[Failure] = []
    for run in report.runs:
        fresh = baseline_entry(run)
        entry = new.goldsets.get(run.key)
        if entry is not None and entry["digest"] == run.digest:
            refused += _regressions(run, entry)
            entry["backends"].update(fresh["backends"])
        else:
            if entry is not None:
                report.notes.append(
                    f"{run.label}: the gold set changed: its baseline is recorded afresh"
                )
            new.goldsets[run.key] = fresh
    if refused and not allow_regression:
        report.failures += refused
        report.notes.append(f"{display_path(path)}: not updated (a recorded figure would drop)")
        return
    new.write(path)
    report.baseline_written = path


def evaluate(
    runs: Sequence[GoldRun],
    config: CheckConfig,
    *,
    baseline: Baseline | None = None,
    canary: Sequence[CanaryPage] = (),
) -> CheckReport:
    """Hold the scored gold sets to the thresholds and the baseline, and the canary
    pages to ``agreement_below``."""
    report = CheckReport(config, list(runs), canary=list(canary))
    for run in runs:
        report.notes += [f"{run.label}: {note}" for note in run.result.notes]
        for b in run.result.results:
            report.summaries.append(
                Summary(
                    run.label,
                    b.backend,
                    b.version,
                    b.precision,
                    b.recall,
                    b.f1,
                    b.pages,
                    b.failed,
                    0,
                )
            )
        _thresholds(report, run)
        if baseline is not None:
            _compare_baseline(report, run, baseline)
    for page in canary:
        if page.flagged:
            if page.error:
                reason = f"could not be read: {page.error}"
            else:
                failed = "; ".join(f"{k} failed: {v}" for k, v in page.backend_errors.items())
                reason = (
                    f"mean agreement {page.agreement:.4f} is below {config.agreement_below}"
                    + (f" ({failed})" if failed else "")
                )
            limit = config.agreement_below
            delta = None if page.agreement is None or limit is None else page.agreement - limit
            report.failures.append(
                Failure(
                    "agreement",
                    None,
                    page.source,
                    "agreement",
                    page.agreement,
                    limit,
                    delta,
                    reason,
                    "agreement_below",
                )
            )
    _sort(report)
    return report


def _sort(report: CheckReport) -> None:
    """Per-page failures first, worst first within a page; then overall ones."""
    report.failures.sort(key=lambda f: (f.page is None, f.goldset, f.page or "", f.backend or ""))
    for s in report.summaries:
        s.failures = sum(
            1 for f in report.failures if f.goldset == s.goldset and f.backend == s.backend
        )


# -- the whole check ---------------------------------------------------------------

ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]


@contextlib.contextmanager
def _no_progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    yield lambda n: None


def run_check(
    config: CheckConfig,
    *,
    update: bool = False,
    allow_regression: bool = False,
    progress: ProgressFactory | None = None,
) -> CheckReport:
    """Score, compare, and (with ``update``) record the baseline. The Python API of
    ``unboil check``. Raises ``UnboilError`` for usage trouble (no gold set, an
    unreadable baseline, an unknown backend)."""
    from .bench import bench
    from .goldsets import load_goldset

    progress = progress or _no_progress
    start = time.perf_counter()
    if not config.gold and config.agreement_below is None:
        raise ConfigError(
            "no gold set: give GOLD... or set gold in [tool.unboil.check] "
            "(or agreement_below with pages)"
        )
    if update and config.baseline is None:
        raise ConfigError("update_baseline needs a baseline file (baseline)")
    if update and not config.gold:
        raise ConfigError("update_baseline needs gold sets (gold)")
    if config.gold and not (config.thresholds or config.baseline):
        raise ConfigError(
            "nothing to check the scores against: set a threshold (min_f1 ...) "
            "or a baseline (baseline)"
        )
    baseline: Baseline | None = None
    if config.baseline is not None and (not update or config.baseline.exists()):
        baseline = Baseline.load(config.baseline)
    goldsets = [load_goldset(path) for path in config.gold]
    runs = []
    for path, goldset in zip(config.gold, goldsets, strict=True):
        label = display_path(path)
        with progress(label, len(goldset.pages)) as advance:
            result = bench(
                goldset,
                config.backends,
                jobs=config.jobs,
                progress=advance,
                timeout=config.timeout,
            )
        key = baseline_key(path, config.baseline)
        runs.append(GoldRun(label, key, goldset, result, gold_digest(goldset)))
    canary: list[CanaryPage] = []
    if config.agreement_below is not None:
        sources = expand_pages(config.pages)
        if not sources:
            raise ConfigError("agreement_below needs pages")
        with progress("agreement", len(sources)) as advance:
            canary = agreement_canary(
                sources,
                config.agreement_backends,
                config.agreement_below,
                progress=advance,
                allow_private=config.allow_private,
                timeout=config.timeout,
            )
    report = evaluate(runs, config, baseline=None if update else baseline, canary=canary)
    origin = config.origins.get("allow_private", "default")
    if config.allow_private and origin != "command line" and any(map(is_http_url, config.pages)):
        # a settings file (one a pull request can edit) lets the canary fetch private
        # addresses: said in every report
        report.notes.append(
            f"allow_private = true in {display_path(origin)}: "
            "canary URLs at private addresses were fetched"
        )
    if update and config.baseline is not None and runs:
        update_baseline(report, baseline, config.baseline, allow_regression=allow_regression)
        _sort(report)
    report.seconds = time.perf_counter() - start
    return report
