"""A small gold set made from the project's samples, for the tests of ``unboil check``
and of the CI action and hook built on it."""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
#: trafilatura on these two: P .7507/.9469, R 1/.9938, F1 .8576/.9698 -- every
#: figure is below 0.999 and above 0.5.
PAIR = ("seed-independent", "news-hollinbridge-footbridge")


def make_gold(folder: Path, names: tuple[str, ...] = PAIR) -> Path:
    """``folder`` holding the named samples, their gold and the samples' convention."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(SAMPLES / f"{name}.html", folder)
        shutil.copy(SAMPLES / f"{name}.txt", folder)
    shutil.copy(SAMPLES / "unboil-gold.toml", folder)
    return folder
