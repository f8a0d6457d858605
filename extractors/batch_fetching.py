"""A batch's URLs fetched in the parent: a thread pool with a per-host limit, retries
with backoff on 429/5xx and connection errors, a size cap and an optional HTTP cache,
on ``fetching.make_client``."""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .loading import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    import httpx

    from .page import Page

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RetryTransport:
    """An httpx transport that retries on 429/5xx answers and connection errors, with
    exponential backoff (and ``Retry-After`` when the server gives one, capped). The
    retries of one request, waits included, end within ``budget`` seconds (the page's
    --timeout) and by the deadline of the fetch they are part of
    (``fetching.time_left``): a wait that would pass it is not made, and the last
    answer or error stands."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        retries: int = 3,
        backoff: float = 0.5,
        max_wait: float = 10.0,
        budget: float | None = None,
    ) -> None:
        self.inner = inner
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.budget = budget

    def _wait(self, attempt: int, retry_after: str | None, deadline: float) -> bool:
        """Sleep before the next attempt; False (no sleep) when it would end past
        ``deadline`` (``time.monotonic``)."""
        delay = self.backoff * 2**attempt * (1 + random.random() / 4)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        delay = min(delay, self.max_wait)
        if time.monotonic() + delay >= deadline:
            return False
        time.sleep(delay)
        return True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        import httpx

        from .fetching import time_left

        deadline = time.monotonic() + (self.budget if self.budget is not None else float("inf"))
        left = time_left()  # the deadline of the fetch this request is part of
        if left is not None:
            deadline = min(deadline, time.monotonic() + left)
        for attempt in itertools.count():
            try:
                response = self.inner.handle_request(request)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError):
                if attempt >= self.retries or not self._wait(attempt, None, deadline):
                    raise
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                retry_after = response.headers.get("retry-after")
                if self._wait(attempt, retry_after, deadline):
                    response.close()
                    continue
            return response
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


class Fetcher:
    """Fetches URLs for a batch from several threads: one shared httpx client (with
    retries, and a hishel on-disk cache when ``cache_dir`` is given), at most
    ``per_host`` requests at a time to one host; ``fetching.fetch`` caps redirects, the
    body size (decompressed too) and the time (one deadline per page, retries
    included), and refuses private addresses unless ``allow_private``."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = 4,
        connections: int = 16,
        retries: int = 3,
        backoff: float = 0.5,
        cache_dir: str | os.PathLike[str] | None = None,
        allow_private: bool = False,
    ) -> None:
        import httpx

        from .fetching import make_client

        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = per_host
        self.allow_private = allow_private
        self._semaphores: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

        def wrap(inner: httpx.BaseTransport) -> httpx.BaseTransport:
            transport: Any = RetryTransport(inner, retries=retries, backoff=backoff, budget=timeout)
            if cache_dir is not None:
                from hishel import SqliteStorage
                from hishel.httpx import CacheTransport

                Path(cache_dir).mkdir(parents=True, exist_ok=True)
                storage = SqliteStorage(database_path=Path(cache_dir) / "unboil-http-cache.sqlite")
                transport = CacheTransport(next_transport=transport, storage=storage)
            return transport

        self.client = make_client(timeout, allow_private=allow_private, limits=limits, wrap=wrap)

    def _semaphore(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            if host not in self._semaphores:
                self._semaphores[host] = threading.BoundedSemaphore(self.per_host)
            return self._semaphores[host]

    def fetch(self, url: str) -> Page:
        from .fetching import fetch

        with self._semaphore(url):
            return fetch(
                url,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
                client=self.client,
                allow_private=self.allow_private,
            )

    def close(self) -> None:
        self.client.close()
