"""unboil against its peers and against the libraries it wraps, side by side in one run.

1. start-up: ``unboil --version`` and ``unboil --help`` against ``python -c pass``,
   ``python -c "import click"`` and ``trafilatura --version`` (whole processes);
2. one page end to end: ``unboil -b trafilatura page.html`` against
   ``trafilatura < page.html`` (the page is one where trafilatura falls back to jusText
   and needs the union of its stop-lists: unboil reads it from its cache, and builds it
   as trafilatura does under ``UNBOIL_NO_CACHE=1``);
3. per page inside one warm process, for each backend: our adapter against the bare
   library call on the same decoded page, and the lxml parse alone (the floor);
4. consensus against the sum of its members' bare calls, and against trafilatura alone
   (each parsing the page);
5. consensus voting alone (members' outputs given) on pages of about 1,250, 2,500 and
   5,000 blocks, against the members' own runs on them.

Medians; the results go to stdout and, with ``--write``, to benchmarks/RESULTS.md.
unboil's modules are byte-compiled first, as ``pip install`` does for the libraries
(an editable install under ``PYTHONDONTWRITEBYTECODE`` would otherwise compile them
from source in every process: about 25 ms).

    .venv/bin/python benchmarks/perf.py [--pages N] [--runs N] [--write]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT.parent / "shared" / "bench" / "scrapinghub" / "html"
BIN = Path(sys.executable).parent
PY = sys.executable


def wall(
    cmd: list[str], runs: int, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def startup(runs: int, page: Path) -> list[tuple[str, float]]:
    html = gzip.decompress(page.read_bytes())
    tmp = Path("/tmp/unboil-perf-page.html")
    tmp.write_bytes(html)
    rows = [
        ("python -c pass", wall([PY, "-c", "pass"], runs)),
        ('python -c "import click"', wall([PY, "-c", "import click"], runs)),
        ("trafilatura --version", wall([str(BIN / "trafilatura"), "--version"], runs)),
        ("unboil --version", wall([str(BIN / "unboil"), "--version"], runs)),
        ("unboil --help", wall([str(BIN / "unboil"), "--help"], runs)),
        ("trafilatura < page.html", wall([str(BIN / "trafilatura")], runs, stdin=html)),
        (
            "unboil -b trafilatura page.html",
            wall([str(BIN / "unboil"), "-b", "trafilatura", str(tmp)], runs),
        ),
        (
            "unboil -b trafilatura --no-metadata page.html",
            wall([str(BIN / "unboil"), "-b", "trafilatura", "--no-metadata", str(tmp)], runs),
        ),
        # the page needs trafilatura's jusText fallback: without the cache, the union of
        # jusText's stop-lists is built in the process, as trafilatura's CLI does
        (
            "UNBOIL_NO_CACHE=1 unboil -b trafilatura --no-metadata page.html",
            wall(
                [str(BIN / "unboil"), "-b", "trafilatura", "--no-metadata", str(tmp)],
                runs,
                env={**os.environ, "UNBOIL_NO_CACHE": "1"},
            ),
        ),
        # the default backend (three members and the vote), for scale: not a goal
        ("unboil page.html (consensus)", wall([str(BIN / "unboil"), str(tmp)], runs)),
    ]
    return rows


def _bare_calls() -> dict[str, Callable[[str, Any], Any]]:
    """The library calls each adapter stands for, on the decoded page (and the
    shared tree where the library takes one)."""
    import copy

    def trafilatura_call(html: str, tree: Any) -> Any:
        import trafilatura

        return trafilatura.extract(tree, include_comments=False)

    def readability_call(html: str, tree: Any) -> Any:
        from readability import Document

        return Document(copy.deepcopy(tree)).summary(html_partial=True)

    def resiliparse_call(html: str, tree: Any) -> Any:
        from resiliparse.extract.html2text import extract_plain_text

        # the options the adapter runs it with (image descriptions are not article text)
        return extract_plain_text(html, main_content=True, alt_texts=False)

    def justext_call(html: str, tree: Any) -> Any:
        import justext

        return justext.justext(html, justext.get_stoplist("English"))

    return {
        "trafilatura": trafilatura_call,
        "readability": readability_call,
        "resiliparse": resiliparse_call,
        "justext": justext_call,
    }


def per_page(n: int) -> list[tuple[str, float, float]]:
    from lxml import html as lxml_html

    from unboil.extractors.base import ExtractOptions
    from unboil.extractors.htmltree import parse_html
    from unboil.extractors.loading import load_bytes
    from unboil.extractors.markup import tame
    from unboil.extractors.registry import get

    files = sorted(PAGES.glob("*.html.gz"))[:n]
    raws = [gzip.decompress(f.read_bytes()) for f in files]
    pages = [load_bytes(r, str(f)) for r, f in zip(raws, files, strict=True)]
    rows: list[tuple[str, float, float]] = []

    def median_ms(fn: Callable[[int], Any]) -> float:
        times = []
        for i in range(len(pages)):
            start = time.perf_counter()
            fn(i)
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    parse = median_ms(lambda i: lxml_html.fromstring(pages[i].html.encode("utf-8")))
    # Page.tree: the markup pass (templates out, attributes capped), then the parse
    ours = median_ms(lambda i: parse_html(tame(pages[i].html)))
    rows.append(("lxml parse (the floor) / unboil's parse", parse, ours))
    without = median_ms(lambda i: parse_html(pages[i].html))
    rows.append(("lxml parse / unboil's parse without the markup pass", parse, without))
    for p in pages:  # the adapters get the page as Page.markup prepares it, once
        p.__dict__["markup"] = tame(p.html)
    trees = [parse_html(p.markup) for p in pages]
    bare = _bare_calls()
    lean = ExtractOptions(metadata=False)
    member_sum = 0.0
    for name, call in bare.items():
        backend = get(name)
        call(pages[0].html, trees[0])  # warm: stop-lists, first-call set-up
        backend.extract(pages[0], lean)
        for p, t in zip(pages, trees, strict=True):  # the adapter gets the same parse
            p.__dict__["tree"] = t
        # page by page, the bare call and the adapter in turn, each first on every other
        # page (so that drifts of the machine's speed and warm caches favour neither)
        bare_times: list[float] = []
        ours_times: list[float] = []
        for i in range(len(pages)):
            order = ("bare", "ours") if i % 2 == 0 else ("ours", "bare")
            for which in order:
                start = time.perf_counter()
                if which == "bare":
                    call(pages[i].html, trees[i])
                else:
                    backend.extract(pages[i], lean)
                ms = (time.perf_counter() - start) * 1000
                (bare_times if which == "bare" else ours_times).append(ms)
        bare_ms, ours_ms = statistics.median(bare_times), statistics.median(ours_times)
        rows.append((name, bare_ms, ours_ms))
        if name in ("trafilatura", "readability", "resiliparse"):
            member_sum += bare_ms
    cons = get("consensus")
    cons.extract(pages[0], lean)
    traf = get("trafilatura")
    # consensus and trafilatura alone, each on a page of its own (so each parses it, as
    # `unboil PAGE` and `unboil -b trafilatura PAGE` do), in turn page by page
    fresh = [load_bytes(r, str(f)) for r, f in zip(raws, files, strict=True)]
    alone = [load_bytes(r, str(f)) for r, f in zip(raws, files, strict=True)]
    cons_times: list[float] = []
    traf_times: list[float] = []
    for i in range(len(pages)):
        for which in ("cons", "traf") if i % 2 == 0 else ("traf", "cons"):
            start = time.perf_counter()
            if which == "cons":
                cons.extract(fresh[i], lean)
            else:
                traf.extract(alone[i], lean)
            ms = (time.perf_counter() - start) * 1000
            (cons_times if which == "cons" else traf_times).append(ms)
    cons_ms = statistics.median(cons_times)
    rows.append(("consensus (members' bare sum / consensus, own parse)", member_sum, cons_ms))
    rows.append(
        ("consensus (trafilatura alone, own parse / consensus, own parse)",
         statistics.median(traf_times), cons_ms)
    )  # fmt: skip
    return rows


def voting(runs: int) -> list[tuple[int, float, float]]:
    """Consensus voting (segmentation, features, leader, model, combination; the
    members' outputs given) on generated pages of ~1,250, 2,500 and 5,000 blocks: for
    each, its blocks, the median ms of the vote and of the members' own runs on it."""
    import random

    from unboil.extractors import consensus as cons
    from unboil.extractors.blocks import segment
    from unboil.extractors.page import Page

    words = [
        "the",
        "a",
        "of",
        "to",
        "and",
        "in",
        "is",
        "was",
        "for",
        "on",
        "that",
        "with",
        "as",
        "by",
        "at",
        "from",
        "his",
        "her",
        "it",
        "said",
    ]
    out = []
    for paragraphs in (1075, 2150, 4300):
        rng = random.Random(0)
        paras = "".join(
            "<p>"
            + " ".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
            + ".</p>"
            + ("<div class='share'><a href='#'>Share</a></div>" if i % 7 == 0 else "")
            for i in range(paragraphs)
        )
        page = Page.from_html(f"<html><body><article>{paras}</article></body></html>")
        members = cons.run_members(page)
        cons.consensus(page, members=members)
        vote, own = [], []
        for _ in range(runs):
            start = time.perf_counter()
            cons.run_members(page)
            own.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            cons.consensus(page, members=members)
            vote.append((time.perf_counter() - start) * 1000)
        out.append((len(segment(page.tree)), statistics.median(vote), statistics.median(own)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=181)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = ap.parse_args()
    import compileall

    for folder in ("cli", "extractors"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    page = sorted(PAGES.glob("*.html.gz"))[0]
    out: list[str] = []
    out.append("## Start-up and one page end to end (whole processes, median)\n")
    out.append("| command | seconds | ratio |")
    out.append("|---|---|---|")
    rows = startup(args.runs, page)
    base = dict(rows)
    for cmd, secs in rows:
        ref = (
            base["python -c pass"]
            if cmd == "unboil --version"
            else base['python -c "import click"']
            if cmd == "unboil --help"
            else base["trafilatura < page.html"]
            if cmd.startswith(("unboil -b", "unboil page.html", "UNBOIL_NO_CACHE"))
            else None
        )
        ratio = f"{secs / ref:.2f}x" if ref else ""
        out.append(f"| `{cmd}` | {secs:.3f} | {ratio} |")
    tv = base["trafilatura --version"]
    out.append(
        f"\n`unboil --version` / `trafilatura --version`: {base['unboil --version'] / tv:.2f}x; "
        f"`unboil --help` / `trafilatura --version`: {base['unboil --help'] / tv:.2f}x\n"
    )
    out.append(f"## Per page in one warm process ({args.pages} Scrapinghub pages, median ms)\n")
    out.append("| backend | bare library call | unboil adapter | overhead |")
    out.append("|---|---|---|---|")
    for name, bare_ms, ours_ms in per_page(args.pages):
        if name.startswith("consensus (trafilatura alone"):
            out.append(
                f"\nConsensus against trafilatura alone, each parsing the page: "
                f"{ours_ms:.2f} / {bare_ms:.2f} ms = {ours_ms / bare_ms:.2f}x (goal: at most 3x)"
            )
            continue
        out.append(f"| {name} | {bare_ms:.2f} | {ours_ms:.2f} | {ours_ms / bare_ms - 1:+.0%} |")
    out.append(
        "\n## Consensus voting on big pages\n\nThe vote alone (members' outputs given) "
        "against the members' own runs on the same page (goal: at most 15% on 5,000 "
        "blocks, and linear: the same ms per block at every size).\n"
    )
    out.append("| blocks | vote ms | members ms | vote / members | vote µs per block |")
    out.append("|---|---|---|---|---|")
    for blocks, vote_ms, members_ms in voting(max(3, args.runs // 2)):
        out.append(
            f"| {blocks} | {vote_ms:.0f} | {members_ms:.0f} | {vote_ms / members_ms:.0%} "
            f"| {1000 * vote_ms / blocks:.0f} |"
        )
    out.append("")
    header = (
        f"# Performance\n\nMeasured {date.today()} by `benchmarks/perf.py` on "
        f"{platform.machine()} ({platform.python_implementation()} "
        f"{platform.python_version()}), 2 cores. Adapters run with `--no-metadata` "
        "(what the bare calls do); the adapter gets the same parsed tree as the bare "
        "call.\n\n"
    )
    text = header + "\n".join(out) + "\n"
    print(text)
    if args.write:
        (ROOT / "benchmarks" / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
