"""``unboil bench``: score backends on gold sets."""

from __future__ import annotations

import os

import click

from .main import common_options, handle_errors
from .options import (
    backends_option,
    jobs_option,
    json_option,
    quiet_option,
    split_backends,
    timeout_option,
    write_json,
)


@click.command("bench")
@click.argument("goldsets", nargs=-1, required=True, metavar="GOLD...")
@backends_option
@jobs_option
@timeout_option("Seconds each backend has on each page; past it, the page fails for it.")
@json_option("the results")
@click.option(
    "--title/--no-title", default=None, help="Override the gold set's convention on headlines."
)
@click.option(
    "--captions/--no-captions",
    default=None,
    help="Override the gold set's convention on figure captions.",
)
@quiet_option()
@common_options
@handle_errors
def bench(
    goldsets: tuple[str, ...],
    backends: str | None,
    jobs: int | None,
    timeout: float,
    json_out: str | None,
    title: bool | None,
    captions: bool | None,
    quiet: bool,
) -> None:
    """Score backends on gold sets: precision, recall and F1 with the Scrapinghub
    shingle metric (or the with/without segment metric), failures and time per page.

    GOLD is a Scrapinghub-style folder (html/*.html.gz + ground-truth.json), the
    Mozilla Readability test layout (pages/*/source.html + expected.html), a folder
    of NAME.html + NAME.txt pairs (like samples/), a folder of text dumps (NAME.txt
    input + NAME.gold.txt gold, scored with the text backend), or a with/without JSON
    file. Each gold set's convention (headline, captions) is applied unless overridden.
    """
    from dataclasses import replace

    from ..extractors.bench import bench as run_bench
    from ..extractors.goldsets import load_goldset
    from .render import progress_bar, table

    names = split_backends(backends)
    jobs = jobs or os.cpu_count() or 1
    results = []
    for path in goldsets:
        goldset = load_goldset(path)
        options = goldset.options
        if title is not None:
            options = replace(options, title=title)
        if captions is not None:
            options = replace(options, captions=captions)
        with progress_bar(f"{goldset.name}", len(goldset.pages), quiet=quiet) as advance:
            result = run_bench(
                goldset, names, jobs=jobs, options=options, progress=advance, timeout=timeout
            )
        results.append(result)
    if write_json(json_out, {"goldsets": [r.to_dict() for r in results]}):
        return
    for result in results:
        rows = [
            [
                r.backend,
                r.version or "-",
                f"{r.precision:.3f}",
                f"{r.recall:.3f}",
                f"{r.f1:.3f}",
                f"{r.failed}",
                f"{r.median_ms:.1f}",
            ]
            for r in sorted(result.results, key=lambda r: -r.f1)
        ]
        conv = ", ".join(f"{k}={v}" for k, v in result.convention.items())
        table(
            ["backend", "version", "P", "R", "F1", "failed", "ms/page"],
            rows,
            title=f"{result.name}: {result.pages} pages ({result.kind}; {conv}; "
            f"parse {result.parse_ms:.1f} ms/page)",
        )
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
