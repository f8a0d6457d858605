"""Fetching against hostile servers (issue #23): decompression bombs stop at
--max-bytes with bounded memory, one deadline bounds the whole fetch (slow headers,
slow DNS), private addresses are refused unless allowed, and what pages and servers
say is escaped in check's Markdown and JUnit reports."""

from __future__ import annotations

import contextlib
import io
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from unboil.cli.exitcodes import ExitStatus
from unboil.cli.main import cli
from unboil.extractors import fetching
from unboil.extractors.errors import SourceError
from unboil.extractors.fetching import (
    ContentDecodingError,
    address_refusal,
    decode_body,
    fetch,
    make_client,
)

GIB = 1 << 30
MB = 1 << 20
#: the highest peak RSS a fetching process may reach on a bomb (it holds at most
#: --max-bytes, 20 MB, of output; unbounded decoding of the 1 GiB bombs takes > 1 GB)
PEAK_LIMIT_MB = 400
REFUSED = "not fetched without allow_private"

PAGE = (
    "<html><head><title>Served</title></head><body><article>"
    + "<p>A paragraph long enough to be kept as the article text of this page.</p>" * 5
    + "</article></body></html>"
)

try:
    import brotli
except ImportError:  # pragma: no cover - a dependency of FastWARC (resiliparse)
    brotli = None
needs_brotli = pytest.mark.skipif(brotli is None, reason="brotli is not installed")


# --------------------------------------------------------------------------- bombs


