"""The Dask engine of ``unboil batch``: the same outputs and manifest as the local
engine, per-page timeouts, resume, and a worker killed mid-run (Dask reschedules its
partition; every page is still recorded exactly once).

One ``LocalCluster`` (2 worker processes, 1 thread each) is shared by the module; its
workers find the test backend ``test-slow`` as an installed plugin (PYTHONPATH).
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from plugins import install as install_plugin

pytest.importorskip("distributed")
pytest.importorskip("warcio")

from unboil.cli.main import cli
from unboil.extractors import registry
from unboil.extractors.batch import BatchConfig, BatchRunner
from unboil.extractors.batch_page import PageOptions
from unboil.extractors.dask_engine import DaskRunner, partitions
from unboil.extractors.inputs import discover
from unboil.extractors.manifest import MANIFEST_NAME, read_manifest

PLUGIN = """
import os, time
from unboil.extractors.base import Backend, Block, Extraction

class SlowBackend(Backend):
    name = "test-slow"
    modules = ()

    def run(self, page, options):
        if "SLEEP" in page.html:
            time.sleep(3600)
        time.sleep(float(os.environ.get("UNBOIL_TEST_DELAY", "0.02")))
        texts = [t.strip() for t in page.tree.itertext() if t.strip()]
        return Extraction(backend=self.name, blocks=[Block(t) for t in texts])
"""

TIMING = ("seconds", "finished")


def page_html(n: int, extra: str = "") -> str:
    body = "".join(
        f"<p>Paragraph {i} of page {n} says something long enough to be kept as text, "
        f"with words and more words about topic {n}.</p>"
        for i in range(4)
    )
    head = f"<html><head><title>Page {n}</title></head>"
    return f"{head}<body><article>{extra}{body}</article></body></html>"


def make_warc(path: Path, n: int) -> None:
    """``n`` HTML responses (every third gzip-encoded), a PNG, a truncated record."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)

        def response(uri: str, body: bytes, headers: list[tuple[str, str]], **warc: str) -> None:
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            rec = w.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=warc
            )
            w.write_record(rec)

        for i in range(n):
            body = page_html(100 + i).encode()
            headers = [("Content-Type", "text/html; charset=utf-8")]
            if i % 3 == 0:
                body, headers = gzip.compress(body), [*headers, ("Content-Encoding", "gzip")]
            response(f"http://ex.com/{i}", body, headers)
        response(
            "http://ex.com/x.png", b"\x89PNG\r\n\x1a\n" + bytes(64), [("Content-Type", "image/png")]
        )
        response(
            "http://ex.com/t",
            b"<html>cut",
            [("Content-Type", "text/html")],
            **{"WARC-Truncated": "length"},
        )


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    plugins = install_plugin(tmp_path_factory.mktemp("plugins"), PLUGIN)
    # the local engine (forked workers) gets the class registered in-process
    spec = importlib.util.spec_from_file_location(
        "unboil_test_slow", plugins / "unboil_test_slow.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    registry.register(module.SlowBackend)
    yield plugins
    registry.unregister("test-slow")


@pytest.fixture(scope="module")
def client(plugin_dir: Path) -> Iterator[Any]:
    import dask
    from distributed import Client, LocalCluster

    # spawned worker processes (restarted ones too) start with the plugin on sys.path
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugin_dir), saved]))
    sys.path.insert(0, str(plugin_dir))  # spawn copies the parent's sys.path
    env = {"UNBOIL_TEST_DELAY": "0.02"}
    # kept for the module: a nanny reads it again when it restarts a killed worker
    no_daemon = dask.config.set({"distributed.worker.daemon": False})
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, env=env
    )
    c = Client(cluster)
    yield c
    from unboil.extractors.dask_engine import close_pool

    c.run(close_pool)
    c.close()
    cluster.close()
    no_daemon.__exit__(None, None, None)
    sys.path.remove(str(plugin_dir))
    if saved is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved


