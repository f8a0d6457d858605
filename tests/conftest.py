"""Shared fixtures.

``http_server``: a real HTTP server on 127.0.0.1 for tests that fetch URLs.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# the tests' helper modules (names, hostile) import as top-level modules
sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config: pytest.Config) -> None:
    """The tests' cache folder (trafilatura's stop-list cache): a fresh one, not the
    user's ``~/.cache``; subprocesses inherit it."""
    import os
    import tempfile

    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="unboil-test-cache-")


Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Route:
    respond: Handler
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class LocalServer:
    """A local HTTP server whose routes each test registers.

    Every route answers GET and HEAD (HEAD without a body); unknown paths get a plain
    404. Responses carry ``Connection: close``. A route is matched on its path with
    the query string first, then without it. ``body`` may be ``bytes`` or ``str``
    (UTF-8 encoded).

    Registering routes (each returns the route's full URL):

    - ``add(path, body, status=200, headers=None, content_type="text/html; charset=utf-8",
      content_length=True, delay=0.0)`` -- a fixed response. ``content_type=None``
      sends no Content-Type; ``content_length=False`` sends the body chunked
      (``Transfer-Encoding: chunked``) without a length; ``delay`` waits before
      answering. ``headers`` adds or overrides headers (e.g. ``Content-Encoding``).
    - ``hang(path, seconds)`` -- accepts the connection, sends nothing for ``seconds``
      then a small page.
    - ``drip(path, body, chunk_size=1, interval=0.1, content_type=...)`` -- sends the
      headers at once, then the body chunk by chunk, ``interval`` seconds apart.
    - ``endless(path, chunk=b"<p>...</p>", content_type=...)`` -- a chunked body that
      never ends (until the client goes away or the test ends).
    - ``redirect(path, to, status=302)`` -- ``to`` is a path on this server or any
      absolute URL (``file:///etc/passwd``, another host...).
    - ``redirect_chain(path, hops, final)`` -- ``path`` redirects ``hops`` times
      (``path/1``, ``path/2``, ...) before landing on ``final``. A loop is simply
      ``redirect("/a", "/b"); redirect("/b", "/a")``.
    - ``flaky(path, body, failures=1, status=500, ...)`` -- answers ``status``
      ``failures`` times, then the body like ``add``.
    - ``handle(path, func)`` -- ``func(handler)`` gets the ``BaseHTTPRequestHandler``
      and writes whatever it likes (``send_response``/``send_header``/``wfile``).

    Inspecting: ``url(path="/")``, ``base_url``, ``port``, ``requests`` (every
    ``Request(method, path, headers)`` received, in order), ``hits(path)``.

    Sleeping and endless routes wake up when the test ends, so nothing outlives it
    for long; the server itself is started once per session and its routes and
    request log are reset for every test.
    """

    def __init__(self) -> None:
        self._routes: dict[str, _Route] = {}
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self._cancel = threading.Event()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self.port: int = server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # -- lifecycle ------------------------------------------------------------------

    def reset(self) -> None:
        """Forget routes and requests; wake up routes still sleeping or streaming."""
        self._cancel.set()
        with self._lock:
            self._routes.clear()
            self.requests.clear()
            self._cancel = threading.Event()

    def close(self) -> None:
        self._cancel.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- inspecting -----------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    def hits(self, path: str) -> int:
        with self._lock:
            route = self._routes.get(path)
        return route.hits if route is not None else 0

    # -- routes ---------------------------------------------------------------------

    def handle(self, path: str, func: Handler) -> str:
        with self._lock:
            self._routes[path] = _Route(func)
        return self.url(path)

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        content_length: bool = True,
        delay: float = 0.0,
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        cancel = self._cancel

        def respond(h: BaseHTTPRequestHandler) -> None:
            if delay and cancel.wait(delay):
                return
            h.send_response(status)
            _send_headers(h, content_type, headers, len(data) if content_length else None)
            if h.command == "HEAD":
                return
            if content_length:
                h.wfile.write(data)
            else:
                _write_chunk(h, data)
                _write_chunk(h, b"")

        return self.handle(path, respond)

    def hang(self, path: str, seconds: float) -> str:
        return self.add(path, "<p>late</p>", delay=seconds)

    def drip(
        self,
        path: str,
        body: bytes | str,
        *,
        chunk_size: int = 1,
        interval: float = 0.1,
        content_type: str | None = "text/html; charset=utf-8",
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        cancel = self._cancel

        def respond(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            _send_headers(h, content_type, None, len(data))
            h.wfile.flush()
            if h.command == "HEAD":
                return
            for i in range(0, len(data), chunk_size):
                if cancel.wait(interval):
                    return
                h.wfile.write(data[i : i + chunk_size])
                h.wfile.flush()

        return self.handle(path, respond)

    def endless(
        self,
        path: str,
        *,
        chunk: bytes = b"<p>" + b"x" * 4090 + b"</p>",
        content_type: str | None = "text/html; charset=utf-8",
    ) -> str:
        cancel = self._cancel

        def respond(h: BaseHTTPRequestHandler) -> None:
            h.send_response(200)
            _send_headers(h, content_type, None, None)
            while h.command != "HEAD" and not cancel.is_set():
                _write_chunk(h, chunk)

        return self.handle(path, respond)

    def redirect(self, path: str, to: str, *, status: int = 302) -> str:
        location = to if "://" in to or ":" in to.split("/", 1)[0] else self.url(to)
        return self.add(path, b"", status=status, headers={"Location": location}, content_type=None)

    def redirect_chain(self, path: str, hops: int, final: str) -> str:
        steps = [path] + [f"{path.rstrip('/')}/{i}" for i in range(1, hops)] + [final]
        for here, there in itertools.pairwise(steps):
            self.redirect(here, there)
        return self.url(path)

    def flaky(
        self,
        path: str,
        body: bytes | str,
        *,
        failures: int = 1,
        status: int = 500,
        content_type: str | None = "text/html; charset=utf-8",
    ) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        count = {"n": 0}
        lock = threading.Lock()

        def respond(h: BaseHTTPRequestHandler) -> None:
            with lock:
                count["n"] += 1
                failing = count["n"] <= failures
            payload = b"<p>server error</p>" if failing else data
            h.send_response(status if failing else 200)
            _send_headers(h, content_type, None, len(payload))
            if h.command != "HEAD":
                h.wfile.write(payload)

        return self.handle(path, respond)

    # -- internals ------------------------------------------------------------------

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(Request(h.command, h.path, dict(h.headers.items())))
            route = self._routes.get(h.path) or self._routes.get(h.path.split("?", 1)[0])
            if route is not None:
                with route.lock:
                    route.hits += 1
        if route is None:
            body = b"not found"
            h.send_response(404)
            _send_headers(h, "text/plain", None, len(body))
            if h.command != "HEAD":
                h.wfile.write(body)
            return
        route.respond(h)


def _send_headers(
    h: BaseHTTPRequestHandler,
    content_type: str | None,
    extra: dict[str, str] | None,
    length: int | None,
) -> None:
    headers: dict[str, str] = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(length)
    headers["Connection"] = "close"
    for key, value in (extra or {}).items():
        for existing in [k for k in headers if k.lower() == key.lower()]:
            del headers[existing]
        headers[key] = value
    for key, value in headers.items():
        h.send_header(key, value)
    h.end_headers()


def _write_chunk(h: BaseHTTPRequestHandler, data: bytes) -> None:
    h.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
    h.wfile.flush()


def _make_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "unboil-test"

        def _serve(self) -> None:
            # The client may go away mid-response (timeouts in tests do that).
            with contextlib.suppress(ConnectionError, TimeoutError):
                server._dispatch(self)
            self.close_connection = True

        do_GET = do_HEAD = do_POST = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: ``requests`` keeps the log

    return _Handler


@pytest.fixture(scope="session")
def _http_server_session() -> Iterator[LocalServer]:
    server = LocalServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def http_server(_http_server_session: LocalServer) -> Iterator[LocalServer]:
    """A running ``LocalServer`` with no routes; see its docstring for the API."""
    _http_server_session.reset()
    yield _http_server_session
    _http_server_session.reset()
