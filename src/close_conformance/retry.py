"""Honouring 429: wait what the server says, a bounded number of times, for both HTTP stacks the
suite uses (httpx for scenarios, requests for schemathesis, whose pytest path does not retry).

Close's rate-limits page: on 429 wait `reset` from the `RateLimit` header (a decimal, more precise)
or `retry-after` (whole seconds).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import requests
from requests.adapters import HTTPAdapter

from close_conformance.gate import Gates

__all__ = [
    "MAX_RETRIES",
    "MAX_WAIT",
    "Counter",
    "Exchange",
    "RateLimitedAdapter",
    "RateLimitedTransport",
    "retry_delay",
]

MAX_RETRIES = 6
MAX_WAIT = 30.0
_RESET = re.compile(r"reset=(\d+(?:\.\d+)?)")


def retry_delay(headers: Mapping[str, str]) -> float:
    """Seconds to wait before trying again, from `RateLimit` reset, else `retry-after`, else 1 s."""
    lowered = {key.lower(): value for key, value in headers.items()}
    match = _RESET.search(lowered.get("ratelimit", ""))
    if match:
        delay = float(match.group(1))
    elif lowered.get("retry-after", "").strip().isdigit():
        delay = float(lowered["retry-after"])
    elif lowered.get("ratelimit-reset", "").strip().replace(".", "", 1).isdigit():
        delay = float(lowered["ratelimit-reset"])
    else:
        delay = 1.0
    # A zero reset would spin; a huge one would stall the run: stay within (0.05 s, MAX_WAIT].
    return min(max(delay, 0.05), MAX_WAIT) if math.isfinite(delay) else MAX_WAIT


Exchange = tuple[str, str, int, bytes | None]
"""One answered request: (METHOD, URL, status, request body), as close_conformance.report reads it."""


class Counter:
    """Requests sent to the target, 429 retries included (the fault report's "after N requests"),
    and each answered one, for the conformance report's coverage (close_conformance.report)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # concurrent requests (close_conformance.concurrent) count too
        self.sent = 0
        self.waits = 0
        """429 answers waited out before sending again (the terminal summary's "waits on 429")."""
        self.exchanges: list[Exchange] = []
        """Appended per answer, drained by the report after each test phase: one tuple, no copy."""

    def add(self) -> None:
        with self._lock:
            self.sent += 1

    def waited(self) -> None:
        with self._lock:
            self.waits += 1

    def answered(self, method: str, url: str, status: int, body: bytes | None) -> None:
        self.exchanges.append((method, url, status, body))


class RateLimitedTransport(httpx.BaseTransport):
    """Wraps an httpx transport; on 429 waits and re-sends, at most `max_retries` times."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        max_retries: int = MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        counter: Counter | None = None,
        gates: Gates | None = None,
        wait_for_room: bool = True,
    ) -> None:
        """`wait_for_room=False`: requests are counted in their Gate's window but never held back
        (a test that goes past the limit on purpose: the run's other requests hold back instead)."""
        self._inner = inner
        self._wait_for_room = wait_for_room
        self._max_retries = max_retries
        self._sleep = sleep
        self._counter = counter or Counter()
        self._gates = gates
        self.waits: list[float] = []

    def _send(self, request: httpx.Request) -> httpx.Response:
        with _gated(self._gates, request.headers.get("authorization"), self._wait_for_room) as answered:
            response = self._inner.handle_request(request)
            answered(response.headers)
        return response

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body must be replayable
        for _ in range(self._max_retries):
            self._counter.add()
            response = self._send(request)
            self._counter.answered(request.method, str(request.url), response.status_code, request.content)
            if response.status_code != 429:
                return response
            response.read()
            delay = retry_delay(response.headers)
            response.close()
            self.waits.append(delay)
            self._counter.waited()
            self._sleep(delay)
        self._counter.add()
        response = self._send(request)
        self._counter.answered(request.method, str(request.url), response.status_code, request.content)
        return response

    def close(self) -> None:
        self._inner.close()


class RateLimitedAdapter(HTTPAdapter):
    """The same for a `requests.Session` (what schemathesis' `case.call` sends through)."""

    def __init__(
        self,
        *,
        max_retries: int = MAX_RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        counter: Counter | None = None,
        gates: Gates | None = None,
    ) -> None:
        super().__init__()
        self._retries = max_retries
        self._sleep = sleep
        self._counter = counter or Counter()
        self._gates = gates

    def _send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        authorization = request.headers.get("authorization")
        key = authorization.decode() if isinstance(authorization, bytes) else authorization
        with _gated(self._gates, key) as answered:
            response = super().send(request, *args, **kwargs)
            answered(response.headers)
        return response

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        for _ in range(self._retries):
            self._counter.add()
            response = self._send(request, *args, **kwargs)
            self._counter.answered(
                str(request.method), str(request.url), response.status_code, _body(request)
            )
            if response.status_code != 429:
                return response
            delay = retry_delay(response.headers)
            response.close()
            self._counter.waited()
            self._sleep(delay)
        self._counter.add()
        response = self._send(request, *args, **kwargs)
        self._counter.answered(str(request.method), str(request.url), response.status_code, _body(request))
        return response


@contextmanager
def _gated(
    gates: Gates | None, authorization: str | None, wait: bool = True
) -> Iterator[Callable[[Mapping[str, str]], None]]:
    """Hold one place of the credential's Gate while the request is out; the callback hands the
    answer's headers over (the announced window); a request that raised frees its place too."""
    if gates is None:
        yield lambda headers: None
        return
    gate = gates(authorization)
    gate.acquire(wait=wait)
    seen: list[Mapping[str, str]] = []
    try:
        yield seen.append
    finally:
        gate.release(seen[0] if seen else None)


def _body(request: requests.PreparedRequest) -> bytes | None:
    body = request.body
    return body.encode() if isinstance(body, str) else body if isinstance(body, bytes) else None
