"""One HTTP exchange as the validator sees it: what a client sent and what it received.

The harness builds these from httpx objects, the proxy from Starlette's; the validator never
touches either library. Times are `time.monotonic()` seconds, so the behaviour checks can tell
how long a client waited between two requests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Exchange", "Received", "Sent"]


def _lower(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name.lower(), value) for name, value in headers)


@dataclass(frozen=True, slots=True)
class Sent:
    """A request: method (upper case), absolute URL, headers (names lower-cased), raw body."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def of(cls, method: str, url: str, headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> Sent:
        return cls(method.upper(), url, _lower(headers), body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return parse_qsl(urlsplit(self.url).query, keep_blank_values=True)

    def json(self) -> Any:
        """The body as JSON; ValueError if it is not JSON."""
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Received:
    """A response: status, headers (names lower-cased), raw body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def of(cls, status: int, headers: Iterable[tuple[str, str]] = (), body: bytes = b"") -> Received:
        return cls(status, _lower(headers), body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request and its response; `received` None when the client got no answer (a timeout, a
    dropped connection): the request may or may not have been carried out."""

    sent: Sent
    received: Received | None
    started: float
    finished: float
    extra: Mapping[str, Any] = field(default_factory=dict)
