"""`--rate-limit N`: at most N requests per second per credential, answered the way Close answers.

Close's rate-limit page: every response may carry `RateLimit: limit=100, remaining=50, reset=5`
(reset in seconds, a decimal), and a 429 carries it together with `retry-after`, the reset rounded
up to whole seconds (rule ratelimit.headers). The 429 body carries the deprecated fields
`rate_reset`, `rate_limit`, `rate_window`, `rate_limit_type` under `error` when the register reads
`ratelimit-body` as body-fields (rule ratelimit.body), `{"error": message}` as headers-only, and
plain text, not JSON, as no-body (what Close's ingress answers, closeio/closeio-api#120). The
RateLimit fields are separated as `ratelimit-header-format` reads (comma or semicolon). The window
is a fixed one-second window per credential; the clock is injectable so tests need not sleep.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from close_conformance.mock.errors import RateLimited
from close_conformance.mock.faults import FaultSet

__all__ = ["RateLimiter", "Window"]

WINDOW_SECONDS = 1.0


@dataclass(slots=True)
class Window:
    started: float
    used: int


class RateLimiter:
    def __init__(
        self,
        limit: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        body: str = "headers-only",
        separator: str = ", ",
    ) -> None:
        if limit < 1:
            raise ValueError(f"a rate limit must allow at least one request per second, not {limit}")
        # Whole requests per window: the header's `limit=` is an integer (spec: limit=\d+).
        self.limit = int(limit)
        if body not in ("body-fields", "headers-only", "no-body"):
            raise ValueError(f"unknown 429 body {body!r}")
        self.body = body
        self.separator = separator
        self._clock = clock
        self._windows: dict[str, Window] = {}
        self._lock = threading.Lock()

    def hit(self, credential: str, faults: FaultSet) -> dict[str, str]:
        """Count one request; the headers for its response, or a 429 `RateLimited` past the limit."""
        with self._lock:
            now = self._clock()
            window = self._windows.get(credential)
            if window is None or now - window.started >= WINDOW_SECONDS:
                window = self._windows[credential] = Window(started=now, used=0)
            # Rounded once, so retry-after is computed from exactly the reset the header shows.
            reset = round(max(0.0, window.started + WINDOW_SECONDS - now), 3)
            if window.used >= self.limit:
                raise RateLimited(
                    "API call count exceeded for this period; wait for the reset of the RateLimit header.",
                    self._refusal_headers(reset, faults),
                    self._body_fields(reset, faults),
                )
            window.used += 1
            return {"RateLimit": self._header(self.limit - window.used, reset)}

    def _header(self, remaining: int, reset: float) -> str:
        # Commas as documented, or semicolons as seen live (discrepancy `ratelimit-header-format`).
        return self.separator.join((f"limit={self.limit}", f"remaining={remaining}", f"reset={reset:.3f}"))

    def _body_fields(self, reset: float, faults: FaultSet) -> dict[str, object] | None:
        """The deprecated fields (body-fields), none (headers-only), or None: no JSON (no-body)."""
        if self.body == "no-body":
            return None
        if self.body != "body-fields":
            return {}
        # Seconds, the header's reset exactly (thermondo/closeio's recorded body: 0.870663).
        rate_reset = reset * 1000 if faults.on("ratelimit-body-reset-in-milliseconds") else reset
        return {
            "rate_reset": rate_reset,
            "rate_limit": self.limit,
            "rate_window": WINDOW_SECONDS,
            "rate_limit_type": "key",
        }

    def _refusal_headers(self, reset: float, faults: FaultSet) -> dict[str, str]:
        headers: dict[str, str] = {}
        if not faults.on("ratelimit-header-missing"):
            headers["RateLimit"] = self._header(0, reset)
        if not faults.on("retry-after-missing"):
            rounded = math.floor(reset) if faults.on("retry-after-rounded-down") else math.ceil(reset)
            headers["retry-after"] = str(rounded)
        return headers