def make_inputs(root: Path, pages: int = 12, warc_pages: int = 10) -> list[str]:
    for i in range(pages):
        p = root / "in" / f"d{i % 2}" / f"page{i:02d}.html"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(page_html(i))
    make_warc(root / "crawl.warc.gz", warc_pages)
    return [str(root / "in"), str(root / "crawl.warc.gz")]


def config(out: Path, **kw: Any) -> BatchConfig:
    return BatchConfig(page=PageOptions("test-slow"), outdir=str(out), jobs=2, **kw)


def run_dask(paths: list[str], cfg: BatchConfig, client: Any, **kw: Any) -> tuple[DaskRunner, Any]:
    items = discover(paths, scan_warcs=False)
    runner = DaskRunner(cfg, client=client, **kw)
    return runner, runner.run(items)


def comparable(out: Path) -> dict[str, dict[str, Any]]:
    recs = read_manifest(out / MANIFEST_NAME)
    assert len({r["source"] for r in recs}) == len(recs), "one record per input"
    return {r["source"]: {k: v for k, v in r.items() if k not in TIMING} for r in recs}


def tree(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def test_partitions_keep_containers_together(tmp_path: Path) -> None:
    items = discover(make_inputs(tmp_path, 6, 5))
    parts = partitions(items, 2)
    for part in parts:
        assert len(part) <= 2
        assert len({i.container or Path(i.source).parent for i in part}) == 1
    assert [i for p in parts for i in p] != [] and sum(map(len, parts)) == len(items)


def test_local_and_dask_give_identical_outputs_and_manifests(tmp_path: Path, client: Any) -> None:
    paths = make_inputs(tmp_path)
    local, dask_out = tmp_path / "local", tmp_path / "dask"
    summary = BatchRunner(config(local)).run(discover(paths))
    assert summary.counts["ok"] == 22 and summary.counts["skipped"] == 2
    _runner, dsummary = run_dask(paths, config(dask_out), client, partition_size=4)
    assert dsummary.counts == summary.counts, dsummary.failures[:2]
    assert comparable(dask_out) == comparable(local)
    assert tree(dask_out) == tree(local)
    assert any(k.startswith("crawl/") for k in tree(local))


def test_timeout_failures_and_resume(tmp_path: Path, client: Any) -> None:
    paths = make_inputs(tmp_path, 6, 3)
    (tmp_path / "in" / "stuck.html").write_text(page_html(99, "<p>SLEEP</p>"))
    (tmp_path / "in" / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    out, local = tmp_path / "out", tmp_path / "local"
    cfg = config(out, timeout=1.5)
    start = time.perf_counter()
    _runner, summary = run_dask(paths, cfg, client, partition_size=3)
    assert time.perf_counter() - start < 20
    recs = {Path(r["source"]).name: r for r in read_manifest(out / MANIFEST_NAME)}
    assert recs["stuck.html"]["status"] == "timeout"
    assert recs["stuck.html"]["error"] == "timed out after 1.5s (worker stopped)"
    assert recs["image.html"]["status"] == "failed"
    assert summary.counts["ok"] == 9
    BatchRunner(config(local, timeout=1.5)).run(discover(paths))
    assert comparable(out) == comparable(local)

    # resume: only the timed-out and failed pages are done again
    (tmp_path / "in" / "stuck.html").write_text(page_html(99))
    before = len(read_manifest(out / MANIFEST_NAME))
    _runner, summary = run_dask(paths, config(out, resume=True), client)
    assert summary.already_done == 9 + 2  # the ok pages and the settled WARC skips
    recs2 = read_manifest(out / MANIFEST_NAME)[before:]
    assert sorted(Path(r["source"]).name for r in recs2) == ["image.html", "stuck.html"]
    assert [r["status"] for r in recs2 if r["source"].endswith("stuck.html")] == ["ok"]


def test_cli_with_a_scheduler_address_and_warc_output(tmp_path: Path, client: Any) -> None:
    paths = make_inputs(tmp_path, 4, 4)
    out = tmp_path / "out"
    address = client.scheduler.address
    result = CliRunner().invoke(
        cli,
        [
            "batch",
            *paths,
            "-o",
            str(out),
            "-b",
            "test-slow",
            "--scheduler",
            address,
            "-q",
            "--warc-output",
            str(tmp_path / "clean.warc.gz"),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    recs = read_manifest(out / MANIFEST_NAME)
    assert Counter(r["status"] for r in recs) == {"ok": 8, "skipped": 2}
    assert (tmp_path / "clean.warc.gz").stat().st_size > 0
    assert client.status == "running"  # an outside cluster is left alone


def test_worker_killed_mid_run_every_page_exactly_once(tmp_path: Path, client: Any) -> None:
    paths = make_inputs(tmp_path, 40, 20)
    out, local = tmp_path / "out", tmp_path / "local"
    BatchRunner(config(local)).run(discover(paths))
    client.run(os.environ.__setitem__, "UNBOIL_TEST_DELAY", "0.1")  # (new processes only)
    from unboil.extractors.dask_engine import close_pool

    client.run(close_pool)  # so the page processes see the slower delay
    pids = client.run(os.getpid)
    result: dict[str, Any] = {}

    def go() -> None:
        result["runner"], result["summary"] = run_dask(paths, config(out), client, partition_size=5)

    thread = threading.Thread(target=go)
    thread.start()
    manifest = out / MANIFEST_NAME
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_bytes().count(b"\n") >= 8:
            break
        time.sleep(0.02)
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    thread.join(90)
    assert not thread.is_alive()
    client.run(os.environ.__setitem__, "UNBOIL_TEST_DELAY", "0.02")
    summary = result["summary"]
    assert result["runner"].lost_workers == 1
    records = read_manifest(manifest)
    counts = Counter(r["source"] for r in records)
    assert len(counts) == 62 and set(counts.values()) == {1}, "every input exactly once"
    assert Counter(r["status"] for r in records) == {"ok": 60, "skipped": 2}
    assert summary.counts["ok"] == 60
    assert comparable(out) == comparable(local)
    assert tree(out) == tree(local)  # no temp files left behind either


def test_brotli_bomb_record_scanned_on_the_workers_bounded(tmp_path: Path, client: Any) -> None:
    """A WARC record whose brotli payload inflates to 1 GiB: the workers scan it (2 KB
    decoded) and load it (refused at --max-bytes) without their memory growing
    (brotli.decompress of the whole payload took a scanning worker past 2 GB)."""
    import resource

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    brotli = pytest.importorskip("brotli")
    c = brotli.Compressor(quality=5, lgwin=24)
    zeros = b"\0" * (16 << 20)
    bomb = b"".join(c.process(zeros) for _ in range(64)) + c.finish()  # 1 GiB of zeros
    path = tmp_path / "bomb.warc.gz"
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for uri, body, encoding in (("http://ex.com/bomb", bomb, [("Content-Encoding", "br")]),
                                    ("http://ex.com/page", page_html(1).encode(), [])):  # fmt: skip
            http = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html"), *encoding], protocol="HTTP/1.1"
            )
            w.write_record(
                w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
            )

    def peak_mb() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    before = client.run(peak_mb)
    out = tmp_path / "out"
    _runner, summary = run_dask([str(path)], config(out), client)
    after = client.run(peak_mb)
    # a worker started since (none, unless one was replaced) is held to 600 MB in all
    assert all(after[w] < before.get(w, 300) + 300 for w in after), (before, after)
    recs = read_manifest(out / MANIFEST_NAME)
    assert sorted((r["status"], r["error"]) for r in recs) == [
        ("failed", "decompresses to more than 20 MB (max_bytes)"),
        ("ok", None),
    ]
    assert summary.counts["ok"] == 1
