"""Text mode on text dumps made by other tools, side by side in one run.

    .venv/bin/python benchmarks/text_dumps.py [--write]

The text model is trained on one kind of dump, the ``alltext`` backend's (blocks
joined by blank lines). Users bring others. Each page is turned into:

- ``alltext``: the dump the model was trained on (the reference);
- ``inscriptis``: inscriptis' text layout (lines as a browser would show them);
- ``BeautifulSoup``: ``get_text("\\n")`` after dropping script, style and noscript
  (one line per text node: sentences broken at every link);
- ``BeautifulSoup, one line``: ``get_text(" ", strip=True)``, no line breaks at all;
- ``html2text``: Markdown, unwrapped (``body_width = 0``);
- ``html2text, wrapped``: Markdown wrapped at 78 columns (html2text's default).

For each: everything kept, text mode as it was before it read Markdown (as plain text),
joined the lines a dump cut inside a sentence and sent text without line structure to a
model of its own (``as_before``), and text mode as it is. Pages: the
Scrapinghub pages held out from the text model's training (scored only here and by
``train_text.py``; nothing in the Markdown reading was chosen on them) and the
Mozilla pages (another collection and convention). Metric: the Scrapinghub shingle
F1 against the gold (``unboil.extractors.scoring.evaluate``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from unboil.extractors import registry, textmode
from unboil.extractors.goldsets import expected_text
from unboil.extractors.loading import load_bytes
from unboil.extractors.scoring import Score, evaluate

BENCH = Path(os.environ.get("UNBOIL_BENCH", "/work/shared/bench"))
HERE = Path(__file__).resolve().parent
REPORT = HERE / "TEXT-DUMPS.md"


def pages() -> dict[str, list[tuple[str, bytes, str]]]:
    """(name, HTML bytes, gold) of the held-out Scrapinghub pages and the Mozilla pages."""
    base = BENCH / "scrapinghub"
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    held = textmode.model().meta["held_out_pages"]
    shub = [
        (
            key,
            gzip.decompress((base / "html" / f"{key}.html.gz").read_bytes()),
            truth[key]["articleBody"],
        )
        for key in held
    ]
    moz = []
    for d in sorted((BENCH / "mozilla" / "pages").iterdir()):
        source, expected = d / "source.html", d / "expected.html"
        if source.exists() and expected.exists():
            gold = expected_text(expected.read_text(encoding="utf-8", errors="replace"))
            moz.append((d.name, source.read_bytes(), gold))
    return {f"Scrapinghub held-out ({len(shub)})": shub, f"Mozilla ({len(moz)})": moz}


def dumpers() -> dict[str, Callable[[str, bytes], str]]:
    import html2text
    import inscriptis
    from bs4 import BeautifulSoup

    alltext = registry.get("alltext")

    def html(raw: bytes) -> str:
        return raw.decode("utf-8", errors="replace")

    def markdown(width: int) -> Callable[[str, bytes], str]:
        def dump(name: str, raw: bytes) -> str:
            h = html2text.HTML2Text()
            h.body_width = width
            return str(h.handle(html(raw)))

        return dump

    def soup(separator: str, strip: bool = False) -> Callable[[str, bytes], str]:
        def dump(name: str, raw: bytes) -> str:
            tree = BeautifulSoup(html(raw), "lxml")
            for tag in tree(["script", "style", "noscript"]):
                tag.decompose()
            return str(tree.get_text(separator, strip=strip))

        return dump

    return {
        "alltext": lambda name, raw: alltext.extract(load_bytes(raw, name)).text,
        "inscriptis": lambda name, raw: str(inscriptis.get_text(html(raw))),
        "BeautifulSoup": soup("\n"),
        "BeautifulSoup, one line": soup(" ", strip=True),
        "html2text": markdown(0),
        "html2text, wrapped": markdown(78),
    }


@contextmanager
def as_before() -> Iterator[None]:
    """Text mode as it was before it read Markdown, joined lines cut inside a sentence
    and sent text without line structure, cut into sentences, to a model of its own."""
    import re

    saved = (
        textmode.MD_LINKS,
        textmode.MD_HEADINGS,
        textmode.FLAT_CHARS,
        textmode._INLINE_BREAK,
        textmode._INLINE_PUNCT,
    )
    never = re.compile(r"(?!)")
    textmode.MD_LINKS = textmode.MD_HEADINGS = textmode.FLAT_CHARS = sys.maxsize
    textmode._INLINE_BREAK = textmode._INLINE_PUNCT = never
    try:
        assert not textmode.is_markdown("# a\n\n# b\n\n[c](d) [e](f) [g](h)")
        assert textmode.split_units("a \nb\n c") == ["a", "b", "c"]
        assert textmode.split_text("A b. " * 1000)[1] == "plain"
        yield
    finally:
        (
            textmode.MD_LINKS,
            textmode.MD_HEADINGS,
            textmode.FLAT_CHARS,
            textmode._INLINE_BREAK,
            textmode._INLINE_PUNCT,
        ) = saved


def kept(text: str) -> str:
    units, _probs, keep = textmode.classify(text)
    return "\n\n".join(u for u, k in zip(units, keep, strict=True) if k)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help=f"write {REPORT.name}")
    args = ap.parse_args(argv)
    rows = []
    for collection, docs in pages().items():
        for fmt, dump in dumpers().items():
            texts = [(dump(name, raw), gold) for name, raw, gold in docs]
            marked = sum(textmode.is_markdown(t) for t, _ in texts)
            everything = evaluate(texts)
            with as_before():
                before = evaluate((kept(t), g) for t, g in texts)
            now = evaluate((kept(t), g) for t, g in texts)
            rows.append((collection, fmt, marked, len(texts), everything, before, now))
            print(f"{collection} {fmt}: {now.f1:.3f}", file=sys.stderr)

    def f(s: Score) -> str:
        return f"{s.f1:.3f}"

    from importlib.metadata import version

    lines = [
        "# Text mode on other tools' dumps\n",
        f"Measured {date.today()} by `benchmarks/text_dumps.py` (html2text "
        f"{version('html2text')}, inscriptis {version('inscriptis')}); "
        "F1 of the shingle metric against the gold. *Markdown* is how many of the dumps "
        "text mode reads as Markdown; *before* is text mode without its Markdown reading, "
        "without joining lines cut inside a sentence and without its model for text "
        "without line structure.\n",
        "| pages | dump | Markdown | everything kept | text mode, before | text mode |",
        "|---|---|---|---|---|---|",
    ]
    for collection, fmt, marked, n, everything, before, now in rows:
        lines.append(
            f"| {collection} | {fmt} | {marked}/{n} | {f(everything)} | {f(before)} | "
            f"**{f(now)}** |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        REPORT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
