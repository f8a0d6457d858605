"""Loading pages: files, gzip, stdin, URLs, sniffing and decoding."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from pathlib import Path

import httpx
import pytest

from unboil.extractors import fetching, loading
from unboil.extractors.errors import SourceError
from unboil.extractors.fetching import fetch
from unboil.extractors.loading import (
    DEFAULT_MAX_BYTES,
    MAX_REDIRECTS,
    NotHtml,
    load_bytes,
    load_file,
)
from unboil.extractors.sources import load

RU = (
    "Съешь же ещё этих мягких французских булок, да выпей чаю. "
    "Москва - столица России, крупнейший по численности населения город страны. "
    "Широкая электрификация южных губерний даст мощный толчок подъёму сельского хозяйства."
)
JA = (
    "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。"
    "何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。"
)
KO = "대한민국은 동아시아의 한반도 남부에 위치한 민주공화국이다. 수도는 서울특별시이다."
ZH = "中华人民共和国是位于东亚的社会主义国家，首都为北京。全国共划分为二十三个省。"


def doc(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html>\n<html><head>{head}<title>Test</title></head>\n"
        f"<body><article><p>{body}</p></article></body></html>\n"
    )


def meta(charset: str) -> str:
    return f'<meta charset="{charset}">'


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(data: bytes, **kwargs: object) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_bytes(data, "page", **kwargs)  # type: ignore[arg-type]
    return info.value


# --------------------------------------------------------------------------- files


def test_utf8_file(tmp_path: Path) -> None:
    html = doc("Un café crème, s'il vous plaît.", meta("utf-8"))
    path = write(tmp_path, "page.html", html.encode("utf-8"))
    page = load(str(path))
    assert page.html == html
    assert page.raw == html.encode("utf-8")
    assert (page.encoding, page.encoding_source) == ("utf-8", "meta")
    assert page.source == str(path)
    assert page.url is None and page.content_type is None


def test_utf8_without_declaration_and_htm_extension(tmp_path: Path) -> None:
    html = doc("Ein Apfel für die Straßenbahn")
    page = load_file(write(tmp_path, "page.htm", html.encode("utf-8")))
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("utf-8", "utf-8")


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    html = doc("naïve")
    page = load_file(write(tmp_path, "bom.html", codecs.BOM_UTF8 + html.encode("utf-8")))
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("utf-8", "bom")


def test_nul_characters_are_replaced() -> None:
    page = load_bytes(doc("a\x00b").encode("utf-8"), "nul")
    assert "\x00" not in page.html
    assert "a\ufffdb" in page.html


def test_gzip_under_html_name(tmp_path: Path) -> None:
    html = doc("compressed " * 100)
    page = load(str(write(tmp_path, "page.html", gzip.compress(html.encode("utf-8")))))
    assert page.html == html
    assert page.raw == html.encode("utf-8")


def test_gzip_with_several_members() -> None:
    first, second = "<html><body><p>one</p>", "<p>two</p></body></html>"
    data = gzip.compress(first.encode()) + gzip.compress(second.encode())
    assert load_bytes(data, "multi").html == first + second


def test_gzip_bomb_refused_with_small_cap() -> None:
    data = gzip.compress(b"<p>" + b"a" * 200_000 + b"</p>")
    assert len(data) < 10_000
    error = refused(data, max_bytes=100_000)
    assert error.cause == "decompresses to more than 97.7 KB (max_bytes)"


def test_gzip_bomb_refused_without_expanding_it() -> None:
    # ~100 MB of zeros in ~100 KB of gzip, built without holding the 100 MB.
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    bomb = b"".join(compressor.compress(block) for _ in range(100)) + compressor.flush()
    assert len(bomb) < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(SourceError) as info:
            load_bytes(bomb, "bomb.html")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert info.value.cause == "decompresses to more than 20 MB (max_bytes)"
    assert peak < 3 * DEFAULT_MAX_BYTES  # the cap, not the 100 MB


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(doc("x" * 5000 + "".join(map(str, range(2000)))).encode())
    path = write(tmp_path, "cut.html", data[: len(data) // 2])
    with pytest.raises(SourceError) as info:
        load_file(path)
    assert info.value.cause == "truncated gzip data"
    assert info.value.source == str(path)


def test_corrupt_gzip() -> None:
    data = gzip.compress(doc("y" * 1000).encode())
    bad = data[:10] + b"\xff" * 20 + data[30:]
    assert refused(bad).cause.startswith("corrupt gzip data (")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.html"
    with pytest.raises(SourceError) as info:
        load(str(path))
    assert info.value.cause == "no such file"
    assert str(info.value) == f"{path}: no such file"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load(str(tmp_path))
    assert info.value.cause == "is a directory"


def test_permission_denied(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>x</p>")
    real_open = os.open

    def deny(path: object, *args: object, **kwargs: object) -> int:
        if str(path) == str(secret):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loading.os, "open", deny)
    with pytest.raises(SourceError) as info:
        load_file(secret)
    assert info.value.cause == "permission denied"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.html", doc("x").encode())
    path.chmod(0)
    try:
        with pytest.raises(SourceError) as info:
            load_file(path)
    finally:
        path.chmod(0o644)
    assert info.value.cause == "permission denied"


def test_file_with_a_colon_in_its_name_is_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "notes:2024.html", doc("colon").encode())
    assert "colon" in load("notes:2024.html").html
    with pytest.raises(SourceError) as info:
        load("other:2024.html")
    assert info.value.cause == "no such file"


@pytest.mark.parametrize(
    "source", ["file:///etc/hostname", "ftp://example.com/page.html", "data:text/html,<p>x</p>"]
)
def test_other_schemes_refused(source: str) -> None:
    with pytest.raises(SourceError) as info:
        load(source)
    scheme = source.split(":")[0]
    assert info.value.cause == f"unsupported URL scheme '{scheme}:' (only http and https)"


def test_too_large_file(tmp_path: Path) -> None:
    path = write(tmp_path, "big.html", doc("z" * 2000).encode())
    with pytest.raises(SourceError) as info:
        load_file(path, max_bytes=1000)
    assert info.value.cause == "larger than 1000 bytes (max_bytes)"
    assert load_file(path, max_bytes=path.stat().st_size).html.startswith("<!DOCTYPE")


def test_too_large_default_cap_wording() -> None:
    assert refused(b" " * (DEFAULT_MAX_BYTES + 1)).cause == "larger than 20 MB (max_bytes)"


# --------------------------------------------------------------------------- stdin


def test_stdin() -> None:
    html = doc("from a pipe: ü")
    page = load("-", stdin=io.BytesIO(html.encode("utf-8")))
    assert page.html == html
    assert page.source == "<stdin>"


def test_stdin_gzip_and_cap() -> None:
    html = doc("piped")
    assert load("-", stdin=io.BytesIO(gzip.compress(html.encode()))).html == html
    with pytest.raises(SourceError) as info:
        load("-", stdin=io.BytesIO(html.encode()), max_bytes=10)
    assert info.value.cause == "larger than 10 bytes (max_bytes)"


def test_stdin_defaults_to_sys_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    html = doc("default stdin")
    fake = io.TextIOWrapper(io.BytesIO(html.encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    assert load("-").html == html


# --------------------------------------------------------------------------- not HTML


@pytest.mark.parametrize("data", [b"", b" \n\t \r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n "])
def test_empty_refused(data: bytes) -> None:
    error = refused(data)
    assert isinstance(error, NotHtml)
    assert (error.kind, error.cause) == ("empty", "empty page")


@pytest.mark.parametrize(
    ("data", "kind", "cause"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>>", "pdf", "looks like PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(50), "png", "looks like a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(50), "jpeg", "looks like a JPEG image"),
        (b"GIF89a\x01\x00\x01\x00<p>", "gif", "looks like a GIF image"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20), "webp", "looks like a WebP image"),
        (b"PK\x03\x04\x14\x00\x00\x00<html>", "zip", "looks like a ZIP archive"),
        (b'{"title": "<p>not a page</p>", "n": [1, 2]}', "json", "looks like JSON"),
        (codecs.BOM_UTF8 + b'  [{"a": "<b>x</b>"}]\n', "json", "looks like JSON"),
        (random.Random(7).randbytes(4096), "binary", "binary data"),
        (b"<html>" + bytes(300) + b"</html>", "binary", "binary data"),
        (
            b"Just a note.\nNo markup here, a < b and b > c.\n" * 20,
            "text",
            "plain text",
        ),
    ],
    ids=["pdf", "png", "jpeg", "gif", "webp", "zip", "json", "json-list", "random", "nul", "text"],
)
def test_not_html_refused(data: bytes, kind: str, cause: str) -> None:
    error = refused(data)
    assert isinstance(error, NotHtml)
    assert error.kind == kind
    assert error.cause == f"not an HTML page ({cause})"


def test_gzipped_pdf_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.html", gzip.compress(b"%PDF-1.4\n" + bytes(100)))
    with pytest.raises(NotHtml) as info:
        load(str(path))
    assert info.value.kind == "pdf"


@pytest.mark.parametrize(
    "text",
    [
        "# Notes\n\nWrap the form in a <div> and give it a <label>; the <input> goes "
        "inside.\n\n" + "More prose about layout, without any markup at all. " * 20,
        "Write to <jo@example.org> or see <https://example.org/a>; x<y, y>z. " * 30,
    ],
    ids=["markdown-naming-tags", "autolinks"],
)
def test_text_that_mentions_tags_is_text(text: str) -> None:
    error = refused(text.encode())
    assert isinstance(error, NotHtml) and error.kind == "text"


@pytest.mark.parametrize(
    "html",
    [
        "Some words first, then <p>a paragraph</p><p>and another</p>",
        "warning: header sent\n<html><body>" + "<p>" + "text " * 2000 + "</p></body></html>",
        "   <div>a fragment</div>",
    ],
    ids=["fragment", "junk-before-document", "leading-tag"],
)
def test_markup_is_html(html: str) -> None:
    assert load_bytes(html.encode(), "p").html == html


def test_plain_text_keeps_the_decoded_page() -> None:
    error = refused("Привет, мир.\nВторая строка.\n".encode())
    assert isinstance(error, NotHtml) and error.kind == "text"
    assert error.page is not None and error.page.html.startswith("Привет")


def test_json_content_type_refused() -> None:
    error = refused(doc("x").encode(), content_type="application/json; charset=utf-8")
    assert isinstance(error, NotHtml) and error.kind == "json"
    assert error.cause == "content type application/json is not HTML"


def test_html_with_a_bracket_first_is_not_json() -> None:
    html = "[an aside]<p>but this is <b>HTML</b></p>"
    assert load_bytes(html.encode(), "p").html == html


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("text", "label", "codec"),
    [
        (RU, "windows-1251", "cp1251"),
        (JA, "Shift_JIS", "cp932"),
        (KO, "EUC-KR", "cp949"),
        (ZH, "GB18030", "gb18030"),
        (ZH, "gb2312", "gb18030"),
        (JA, "EUC-JP", "euc_jp"),
        (RU, "koi8-r", "koi8-r"),
    ],
)
def test_meta_charset(text: str, label: str, codec: str) -> None:
    html = doc(text, meta(label))
    page = load_bytes(html.encode(codec), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == (codec, "meta")


def test_meta_http_equiv_charset() -> None:
    head = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    html = doc(RU, head)
    page = load_bytes(html.encode("cp1251"), "page")
    assert page.html == html
    assert page.encoding_source == "meta"


def test_xml_declaration_encoding() -> None:
    html = '<?xml version="1.0" encoding="Shift_JIS"?>\n' + doc(JA)
    page = load_bytes(html.encode("cp932"), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("cp932", "meta")


@pytest.mark.parametrize(("text", "codec"), [(RU, "cp1251"), (JA, "shift_jis"), (ZH, "gb18030")])
def test_detected_without_declaration(text: str, codec: str) -> None:
    html = doc(" ".join([text] * 3))
    page = load_bytes(html.encode(codec), "page")
    assert page.encoding_source == "detected"
    assert text in page.html
    assert page.html == html


FR = (
    "Le café était plein, et l'été déjà très chaud à Besançon; les élèves répétaient leurs "
    "leçons près de la fenêtre. Où est passé le garçon qui vendait des crêpes?"
)
ES = (
    "El niño pidió a su señora madre un café con leche y una canción. La mañana era fría en "
    "Logroño, y los vecinos comentaban la última decisión del ayuntamiento."
)
TR = (
    "Belediye başkanı, şehir merkezindeki trafik sorununu çözmek için yeni bir plan açıkladı. "
    "Vatandaşlar, iş çıkış saatlerinde yaşanan yoğunluktan şikâyetçi olduklarını söylediler."
)
PL = (
    "Władze miasta poinformowały, że remont głównej ulicy potrwa dłużej niż zakładano, "
    "ponieważ wykonawca napotkał nieoczekiwane trudności. Zażółć gęślą jaźń."
)


@pytest.mark.parametrize(
    ("text", "codec"), [(FR, "cp1252"), (ES, "cp1252"), (TR, "cp1254"), (PL, "cp1250")]
)
def test_undeclared_8bit_pages_get_their_languages_codepage(text: str, codec: str) -> None:
    """charset-normalizer's best guess for undeclared French was cp1257 ("déją trčs"),
    Spanish cp1250, Turkish iso8859-10, each a near tie with the language's Windows
    codepage, which browsers assume for such pages."""
    html = doc(" ".join([text] * 2))
    page = load_bytes(html.encode(codec), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == (codec, "detected")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_unicode_with_bom(codec: str) -> None:
    html = doc(RU + JA)
    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[codec]
    page = load_bytes(bom + html.encode(codec), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == (codec, "bom")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_wide_unicode_without_bom(codec: str) -> None:
    html = doc(JA + RU, meta("utf-16"))
    page = load_bytes(html.encode(codec), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == (codec, "detected")


def test_meta_utf16_on_an_8bit_page_is_ignored() -> None:
    html = doc("Un café, deux cafés.", meta("utf-16"))
    page = load_bytes(html.encode("utf-8"), "page")
    assert page.html == html
    assert page.encoding == "utf-8"


def test_unknown_charset_falls_through() -> None:
    html = doc("Straße", meta("x-klingon"))
    page = load_bytes(html.encode("utf-8"), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("utf-8", "utf-8")


@pytest.mark.parametrize("label", ["x-klingon", "utf-7", "undefined", "base64", "rot13", "cp500"])
def test_unusable_charsets_are_ignored(label: str) -> None:
    html = doc("Straße", meta(label))
    page = load_bytes(html.encode("utf-8"), "page", content_type=f"text/html; charset={label}")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("utf-8", "utf-8")


def test_legacy_label_on_valid_utf8_is_utf8() -> None:
    html = doc(RU, meta("windows-1251"))
    page = load_bytes(html.encode("utf-8"), "page")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("utf-8", "utf-8")


def test_latin1_means_windows_1252() -> None:
    html = doc("\u201cquoted\u201d \u2014 caf\xe9", meta("iso-8859-1"))
    page = load_bytes(html.encode("cp1252"), "page")
    assert page.html == html
    assert page.encoding == "cp1252"


def test_latin1_label_on_valid_utf8_is_utf8() -> None:
    html = doc("Crème brûlée", meta("iso-8859-1"))
    page = load_bytes(html.encode("utf-8"), "page", content_type="text/html; charset=ISO-8859-1")
    assert page.html == html
    assert page.encoding == "utf-8"


def test_http_header_charset_beats_meta() -> None:
    html = doc(RU, meta("windows-1251"))
    page = load_bytes(html.encode("koi8-r"), "page", content_type="text/html; charset=KOI8-R")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("koi8-r", "http-header")
    assert page.content_type == "text/html; charset=KOI8-R"


def test_bom_beats_http_header() -> None:
    html = doc(RU)
    data = codecs.BOM_UTF8 + html.encode("utf-8")
    page = load_bytes(data, "page", content_type="text/html; charset=iso-8859-1")
    assert page.html == html
    assert page.encoding_source == "bom"


def test_wrong_utf8_header_on_a_cp1251_page_is_not_trusted() -> None:
    html = doc(RU, meta("windows-1251"))
    page = load_bytes(html.encode("cp1251"), "page", content_type="text/html; charset=utf-8")
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("cp1251", "meta")


def test_a_few_invalid_bytes_in_a_utf8_page() -> None:
    head, tail = doc("Un café crème. BROKEN naïve façade.", meta("utf-8")).split("BROKEN")
    data = head.encode() + b"\xff\xfe\xc3(" + tail.encode()
    page = load_bytes(data, "page")
    assert (page.encoding, page.encoding_source) == ("utf-8", "meta")
    assert "Un café crème." in page.html
    assert "naïve façade." in page.html
    assert "\ufffd" in page.html


def test_a_few_invalid_bytes_in_an_undeclared_utf8_page() -> None:
    html = doc("Un café crème. " * 20 + "ÉTÉ")
    data = html.encode().replace("ÉTÉ".encode(), b"\xc9T\xc9")
    page = load_bytes(data, "page")
    assert "Un café crème." in page.html


# --------------------------------------------------------------------------- HTTP


def test_fetch_page(http_server) -> None:
    html = doc("Über den Wolken")
    url = http_server.add("/page", html.encode(), content_type="text/html; charset=utf-8")
    page = fetch(url, timeout=5, allow_private=True)
    assert page.html == html
    assert page.url == url and page.source == url
    assert page.content_type == "text/html; charset=utf-8"
    assert (page.encoding, page.encoding_source) == ("utf-8", "http-header")
    agent = http_server.requests[-1].headers["User-Agent"]
    assert agent == f"unboil/{loading.__version__}"


def test_load_dispatches_urls(http_server) -> None:
    url = http_server.add("/x?a=1", doc("query").encode())
    assert "query" in load(url, timeout=5, allow_private=True).html


def test_fetch_charset_from_header(http_server) -> None:
    html = doc(RU)
    url = http_server.add("/ru", html.encode("cp1251"), content_type="text/html; charset=cp1251")
    page = fetch(url, timeout=5, allow_private=True)
    assert page.html == html
    assert (page.encoding, page.encoding_source) == ("cp1251", "http-header")


def test_fetch_without_content_type(http_server) -> None:
    url = http_server.add("/bare", doc("bare").encode(), content_type=None)
    assert "bare" in fetch(url, timeout=5, allow_private=True).html


@pytest.mark.parametrize(
    ("status", "cause"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")]
)
def test_fetch_http_errors(http_server, status: int, cause: str) -> None:
    url = http_server.add("/err", doc("error page").encode(), status=status)
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.cause == cause
    assert info.value.source == url


def test_flaky_route(http_server) -> None:
    url = http_server.flaky("/flaky", doc("finally").encode(), failures=1)
    with pytest.raises(SourceError, match="HTTP 500"):
        fetch(url, timeout=5, allow_private=True)
    assert "finally" in fetch(url, timeout=5, allow_private=True).html
    assert http_server.hits("/flaky") == 2


@pytest.mark.parametrize("hops", [3, MAX_REDIRECTS])
def test_redirects_followed(http_server, hops: int) -> None:
    final = http_server.add("/final", doc("landed").encode())
    start = http_server.redirect_chain("/start", hops, "/final")
    page = fetch(start, timeout=5, allow_private=True)
    assert "landed" in page.html
    assert page.url == final
    assert page.source == start
    assert http_server.hits("/final") == 1


def test_too_many_redirects(http_server) -> None:
    http_server.add("/final", doc("never").encode())
    start = http_server.redirect_chain("/start", MAX_REDIRECTS + 1, "/final")
    with pytest.raises(SourceError) as info:
        fetch(start, timeout=5, allow_private=True)
    assert info.value.cause == "too many redirects (more than 5)"
    assert http_server.hits("/final") == 0


def test_redirect_loop(http_server) -> None:
    http_server.redirect("/a", "/b")
    url = http_server.redirect("/b", "/a")
    with pytest.raises(SourceError, match="too many redirects"):
        fetch(url, timeout=5, allow_private=True)


def test_redirect_to_file_refused(http_server) -> None:
    url = http_server.redirect("/evil", "file:///etc/passwd")
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.cause == "redirected to a non-HTTP URL: file:///etc/passwd"


def test_redirect_to_javascript_refused(http_server) -> None:
    url = http_server.redirect("/js", "javascript:alert(1)")
    with pytest.raises(SourceError, match="redirected to an invalid URL"):
        fetch(url, timeout=5, allow_private=True)


def test_fetch_body_cut_short(http_server) -> None:
    def cut(handler) -> None:
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<p>short")

    url = http_server.handle("/cut", cut)
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.cause.startswith("HTTP protocol error: peer closed connection")


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [("application/pdf", "pdf"), ("image/png", "png"), ("application/json", "json")],
)
def test_fetch_wrong_content_type(http_server, content_type: str, kind: str) -> None:
    url = http_server.add("/doc", doc("x").encode(), content_type=content_type)
    with pytest.raises(NotHtml) as info:
        fetch(url, timeout=5, allow_private=True)
    assert info.value.cause == f"content type {content_type} is not HTML"
    assert info.value.kind == kind


def test_fetch_content_encoding_gzip(http_server) -> None:
    html = doc("encoded " * 50)
    url = http_server.add("/gz", gzip.compress(html.encode()), headers={"Content-Encoding": "gzip"})
    page = fetch(url, timeout=5, allow_private=True)
    assert page.html == html
    assert page.raw == html.encode()


def test_fetch_gzip_body_without_content_encoding(http_server) -> None:
    html = doc("raw gzip")
    url = http_server.add("/page.html.gz", gzip.compress(html.encode()), content_type=None)
    assert fetch(url, timeout=5, allow_private=True).html == html


@pytest.mark.parametrize("content_length", [True, False])
def test_fetch_body_too_large(http_server, content_length: bool) -> None:
    url = http_server.add("/big", doc("x" * 5000).encode(), content_length=content_length)
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True, max_bytes=1000)
    assert info.value.cause == "larger than 1000 bytes (max_bytes)"


def test_fetch_endless_body(http_server) -> None:
    url = http_server.endless("/endless")
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5, allow_private=True, max_bytes=100_000)
    assert info.value.cause == "larger than 97.7 KB (max_bytes)"
    assert time.monotonic() - start < 3


def test_fetch_hang_times_out(http_server) -> None:
    url = http_server.hang("/hang", 10)
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=0.5, allow_private=True)
    assert info.value.cause == "timed out after 0.5s"
    assert time.monotonic() - start < 2


def test_fetch_slow_drip_hits_the_deadline(http_server) -> None:
    # Every byte arrives well within the read timeout; the whole body would not.
    url = http_server.drip("/drip", doc("drip " * 20), interval=0.05)
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=0.5, allow_private=True)
    assert info.value.cause == "timed out after 0.5s"
    assert time.monotonic() - start < 2


def test_fetch_unreachable_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(SourceError) as info:
        fetch(f"http://127.0.0.1:{port}/", timeout=2, allow_private=True)
    assert info.value.cause == "cannot connect: Connection refused"


def test_fetch_dns_failure() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as exc:
            raise httpx.ConnectError(str(exc), request=request) from exc

    with (
        httpx.Client(transport=httpx.MockTransport(fail)) as client,
        pytest.raises(SourceError) as info,
    ):
        fetch("http://no-such-host.invalid/", client=client)
    assert info.value.cause == "cannot resolve host no-such-host.invalid"


def test_fetch_with_a_shared_client(http_server) -> None:
    url = http_server.add("/shared", doc("shared").encode())
    with fetching.make_client(timeout=5) as client:
        assert "shared" in fetch(url, client=client, allow_private=True).html
        assert "shared" in fetch(url, client=client, allow_private=True).html
        assert not client.is_closed


def test_fetch_refuses_other_schemes() -> None:
    with pytest.raises(SourceError) as info:
        fetch("ftp://example.com/")
    assert info.value.cause == "unsupported URL scheme 'ftp:' (only http and https)"


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("not a url", "not a URL (an http:// or https:// address is expected)"),
        ("http://", "invalid URL: no host name"),
        ("https://:8080/page", "invalid URL: no host name"),
    ],
)
def test_fetch_says_what_is_wrong_with_a_url(url: str, cause: str) -> None:
    with pytest.raises(SourceError) as info:
        fetch(url)
    assert info.value.cause == cause


def test_importing_loading_is_cheap() -> None:
    code = (
        "import sys, unboil.extractors.loading;"
        "print(sorted(m for m in ('httpx', 'charset_normalizer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_decimal_cap_wording() -> None:
    """--max-bytes 20MB (the CLI default) is 20,000,000 bytes: said as 20 MB."""
    assert refused(b" " * 20_000_001, max_bytes=20_000_000).cause == (
        "larger than 20 MB (max_bytes)"
    )


# --------------------------------------------------------------------------- not files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipe_without_a_writer_times_out(tmp_path: Path) -> None:
    """A named pipe nobody writes to held ``unboil --timeout 3 fifo.html`` forever."""
    pipe = tmp_path / "fifo.html"
    os.mkfifo(pipe)
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        load(str(pipe), timeout=1)
    assert info.value.cause == "timed out after 1s waiting for data"
    assert time.monotonic() - start < 10  # generous: about one second


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_named_pipe_is_read_as_its_writer_sends_it(tmp_path: Path) -> None:
    """``unboil <(curl -s URL)`` reads a pipe: what its writer sends, to the end."""
    pipe = tmp_path / "fifo.html"
    os.mkfifo(pipe)
    html = "<html><body><p>" + "written slowly " * 2000 + "</p></body></html>"

    def write() -> None:
        with open(pipe, "w") as f:
            for i in range(0, len(html), 4096):
                f.write(html[i : i + 4096])
                f.flush()
                time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    page = load(str(pipe), timeout=20)
    writer.join()
    assert page.html == html


def test_a_device_is_read_up_to_the_cap() -> None:
    with pytest.raises(SourceError) as info:
        load("/dev/zero", max_bytes=1000)
    assert info.value.cause == "larger than 1000 bytes (max_bytes)"
