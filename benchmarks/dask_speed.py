"""Pages/s of ``unboil batch`` on a Dask ``LocalCluster`` of 2 single-threaded workers
against the local engine with ``-j 2``, on the same pages (files, and the same pages
packed in one WARC), the same backend, fresh OUTDIRs. The cluster's start-up is timed
apart (a real cluster is started once for many runs).

    .venv/bin/python benchmarks/dask_speed.py [--pages DIR] [--backend trafilatura] [--runs 2]
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DEFAULT_PAGES = Path("/work/shared/bench/scrapinghub/html")


def make_warc(pages: list[Path], path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i, page in enumerate(pages):
            data = page.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            rec = w.create_warc_record(
                f"http://bench.example/{i}", "response", payload=io.BytesIO(data), http_headers=http
            )
            w.write_record(rec)


def main() -> None:
    from distributed import Client, LocalCluster

    from unboil.extractors.batch import BatchConfig, BatchRunner
    from unboil.extractors.batch_page import PageOptions
    from unboil.extractors.dask_engine import DaskRunner, close_pool
    from unboil.extractors.inputs import discover

    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=Path, default=DEFAULT_PAGES)
    ap.add_argument("--backend", default="trafilatura")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    pages = sorted(p for p in args.pages.iterdir() if p.name.endswith((".html", ".html.gz")))
    tmp = Path(tempfile.mkdtemp(prefix="unboil-dask-bench-"))
    warc = tmp / "pages.warc.gz"
    make_warc(pages, warc)
    import dask

    no_daemon = dask.config.set({"distributed.worker.daemon": False})
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - start
    rows = []
    try:
        for label, inputs in (("files", [str(args.pages)]), ("warc", [str(warc)])):
            for engine in ("local -j 2", "dask 2 workers"):
                rates = []
                for run in range(args.runs):
                    out = tmp / f"{label}-{engine[:5]}-{run}"
                    cfg = BatchConfig(page=PageOptions(args.backend), outdir=str(out), jobs=2)
                    t0 = time.perf_counter()
                    if engine.startswith("local"):
                        items = discover(inputs, globs=("*.html", "*.html.gz"))
                        summary = BatchRunner(cfg).run(items)
                    else:
                        items = discover(inputs, globs=("*.html", "*.html.gz"), scan_warcs=False)
                        summary = DaskRunner(cfg, client=client).run(items)
                    seconds = time.perf_counter() - t0  # discovery and WARC scan included
                    rates.append(summary.processed / seconds)
                    shutil.rmtree(out)
                rows.append((label, engine, summary.processed, statistics.median(rates)))
        client.run(close_pool)
    finally:
        client.close()
        cluster.close()
        no_daemon.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"LocalCluster start-up: {startup:.1f} s (not counted below)")
    print(f"{'input':6} {'engine':16} {'pages':>5} {'pages/s':>8} {'per core':>8}")
    for label, engine, n, rate in rows:
        print(f"{label:6} {engine:16} {n:5d} {rate:8.1f} {rate / 2:8.1f}")


if __name__ == "__main__":
    main()
