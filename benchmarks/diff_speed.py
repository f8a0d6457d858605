"""How long ``diffing.diff_blocks`` takes on big inputs.

    .venv/bin/python benchmarks/diff_speed.py [--runs 7] [--html-dir DIR]

1. The biggest Scrapinghub page (by decompressed size) under
   ``/work/shared/bench/scrapinghub/html``: alltext against trafilatura (the two
   extractions are computed once; only the diff is timed), and the same page against
   itself.
2. Synthetic pages of 5,000 blocks: a copy with 5% of the blocks edited, 2% deleted,
   2% inserted, 1% moved far away, a few split and merged; and two unrelated pages
   of 5,000 blocks each (the worst case for pairing: one changed run of 5,000 x
   5,000 blocks).

Prints the median of ``--runs`` runs (and the fastest) for each case. The target:
under a second of diff time for the biggest page.
"""

from __future__ import annotations

import argparse
import gzip
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from unboil.extractors.diffing import BlockDiff, diff_blocks
from unboil.extractors.unified import unified

HTML_DIR = Path("/work/shared/bench/scrapinghub/html")


def timed(fn: Callable[[], BlockDiff], runs: int) -> tuple[float, float, BlockDiff]:
    times: list[float] = []
    result = fn()  # warm up (and the result to report)
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def biggest_page(html_dir: Path) -> Path:
    pages = sorted(html_dir.glob("*.html.gz"))
    if not pages:
        sys.exit(f"no *.html.gz under {html_dir}")
    return max(pages, key=lambda p: len(gzip.decompress(p.read_bytes())))


def synthetic(n: int, seed: int = 1) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{k}" for k in range(20_000)] + ["the", "a", "of", "and", "to", "in"] * 500

    def block() -> str:
        return " ".join(rng.choice(vocab) for _ in range(rng.randint(3, 60)))

    a = [block() for _ in range(n)]
    b: list[str] = []
    moved: list[str] = []
    for text in a:
        r = rng.random()
        if r < 0.05:  # edited: a few words replaced
            words = text.split()
            for _ in range(max(1, len(words) // 10)):
                words[rng.randrange(len(words))] = rng.choice(vocab)
            b.append(" ".join(words))
        elif r < 0.07:  # deleted
            continue
        elif r < 0.09:  # inserted after
            b.extend([text, block()])
        elif r < 0.10:  # moved to the end
            moved.append(text)
        elif r < 0.105 and len(text.split()) > 6:  # split in two
            words = text.split()
            cut = len(words) // 2
            b.extend([" ".join(words[:cut]), " ".join(words[cut:])])
        elif r < 0.11 and b:  # merged with the previous one
            b[-1] = b[-1] + " " + text
        else:
            b.append(text)
    return a, b + moved


def report(name: str, a: Sequence[str], b: Sequence[str], runs: int) -> float:
    median, best, result = timed(lambda: diff_blocks(a, b), runs)
    start = time.perf_counter()
    unified(result)
    render = time.perf_counter() - start
    print(
        f"{name:<44} {len(a):>5} x {len(b):>5} blocks  "
        f"diff median {median * 1000:8.1f} ms (best {best * 1000:7.1f})  "
        f"unified {render * 1000:6.1f} ms  | {result.stat.summary()}"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--html-dir", type=Path, default=HTML_DIR)
    args = parser.parse_args()

    from unboil.extractors.registry import get
    from unboil.extractors.sources import load

    path = biggest_page(args.html_dir)
    page = load(str(path))
    full = [b.text for b in get("alltext").extract(page).blocks]
    clean = [b.text for b in get("trafilatura").extract(page).blocks]
    size = len(gzip.decompress(path.read_bytes()))
    print(f"biggest Scrapinghub page: {path.name} ({size:,} bytes decompressed)")
    page_time = report("page: alltext -> trafilatura", full, clean, args.runs)
    report("page: alltext -> alltext", full, full, args.runs)

    a, b = synthetic(5000)
    report("synthetic: 5,000 blocks, edited copy", a, b, args.runs)
    other, _ = synthetic(5000, seed=2)
    report("synthetic: 5,000 blocks vs unrelated 5,000", a, other, max(1, args.runs // 2))

    verdict = "OK" if page_time < 1.0 else "TOO SLOW"
    print(f"biggest page diff: {page_time * 1000:.1f} ms median, target < 1000 ms: {verdict}")


if __name__ == "__main__":
    main()
