"""`--rate-limit N`: at most N requests per second per credential, answered the way Close answers.

Close's rate-limit page: every response may carry `RateLimit: limit=100, remaining=50, reset=5`
(reset in seconds, a decimal), and a 429 carries it together with `retry-after`, the reset rounded
up to whole seconds (rule ratelimit.headers). The 429 body carries the deprecated fields
`rate_reset`, `rate_limit`, `rate_window`, `rate_limit_type` under `error` when the register reads
`ratelimit-body` as body-fields (rule ratelimit.body), else it is `{"error": message}`. The window
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
        self, limit: float, *, clock: Callable[[], float] = time.monotonic, body_fields: bool = False
    ) -> None:
        if limit < 1:
            raise ValueError(f"a rate limit must allow at least one request per second, not {limit}")
        # Whole requests per window: the header's `limit=` is an integer (spec: limit=\d+).
        self.limit = int(limit)
        self.body_fields = body_fields
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
        # Commas, as documented (discrepancy `ratelimit-header-format`, mock: comma).
        return f"limit={self.limit}, remaining={remaining}, reset={reset:.3f}"

    def _body_fields(self, reset: float, faults: FaultSet) -> dict[str, object]:
        if not self.body_fields:
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
