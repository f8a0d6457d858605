"""A backend installed as a plugin (a module and its dist-info on PYTHONPATH), for the
tests that run unboil in a subprocess and need a page to take a while."""

from __future__ import annotations

import os
from pathlib import Path

#: a backend that takes 40 ms a page: slow enough that a run can be killed in the middle
SLOW_PLUGIN = """
import time
from unboil.extractors.base import Backend, Block, Extraction

class SlowBackend(Backend):
    name = "test-slow"
    modules = ()

    def run(self, page, options):
        time.sleep(0.04)
        texts = [t.strip() for t in page.tree.itertext() if t.strip()]
        return Extraction(backend=self.name, blocks=[Block(t) for t in texts])
"""


def install(folder: Path, source: str = SLOW_PLUGIN) -> Path:
    """Write the plugin module ``unboil_test_slow`` (its ``SlowBackend`` registered as
    ``test-slow``) into ``folder``; the folder, for PYTHONPATH."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "unboil_test_slow.py").write_text(source)
    dist = folder / "unboil_test_slow-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: unboil-test-slow\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[unboil.backends]\ntest-slow = unboil_test_slow:SlowBackend\n"
    )
    return folder


def environment(folder: Path) -> dict[str, str]:
    """The environment of a subprocess that finds the plugin in ``folder``."""
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "NO_COLOR": "1"}
