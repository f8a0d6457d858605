"""Fetching URLs: the one httpx client factory, ``fetch``, and what keeps a hostile
server from hurting the fetcher.

- **One deadline over the whole fetch.** ``fetch`` sets a deadline (``timeout`` seconds
  from its start) that every network operation of the fetch is held to: name
  resolution (run in a helper thread, waited for at most the time left), connect, TLS,
  sending the request, every read of the status line, headers and body, redirects and
  retries. Each operation gets the smaller of its own timeout and the time left, and
  none starts after the deadline; so a server that drips its headers a byte at a time
  cannot keep the fetch past it. The deadline lives in a context variable read by the
  clients' network layer (``make_client``'s), so it works in any thread (batch fetches
  in a thread pool, where no SIGALRM can be used) and needs no watchdog.
- **Bounded decompression.** httpx's own decoding is not used (it inflates a chunk
  without an output limit: 3 KB of brotli can become 4 GiB). The raw body is read and
  its ``Content-Encoding`` undone here by streaming decoders that never hold more than
  ``max_bytes`` of output (``decode_body``; also used for the payloads of WARC
  records). One encoding layer is accepted; stacked ones (``gzip, gzip``) are refused.
  ``Accept-Encoding`` names only what can be decoded so (gzip, deflate, and br when a
  ``brotli`` with an output limit is installed).
- **Private addresses refused.** Unless ``allow_private``, a connection is only made to
  a public address: the network layer resolves the host once, refuses each loopback,
  private, link-local, reserved (and otherwise not globally routable) address
  (``address_refusal``) and connects to the address it checked, so DNS rebinding
  finds no second lookup to subvert. Every hop of a redirect chain opens its
  connection through the same check, and a hop whose host is a private IP literal is
  refused before any request (a cache, or another client, would not check it). A
  client not made by ``make_client`` is checked on the peer address of each response,
  before its body is read. Proxies from the environment are not used (the checked
  address would be the proxy's).

One module over 600 lines for one concern: a fetch that is safe on hostile servers
(every limit and address check above holds on every hop, so they live together).
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .errors import SourceError
from .loading import (
    ACCEPT,
    DEFAULT_MAX_BYTES,
    DEFAULT_TIMEOUT,
    MAX_REDIRECTS,
    USER_AGENT,
    _check_mime,
    _one_line,
    _os_reason,
    _parse_content_type,
    _strip_errno,
    _too_large,
    is_http_url,
    load_bytes,
    url_scheme,
)
from .page import Page

if TYPE_CHECKING:
    import httpcore
    import httpx

__all__ = [
    "ContentDecodingError",
    "accept_encoding",
    "address_refusal",
    "content_encoding",
    "decode_body",
    "fetch",
    "make_client",
    "make_transport",
    "time_left",
]

_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


# --------------------------------------------------------------------------- addresses


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def address_refusal(address: str) -> str | None:
    """Why a connection to the IP ``address`` is refused without ``allow_private``
    ("a loopback address", "a private address", ...); None for a public address (one
    Python's ``ipaddress`` calls global). An IPv4 address in IPv6 clothing
    (``::ffff:127.0.0.1``, NAT64's ``64:ff9b::10.0.0.1``) is judged as that IPv4."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            address.split("%", 1)[0]
        )
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:  # an IPv4 address reached through a NAT64 gateway
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public address"
    return None


def _refused(host: str, address: str, why: str) -> str:
    bare = host.strip("[]")
    said = f"{address} is" if bare == address else f"{bare} resolves to {address},"
    return f"{said} {why}: not fetched without allow_private"


class PrivateAddressError(Exception):
    """A connection refused by the address policy; ``cause`` is the one-line reason."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


# --------------------------------------------------------------------------- the deadline


@dataclass(frozen=True)
class _Fetching:
    """What the network layer needs to know about the fetch it works for."""

    deadline: float | None
    allow_private: bool | None  # None: the client's own setting


_CURRENT: contextvars.ContextVar[_Fetching | None] = contextvars.ContextVar(
    "unboil_fetching", default=None
)


@contextlib.contextmanager
def _fetching(timeout: float, allow_private: bool) -> Iterator[float]:
    deadline = time.monotonic() + timeout
    token = _CURRENT.set(_Fetching(deadline, allow_private))
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def time_left() -> float | None:
    """Seconds left before the deadline of the fetch running in this thread (may be
    negative); None outside a fetch."""
    current = _CURRENT.get()
    if current is None or current.deadline is None:
        return None
    return current.deadline - time.monotonic()


def _bounded(timeout: float | None, timeout_error: type[Exception]) -> float | None:
    """``timeout`` shortened to the time left; raises ``timeout_error`` (an httpcore
    timeout) once the deadline has passed."""
    left = time_left()
    if left is None:
        return timeout
    if left <= 0:
        raise timeout_error("the fetch's deadline has passed (timeout)")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream:
    """An httpcore network stream whose every operation ends by the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        import httpcore

        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        import httpcore

        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> _DeadlineStream:
        import httpcore

        # CPython's TLS handshake holds its whole exchange to the one timeout given
        inner = self._inner.start_tls(
            ssl_context, server_hostname, _bounded(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _GuardedBackend:
    """httpcore's synchronous network backend, with the host resolved here (bounded by
    the deadline), each address checked against the policy, and a connection made
    only to an address that passed; its streams keep to the deadline."""

    def __init__(self, allow_private: bool) -> None:
        import httpcore

        self.allow_private = allow_private
        self._inner = httpcore.SyncBackend()

    def _allowed(self) -> bool:
        current = _CURRENT.get()
        if current is not None and current.allow_private is not None:
            return current.allow_private
        return self.allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _DeadlineStream:
        import httpcore

        allowed = self._allowed()
        addresses = _resolve(host, port, _bounded(timeout, httpcore.ConnectTimeout))
        refusal: str | None = None
        error: Exception | None = None
        for address in addresses:
            why = None if allowed else address_refusal(address)
            if why is not None:
                refusal = refusal or _refused(host, address, why)
                continue
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    _bounded(timeout, httpcore.ConnectTimeout),
                    local_address,
                    socket_options,
                )
            except httpcore.ConnectError as exc:  # the next address, as create_connection does
                error = exc
                continue
            return _DeadlineStream(stream)
        if error is not None:
            raise error
        raise PrivateAddressError(refusal or f"cannot resolve host {host}")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> Any:
        raise PrivateAddressError("Unix sockets are not connected to")

    def sleep(self, seconds: float) -> None:
        left = time_left()
        time.sleep(seconds if left is None else max(0.0, min(seconds, left)))


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of ``host`` (an IP literal as it is), in the resolver's order;
    the lookup runs in a helper thread so that a slow resolver cannot outlast the
    deadline."""
    import httpcore

    bare = host.strip("[]")
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(bare.split("%", 1)[0])
        return [bare]
    found: dict[str, Any] = {}

    def lookup() -> None:
        try:
            found["infos"] = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
        except Exception as exc:  # gaierror, UnicodeError (an invalid name)
            found["error"] = exc

    thread = threading.Thread(target=lookup, name="unboil-resolve", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise httpcore.ConnectTimeout(f"resolving {bare} took too long")
    if "error" in found:
        exc = found["error"]
        raise httpcore.ConnectError(str(exc)) from exc
    addresses = [str(info[4][0]) for info in found["infos"]]
    return list(dict.fromkeys(addresses))


def make_transport(
    *, allow_private: bool = False, limits: httpx.Limits | None = None
) -> httpx.HTTPTransport:
    """httpx's transport over unboil's network layer: the address policy (private
    addresses refused unless ``allow_private``) and the fetch deadline."""
    import httpcore
    import httpx

    limits = limits or httpx.Limits()
    ssl_context = httpx.create_ssl_context()  # made once (it reads the CA bundle)
    transport = httpx.HTTPTransport(verify=ssl_context, limits=limits)
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool):  # httpx changed its insides
        raise RuntimeError("httpx.HTTPTransport has no httpcore connection pool to replace")
    pool.close()
    # the pool httpx builds, with the network backend in place of httpcore's
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=cast("httpcore.NetworkBackend", _GuardedBackend(allow_private)),
    )
    return transport


# --------------------------------------------------------------------------- decoding


class ContentDecodingError(ValueError):
    """A body whose content encoding does not decode, or cannot be decoded safely."""


def _brotli() -> Any | None:
    """A brotli module whose streaming decompressor takes an output limit (brotli
    >= 1.2, or brotlicffi >= 1.2), else None."""
    for name in ("brotli", "brotlicffi"):
        try:
            module = __import__(name)
            module.Decompressor().process(b"", output_buffer_limit=1)
        except Exception:  # not installed, or too old for an output limit
            continue
        return module
    return None


_BROTLI: list[Any] = []


def _bounded_brotli() -> Any | None:
    if not _BROTLI:
        _BROTLI.append(_brotli())
    return _BROTLI[0]


def _require_brotli() -> Any:
    brotli = _bounded_brotli()
    if brotli is None:
        raise ContentDecodingError(
            "brotli content encoding needs brotli >= 1.2: pip install 'brotli>=1.2'"
        )
    return brotli


def accept_encoding() -> str:
    """The ``Accept-Encoding`` unboil sends: only what it decodes with an output limit."""
    return "gzip, deflate, br" if _bounded_brotli() is not None else "gzip, deflate"


_ALIASES = {"x-gzip": "gzip", "gzip": "gzip", "deflate": "deflate", "br": "br"}


def content_encoding(value: str | None) -> str | None:
    """The one content encoding a ``Content-Encoding`` header names (None: identity);
    raises ``ContentDecodingError`` for stacked or unknown encodings."""
    names = [n.strip().lower() for n in (value or "").split(",")]
    names = [n for n in names if n and n not in ("identity", "none")]
    if not names:
        return None
    if len(names) > 1:
        raise ContentDecodingError(f"stacked content encodings ({', '.join(names)}) are refused")
    name = _ALIASES.get(names[0])
    if name is None:
        raise ContentDecodingError(f"unsupported content encoding {names[0]!r}")
    if name == "br":
        _require_brotli()
    return name


def _zlib_header(data: bytes) -> bool:
    return data[0] & 0x0F == 8 and ((data[0] << 8) | data[1]) % 31 == 0


def _inflate(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """gzip (several members too; what follows the last one is ignored) or deflate
    (with its zlib header or raw, as browsers accept both), at most ``_CHUNK`` bytes of
    output at a time, however much one input chunk expands to."""
    gzip = encoding == "gzip"
    d = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
    held = b""  # deflate: its first bytes (zlib or raw?); gzip: what follows a member
    ignoring = False
    for data in chunks:
        if ignoring:
            continue  # still read, so that the caller's caps apply
        if d is None or d.eof:
            held += data
            if len(held) < 2:
                continue
            if d is None:
                d = zlib.decompressobj(zlib.MAX_WBITS if _zlib_header(held) else -zlib.MAX_WBITS)
            elif held[:2] == _GZIP_MAGIC:  # another gzip member
                d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            else:
                ignoring = True
                continue
            data, held = held, b""
        while data:
            out = d.decompress(data, _CHUNK)
            data = d.unconsumed_tail
            if out:
                yield out
            if d.eof:
                rest = d.unused_data
                if not gzip or (len(rest) >= 2 and rest[:2] != _GZIP_MAGIC):
                    ignoring = True
                elif len(rest) < 2:
                    held = rest
                else:
                    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
    if d is not None and not d.eof and not ignoring:
        # output still pending (a truncated stream is kept as far as it goes, as
        # browsers do), a chunk at a time
        while out := d.decompress(b"", _CHUNK):
            yield out


def _unbrotli(chunks: Iterable[bytes]) -> Iterator[bytes]:
    d = _require_brotli().Decompressor()
    for data in chunks:
        out = d.process(data, output_buffer_limit=_CHUNK)
        if out:
            yield out
        while not d.can_accept_more_data():
            out = d.process(b"", output_buffer_limit=_CHUNK)
            if not out:
                break
            yield out


def decode_body(chunks: Iterable[bytes], encoding: str | None, limit: int) -> bytes:
    """The body of ``chunks`` with ``encoding`` (a ``Content-Encoding`` value) undone,
    at most ``limit + 1`` bytes: decoding, and reading ``chunks``, stop as soon as the
    output passes ``limit``, so a decompression bomb never takes more memory than that.
    Raises ``ContentDecodingError`` for an encoding that is stacked, unknown or does
    not decode; what ``chunks`` raises goes through."""
    name = content_encoding(encoding)
    pieces: Iterator[bytes] = iter(chunks)
    errors: tuple[type[Exception], ...] = (zlib.error,)
    if name in ("gzip", "deflate"):
        pieces = _inflate(pieces, name)
    elif name == "br":
        pieces = _unbrotli(pieces)
        errors = (_require_brotli().error,)
    parts: list[bytes] = []
    total = 0
    try:
        for piece in pieces:
            parts.append(piece)
            total += len(piece)
            if total > limit:
                break
    except errors as exc:
        reason = str(exc).rsplit(": ", 1)[-1] or type(exc).__name__
        raise ContentDecodingError(f"corrupt {name} data ({reason})") from None
    finally:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
    body = b"".join(parts)
    return body if len(body) <= limit + 1 else body[: limit + 1]


# --------------------------------------------------------------------------- the client


def make_client(
    timeout: float = DEFAULT_TIMEOUT,
    *,
    allow_private: bool = False,
    limits: httpx.Limits | None = None,
    wrap: Callable[[httpx.BaseTransport], httpx.BaseTransport] | None = None,
) -> httpx.Client:
    """An httpx client as ``fetch`` makes one: unboil's User-Agent and Accept-Encoding,
    the timeout (each network wait; ``fetch`` adds its deadline), no automatic
    redirects (``fetch`` follows them itself), no proxies from the environment, and
    connections to private addresses refused unless ``allow_private`` (``fetch``'s own
    ``allow_private`` decides while it runs). ``wrap`` wraps the transport (retries, a
    cache). Share one across many fetches to reuse connections; the caller closes it."""
    import httpx

    transport: httpx.BaseTransport = make_transport(allow_private=allow_private, limits=limits)
    if wrap is not None:
        transport = wrap(transport)
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": accept_encoding()},
        transport=transport,
        trust_env=False,
    )


def fetch(
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    client: httpx.Client | None = None,
    allow_private: bool = False,
) -> Page:
    """GET an http(s) URL and load it as a page.

    At most ``MAX_REDIRECTS`` redirects, to http(s) only; the body is streamed and
    refused past ``max_bytes`` (raw, and once its Content-Encoding is undone, which is
    done here with bounded decoders); ``timeout`` is one deadline over the whole fetch:
    name lookups, connects, headers, body, redirects and retries. Loopback, private,
    link-local and reserved addresses are refused, after name resolution and at every
    redirect, unless ``allow_private``. The Page's ``url`` is the final URL.
    """
    import urllib.parse

    import httpx

    if not is_http_url(url):
        scheme = url_scheme(url)
        if scheme is None:
            raise SourceError(url, "not a URL (an http:// or https:// address is expected)")
        raise SourceError(url, f"unsupported URL scheme '{scheme}:' (only http and https)")
    if not urllib.parse.urlsplit(url).hostname:
        raise SourceError(url, "invalid URL: no host name")
    own = client is None
    http = make_client(timeout, allow_private=allow_private) if client is None else client
    try:
        with _fetching(timeout, allow_private) as deadline:
            return _fetch(
                http,
                url,
                timeout=timeout,
                max_bytes=max_bytes,
                deadline=deadline,
                allow_private=allow_private,
            )
    except SourceError:
        raise
    except PrivateAddressError as exc:
        raise SourceError(url, exc.cause) from None
    except httpx.TimeoutException:
        raise SourceError(url, f"timed out after {timeout:g}s") from None
    except httpx.ConnectError as exc:
        raise SourceError(url, _connect_reason(exc, url)) from None
    except httpx.DecodingError as exc:
        raise SourceError(url, f"cannot decode the response body: {_one_line(exc)}") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError) as exc:
        raise SourceError(url, f"invalid URL: {_one_line(exc)}") from None
    except httpx.RemoteProtocolError as exc:
        raise SourceError(url, f"HTTP protocol error: {_one_line(exc)}") from None
    except (httpx.HTTPError, httpx.StreamError) as exc:
        raise SourceError(url, f"HTTP error: {_one_line(exc)}") from None
    except OSError as exc:
        raise SourceError(url, f"cannot connect: {_os_reason(exc)}") from None
    finally:
        if own:
            http.close()


def _fetch(
    client: httpx.Client,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    deadline: float,
    allow_private: bool,
) -> Page:
    import httpx

    def timed_out() -> SourceError:
        return SourceError(url, f"timed out after {timeout:g}s")

    target = httpx.URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out()
        if not allow_private:
            _check_literal(target, url)
        request = client.build_request("GET", target, timeout=httpx.Timeout(remaining))
        try:
            response = client.send(request, stream=True, follow_redirects=False)
        except httpx.InvalidURL as exc:  # httpx resolving a redirect's Location
            raise SourceError(url, f"redirected to an invalid URL: {_one_line(exc)}") from None
        try:
            if not allow_private:
                _check_peer(response, url)
            if response.next_request is not None:
                target = response.next_request.url
                if target.scheme not in ("http", "https"):
                    location = response.headers.get("location", str(target))
                    location = _one_line(_CONTROL.sub("\ufffd", location))
                    raise SourceError(url, f"redirected to a non-HTTP URL: {location}")
                continue
            if not response.is_success:
                raise SourceError(url, _status(response))
            content_type = response.headers.get("content-type")
            _check_mime(url, _parse_content_type(content_type)[0])
            length = response.headers.get("content-length", "").strip()
            if length.isdigit() and int(length) > max_bytes:
                raise SourceError(url, _too_large(max_bytes))
            encoding = ",".join(response.headers.get_list("content-encoding"))
            raw = _raw_body(response, url, max_bytes, deadline, timeout)
            try:
                body = decode_body(raw, encoding, max_bytes)
            except ContentDecodingError as exc:
                raise SourceError(url, f"cannot decode the response body: {exc}") from None
            if len(body) > max_bytes:
                raise SourceError(url, _too_large(max_bytes))
            return load_bytes(
                body,
                url,
                content_type=content_type,
                url=str(response.url),
                max_bytes=max_bytes,
            )
        finally:
            response.close()
    raise SourceError(url, f"too many redirects (more than {MAX_REDIRECTS})")


def _raw_body(
    response: httpx.Response, url: str, max_bytes: int, deadline: float, timeout: float
) -> Iterator[bytes]:
    """The body as sent (Content-Encoding not undone), refused past ``max_bytes`` or
    the deadline."""
    total = 0
    for chunk in response.iter_raw():
        total += len(chunk)
        if total > max_bytes:
            raise SourceError(url, _too_large(max_bytes))
        if time.monotonic() > deadline:
            raise SourceError(url, f"timed out after {timeout:g}s")
        yield chunk


def _check_literal(target: httpx.URL, url: str) -> None:
    """Refuse a URL whose host is a private IP address before any request (a cache,
    or a client not made by ``make_client``, would not check it first)."""
    host = target.host
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host.split("%", 1)[0])
        why = address_refusal(host)
        if why is not None:
            raise SourceError(url, _refused(host, host, why))


def _check_peer(response: httpx.Response, url: str) -> None:
    """Refuse a response from a private address (a client not made by
    ``make_client``, or a kept-alive connection opened under another policy): checked
    on the connection's peer, before the body is read."""
    stream = response.extensions.get("network_stream")
    if stream is None:  # a cached or mocked response: no connection
        return
    try:
        peer = stream.get_extra_info("server_addr")
    except Exception:
        return
    if isinstance(peer, tuple) and peer:
        why = address_refusal(str(peer[0]))
        if why is not None:
            raise SourceError(url, _refused(response.url.host, str(peer[0]), why))


def _status(response: httpx.Response) -> str:
    reason = response.reason_phrase
    if not reason:
        from http import HTTPStatus

        try:
            reason = HTTPStatus(response.status_code).phrase
        except ValueError:
            reason = ""
    # the reason phrase is the server's: one short line, no terminal control sequence
    return _one_line(_CONTROL.sub("\ufffd", f"HTTP {response.status_code} {reason}").rstrip())


#: C0 and C1 control characters (ESC starts a terminal's control sequences)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


_DNS_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo failed",
    "name resolution",
)


def _connect_reason(exc: Exception, url: str) -> str:
    from urllib.parse import urlsplit

    message = _one_line(exc)
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            break
        cause = cause.__cause__ or cause.__context__
    if cause is not None or any(hint in message.lower() for hint in _DNS_HINTS):
        try:
            host = exc.request.url.host  # type: ignore[attr-defined]
        except (AttributeError, RuntimeError):  # no request attached
            host = urlsplit(url).hostname or ""
        return f"cannot resolve host {host}".rstrip()
    return f"cannot connect: {_strip_errno(message)}"
