"""How much the backends lean on a page's naming: scores on the bench pages as they
are and perturbed the way pages of other sites and eras differ.

- ``hashed``: every class and id value replaced by a hash of it (as CSS-in-JS sites
  name things: ``css-1x2y3z``), so that no name says "comment", "share" or "article";
- ``html4``: HTML5's sectioning and landmark elements (``article``, ``main``,
  ``section``, ``header``, ``footer``, ``nav``, ``aside``, ``figure``,
  ``figcaption``) turned into ``div`` and ``itemprop``/``role`` attributes dropped, as
  on pages written before them;
- ``both``.

Scrapinghub pages are those the consensus model was trained on (its figures there are
in-sample: read the drop, not the level); the Mozilla pages are outside its training.

    .venv/bin/python benchmarks/perturbed.py [-b trafilatura,readability,consensus]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from unboil.extractors.base import ExtractOptions
from unboil.extractors.goldsets import load_goldset
from unboil.extractors.loading import load_bytes
from unboil.extractors.registry import get
from unboil.extractors.scoring import evaluate

BENCH = Path(os.environ.get("UNBOIL_BENCH", Path(__file__).resolve().parents[2] / "shared/bench"))

# start tags (attributes are changed inside them only: never in text or scripts)
_START_TAG = re.compile(rb"<[A-Za-z][^>]*>")
_NAME_ATTR = re.compile(rb"""(?<=\s)(class|id)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)
_HTML5 = rb"article|main|section|header|footer|nav|aside|figure|figcaption"
_HTML5_TAG = re.compile(rb"<(/?)(?:" + _HTML5 + rb")(?=[\s>/])", re.I)
_VALUE = rb"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?"""
_LANDMARK_ATTR = re.compile(rb"\s(?:itemprop|itemscope|itemtype|role)" + _VALUE, re.I)


def _hash_name(m: re.Match[bytes]) -> bytes:
    value = m.group(2).strip(b"\"'")
    names = [b"c" + hashlib.md5(v).hexdigest()[:6].encode() for v in value.split()]
    return m.group(1) + b'="' + b" ".join(names) + b'"'


def hashed(html: bytes) -> bytes:
    return _START_TAG.sub(lambda m: _NAME_ATTR.sub(_hash_name, m.group(0)), html)


def html4(html: bytes) -> bytes:
    html = _HTML5_TAG.sub(rb"<\1div", html)
    return _START_TAG.sub(lambda m: _LANDMARK_ATTR.sub(b"", m.group(0)), html)


PERTURBATIONS: dict[str, Callable[[bytes], bytes]] = {
    "as is": lambda html: html,
    "hashed": hashed,
    "html4": html4,
    "both": lambda html: html4(hashed(html)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-b", "--backends", default="trafilatura,readability,consensus")
    args = ap.parse_args()
    names = args.backends.split(",")
    options = ExtractOptions(metadata=False)
    print("| collection | backend | " + " | ".join(PERTURBATIONS) + " |")
    print("|---|---|" + "---|" * len(PERTURBATIONS))
    for collection, folder in (("Scrapinghub", "scrapinghub"), ("Mozilla", "mozilla")):
        pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for page in load_goldset(BENCH / folder).pages:
            html, gold = page.read_bytes(), page.text or ""
            for label, perturb in PERTURBATIONS.items():
                data = perturb(html)
                for name in names:
                    text = get(name).extract(load_bytes(data, page.name), options).text
                    pairs.setdefault((name, label), []).append((text, gold))
        for name in names:
            cells = [f"{evaluate(pairs[name, label]).f1:.3f}" for label in PERTURBATIONS]
            print(f"| {collection} | {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
