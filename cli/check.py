"""``unboil check``: extraction quality as a CI gate (thresholds, baseline, reports,
and the gold-free agreement canary). The work is in ``unboil.extractors.check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .exitcodes import ExitStatus
from .main import common_options, error, handle_errors
from .options import (
    allow_private_option,
    jobs_option,
    quiet_option,
    timeout_option,
    write_output,
)

if TYPE_CHECKING:
    from ..extractors.check import CheckReport

FRACTION = click.FloatRange(0, 1)
#: a report file; '-' is stdout (the verdict then goes to stderr)
REPORT = click.Path(dir_okay=False, allow_dash=True, path_type=Path)
STDOUT = Path("-")


BASELINE = click.Path(dir_okay=False, path_type=Path)


def _limits(f: Any) -> Any:
    """``--min-f1 X`` ... ``--max-page-drop X``: one option per limit setting of
    ``check_config.KEYS``, its help from there (declared once, for files and flags alike);
    the command gets them as keyword arguments by their setting names."""
    from ..extractors.check_config import DROPS, KEYS, THRESHOLDS

    for key in reversed((*THRESHOLDS, *DROPS)):
        meaning, _, default = KEYS[key][1].partition(" [")  # "... [0.01]"
        help = f"{meaning[0].upper()}{meaning[1:]}."
        help += f"  [default: {default}" if default else ""
        flag = "--" + key.replace("_", "-")
        f = click.option(flag, key, type=FRACTION, default=None, metavar="X", help=help)(f)
    return f


@click.command("check")
@click.argument("sources", nargs=-1, metavar="[GOLD...]")
@click.option(
    "-b",
    "--backends",
    default=None,
    metavar="A,B,...",
    help="Backends to score, comma-separated  [default: consensus]; with "
    "--agreement-below, the backends compared  [default: trafilatura,readability,resiliparse]",
)
@_limits
@click.option(
    "--baseline",
    type=BASELINE,
    default=None,
    metavar="FILE",
    help="Baseline JSON to compare with (or to write with --update-baseline).",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="Write the baseline file (atomically) from this run instead of comparing with it.",
)
@click.option(
    "--allow-regression",
    is_flag=True,
    help="With --update-baseline: accept figures lower than the recorded ones.",
)
@click.option(
    "--agreement-below",
    type=FRACTION,
    default=None,
    metavar="X",
    help="Gold-free canary: the arguments are PAGES (files, folders, URLs); fail when "
    "a page's backends agree less than X (mean pairwise shingle F1).",
)
@allow_private_option
@click.option(
    "--junit", type=REPORT, metavar="FILE", help="Write a JUnit XML report to FILE ('-': stdout)."
)
@click.option(
    "--json",
    "json_path",
    type=REPORT,
    metavar="FILE",
    help="Write a JSON report to FILE ('-': stdout, the verdict then on stderr).",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=REPORT,
    metavar="FILE",
    help="Write a Markdown report (a pull-request comment) to FILE ('-': stdout).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Read settings from FILE only, not the nearest pyproject.toml / unboil.toml.",
)
@jobs_option
@timeout_option("Seconds each backend has on each page (and to fetch a canary URL).", None)
@quiet_option()
@common_options
@handle_errors
def check(
    sources: tuple[str, ...],
    backends: str | None,
    baseline: Path | None,
    update_baseline: bool,
    allow_regression: bool,
    agreement_below: float | None,
    allow_private: bool,
    junit: Path | None,
    json_path: Path | None,
    markdown_path: Path | None,
    config_file: Path | None,
    jobs: int | None,
    timeout: float | None,
    quiet: bool,
    **limits: float | None,
) -> None:
    """Score backends on gold sets and fail (exit 1) when a threshold is not met or
    the scores dropped below a recorded baseline: a CI gate for extraction quality.

    \b
    unboil check samples --min-f1 0.95 --min-page-f1 0.8
    unboil check samples -b trafilatura,consensus --baseline samples/unboil-baseline.json
    unboil check --update-baseline        record the baseline (never lowers a figure
                                          without --allow-regression)
    unboil check --agreement-below 0.6 pages/   gold-free canary: flag pages whose
                                          backends disagree

    Settings come from [tool.unboil.check] in the nearest pyproject.toml, overridden
    by [check] in the nearest unboil.toml, overridden by these flags; paths in a
    file are relative to its folder. GOLD is any gold set `unboil bench` reads.

    Exit status: 0 passed, 1 a check failed (a threshold, a drop below the baseline,
    a gold set changed since the baseline, a page that failed, a low agreement), 2
    usage or configuration trouble.
    """
    from ..extractors.check import run_check
    from ..extractors.check_config import config_from_settings
    from ..extractors.check_reports import report_text
    from ..extractors.config import Layer, load_settings
    from .render import progress_bar

    files = {"junit": junit, "json": json_path, "markdown": markdown_path}
    piped = [kind for kind, path in files.items() if path == STDOUT]
    if len(piped) > 1:
        raise click.UsageError("only one report can go to stdout ('-')")

    settings = load_settings("check", explicit=config_file)
    flags: dict[str, Any] = {
        **limits,  # min_f1 ... max_page_drop
        "baseline": None if baseline is None else str(baseline),
        "agreement_below": agreement_below,
        "jobs": jobs,
        "timeout": timeout,
        "allow_private": True if allow_private else None,  # else: the config's, or false
    }
    canary_only = agreement_below is not None
    if canary_only:
        flags["pages"] = list(sources) or None
        flags["agreement_backends"] = backends
    else:
        flags["gold"] = list(sources) or None
        flags["backends"] = backends
    values = {k: v for k, v in flags.items() if v is not None}
    settings.layers.append(Layer("command line", values, Path()))
    config = config_from_settings(settings)
    if canary_only:
        config.gold = []  # the arguments are pages: the gold checks are not run
    report = run_check(
        config,
        update=update_baseline,
        allow_regression=allow_regression,
        progress=lambda label, total: progress_bar(label, total, quiet=quiet),
    )
    for kind, path in files.items():
        if path is not None:  # atomically; '-': stdout
            write_output(str(path), report_text(kind, report))
    _render(report, to_stderr=bool(piped))
    if not report.passed:
        sys.exit(ExitStatus.CHECK_FAILED)


def _render(report: CheckReport, to_stderr: bool = False) -> None:
    """The verdict, on stdout unless a report went there."""
    from .render import is_terminal

    if is_terminal(stderr=to_stderr):
        _render_rich(report, to_stderr)
    else:
        _render_plain(report, to_stderr)
    for note in report.notes:
        error(f"note: {note}")


def _render_plain(report: CheckReport, to_stderr: bool) -> None:
    """One line per row (CI logs are searched for ``FAIL ``), the verdict last."""
    from ..extractors.check_reports import tables, verdict
    from ..extractors.terminal import escape_unsafe

    def echo(line: str) -> None:  # one line each: page names and reasons may hold any
        click.echo(escape_unsafe(line), err=to_stderr)

    for table in tables(report):
        for row in table.rows:
            echo(row.line)
    if report.baseline_written is not None:
        echo(f"baseline written: {report.baseline_written}")
    echo(f"unboil check: {verdict(report)}")


def _render_rich(report: CheckReport, to_stderr: bool) -> None:
    from rich.text import Text

    from ..extractors.check_reports import tables, verdict
    from .render import console, rich_table

    out = console(stderr=to_stderr)
    styles = {"bad": "red", "good": "green"}
    for table in tables(report):
        headers, rows, title = list(table.headers), [list(r.cells) for r in table.rows], table.title
        tones = [dict(r.tones) for r in table.rows]
        if table.group is not None and len({r[headers.index(table.group)] for r in rows}) == 1:
            # one gold set: named in the title, its column's width left to the others
            at = headers.index(table.group)
            title = f"{title} in {rows[0][at]}"
            del headers[at]
            for r in rows:
                del r[at]
            tones = [{i - (i > at): t for i, t in tone.items() if i != at} for tone in tones]
        t = rich_table(title, padding=(0, 1), pad_edge=False)
        for h in headers:
            t.add_column(
                h,
                overflow="fold",
                no_wrap=h not in table.wide,
                ratio=1 if h in table.wide else None,
                justify="right" if h in table.numeric else "left",
            )
        for cells, tone in zip(rows, tones, strict=True):
            # Text, not markup: names and reasons come from pages and servers
            t.add_row(
                *(Text(c, style=styles.get(tone.get(i, ""), "")) for i, c in enumerate(cells))
            )
        out.print(t)
    if report.baseline_written is not None:
        out.print(Text(f"baseline written: {report.baseline_written}"))
    style = "bold green" if report.passed else "bold red"
    mark = "✔" if report.passed else "✘"
    out.print(Text(f"{mark} unboil check {verdict(report)}", style=style))
