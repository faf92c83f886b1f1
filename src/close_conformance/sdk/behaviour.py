"""Client behaviour across exchanges: what one request says about the ones before it.

Two checks, each per credential (a client's identity; the credential itself is never kept, only
a digest):

- client.ratelimit-wait: after a 429, the next request to that endpoint MUST come after the wait
  the answer gave: the `RateLimit` header's `reset` (seconds, a decimal), else `retry-after` (whole
  seconds); the rate-limits page says to "pause for the reset before calling that endpoint again"
  (facts 5.7). Limits are per endpoint group, and the groups are not published, so only the same
  endpoint (operation, else method and path) is held to the wait: a call elsewhere is not wrong.
  Only a request sent after the 429 was received counts: one already in flight (a concurrent
  client's) could not have known.
- client.no-blind-post-retry: a POST that got no answer (a timeout, a dropped connection) may have
  been carried out, and Close has no idempotency keys; sending the same POST again before any read
  (a GET) by that client can create the object twice. "The same": same path and, for a JSON body,
  the same JSON value (a client that builds the body again may order its keys otherwise).

The third client check, a slashless path, needs one exchange only (validator.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field

from close_conformance.override import overridden_method
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


@dataclass(frozen=True)
class _Block:
    since: float  # when the 429 was received: requests sent earlier were already in flight
    until: float  # monotonic time before which no request to the endpoint may come
    by: str  # the 429 that set it


@dataclass
class _Client:
    # per endpoint (operationId, else "METHOD path"): the wait the last 429 asked for
    blocked: dict[str, _Block] = field(default_factory=dict)
    # (path, body digest) of POSTs that got no answer since the client's last read
    unanswered_posts: set[tuple[str, str]] = field(default_factory=set)


def _body_digest(body: bytes) -> str:
    """A digest of the body's JSON value (key order and spacing aside), else of its bytes."""
    with contextlib.suppress(ValueError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(body).hexdigest()


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
            endpoint = operation or f"{sent.method} {sent.path}"
            block = client.blocked.get(endpoint)
            early = block.until - exchange.started if block is not None else 0.0
            if block is not None and exchange.started >= block.since and early > TOLERANCE_SECONDS:
                report(
                    "client.ratelimit-wait",
                    f"sent {early:.3f} s before the wait a 429 asked for was over",
                    f"no request to this endpoint before the 429's reset had passed ({block.by})",
                )
            key = (sent.path, _body_digest(sent.body))
            # A POST standing for a GET (x-http-method-override) is a read: retrying it is safe.
            method = overridden_method(sent.method, sent.headers) or sent.method
            if method == "GET":
                client.unanswered_posts.clear()
            elif method == "POST" and key in client.unanswered_posts:
                report(
                    "client.no-blind-post-retry",
                    "the same POST sent again after it got no answer, with no read in between",
                    "a GET first, to learn whether the POST was carried out (Close has no idempotency keys)",
                )
            received = exchange.received
            if received is None:
                if method == "POST":
                    client.unanswered_posts.add(key)
            elif received.status == 429:
                wait = wait_after(received)
                if wait is not None:
                    shown = received.header("ratelimit") or f"retry-after: {received.header('retry-after')}"
                    until = exchange.finished + wait
                    if block is None or until > block.until:
                        # A block still running keeps its start: what was sent after it stays early.
                        since = block.since if block is not None and block.until > exchange.finished else None
                        client.blocked[endpoint] = _Block(
                            exchange.finished if since is None else since,
                            until,
                            f"429 of {sent.method} {sent.path}: {shown}",
                        )
        return found
