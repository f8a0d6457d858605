"""``unboil check``'s reports for CI: JUnit XML (one test case per backend, gold set and
failing page) and Markdown (a job summary), from a ``check.CheckReport``; JSON too
(``report_text``). The tables a person reads — failures, scores, the agreement canary —
are built once here (``tables``) as rows of plain cells, each row also as one log line;
the command shows them with rich on a terminal and as lines otherwise, and ``markdown``
writes them for a pull request."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from typing import Literal

from . import __version__
from .baseline import display_path
from .check import NOISE, CheckReport, Failure
from .formats import json_document


def _safe(name: str) -> str:
    return re.sub(r"[^\w-]+", "_", name)


def junit_xml(report: CheckReport) -> str:
    """JUnit XML: a test suite per gold set and backend with one test case per page;
    a suite "overall" with a case per gold set and backend (overall thresholds, the
    baseline's overall F1, gold set digest); a suite "agreement" with a case per
    canary page. A failed case has one <failure> whose message gives the reasons.
    Text from pages and servers is escaped by ElementTree; what XML cannot hold at all
    (control characters) becomes U+FFFD, so the report always parses."""
    import xml.etree.ElementTree as ET

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
    host = socket.gethostname() or "localhost"
    root = ET.Element("testsuites", name="unboil check")
    total = failed = 0

    def suite(name: str, cases: list[tuple[str, str, float, list[Failure]]]) -> None:
        nonlocal total, failed
        fails = sum(1 for c in cases if c[3])
        seconds = sum(c[2] for c in cases)
        el = ET.SubElement(
            root,
            "testsuite",
            name=_xml_text(name),
            tests=str(len(cases)),
            failures=str(fails),
            errors="0",
            skipped="0",
            time=f"{seconds:.3f}",
            timestamp=stamp,
            hostname=host,
        )
        for classname, case_name, secs, failures in cases:
            case = ET.SubElement(
                el,
                "testcase",
                classname=_xml_text(classname),
                name=_xml_text(case_name),
                time=f"{secs:.3f}",
            )
            if failures:
                fail = ET.SubElement(
                    case,
                    "failure",
                    message=_xml_text("; ".join(f.reason for f in failures)),
                    type=",".join(dict.fromkeys(f.rule for f in failures)),
                )
                fail.text = _xml_text(
                    "\n".join(
                        f"{f.metric}: {f.reason}"
                        + (f" (value {f.value}, limit {f.limit})" if f.value is not None else "")
                        for f in failures
                    )
                )
        total += len(cases)
        failed += fails

    overall: list[tuple[str, str, float, list[Failure]]] = []
    for run in report.runs:
        for b in run.result.results:
            cls = f"unboil.check.{_safe(run.goldset.name)}.{_safe(b.backend)}"
            suite(
                f"{run.label} [{b.backend}]",
                [
                    (cls, p.name, p.ms / 1000, report.page_failures(run.label, b.backend, p.name))
                    for p in b.page_results
                ],
            )
            overall.append(
                (
                    "unboil.check.overall",
                    f"{run.label} [{b.backend}]",
                    sum(p.ms for p in b.page_results) / 1000,
                    report.overall_failures(run.label, b.backend),
                )
            )
    if overall:
        suite("overall", overall)
    if report.canary:
        suite(
            "agreement",
            [
                (
                    "unboil.check.agreement",
                    c.source,
                    0.0,
                    [f for f in report.failures if f.goldset == "agreement" and f.page == c.source],
                )
                for c in report.canary
            ],
        )
    root.set("tests", str(total))
    root.set("failures", str(failed))
    root.set("errors", "0")
    root.set("time", f"{report.seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


#: what starts Markdown or HTML inline in a table cell or a list item (links,
#: images, emphasis, code, HTML, entities, math, @mentions, autolinks): backslashed
_MD_SPECIAL = re.compile(r"[\\`*_\[\]()<>!|~&$@:#{}]|(?<=[wW]{3})\.")
#: control characters (newlines too) and what is not a character
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+")


def _md(text: object) -> str:
    """Text (a page's name, a server's reason phrase, an error) as it reads, and
    nothing more, in a Markdown table cell or list item of a pull-request comment:
    ``![pixel](http://...)``, ``<img>``, ``@user`` and bare URLs are shown, not
    rendered, linked or notified."""
    return _MD_SPECIAL.sub(r"\\\g<0>", _CONTROL.sub(" ", str(text)))


def _xml_text(text: object) -> str:
    """Text that XML 1.0 can hold: control characters, lone surrogates and
    non-characters (which make the whole report unreadable) become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", str(text))


_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _num(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "-"
    return f"{x:+.4f}" if signed else f"{x:.4f}"


Tone = Literal["bad", "good"]


@dataclass(frozen=True)
class Row:
    """One row of a report table: its cells (plain text, as the page or server gave
    it: renderers escape), the same facts as one log line, and the cells to mark."""

    cells: tuple[str, ...]
    line: str
    tones: dict[int, Tone] = field(default_factory=dict)


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: list[Row]
    #: right-aligned (figures)
    numeric: frozenset[str] = frozenset()
    #: the columns that may wrap (the others are kept whole)
    wide: frozenset[str] = frozenset()
    #: a column that names the row's group (a terminal folds it into the title when
    #: every row has the same)
    group: str | None = None


def _delta_tone(column: int, delta: float | None) -> dict[int, Tone]:
    return {} if not delta else {column: "bad" if delta < 0 else "good"}


_FIGURES = ("P", "R", "F1", "baseline F1", "Δ F1", "failures")


def tables(report: CheckReport) -> list[Table]:
    """The report's tables, empty ones left out: failures (pages first), each
    backend's scores per gold set, and the agreement canary."""
    out: list[Table] = []
    if report.failures:
        rows = []
        for f in report.failures:
            where = f"{f.goldset}:{f.page}" if f.page else f"{f.goldset} (overall)"
            backend = f" [{f.backend}]" if f.backend else ""
            delta = f" ({_num(f.delta, True)})" if f.delta is not None else ""
            rows.append(
                Row(
                    (
                        f.goldset,
                        f.page or "(overall)",
                        f.backend or "-",
                        f.metric,
                        _num(f.value),
                        _num(f.limit),
                        _num(f.delta, True),
                        f.reason,
                    ),
                    f"FAIL {where}{backend} {f.metric}{delta}: {f.reason}",
                    {6: "bad"} if (f.delta or 0) < 0 else {},
                )
            )
        out.append(
            Table(
                "failures (pages first)",
                ("gold set", "page", "backend", "metric", "value", "limit", "delta", "reason"),
                rows,
                frozenset({"value", "limit", "delta"}),
                wide=frozenset({"reason"}),
                group="gold set",
            )
        )
    if report.summaries:
        rows = []
        for s in report.summaries:
            base = (
                f" baseline={_num(s.baseline_f1)} ({_num(s.delta, True)})"
                if s.baseline_f1 is not None
                else ""
            )
            tones = _delta_tone(7, s.delta)
            if s.failures:
                tones[8] = "bad"
            rows.append(
                Row(
                    (
                        s.goldset,
                        s.backend,
                        s.version or "-",
                        _num(s.precision),
                        _num(s.recall),
                        _num(s.f1),
                        _num(s.baseline_f1),
                        _num(s.delta, True),
                        str(s.failures),
                    ),
                    f"{s.goldset} [{s.backend} {s.version or '-'}]: P={_num(s.precision)} "
                    f"R={_num(s.recall)} F1={_num(s.f1)}{base}, {s.pages} pages, "
                    f"{s.failures} failure(s)",
                    tones,
                )
            )
        out.append(
            Table(
                "scores",
                ("gold set", "backend", "version", *_FIGURES),
                rows,
                frozenset(_FIGURES),
                group="gold set",
            )
        )
    if report.canary:
        rows = []
        for c in report.canary:
            low = min(c.pairs.items(), key=lambda kv: kv[1]) if c.pairs else None
            rows.append(
                Row(
                    (
                        c.source,
                        _num(c.agreement),
                        f"{low[0]} {low[1]:.4f}" if low else (c.error or "-"),
                        "yes" if c.flagged else "no",
                    ),
                    f"agreement {c.source}: {_num(c.agreement)}"
                    + (" FLAGGED" if c.flagged else ""),
                    {3: "bad"} if c.flagged else {},
                )
            )
        out.append(
            Table(
                "agreement canary",
                ("page", "mean agreement", "lowest pair", "flagged"),
                rows,
                frozenset({"mean agreement"}),
                wide=frozenset({"page"}),
            )
        )
    return out


def verdict(report: CheckReport) -> str:
    """``passed (...)`` or ``FAILED: n failures (...)``, saying what was checked."""
    outcome, what = _verdict(report)
    return f"{outcome} ({what})"


def _verdict(report: CheckReport) -> tuple[str, str]:
    n = len(report.failures)
    parts = []
    if report.runs:
        pages = sum(len(r.goldset.pages) for r in report.runs)
        backends = len({s.backend for s in report.summaries})
        parts.append(f"{backends} backend(s) on {len(report.runs)} gold set(s), {pages} page(s)")
    if report.canary:
        parts.append(f"agreement on {len(report.canary)} page(s)")
    what = "; ".join(parts)
    if report.passed:
        return "passed", what
    return f"FAILED: {n} failure{'s' if n != 1 else ''}", what


def markdown(report: CheckReport) -> str:
    """A Markdown report fit for a pull-request comment: the verdict, failures (pages
    first), each backend's figures and the canary, from ``tables``."""
    outcome, what = _verdict(report)
    mark = "✅" if report.passed else "❌"
    lines = [f"### {mark} unboil check {outcome.replace('FAILED', 'failed')} ({what})", ""]
    for table in tables(report):
        lines += [f"**{table.title}**", ""]
        lines.append("| " + " | ".join(table.headers) + " |")
        lines.append(
            "|" + "|".join("---:" if h in table.numeric else "---" for h in table.headers) + "|"
        )
        for row in table.rows:
            cells = [
                f"**{_md(c)}**" if row.tones.get(i) == "bad" else _md(c)
                for i, c in enumerate(row.cells)
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    for note in report.notes:
        lines.append(f"- {_md(note)}")
    if report.notes:
        lines.append("")
    cfg = report.config
    settings = ", ".join(f"{k}={v}" for k, v in sorted(cfg.thresholds.items()))
    if cfg.baseline is not None:
        settings += (", " if settings else "") + (
            f"baseline={display_path(cfg.baseline)} (max_drop={cfg.max_drop}, "
            f"max_page_drop={cfg.max_page_drop}, noise={NOISE})"
        )
    if cfg.agreement_below is not None:
        settings += (", " if settings else "") + f"agreement_below={cfg.agreement_below}"
    lines.append(f"<sub>unboil {__version__} · {_md(settings)}</sub>")
    return "\n".join(lines) + "\n"


def report_text(kind: str, report: CheckReport) -> str:
    """The report as ``kind`` says: ``junit``, ``json`` or ``markdown``."""
    if kind == "junit":
        return junit_xml(report)
    if kind == "json":
        return json_document(report.to_dict())
    return markdown(report)
