"""Client behaviour across exchanges: what one request says about the ones before it.

Two checks, each per credential (a client's identity; the credential itself is never kept, only
a digest):

- client.ratelimit-wait: after a 429, the next request MUST come after the wait the answer gave:
  the `RateLimit` header's `reset` (seconds, a decimal), else `retry-after` (whole seconds); the
  rate-limits page says to pause for the reset (facts 5.7).
- client.no-blind-post-retry: a POST that got no answer (a timeout, a dropped connection) may have
  been carried out, and Close has no idempotency keys; sending the same POST again before any read
  (a GET) by that client can create the object twice.

The third client check, a slashless path, needs one exchange only (validator.py).
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field

from close_conformance.sdk.curl import curl_line
from close_conformance.sdk.exchange import Exchange, Received
from close_conformance.sdk.violation import Violation

__all__ = ["BEHAVIOUR_RULES", "BehaviourChecker", "wait_after"]

BEHAVIOUR_RULES = ("client.ratelimit-wait", "client.no-blind-post-retry")
_RESET = re.compile(r"reset=(\d+(?:\.\d+)?)")
# Clocks of the client and of the harness or proxy differ by how long a request takes to travel:
# a request this much earlier than the reset is still counted as waiting.
TOLERANCE_SECONDS = 0.01


def wait_after(received: Received) -> float | None:
    """Seconds a 429 asks to wait: RateLimit's reset, else retry-after; None if it says neither."""
    header = received.header("ratelimit")
    if header is not None:
        match = _RESET.search(header)
        if match:
            return float(match.group(1))
    retry_after = received.header("retry-after")
    if retry_after is not None:
        try:
            return float(retry_after)
        except ValueError:
            return None
    return None


def _who(exchange: Exchange) -> str:
    credential = exchange.sent.header("authorization") or ""
    return hashlib.sha256(credential.encode()).hexdigest()[:16]


@dataclass
class _Client:
    # monotonic time before which no request may come, and the 429 that set it
    blocked_until: float = 0.0
    blocked_by: str = ""
    # (path, body digest) of POSTs that got no answer since the client's last read
    unanswered_posts: set[tuple[str, str]] = field(default_factory=set)


class BehaviourChecker:
    """Feed it every exchange in the order the requests were sent; thread-safe."""

    def __init__(self) -> None:
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def check(self, exchange: Exchange, operation: str | None) -> list[Violation]:
        sent = exchange.sent
        found: list[Violation] = []

        def report(rule: str, observed: str, expected: str) -> None:
            found.append(
                Violation(
                    rule=rule,
                    operation=operation,
                    direction="behaviour",
                    observed=observed,
                    expected=expected,
                    request=f"{sent.method} {sent.url}",
                    curl=curl_line(sent),
                )
            )

        with self._lock:
            client = self._clients.setdefault(_who(exchange), _Client())
            early = client.blocked_until - exchange.started
            if early > TOLERANCE_SECONDS:
                report(
                    "client.ratelimit-wait",
                    f"sent {early:.3f} s before the wait a 429 asked for was over",
                    f"no request before the 429's reset had passed ({client.blocked_by})",
                )
            key = (sent.path, hashlib.sha256(sent.body).hexdigest())
            if sent.method == "GET":
                client.unanswered_posts.clear()
            elif sent.method == "POST" and key in client.unanswered_posts:
                report(
                    "client.no-blind-post-retry",
                    "the same POST sent again after it got no answer, with no read in between",
                    "a GET first, to learn whether the POST was carried out (Close has no idempotency keys)",
                )
            received = exchange.received
            if received is None:
                if sent.method == "POST":
                    client.unanswered_posts.add(key)
            elif received.status == 429:
                wait = wait_after(received)
                if wait is not None:
                    client.blocked_until = max(client.blocked_until, exchange.finished + wait)
                    shown = received.header("ratelimit") or f"retry-after: {received.header('retry-after')}"
                    client.blocked_by = f"429 of {sent.method} {sent.path}: {shown}"
        return found
