"""The hostile-input corpus: broken, huge, binary, mislabelled and malicious documents.

Nothing here is committed as a file: ``build(directory)`` writes the corpus (a few
seconds, about 60 MB with the big inputs) and returns ``{name: path}``. Run it by hand::

    python tests/hostile.py /tmp/hostile          # everything
    python tests/hostile.py /tmp/hostile --small  # without the big, slow inputs

``CASES`` says what each input is and what unboil must do with it: ``refused`` (a
one-line error whose text contains ``cause``), or ``page`` (it loads; each backend
either extracts or reports a one-line error). ``expect`` is text that a correct
extraction contains (checked for the backends that return text at all), ``secret`` a
marker of a local file the page points at, which must never show up in any output.
"""

from __future__ import annotations

import gzip
import random
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

#: the content of the local file that hostile pages point at (XXE, file:// links)
SECRET = "UNBOIL-LOCAL-SECRET-7f3a9c"
SECRET_FILE = "secret.txt"

RU = "Привет, мир! Это статья о погоде в Москве, и она довольно длинная."
JA = "こんにちは世界。これは東京の天気についての記事で、かなり長い文章です。"
EN = "This is the article paragraph, long enough for every extractor to keep it."
TEMPLATE_TEXT = "INERT-TEMPLATE-TEXT"


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    description: str
    #: "refused": load raises SourceError; "page": it loads
    outcome: str
    #: refused: text the one-line error contains
    cause: str = ""
    #: big or slow: only run through ``unboil batch`` with a short timeout
    big: bool = False
    #: text a correct extraction contains
    expect: str | None = None
    #: text no extraction, title or metadata may contain
    absent: str | None = None


CASES: tuple[Case, ...] = (
    Case("empty", "empty.html", "empty file", "refused", "empty page"),
    Case("whitespace", "whitespace.html", "whitespace only", "refused", "empty page"),
    Case("random", "random.html", "1 MB of random bytes", "refused", "binary data"),
    Case("pdf", "paper.html", "a PDF saved as .html", "refused", "looks like PDF"),
    Case("png", "image.html", "a PNG saved as .html", "refused", "looks like a PNG image"),
    Case("json", "api.html", "a JSON document", "refused", "looks like JSON"),
    Case("huge", "huge.html", "a 30 MB page", "refused", "larger than 20 MB", big=True),
    Case("nested", "nested.html", "100,000 nested <div>s", "page", big=True),
    Case("siblings", "siblings.html", "1,000,000 sibling <p>s (12 MB)", "page", big=True),
    Case("long_line", "long-line.html", "a 10 MB line without tags", "page", big=True),
    Case(
        "bad_utf8",
        "bad-utf8.html",
        "invalid UTF-8 bytes in a page declared UTF-8",
        "page",
        expect="Ελληνικά",
    ),
    Case("cp1251_meta", "cp1251-meta.html", "windows-1251, meta charset", "page", expect=RU),
    Case("cp1251_bare", "cp1251-bare.html", "windows-1251, no charset", "page", expect=RU),
    Case("sjis_meta", "sjis-meta.html", "Shift_JIS, meta charset", "page", expect=JA),
    Case("sjis_bare", "sjis-bare.html", "Shift_JIS, no charset", "page", expect=JA),
    Case("utf16_bom", "utf16-bom.html", "UTF-16 with a BOM", "page", expect=EN),
    Case("utf16_bare", "utf16-bare.html", "UTF-16 without a BOM", "page", expect=EN),
    Case("gzip", "gzipped.html", "a gzip-compressed page saved as .html", "page", expect=EN),
    Case("gzip_cut", "gzip-cut.html", "a truncated gzip", "refused", "truncated gzip data"),
    Case(
        "gzip_bomb",
        "bomb.html",
        "a gzip bomb (4 MB expanding to 4 GiB)",
        "refused",
        "decompresses to more than 20 MB",
    ),
    Case("nul", "nul.html", "a page with NUL bytes", "page", expect="NUL"),
    Case("script_only", "script-only.html", "a page that is only <script>", "page"),
    Case("xxe", "xxe.html", "<!DOCTYPE> with an external entity (a local file)", "page"),
    Case("laughs", "laughs.html", "billion-laughs entity expansion", "page"),
    Case("file_urls", "file-urls.html", "<base href> and links to file:// URLs", "page"),
    Case(
        "attributes",
        "attributes.html",
        "40,000 attributes on one element (429 KB)",
        "page",
        expect=EN,
    ),
    Case(
        "attributes_hidden",
        "attributes-hidden.html",
        "60,000 attributes behind quoted '>' values, after a fake tag in a comment",
        "page",
        expect=EN,
    ),
    Case(
        "template",
        "template.html",
        "<template> content beside the article",
        "page",
        expect=EN,
        absent=TEMPLATE_TEXT,
    ),
    Case(
        "escapes",
        "escapes.html",
        "terminal escapes, a bidi override, zero-width spaces in text and title",
        "page",
        expect=EN,
        absent="\x1b",
    ),
)

