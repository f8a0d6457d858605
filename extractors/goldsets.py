"""Gold sets: pages with the text an extractor should return, in the layouts
``unboil bench`` (and ``check``) read.

- Scrapinghub layout: ``html/<id>.html.gz`` + ``ground-truth.json``
  (``{id: {"articleBody": ..., "url": ...}}``). Convention: the body without the
  headline, captions not included.
- Mozilla Readability test layout: ``pages/<name>/source.html`` + ``expected.html``
  (gold: the text of expected.html, block elements on their own lines). Convention:
  headline out, captions and lead in.
- A folder of ``NAME.html`` (or ``.htm``, ``.html.gz``) + ``NAME.txt`` pairs, like
  ``samples/``. Its convention may be stated in ``unboil-gold.toml`` in the folder
  (``title = false``, ``captions = false``); otherwise the backends decide.
- A folder of text dumps: ``NAME.txt`` (the text as a naive extractor left it, the
  input) + ``NAME.gold.txt`` (the article text), scored through text mode (the
  ``text`` backend, whatever backends are asked for). ``unboil-gold.toml`` as above.
- A with/without JSON file: ``[{"file": "page.html", "with": [...], "without": [...]}]``
  (paths relative to the JSON file): segments that must / must not appear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .base import ExtractOptions
from .errors import UnboilError
from .loading import PAGE_SUFFIXES


class GoldSetError(UnboilError):
    """A gold set that cannot be read."""


@dataclass
class GoldPage:
    name: str
    path: Path
    #: The gold article text (text gold sets).
    text: str | None = None
    #: Segments that must appear / must not appear (with/without gold sets).
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    url: str | None = None
    #: ``html``, or ``text`` for a plain-text input (text gold sets)
    input_format: str = "html"

    def read_bytes(self) -> bytes:
        """The page's bytes, gunzipped with the cap ``load`` applies (a gzip bomb
        raises ``SourceError`` once its output passes ``DEFAULT_MAX_BYTES``)."""
        from .loading import DEFAULT_MAX_BYTES, _gunzip

        data = self.path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            return _gunzip(data, str(self.path), DEFAULT_MAX_BYTES)
        return data


@dataclass
class GoldSet:
    name: str
    path: Path
    kind: str  # scrapinghub | mozilla | pairs | text | segments
    pages: list[GoldPage]
    options: ExtractOptions = field(default_factory=ExtractOptions)

    @property
    def convention(self) -> dict[str, bool | None]:
        return {"title": self.options.title, "captions": self.options.captions}


def _scrapinghub(root: Path) -> GoldSet:
    truth = json.loads((root / "ground-truth.json").read_text("utf-8"))
    pages = []
    for key in sorted(truth):
        path = root / "html" / f"{key}.html.gz"
        if not path.exists():
            raise GoldSetError(f"{root}: ground-truth.json names {key} but {path} is missing")
        item = truth[key]
        pages.append(GoldPage(key, path, text=item["articleBody"], url=item.get("url")))
    return GoldSet(root.name, root, "scrapinghub", pages, ExtractOptions(captions=False))


def expected_text(html: str) -> str:
    """The text of a Readability ``expected.html``: one line per block element."""
    from .htmltree import element_blocks, parse_html

    return "\n".join(b.text for b in element_blocks(parse_html(html)))


def _mozilla(root: Path) -> GoldSet:
    pages = []
    for folder in sorted(p for p in (root / "pages").iterdir() if p.is_dir()):
        expected = folder / "expected.html"
        source = folder / "source.html"
        if expected.exists() and source.exists():
            text = expected_text(expected.read_text("utf-8"))
            pages.append(GoldPage(folder.name, source, text=text))
    return GoldSet(root.name, root, "mozilla", pages, ExtractOptions(captions=True))


def _convention(root: Path) -> ExtractOptions:
    conf = root / "unboil-gold.toml"
    if not conf.exists():
        return ExtractOptions()
    import tomllib

    try:
        data = tomllib.loads(conf.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise GoldSetError(f"{conf}: {exc}") from None
    return ExtractOptions(title=bool(data.get("title", False)), captions=data.get("captions"))


GOLD_SUFFIX = ".gold.txt"


def _text_pairs(root: Path, golds: list[Path]) -> GoldSet:
    pages = []
    for gold in golds:
        stem = gold.name[: -len(GOLD_SUFFIX)]
        source = root / f"{stem}.txt"
        if not source.is_file():
            raise GoldSetError(f"{gold}: no text input {source.name} next to it")
        try:
            text = gold.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GoldSetError(f"{gold}: cannot be read as UTF-8 text ({exc})") from None
        pages.append(GoldPage(stem, source, text=text, input_format="text"))
    return GoldSet(root.name, root, "text", pages, _convention(root))


def _pairs(root: Path) -> GoldSet:
    golds = sorted(p for p in root.iterdir() if p.name.endswith(GOLD_SUFFIX) and p.is_file())
    html = [p for p in root.iterdir() if p.name.endswith(PAGE_SUFFIXES)]
    if golds and html:
        raise GoldSetError(
            f"{root}: mixes HTML pages and text dumps (NAME{GOLD_SUFFIX}): "
            "put each kind in its own folder"
        )
    if golds:
        return _text_pairs(root, golds)
    pages = []
    for path in sorted(root.iterdir()):
        suffix = next((s for s in PAGE_SUFFIXES if path.name.endswith(s)), None)
        if suffix is None:
            continue
        stem = path.name[: -len(suffix)]
        gold = root / f"{stem}.txt"
        if gold.exists():
            pages.append(GoldPage(stem, path, text=gold.read_text("utf-8")))
    if not pages:
        raise GoldSetError(
            f"{root}: no NAME.html + NAME.txt pairs (nor NAME.txt + NAME{GOLD_SUFFIX}) found"
        )
    return GoldSet(root.name, root, "pairs", pages, _convention(root))


def _segments(path: Path) -> GoldSet:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise GoldSetError(f"{path}: {exc}") from None
    if isinstance(data, dict):
        data = [{"file": k, **v} for k, v in data.items()]
    pages = []
    for item in data:
        if not isinstance(item, dict) or "file" not in item:
            raise GoldSetError(f"{path}: every entry needs a 'file' key")
        page_path = (path.parent / item["file"]).resolve()
        pages.append(
            GoldPage(
                item["file"],
                page_path,
                with_=list(item.get("with", [])),
                without=list(item.get("without", [])),
                url=item.get("url"),
            )
        )
    return GoldSet(path.stem, path, "segments", pages)


def load_goldset(path: str | Path) -> GoldSet:
    """Read a gold set in any supported layout (see the module docstring)."""
    root = Path(path)
    if not root.exists():
        raise GoldSetError(f"{root}: no such file or directory")
    if root.is_file():
        if root.suffix.lower() == ".json":
            return _segments(root)
        raise GoldSetError(f"{root}: a gold set is a folder or a with/without .json file")
    if (root / "ground-truth.json").exists() and (root / "html").is_dir():
        return _scrapinghub(root)
    if (root / "pages").is_dir() and any((root / "pages").glob("*/expected.html")):
        return _mozilla(root)
    return _pairs(root)
