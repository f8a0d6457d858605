"""GitHub workflow commands from an ``unboil check --json`` report, for ``action.yml``.

    python .ci/action-annotate.py REPORT.json [STDERR.txt]

Prints one ``::error file=PATH,title=...::MESSAGE`` per failing page (the reasons of
every backend on it, joined), one per gold set whose overall figures failed, and one
per canary page that failed. Paths are relative to ``$GITHUB_WORKSPACE`` (the current
directory when it is unset), as GitHub needs them to place an annotation on a file.
Without a readable report (``unboil check`` exited 2), prints one ``::error`` with what
it wrote to STDERR.txt. Text is escaped per GitHub's rules for workflow commands, so
a page's name cannot end the command or start another one.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

TITLE = "unboil check"
#: longest message kept (GitHub shows at most 10 error annotations a step, each short;
#: the Markdown report in the job summary has everything)
LONGEST_MESSAGE = 4000


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def error(message: str, file: str | None = None, title: str = TITLE) -> str:
    props = ([f"file={escape_property(file)}"] if file else []) + [
        f"title={escape_property(title)}"
    ]
    return f"::error {','.join(props)}::{escape_data(message)}"


def workspace_path(path: str | Path) -> str:
    """``path`` relative to the repository root when it is inside it."""
    p = Path(path)
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        return (Path.cwd() / p).resolve().relative_to(base).as_posix()
    except ValueError:
        return str(p)


def page_files(goldset_path: str) -> dict[str, Path]:
    """Page name -> its file, from the gold set as unboil reads it (empty when the
    gold set cannot be read now: the annotation then points at the gold set)."""
    try:
        from unboil.extractors.goldsets import load_goldset

        return {page.name: page.path for page in load_goldset(goldset_path).pages}
    except Exception:
        return {}


def annotations(report: dict[str, Any]) -> list[str]:
    gold_paths = {g["goldset"]: g["path"] for g in report.get("goldsets", [])}
    files: dict[str, dict[str, Path]] = {}
    # (gold set, page) -> reasons, in the report's order
    grouped: dict[tuple[str, str | None], list[str]] = {}
    for f in report.get("failures", []):
        reason = f"{f['backend']}: {f['reason']}" if f.get("backend") else f["reason"]
        grouped.setdefault((f["goldset"], f.get("page")), []).append(reason)

    lines = []
    for (goldset, page), reasons in grouped.items():
        message = "; ".join(dict.fromkeys(reasons))[:LONGEST_MESSAGE]
        file: str | None
        if goldset == "agreement" and goldset not in gold_paths:  # the canary
            file = workspace_path(page) if page and Path(page).is_file() else None
            title = f"{TITLE}: {page} (agreement)"
        elif page is None:
            file = workspace_path(gold_paths.get(goldset, goldset))
            title = f"{TITLE}: {goldset} (overall)"
        else:
            if goldset not in files:
                files[goldset] = page_files(gold_paths.get(goldset, goldset))
            path = files[goldset].get(page)
            file = workspace_path(path if path is not None else gold_paths.get(goldset, goldset))
            title = f"{TITLE}: {page}"
        lines.append(error(message, file, title))
    return lines


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        report = json.loads(Path(argv[0]).read_text("utf-8"))
    except (OSError, ValueError):
        said = ""
        if len(argv) == 2:
            with contextlib.suppress(OSError):
                said = Path(argv[1]).read_text("utf-8", errors="replace").strip()
        print(error((said or "no report written")[-LONGEST_MESSAGE:], title=f"{TITLE}: error"))
        return 0
    for line in annotations(report):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