BY_NAME = {case.name: case for case in CASES}


def article(*paragraphs: str, head: str = "", title: str = "Hostile") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head>"
        f"<body><article><h1>{title}</h1>\n{body}\n</article></body></html>"
    )


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        b"trailer << /Root 1 0 R >>\n%%EOF\n"
    )


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    ihdr = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _bomb() -> bytes:
    """About 4 MB of gzip (one member, repeated) that expands to 4 GiB."""
    zeros = b"<html><body><p>" + b"\x00" * (64 * 1024 * 1024 - 15)
    member = gzip.compress(zeros, compresslevel=9, mtime=0)
    return member * 64


def _paragraphs(text: str, n: int = 4) -> list[str]:
    return [f"{text} ({i + 1})" for i in range(n)]


def contents(name: str, secret_path: Path) -> bytes:
    """The bytes of one hostile input."""
    secret_url = secret_path.resolve().as_uri()
    rng = random.Random(name)
    if name == "empty":
        return b""
    if name == "whitespace":
        return b" \n\t \r\n   \n"
    if name == "random":
        return rng.randbytes(1024 * 1024)
    if name == "pdf":
        return _pdf()
    if name == "png":
        return _png()
    if name == "json":
        return b'{"title": "not a page", "body": "<p>html in a string</p>", "n": [1, 2, 3]}'
    if name == "huge":
        para = ("<p>" + "word " * 200 + "</p>\n").encode()
        return b"<html><body>" + para * (30 * 1024 * 1024 // len(para) + 1) + b"</body></html>"
    if name == "nested":
        n = 100_000
        return b"<html><body>" + b"<div>" * n + EN.encode() + b"</div>" * n + b"</body></html>"
    if name == "siblings":
        return b"<html><body>" + b"<p>hello</p>" * 1_000_000 + b"</body></html>"
    if name == "long_line":
        return (b"lorem ipsum dolor sit amet " * (10 * 1024 * 1024 // 27 + 1))[: 10 * 1024 * 1024]
    if name == "bad_utf8":
        text = article(*_paragraphs("Ελληνικά κείμενα και " + EN), head='<meta charset="utf-8">')
        data = text.encode("utf-8")
        cut = data.index(b"(2)")
        return data[:cut] + b"\xff\xfe\xc3\x28 " + data[cut:]
    if name in ("cp1251_meta", "cp1251_bare"):
        head = '<meta charset="windows-1251">' if name.endswith("meta") else ""
        return article(*_paragraphs(RU), head=head, title="Погода").encode("cp1251")
    if name in ("sjis_meta", "sjis_bare"):
        head = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        return article(
            *_paragraphs(JA), head=head if name.endswith("meta") else "", title="天気"
        ).encode("shift_jis")
    if name == "utf16_bom":
        return article(*_paragraphs(EN)).encode("utf-16")  # BOM + native order
    if name == "utf16_bare":
        return article(*_paragraphs(EN)).encode("utf-16-le")
    if name == "gzip":
        return gzip.compress(article(*_paragraphs(EN)).encode(), mtime=0)
    if name == "gzip_cut":
        data = gzip.compress(article(*_paragraphs(EN, 40)).encode(), mtime=0)
        return data[: len(data) // 2]
    if name == "gzip_bomb":
        return _bomb()
    if name == "nul":
        text = article(*_paragraphs("NUL bytes do not end this " + EN)).encode()
        cut = text.index(b"(2)")
        return text[:cut] + b"\x00\x00" + text[cut:]
    if name == "script_only":
        return b"<script>document.write('<p>' + 'generated '.repeat(50) + '</p>')</script>"
    if name == "xxe":
        return (
            f'<?xml version="1.0"?>\n<!DOCTYPE html [\n'
            f'  <!ENTITY xxe SYSTEM "{secret_url}">\n'
            f'  <!ENTITY % remote SYSTEM "{secret_url}">\n  %remote;\n]>\n'
            + article(*_paragraphs(EN), "The file says: &xxe; (end)")
        ).encode()
    if name == "laughs":
        ents = ['<!ENTITY lol "lol">']
        for i in range(1, 10):
            prev = f"&lol{i - 1};" if i > 1 else "&lol;"
            ents.append(f'<!ENTITY lol{i} "{prev * 10}">')
        doctype = "<!DOCTYPE html [\n" + "\n".join(ents) + "\n]>\n"
        return (doctype + article(*_paragraphs(EN), "Laughs: &lol9; (end)")).encode()
    if name == "file_urls":
        head = (
            f'<base href="{secret_url}"><link rel="stylesheet" href="{secret_url}">'
            f'<meta http-equiv="refresh" content="0; url={secret_url}">'
            f'<meta property="og:image" content="{secret_url}">'
        )
        links = (
            f'Read <a href="{secret_url}">the file</a> and <a href="{SECRET_FILE}">this</a>. '
            f'<img src="{secret_url}" alt="img"> <iframe src="{secret_url}"></iframe> '
            f'<object data="{secret_url}"></object>'
        )
        return article(*_paragraphs(EN), links, head=head).encode()
    if name == "attributes":
        attrs = " ".join(f'data-a{i}="v"' for i in range(40_000))
        return article(*_paragraphs(EN), head=f"<meta {attrs}>").encode()
    if name == "attributes_hidden":
        attrs = "".join(f'a{i}=">"' for i in range(60_000))
        head = f'<!-- <x title=" --><meta {attrs} c=">">'
        return article(*_paragraphs(EN), head=head).encode()
    if name == "template":
        inert = (
            f"<template><p>{TEMPLATE_TEXT} {EN}</p><template>{TEMPLATE_TEXT}</template></template>"
        )
        paragraphs = _paragraphs(EN)
        return article(*paragraphs[:2], inert, *paragraphs[2:]).encode()
    if name == "escapes":
        tricks = "\x1b]0;pwned\x07 \x1b[2J\u202e\u200b\x9b31m\r"
        return article(*[f"{p} {tricks}" for p in _paragraphs(EN)], title=f"T{tricks}").encode()
    raise KeyError(name)


def build(directory: str | Path, *, big: bool = True) -> dict[str, Path]:
    """Write the corpus (and the secret file its pages point at) into ``directory``."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    secret = root.parent / f"{root.name}-{SECRET_FILE}"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    (root.parent / SECRET_FILE).write_text(SECRET + "\n", encoding="utf-8")
    paths = {}
    for case in CASES:
        if case.big and not big:
            continue
        path = root / case.file
        path.write_bytes(contents(case.name, secret))
        paths[case.name] = path
    return paths


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = build(args[0] if args else "hostile-corpus", big="--small" not in sys.argv)
    for name, path in out.items():
        print(f"{name}\t{path.stat().st_size}\t{path}")
