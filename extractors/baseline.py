"""``unboil check``'s baseline: the figures recorded for each gold set (per page and
per backend, with the backends' versions and a digest of the gold set), read
(``Baseline.load``) and made from a run (``baseline_entry``); a gold set's key in it is
its path relative to the baseline file (``baseline_key``)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .bench import GoldSetResult
from .errors import UnboilError
from .fsutil import atomic_write
from .goldsets import GoldSet

BASELINE_SCHEMA = 1


class BaselineError(UnboilError):
    """A baseline file that cannot be read."""


def gold_digest(goldset: GoldSet) -> str:
    """sha256 over every page's name, HTML bytes (decompressed) and gold (text or
    with/without segments), and the gold set's convention: any edit to the gold set
    changes it."""
    h = hashlib.sha256()
    h.update(json.dumps({"kind": goldset.kind, **goldset.convention}, sort_keys=True).encode())
    for page in sorted(goldset.pages, key=lambda p: p.name):
        h.update(b"\0page\0" + page.name.encode("utf-8") + b"\0")
        try:
            h.update(page.read_bytes())
        except OSError as exc:
            h.update(f"unreadable: {exc.strerror}".encode())
        except UnboilError as exc:  # SourceError: a gzip bomb
            h.update(f"unreadable: {exc}".encode())
        gold: Any = page.text if page.text is not None else [page.with_, page.without]
        h.update(b"\0gold\0" + json.dumps(gold, ensure_ascii=False).encode("utf-8"))
    return "sha256:" + h.hexdigest()


def display_path(path: Path | str) -> str:
    """A path as the user would write it: relative to the current directory when it
    is inside it."""
    path = Path(path)
    with contextlib.suppress(ValueError):
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix() or "."
    return str(path)


def baseline_key(gold: Path, baseline: Path | None) -> str:
    """How a gold set is named in a baseline file: its path relative to the file's
    folder, so the baseline holds wherever the command runs from."""
    if baseline is None:
        return display_path(gold)
    try:
        return Path(os.path.relpath(gold.resolve(), baseline.resolve().parent)).as_posix()
    except ValueError:  # another drive (Windows)
        return str(gold.resolve())


@dataclass
class GoldRun:
    """One gold set scored."""

    label: str
    key: str
    goldset: GoldSet
    result: GoldSetResult
    digest: str


@dataclass
class Baseline:
    """Recorded figures: ``goldsets[key]`` = {name, kind, digest, pages, backends:
    {backend: {version, precision, recall, f1, pages: {page: {precision, recall,
    f1}}}}}."""

    goldsets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: no baseline yet: record one (update_baseline)") from None
        except (OSError, ValueError) as exc:
            raise BaselineError(f"{path}: not a baseline file: {exc}") from None
        if not isinstance(data, dict) or data.get("schema") != BASELINE_SCHEMA:
            raise BaselineError(
                f"{path}: not a baseline file of schema {BASELINE_SCHEMA} "
                f"(schema: {data.get('schema') if isinstance(data, dict) else None!r})"
            )
        goldsets = data.get("goldsets")
        ok = isinstance(goldsets, dict) and all(
            isinstance(g, dict)
            and isinstance(g.get("digest"), str)
            and isinstance(g.get("backends"), dict)
            and all(
                isinstance(b, dict) and isinstance(b.get("pages"), dict) and "f1" in b
                for b in g["backends"].values()
            )
            for g in goldsets.values()
        )
        if not ok or not isinstance(goldsets, dict):
            raise BaselineError(f"{path}: malformed baseline (goldsets.*.backends.*.pages)")
        return cls(goldsets)

    def to_json(self) -> str:
        data = {"schema": BASELINE_SCHEMA, "tool": f"unboil {__version__}"}
        text = json.dumps({**data, "goldsets": self.goldsets}, indent=2, sort_keys=True)
        # one line per page: small and easy to read in a diff
        return (
            re.sub(
                r'\{\n\s+("f1": [^\n]+)\n\s+("precision": [^\n]+)\n\s+("recall": [^\n]+)\n\s+\}',
                r"{\1 \2 \3}",
                text,
            )
            + "\n"
        )

    def write(self, path: Path) -> None:
        atomic_write(path, self.to_json())


def _figures(p: float, r: float, f: float) -> dict[str, float]:
    return {"f1": f, "precision": p, "recall": r}


def baseline_entry(run: GoldRun) -> dict[str, Any]:
    return {
        "name": run.goldset.name,
        "kind": run.goldset.kind,
        "digest": run.digest,
        "pages": len(run.goldset.pages),
        "backends": {
            b.backend: {
                "version": b.version,
                **_figures(b.precision, b.recall, b.f1),
                "pages": {p.name: _figures(p.precision, p.recall, p.f1) for p in b.page_results},
            }
            for b in run.result.results
        },
    }
