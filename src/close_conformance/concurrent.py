"""Requests that do not depend on each other, sent at once, within the rate limit the server announces.

Against Close a request costs 100-200 ms of waiting (issue 14): the three identities' views of one
step, a lead's lists, the run's cleanup can wait together. Two pieces:

- `gather(calls)`: runs independent calls on threads, at most `PARALLEL` at once, and returns their
  results in order (the first error, in order, is raised once all have finished, so no request is
  left running behind a failure). Callers pass only calls that touch objects of one test: tests
  themselves stay serial, so concurrency never lets two tests see each other's writes.
- `Gate`: per credential, how many requests may be in flight. Close's rate-limits page: every
  answer may carry `RateLimit: limit=L, remaining=R, reset=S` (S seconds until the window resets).
  A request waits while the requests in flight would use up `remaining` before `reset`; after the
  reset the window allows `limit` again. Until a credential's first answer, one request at a time
  (the window is learnt before any burst); where the server announces no limit, `PARALLEL`.
  Close limits each key per endpoint group (and the organization at 3x a key's limit): a Gate is
  per key, not per group, and within a window keeps the lowest `remaining` any answer announced,
  so it never goes past any group's limit (at worst it waits for a group it is not calling); the
  run's two keys of one organization stay within its 3x.
  The run's xdist workers against one server share its keys: each worker's Gate takes its
  `share` of a window (`remaining` and `limit` divided by the worker count, rounded down), so
  together they stay within what the server announced.
  A serial run is unchanged (one in flight is always allowed while the window has room; a 429
  is still waited out by close_conformance.retry).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["PARALLEL", "Gate", "Gates", "gather"]

PARALLEL = 6
"""Most requests in flight per credential (the identities' six views of a Send As step)."""

T = TypeVar("T")
_FIELD = re.compile(r"(limit|remaining|reset)=(\d+(?:\.\d+)?)")


def gather(calls: Iterable[Callable[[], T]], *, parallel: int = PARALLEL) -> list[T]:
    """Each call's result, in order; calls run concurrently, `parallel` at most.

    Raises the first failing call's exception (in the calls' order) after every call finished.
    """
    pending = list(calls)
    if len(pending) <= 1 or parallel <= 1:
        return [call() for call in pending]
    pool = ThreadPoolExecutor(max_workers=min(parallel, len(pending)))
    try:
        futures = [pool.submit(call) for call in pending]
        wait(futures)
    except BaseException:
        # Ctrl-C while waiting (a second one, in a cleanup against a server that hangs): the
        # calls not started are dropped and nobody waits for those in flight.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [future.result() for future in futures]


class Gate:
    """In-flight requests of one credential, held within the server's announced window."""

    def __init__(
        self, parallel: int = PARALLEL, clock: Callable[[], float] = time.monotonic, *, share: int = 1
    ) -> None:
        self._parallel = parallel
        self._share = max(share, 1)
        self._clock = clock
        self._cond = threading.Condition()
        self._in_flight = 0
        self._answered = False
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset_at = 0.0

    def _room(self, now: float) -> tuple[int, float | None]:
        """How many may be in flight now, and how long to wait for more (None: until an answer)."""
        if not self._answered:
            return 1, None  # the window is not known yet: learn it from one answer first
        if self._remaining is None:
            return self._parallel, None
        if now >= self._reset_at:
            # A new window: `limit` again (what the server said; PARALLEL when it said no limit).
            window = self._limit // self._share if self._limit is not None else self._parallel
            return min(self._parallel, max(window, 1)), None
        return min(self._parallel, self._remaining // self._share), self._reset_at - now

    def acquire(self) -> None:
        """Wait until one more request fits, then count it in flight."""
        with self._cond:
            while True:
                room, wait = self._room(self._clock())
                # One request alone always goes once the window has room for it: a serial run
                # never waits here longer than the server's own reset.
                if self._in_flight < room:
                    self._in_flight += 1
                    return
                self._cond.wait(timeout=wait if wait is not None else 1.0)

    def release(self, headers: Mapping[str, str] | None) -> None:
        """The request was answered: learn the window from its `RateLimit` header, if any."""
        with self._cond:
            self._in_flight -= 1
            self._answered = self._answered or headers is not None
            announced = _announced(headers or {})
            if announced is not None:
                limit, remaining, reset = announced
                self._limit = limit if limit is not None else self._limit
                now = self._clock()
                if remaining is not None and self._remaining is not None and now < self._reset_at:
                    # The same window: answers may arrive out of order, the lowest count is the
                    # latest (a window's reset is never moved earlier than first learnt).
                    self._remaining = min(self._remaining, remaining)
                elif remaining is not None:
                    self._remaining = remaining
                    self._reset_at = now + (reset or 0.0)
            self._cond.notify_all()


def _announced(headers: Mapping[str, str]) -> tuple[int | None, int | None, float | None] | None:
    """(limit, remaining, reset) from `RateLimit` (commas or semicolons), else None."""
    value = next((v for k, v in headers.items() if k.lower() == "ratelimit"), None)
    if value is None:
        return None
    fields = dict(_FIELD.findall(value))
    limit = int(float(fields["limit"])) if "limit" in fields else None
    remaining = int(float(fields["remaining"])) if "remaining" in fields else None
    reset = float(fields["reset"]) if "reset" in fields else None
    return limit, remaining, reset


class Gates:
    """One Gate per credential (the `Authorization` header): Close limits each key on its own."""

    def __init__(self, parallel: int = PARALLEL, *, share: int = 1) -> None:
        """`share`: processes sending with the same keys at once (the run's xdist workers)."""
        self._parallel = parallel
        self._share = share
        self._gates: dict[str, Gate] = {}
        self._lock = threading.Lock()

    def __call__(self, authorization: str | None) -> Gate:
        with self._lock:
            key = authorization or ""
            if key not in self._gates:
                self._gates[key] = Gate(self._parallel, share=self._share)
            return self._gates[key]