def brotli_bomb(size: int) -> bytes:
    """``size`` zero bytes as brotli, streamed: 1 GiB is 809 bytes (about a second)."""
    c = brotli.Compressor(quality=5, lgwin=24)
    zeros = b"\0" * (16 * MB)
    return b"".join(c.process(zeros) for _ in range(size // len(zeros))) + c.finish()


def gzip_of_zeros(size: int, chunk: int = MB) -> bytes:
    """``size`` zero bytes as one gzip member without compressing them all: a
    full-flushed block of ``chunk`` zeros is the same bytes each time, repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    zeros = b"\0" * chunk
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    crc = 0
    for _ in range(size // chunk):
        crc = zlib.crc32(zeros, crc)
    head = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    body = first + block * (size // chunk - 1) + end
    return head + body + struct.pack("<II", crc, size & 0xFFFFFFFF)


@pytest.fixture(scope="module")
def bombs() -> dict[str, tuple[bytes, str]]:
    """name -> (body, Content-Encoding): each inflates to 1 GiB."""
    if brotli is None:
        pytest.skip("brotli is not installed")
    inner = gzip_of_zeros(GIB)
    return {
        "br": (brotli_bomb(GIB), "br"),
        "gzip-gzip": (zlib.compress(inner, 9, wbits=31), "gzip, gzip"),
        "gzip": (inner, "gzip"),
    }


#: runs argv, waits for it (at most 120 s) and prints the peak RSS of its process tree
#: (the largest process of it: every process of it is a child of this one), its exit
#: status and its stderr
PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
    "print(r.returncode)\n"
    "sys.stdout.write(r.stdout + r.stderr)\n"
)


def unboil_peak(*args: str) -> tuple[int, int, str]:
    """``unboil ARGS`` in a child process: (peak RSS in MB, exit status, output)."""
    argv = [sys.executable, "-m", "unboil.cli", *args]
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *argv], capture_output=True, text=True, timeout=180
    )
    peak, status, output = done.stdout.split("\n", 2)
    return int(peak), int(status), output


def test_decode_body_stops_at_the_limit(bombs: dict[str, tuple[bytes, str]]) -> None:
    for name in ("br", "gzip"):
        body, encoding = bombs[name]
        start = time.monotonic()
        out = decode_body([body], encoding, 1_000_000)
        assert len(out) == 1_000_001 and not out.strip(b"\0"), name
        assert time.monotonic() - start < 2, name
    with pytest.raises(ContentDecodingError, match=r"stacked content encodings \(gzip, gzip\)"):
        decode_body([bombs["gzip-gzip"][0]], "gzip, gzip", 1_000_000)


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("gzip", zlib.compress(b"<p>one</p>", wbits=31) + zlib.compress(b"<p>two</p>", wbits=31)),
        ("x-gzip", zlib.compress(b"<p>one</p><p>two</p>", wbits=31) + b"\0\0\0padding"),
        ("deflate", zlib.compress(b"<p>one</p><p>two</p>")),  # zlib-wrapped
        ("deflate", zlib.compress(b"<p>one</p><p>two</p>", wbits=-15)),  # raw, as IIS sends
        # brotli.compress(b"<p>one</p><p>two</p>", quality=0)
        pytest.param("br", b"\x8b\t\x80<p>one</p><p>two</p>\x03", marks=needs_brotli),
        ("identity", b"<p>one</p><p>two</p>"),
        ("", b"<p>one</p><p>two</p>"),
    ],
)
def test_decode_body_in_small_pieces(encoding: str, data: bytes) -> None:
    pieces = [data[i : i + 3] for i in range(0, len(data), 3)]
    assert decode_body(pieces, encoding, 1000) == b"<p>one</p><p>two</p>"


@pytest.mark.parametrize(
    ("encoding", "data", "cause"),
    [
        ("gzip", b"\x1f\x8bnot gzip at all", "corrupt gzip data"),
        pytest.param("br", b"not brotli at all", "corrupt br data", marks=needs_brotli),
        ("zstd", b"(\xb5/\xfd", "unsupported content encoding 'zstd'"),
        ("compress", b"x", "unsupported content encoding 'compress'"),
        ("br, gzip", b"x", "stacked content encodings (br, gzip) are refused"),
    ],
)
def test_decode_body_refuses(encoding: str, data: bytes, cause: str) -> None:
    with pytest.raises(ContentDecodingError) as info:
        decode_body([data], encoding, 1000)
    assert str(info.value).startswith(cause)


def test_fetch_brotli_bomb_refused_at_the_cap(http_server: Any, bombs: Any) -> None:
    body, encoding = bombs["br"]
    url = http_server.add("/br", body, headers={"Content-Encoding": encoding})
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=10, max_bytes=1_000_000, allow_private=True)
    assert info.value.cause == "larger than 1 MB (max_bytes)"
    assert time.monotonic() - start < 3


@needs_brotli
def test_fetch_brotli_page_and_accept_encoding(http_server: Any) -> None:
    url = http_server.add("/br", brotli.compress(PAGE.encode()), headers={"Content-Encoding": "br"})
    page = fetch(url, timeout=5, allow_private=True)
    assert page.html == PAGE
    assert http_server.requests[-1].headers["Accept-Encoding"] == "gzip, deflate, br"


def test_fetch_stacked_encodings_refused(http_server: Any, bombs: Any) -> None:
    body, encoding = bombs["gzip-gzip"]
    url = http_server.add("/gg", body, headers={"Content-Encoding": encoding})
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=10, allow_private=True)
    assert info.value.cause == (
        "cannot decode the response body: stacked content encodings (gzip, gzip) are refused"
    )


@pytest.mark.parametrize(
    ("name", "cause"),
    [
        ("br", "larger than 20 MB (max_bytes)"),
        ("gzip-gzip", "cannot decode the response body: stacked content encodings"),
    ],
)
def test_unboil_url_bomb_memory_stays_bounded(
    http_server: Any, bombs: Any, name: str, cause: str
) -> None:
    """`unboil URL` on a 1 GiB bomb: the one-line error, and the process never holds
    much more than --max-bytes (unbounded decoding peaked at 2-8 GB and died with
    MemoryError)."""
    body, encoding = bombs[name]
    url = http_server.add(f"/{name}", body, headers={"Content-Encoding": encoding})
    peak, status, output = unboil_peak("--allow-private", "--max-bytes", "20MB", url)
    assert peak < PEAK_LIMIT_MB, (name, peak, output)
    assert status == ExitStatus.SOURCES_FAILED, output
    assert f"unboil: {url}: {cause}" in output


def test_batch_urls_bombs_memory_stays_bounded(
    http_server: Any, bombs: Any, tmp_path: Path
) -> None:
    """`unboil batch --urls` fetches in the parent (--max-memory caps the workers
    only): its peak stays bounded on every bomb."""
    urls = [
        http_server.add(f"/{name}", body, headers={"Content-Encoding": encoding})
        for name, (body, encoding) in bombs.items()
    ]
    (tmp_path / "urls.txt").write_text("\n".join(urls) + "\n")
    peak, status, output = unboil_peak(
        "batch", "--urls", str(tmp_path / "urls.txt"), "-f", "jsonl", "-b", "alltext",
        "--allow-private", "-j", "1", "-q",
    )  # fmt: skip
    assert peak < PEAK_LIMIT_MB, (peak, output)
    assert status == ExitStatus.SOURCES_FAILED, output
    assert output.count('"status": "failed"') == 3, output


# --------------------------------------------------------------------------- the deadline


@pytest.fixture
def slow_headers() -> Iterator[str]:
    """A raw-socket server that sends its status line and headers one byte every 0.1
    s (a header section that would take hours); stops when the test ends."""
    stop = threading.Event()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)

    def answer(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                if stop.wait(0.1):
                    return
                conn.sendall(bytes([byte]))

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:  # the accept timeout: look at ``stop`` again
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/"
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_fetch_slow_headers_hit_the_deadline(slow_headers: str) -> None:
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(slow_headers, timeout=1, allow_private=True)
    assert info.value.cause == "timed out after 1s"
    assert time.monotonic() - start < 2


def test_fetch_slow_headers_in_a_thread(slow_headers: str) -> None:
    """The deadline needs no signal: batch fetches in a thread pool."""
    from concurrent.futures import ThreadPoolExecutor

    def one() -> str:
        try:
            fetch(slow_headers, timeout=1, allow_private=True)
        except SourceError as exc:
            return exc.cause
        return "fetched"

    start = time.monotonic()
    with ThreadPoolExecutor(3) as pool:
        causes = list(pool.map(lambda _: one(), range(3)))
    assert causes == ["timed out after 1s"] * 3
    assert time.monotonic() - start < 2.5


def test_cli_and_batch_slow_headers_end_at_the_timeout(slow_headers: str) -> None:
    for args in (
        ["--timeout", "2", "--allow-private", slow_headers],
        ["batch", "--urls", "-", "-f", "jsonl", "-b", "alltext", "--timeout", "2",
         "--allow-private", "-j", "1", "-q"],
    ):  # fmt: skip
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "unboil.cli", *args],
            input=slow_headers + "\n",
            capture_output=True,
            text=True,
            timeout=60,  # before the fix: hanging until killed
        )
        assert done.returncode == ExitStatus.SOURCES_FAILED, done.stderr
        assert "timed out after 2s" in done.stdout + done.stderr
        assert time.monotonic() - start < 10  # 2 s, the start-up and the backend's import


def test_slow_name_lookup_hits_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(3)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch("http://slow-dns.test/", timeout=0.5)
    assert info.value.cause == "timed out after 0.5s"
    assert time.monotonic() - start < 1.5


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.0.0.2", "a loopback address"),
        ("::1", "a loopback address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private address"),
        ("224.0.0.1", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("64:ff9b::a00:1", "a private address"),  # NAT64 of 10.0.0.1
        ("93.184.215.14", None),
        ("2606:4700::6810:84e5", None),
    ],
)
def test_address_policy(address: str, why: str | None) -> None:
    assert address_refusal(address) == why


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}",
        "127.0.0.2:{port}",
        "localhost:{port}",
        "0x7f.1:{port}",
        "[::1]:{port}",
        "[::ffff:127.0.0.1]:{port}",
        "0.0.0.0:{port}",
        "169.254.169.254",
        "10.1.2.3",
    ],
)
def test_private_addresses_refused_by_default(http_server: Any, host: str) -> None:
    http_server.add("/", PAGE)
    url = f"http://{host.format(port=http_server.port)}/"
    start = time.monotonic()
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5)
    assert info.value.cause.endswith(REFUSED), info.value.cause
    assert http_server.requests == []  # no request reached the server
    assert time.monotonic() - start < 1  # refused before connecting, not timed out


def test_private_address_refusal_says_what_the_name_resolved_to(http_server: Any) -> None:
    with pytest.raises(SourceError) as info:
        fetch(f"http://localhost:{http_server.port}/", timeout=5)
    assert info.value.cause.startswith("localhost resolves to ")
    assert "a loopback address: not fetched without allow_private" in info.value.cause


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1:{port}", "0x7f.1:{port}"])
def test_allow_private_fetches_them(http_server: Any, host: str) -> None:
    http_server.add("/", PAGE)
    url = f"http://{host.format(port=http_server.port)}/"
    assert "paragraph long enough" in fetch(url, timeout=5, allow_private=True).html


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server on 127.0.0.1 stands in for a public server: the policy lets
    127.0.0.1 through and judges every other address as usual."""
    real = fetching.address_refusal
    monkeypatch.setattr(
        fetching, "address_refusal", lambda a: None if a == "127.0.0.1" else real(a)
    )


def _resolver(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> list[str]:
    """Names that resolve as ``names`` says; returns the log of lookups."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in names:
            return real(host, port, *args, **kwargs)
        looked_up.append(host)
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in names[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


@pytest.mark.usefixtures("loopback_is_public")
@pytest.mark.parametrize(
    ("to", "cause"),
    [
        ("http://127.0.0.2:{port}/secret", f"127.0.0.2 is a loopback address: {REFUSED}"),
        (
            "http://metadata.test/latest/meta-data/",
            f"metadata.test resolves to 169.254.169.254, a link-local address: {REFUSED}",
        ),
    ],
)
def test_redirect_to_a_private_address_refused(
    http_server: Any, monkeypatch: pytest.MonkeyPatch, to: str, cause: str
) -> None:
    _resolver(monkeypatch, {"metadata.test": ["169.254.169.254"]})
    http_server.add("/secret", PAGE)
    url = http_server.redirect("/hop", to.format(port=http_server.port))
    with pytest.raises(SourceError) as info:
        fetch(url, timeout=5)
    assert info.value.cause == cause
    assert [r.path for r in http_server.requests] == ["/hop"]


@pytest.mark.usefixtures("loopback_is_public")
def test_connects_to_the_address_it_checked(
    http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name resolving to a private and a public address: only the public one is
    connected to, the name looked up once (no second lookup to rebind)."""
    looked_up = _resolver(monkeypatch, {"mixed.test": ["10.0.0.1", "127.0.0.1"]})
    http_server.add("/", PAGE)
    page = fetch(f"http://mixed.test:{http_server.port}/", timeout=5)
    assert "paragraph long enough" in page.html
    assert looked_up == ["mixed.test"]
    looked_up.clear()
    _resolver(monkeypatch, {"mixed.test": ["10.0.0.1"]})
    with pytest.raises(SourceError, match=REFUSED):
        fetch(f"http://mixed.test:{http_server.port}/", timeout=5)


def test_a_foreign_client_is_checked_on_its_peer(http_server: Any) -> None:
    """A client not made by make_client connects by itself: the response's peer
    address is checked before the body is read."""
    http_server.add("/", PAGE)
    with httpx.Client() as client, pytest.raises(SourceError) as info:
        fetch(f"http://localhost:{http_server.port}/", timeout=5, client=client)
    assert info.value.cause == f"localhost resolves to 127.0.0.1, a loopback address: {REFUSED}"


def test_a_client_from_make_client_follows_fetch(http_server: Any) -> None:
    http_server.add("/", PAGE)
    with make_client(5) as client:
        with pytest.raises(SourceError, match=REFUSED):
            fetch(http_server.url("/"), client=client)
        assert "paragraph" in fetch(http_server.url("/"), client=client, allow_private=True).html


# --------------------------------------------------------------------------- commands


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["compare"],
        ["diff", "--stat"],
        ["audit", "-o", "-"],
    ],
)
def test_commands_refuse_private_urls_by_default(http_server: Any, command: list[str]) -> None:
    url = http_server.add("/", PAGE)
    result = invoke(*command, url)
    assert result.exit_code in (ExitStatus.SOURCES_FAILED, ExitStatus.USAGE), result.output
    assert result.stderr.strip() == f"unboil: {url}: 127.0.0.1 is a loopback address: {REFUSED}"
    assert http_server.requests == []


@pytest.mark.parametrize("command", ["extract", "batch", "compare", "diff", "audit", "check"])
def test_fetching_commands_have_allow_private(command: str) -> None:
    assert "--allow-private" in invoke(command, "--help").stdout


def test_batch_urls_refuse_private_by_default(http_server: Any) -> None:
    url = http_server.add("/", PAGE)
    result = invoke("batch", "--urls", "-", "-f", "jsonl", "-b", "alltext", "-q", input=url)
    assert result.exit_code == ExitStatus.SOURCES_FAILED
    assert f"127.0.0.1 is a loopback address: {REFUSED}" in result.stdout
    assert http_server.requests == []
    result = invoke(
        "batch", "--urls", "-", "-f", "jsonl", "-b", "alltext", "-q", "--allow-private", input=url
    )
    assert result.exit_code == 0, result.output
    assert '"status": "ok"' in result.stdout


def test_check_canary_urls_in_a_config_file(
    http_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository's pyproject.toml naming a private URL: a plain `unboil check` does
    not fetch it; `allow_private = true` there does, and every report says so."""
    url = http_server.add("/", PAGE)
    (tmp_path / ".git").mkdir()
    config = tmp_path / "pyproject.toml"
    config.write_text(
        f'[tool.unboil.check]\nagreement_below = 0.1\npages = ["{url}"]\n'
        'agreement_backends = ["alltext", "trafilatura"]\n'
    )
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "--json", "report.json")
    assert result.exit_code == ExitStatus.CHECK_FAILED
    assert (
        f"could not be read: 127.0.0.1 is a loopback address: {REFUSED}"
        in (tmp_path / "report.json").read_text()
    )
    assert http_server.requests == []

    config.write_text(config.read_text() + "allow_private = true\n")
    result = invoke("check", "--markdown", "comment.md")
    assert result.exit_code == 0, result.output
    assert [r.path for r in http_server.requests] == ["/"]
    assert "note: allow_private = true in pyproject.toml" in result.stderr
    assert "allow\\_private = true in pyproject.toml" in (tmp_path / "comment.md").read_text()

    config.write_text(config.read_text().replace("= true", "= 1"))
    result = invoke("check")
    assert result.exit_code == ExitStatus.USAGE
    assert "allow_private must be true or false" in result.stderr


# --------------------------------------------------------------------------- reports

HOSTILE = "Not Found ![pixel](http://x.test/p.png) <script>alert(1)</script> ]]> @team www.x.test"


def test_check_reports_escape_page_and_server_text(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from unboil.extractors.canary import CanaryPage
    from unboil.extractors.check import evaluate
    from unboil.extractors.check_config import CheckConfig
    from unboil.extractors.check_reports import junit_xml, markdown

    source = "http://x.test/a|b <img src=x>"
    reason = f"HTTP 404 {HOSTILE} \x1b[31mred\x00"
    config = CheckConfig(agreement_below=0.5)
    report = evaluate([], config, canary=[CanaryPage(source, None, error=reason, flagged=True)])

    md = markdown(report)
    for raw in ("![", "](", "<script>", "<img src=x>", " @team", "http://", "www.x"):
        assert raw not in md, raw  # each only with its backslash
    assert "\\!\\[pixel\\]\\(http\\://x.test/p.png\\)" in md
    assert "\\<script\\>alert\\(1\\)\\</script\\>" in md
    assert "\\<img src=x\\>" in md and "\\@team" in md and "www\\.x.test" in md
    assert "\x1b" not in md and "\x00" not in md
    assert "a\\|b" in md  # the table keeps its columns

    xml = junit_xml(report)
    assert "<script>" not in xml and "]]>" not in xml and "<img" not in xml
    root = ET.fromstring(xml)  # control characters would make it unreadable
    (failure,) = root.iter("failure")
    assert failure.get("message") == f"could not be read: HTTP 404 {HOSTILE} \ufffd[31mred\ufffd"
    (case,) = root.iter("testcase")
    assert case.get("name") == source


def test_a_reason_phrase_cannot_drive_the_terminal(http_server: Any) -> None:
    def hostile(h: Any) -> None:
        h.send_response(404, "Gone \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J")  # clipboard, clear
        h.send_header("Content-Length", "0")
        h.end_headers()

    with pytest.raises(SourceError) as info:
        fetch(http_server.handle("/", hostile), timeout=5, allow_private=True)
    assert info.value.cause == "HTTP 404 Gone \ufffd]52;c;cm0gLXJmIH4=\ufffd \ufffd[2J"


def test_check_report_of_a_hostile_reason_phrase(http_server: Any, tmp_path: Path) -> None:
    """End to end: a server's reason phrase reaches the reports only escaped."""
    import xml.etree.ElementTree as ET

    def hostile(h: Any) -> None:
        h.send_response(404, HOSTILE)
        h.send_header("Content-Length", "0")
        h.end_headers()

    url = http_server.handle("/", hostile)
    md, junit = tmp_path / "comment.md", tmp_path / "junit.xml"
    result = invoke(
        "check", "--agreement-below", "0.5", "-b", "alltext,trafilatura", "--allow-private",
        "--markdown", str(md), "--junit", str(junit), url,
    )  # fmt: skip
    assert result.exit_code == ExitStatus.CHECK_FAILED, result.output
    text = md.read_text()
    assert "\\!\\[pixel\\]\\(http\\://x.test/p.png\\)" in text
    assert "![pixel]" not in text and "<script>" not in text
    (failure,) = ET.parse(junit).getroot().iter("failure")
    assert failure.get("message") == f"could not be read: HTTP 404 {HOSTILE}"
    assert "<script>" not in junit.read_text()


# --------------------------------------------------------------------------- WARC payloads


def _gzip_member(prefix: bytes, zeros: int, suffix: bytes, chunk: int = MB) -> bytes:
    """One gzip member of ``prefix``, ``zeros`` NUL bytes and ``suffix``, made as
    ``gzip_of_zeros`` makes its bomb."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = b"\0" * chunk
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    repeated = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time
    tail = c.compress(suffix) + c.flush()
    crc = zlib.crc32(prefix)
    for _ in range(zeros // chunk):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    size = (len(prefix) + zeros + len(suffix)) & 0xFFFFFFFF
    body = head + repeated * (zeros // chunk) + tail
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, size)


def _write_pages(fh: Any, records: list[tuple[str, bytes, list[tuple[str, str]]]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    w = WARCWriter(fh, gzip=True)
    for uri, body, headers in records:
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        w.write_record(
            w.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=http)
        )


def test_warc_brotli_bomb_record_bounded(bombs: Any, tmp_path: Path) -> None:
    """A 1 GiB brotli payload in a WARC record: scanned (2 KB decoded) and loaded (20
    MB decoded, then refused) without ever holding more (brotli.decompress of the whole
    payload took the scanning parent past 2 GB)."""
    pytest.importorskip("warcio")
    from unboil.extractors import warc

    path = tmp_path / "bomb.warc.gz"
    html = [("Content-Type", "text/html")]
    with open(path, "wb") as fh:
        _write_pages(
            fh,
            [
                ("http://ex.test/bomb", bombs["br"][0], [*html, ("Content-Encoding", "br")]),
                ("http://ex.test/page", PAGE.encode(), html),
            ],
        )
    peak, status, output = unboil_peak(
        "batch", str(path), "-f", "jsonl", "-b", "alltext", "-j", "1"
    )
    assert peak < PEAK_LIMIT_MB, (peak, output)
    assert status == ExitStatus.SOURCES_FAILED, output
    assert '"error": "decompresses to more than 20 MB (max_bytes)"' in output
    assert output.count('"status": "ok"') == 1

    entries = warc.scan(path, max_bytes=1_000_000)
    assert [(e.url, e.skip) for e in entries] == [
        ("http://ex.test/bomb", None),
        ("http://ex.test/page", None),
    ]
    with pytest.raises(SourceError) as info:
        warc.load_record(path, entries[0].offset, "bomb", max_bytes=1_000_000)
    assert info.value.cause == "decompresses to more than 1 MB (max_bytes)"


def test_warc_record_inflating_to_a_gigabyte_bounded(tmp_path: Path) -> None:
    """A 1 MB gzip member that inflates to a 1 GiB record: read past a piece at a
    time (the record's end is where the next one starts), never held whole."""
    pytest.importorskip("warcio")
    zeros = GIB
    http = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {zeros}\r\n\r\n"
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\n"
        "WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
        "WARC-Target-URI: http://ex.test/zeros\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        f"Content-Length: {len(http) + zeros}\r\n\r\n{http}"
    ).encode()
    path = tmp_path / "zeros.warc.gz"
    with open(path, "wb") as fh:
        fh.write(_gzip_member(head, zeros, b"\r\n\r\n"))
        _write_pages(fh, [("http://ex.test/page", PAGE.encode(), [("Content-Type", "text/html")])])
    assert path.stat().st_size < 3 * MB
    peak, status, output = unboil_peak(
        "batch", str(path), "-f", "jsonl", "-b", "alltext", "-j", "1"
    )
    assert peak < PEAK_LIMIT_MB, (peak, output)
    assert status == ExitStatus.SOURCES_FAILED, output
    assert '"error": "larger than 20 MB (max_bytes)"' in output
    assert output.count('"status": "ok"') == 1  # the record after it


def test_gold_set_gzip_bomb_refused(tmp_path: Path) -> None:
    """A gold set's .html.gz (check and bench read them from the repository) is
    gunzipped with the same cap as any page: a bomb is refused, not inflated."""
    from unboil.extractors.goldsets import GoldPage

    path = tmp_path / "bomb.html.gz"
    path.write_bytes(gzip_of_zeros(64 * MB))
    with pytest.raises(SourceError) as info:
        GoldPage("bomb", path, text="x").read_bytes()
    assert info.value.cause == "decompresses to more than 20 MB (max_bytes)"
