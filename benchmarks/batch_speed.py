"""How fast ``unboil batch`` is, and whether its memory stays flat.

Runs side by side, each in a fresh subprocess timed by wall clock:

1. a plain Python loop: read each page, gunzip, ``trafilatura.extract(html)``;
2. the same loop through unboil's trafilatura backend (``load_file`` + ``extract``:
   the adapter's own cost, without the batch machinery);
3. ``unboil batch -b trafilatura -j 1`` on the same pages;
4. ``unboil batch -b trafilatura -j 2``, and two plain loops at once (the most two
   processes can gain on this machine); ``-b consensus -j 2`` (the default backend), for
   scale;
5. trafilatura's own CLI on the same folder with two processes (``trafilatura
   --input-dir DIR --output-dir OUT --parallel 2 --no-comments``: text files, comments
   left out, no metadata, as the adapter runs it);

then the peak memory (the largest sum of the RSS of ``unboil batch`` and its workers,
sampled every 50 ms with psutil) for 1x and 10x the pages (the set repeated as
symlinks), and ``-j 1`` against ``-j 2`` on the 10x set (where start-up weighs less).
Prints a table.

    .venv/bin/python benchmarks/batch_speed.py [--pages DIR] [--repeat 10] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PAGES = Path("/work/shared/bench/scrapinghub/html")
UNBOIL = Path(sys.executable).with_name("unboil")
TRAFILATURA = Path(sys.executable).with_name("trafilatura")

PLAIN_LOOP = """
import gzip, sys
from pathlib import Path
import trafilatura
for p in sorted(Path(sys.argv[1]).glob("*.html.gz")):
    data = gzip.decompress(p.read_bytes())
    trafilatura.extract(data.decode("utf-8", "replace"))
"""

BACKEND_LOOP = """
import sys
from pathlib import Path
from unboil.extractors.loading import load_file
from unboil.extractors.base import ExtractOptions
from unboil.extractors.registry import get
backend = get("trafilatura")
options = ExtractOptions(metadata=False)
for p in sorted(Path(sys.argv[1]).glob("*.html.gz")):
    backend.extract(load_file(p), options)
"""


def run_timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB, process tree, sampled) of a command."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            procs = [parent, *parent.children(recursive=True)]
            total = 0
            for p in procs:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    proc.wait()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return seconds, peak / 1e6


def batch_cmd(pages: Path, out: Path, jobs: int, backend: str = "trafilatura") -> list[str]:
    # --no-metadata: what the plain loop's extract() does (no date/author detection)
    return [
        str(UNBOIL),
        "batch",
        str(pages),
        "-o",
        str(out),
        "-b",
        backend,
        "--no-metadata",
        "-j",
        str(jobs),
    ]


def best_interleaved(
    cmds: dict[str, list[str]], runs: int, out: Path
) -> dict[str, tuple[float, float]]:
    """The fastest of ``runs`` runs of each command (and its peak memory), the commands
    taking turns in each round: a drift of the machine's speed (other tenants) then
    weighs on all of them alike instead of on whichever ran last."""
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            shutil.rmtree(out, ignore_errors=True)
            results[name].append(run_timed(cmd))
    return {name: min(r) for name, r in results.items()}


def parallel_ceiling(cmd: list[str], alone: float) -> float:
    """How much faster two plain loops at once get through the work than one: the
    most ``-j 2`` can gain on this machine (2.0 on two free cores)."""
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL) for _ in range(2)]
    for p in procs:
        p.wait()
    return 2 * alone / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="best of N for the timings")
    args = parser.parse_args()
    pages = sorted(args.pages.glob("*.html.gz"))
    n = len(pages)
    print(f"{n} pages from {args.pages}, {os.cpu_count()} cores, best of {args.runs}")

    with tempfile.TemporaryDirectory(prefix="unboil-bench-") as tmp:
        base = Path(tmp)
        out = base / "out"
        plain_cmd = [sys.executable, "-c", PLAIN_LOOP, str(args.pages)]
        timed = best_interleaved(
            {
                "plain": plain_cmd,
                "adapter": [sys.executable, "-c", BACKEND_LOOP, str(args.pages)],
                "j1": batch_cmd(args.pages, out, 1),
                "j2": batch_cmd(args.pages, out, 2),
                # the default backend, for scale (not a goal of the issue)
                "cons2": batch_cmd(args.pages, out, 2, "consensus"),
                "traf2": [
                    str(TRAFILATURA),
                    "--input-dir",
                    str(args.pages),
                    "--output-dir",
                    str(out),
                    "--parallel",
                    "2",
                    "--no-comments",
                ],
            },
            args.runs,
            out,
        )
        plain, _ = timed["plain"]
        adapter, _ = timed["adapter"]
        j1, mem1 = timed["j1"]
        j2, mem2 = timed["j2"]
        cons2, _ = timed["cons2"]
        traf2, mem_traf2 = timed["traf2"]
        ceiling = parallel_ceiling(plain_cmd, plain)

        many = base / "many"
        for i in range(args.repeat):
            copy = many / f"copy{i:02d}"
            copy.mkdir(parents=True)
            for p in pages:
                (copy / p.name).symlink_to(p)
        shutil.rmtree(out, ignore_errors=True)
        j2_many, mem2_many = run_timed(batch_cmd(many, out, 2))
        shutil.rmtree(out, ignore_errors=True)
        j1_many, _ = run_timed(batch_cmd(many, out, 1))

    rows = [
        ("plain loop (trafilatura.extract)", n, plain, "-"),
        ("plain loop (unboil's trafilatura)", n, adapter, "-"),
        ("unboil batch -j 1", n, j1, f"{mem1:.0f}"),
        ("unboil batch -j 2", n, j2, f"{mem2:.0f}"),
        ("unboil batch -b consensus -j 2", n, cons2, "-"),
        ("trafilatura CLI --parallel 2", n, traf2, f"{mem_traf2:.0f}"),
        (f"unboil batch -j 1, {args.repeat}x pages", n * args.repeat, j1_many, "-"),
        (f"unboil batch -j 2, {args.repeat}x pages", n * args.repeat, j2_many, f"{mem2_many:.0f}"),
    ]
    print(f"\n{'run':<36} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS MB':>12}")
    for name, count, secs, mem in rows:
        print(f"{name:<36} {count:>6} {secs:>8.2f} {count / secs:>8.1f} {mem:>12}")
    print()
    print(f"speed-up -j 2 / -j 1:          {j1 / j2:.2f}x   (goal >= 1.8x)")
    print(f"speed-up -j 2 / -j 1, {args.repeat}x pages: {j1_many / j2_many:.2f}x")
    print(f"machine ceiling (2 plain loops at once): {ceiling:.2f}x")
    print(f"-j 1 / plain loop (time):      {j1 / plain:.2f}    (goal <= 1.10)")
    print(f"-j 2 / trafilatura CLI --parallel 2 (pages/s): {traf2 / j2:.2f}x   (goal >= 1.0)")
    print(f"-j 1 / loop over the backend:  {j1 / adapter:.2f}    (the batch machinery alone)")
    print(f"peak memory {args.repeat}x / 1x pages:     {mem2_many / mem2:.2f}    (goal <= 1.2)")


if __name__ == "__main__":
    main()
