"""Did a change alter what the backends extract? A digest of every backend's output
(text, title, status) on every bench page, written before a change and compared after.

    .venv/bin/python benchmarks/same_output.py snapshot before.json
    # ... the change ...
    .venv/bin/python benchmarks/same_output.py snapshot after.json
    .venv/bin/python benchmarks/same_output.py compare before.json after.json

``snapshot`` reads the Scrapinghub and Mozilla collections by default (``--goldset``
for others, ``-b`` for a backend list); ``compare`` lists the pages whose output
differs and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from unboil.extractors.goldsets import load_goldset
from unboil.extractors.loading import load_bytes
from unboil.extractors.registry import get

BENCH = Path(os.environ.get("UNBOIL_BENCH", Path(__file__).resolve().parents[2] / "shared/bench"))
BACKENDS = (
    "trafilatura,readability,justext,resiliparse,boilerpy3,goose3,newspaper,alltext,consensus"
)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def snapshot(goldsets: list[str], backends: list[str]) -> dict[str, dict[str, str]]:
    """{page: {backend: digest of (status, title, text)}}."""
    out: dict[str, dict[str, str]] = {}
    runners = {name: get(name) for name in backends}
    for gold in goldsets:
        goldset = load_goldset(gold)
        for gp in goldset.pages:
            key = f"{goldset.name}/{gp.name}"
            row: dict[str, str] = {}
            for name, backend in runners.items():
                page = load_bytes(gp.read_bytes(), key)
                result = backend.extract(page)
                status = result.error or result.reason or "ok"
                row[name] = _digest(f"{status}\x00{result.title or ''}\x00{result.text}")
            out[key] = row
            print(f"\r{len(out)} pages", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return out


def compare(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> int:
    changed = 0
    for page in sorted(before.keys() | after.keys()):
        a, b = before.get(page, {}), after.get(page, {})
        names = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
        if names:
            changed += 1
            print(f"{page}: {', '.join(names)}")
    total = len(before.keys() | after.keys())
    print(f"{changed} of {total} pages differ")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out")
    snap.add_argument("-b", "--backends", default=BACKENDS)
    snap.add_argument(
        "--goldset",
        action="append",
        help="a gold set folder (default: the Scrapinghub and Mozilla collections)",
    )
    comp = sub.add_parser("compare")
    comp.add_argument("before")
    comp.add_argument("after")
    args = parser.parse_args()
    if args.command == "snapshot":
        goldsets = args.goldset or [str(BENCH / "scrapinghub"), str(BENCH / "mozilla")]
        result = snapshot(goldsets, args.backends.split(","))
        Path(args.out).write_text(json.dumps(result, indent=0, sort_keys=True))
        return 0
    before, after = (json.loads(Path(p).read_text()) for p in (args.before, args.after))
    return compare(before, after)


if __name__ == "__main__":
    sys.exit(main())
