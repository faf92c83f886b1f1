"""How many requests a credential may have in flight: within the rate limit the server announces,
across every process of the run that sends with the same key.

Close's rate-limits page: every answer may carry `RateLimit: limit=L, remaining=R, reset=S` (S
seconds until the window resets). A request waits while the requests in flight would use up
`remaining` before `reset`; after the reset the window allows `limit` again. Until a credential's
first answer, one request at a time (the window is learnt before any burst); where the server
announces no limit, `PARALLEL` per process.

Why this is exact: `remaining` is the lowest count any answer of the window announced, and every
request the server may have counted since is still in flight (an answered one would have lowered
it). So `remaining - in flight` never overstates what the server has left, and a request goes only
while that is at least one.

Close limits each key per endpoint group (and the organization at 3x a key's limit): a Gate is per
key, not per group, so at worst it waits for a group it is not calling; the run's two keys of one
organization stay within its 3x.

The run's xdist workers against one server send with the same keys: they keep one `Window` per key
in a file (`Gates(directory=...)`, under a file lock), so what one worker sent and learnt holds
for all, as it does for the threads of one process. A worker that died is dropped from the
in-flight count by its process id.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from filelock import FileLock

from close_conformance.processes import alive

__all__ = ["PARALLEL", "POLL", "Gate", "Gates", "Window"]

PARALLEL = 6
"""Most requests in flight per credential and process (the identities' six views of a Send As step)."""
POLL = 0.02
"""Seconds between looks at a window other processes share (they cannot wake this one)."""

_FIELD = re.compile(r"(limit|remaining|reset)=(\d+(?:\.\d+)?)")
_UNBOUNDED = 1 << 30


@dataclass
class Window:
    """What the server announced for one credential, and the requests out against it."""

    answered: bool = False
    limit: int | None = None
    remaining: int | None = None
    """The lowest `remaining` announced in the current window; None: never announced."""
    reset_at: float = 0.0
    """When the current window ends, on the Gate's clock (seconds)."""
    in_flight: dict[str, int] = field(default_factory=dict)
    """Requests sent and not yet answered, per process id (a JSON key, hence str)."""

    def out(self) -> int:
        return sum(self.in_flight.values())

    def room(self, now: float) -> tuple[int, float | None]:
        """How many may be in flight in all, and how long until that grows (None: until an answer)."""
        if not self.answered:
            return 1, None  # the window is not known yet: learn it from one answer first
        if self.remaining is None:
            return _UNBOUNDED, None
        if now >= self.reset_at:
            # A new window: `limit` again (unbounded when the server never said its limit).
            return (self.limit if self.limit is not None else _UNBOUNDED), None
        return self.remaining, self.reset_at - now

    def learn(self, headers: Mapping[str, str] | None, now: float) -> None:
        """An answer arrived: its `RateLimit` header, if any, updates the window."""
        self.answered = self.answered or headers is not None
        announced = _announced(headers or {})
        if announced is None:
            return
        limit, remaining, reset = announced
        self.limit = limit if limit is not None else self.limit
        if remaining is not None and self.remaining is not None and now < self.reset_at:
            # The same window: answers may arrive out of order, the lowest count is the latest
            # (a window's reset is never moved earlier than first learnt).
            self.remaining = min(self.remaining, remaining)
        elif remaining is not None:
            self.remaining = remaining
            self.reset_at = now + (reset or 0.0)

    def take(self, pid: str, delta: int) -> None:
        count = self.in_flight.get(pid, 0) + delta
        if count > 0:
            self.in_flight[pid] = count
        else:
            self.in_flight.pop(pid, None)


class Gate:
    """In-flight requests of one credential, held within the server's announced window.

    `shared`: a file holding the window for every process sending with this credential (else the
    window is this object's own). Its clock must then be one all processes read: wall time.
    """

    def __init__(
        self,
        parallel: int = PARALLEL,
        clock: Callable[[], float] | None = None,
        *,
        shared: Path | None = None,
    ) -> None:
        self._parallel = parallel
        self._clock = clock or (time.time if shared else time.monotonic)
        self._cond = threading.Condition()
        self._mine = 0
        self._pid = str(os.getpid())
        self._window = Window()
        self._file = shared
        # Held only while the Condition is: one thread of this process at a time, hence not per thread.
        self._lock = FileLock(f"{shared}.lock", thread_local=False, poll_interval=0.001) if shared else None

    @contextmanager
    def _state(self) -> Iterator[Window]:
        """The window, read and written back under the file lock when shared (the caller holds
        the Condition)."""
        if self._file is None or self._lock is None:
            yield self._window
            return
        with self._lock:
            window = _load(self._file, self._pid)
            read = asdict(window)
            yield window
            if asdict(window) == read:
                return  # a look that let nothing through (a waiting worker polls): nothing to write
            # Whole or not at all: a process killed mid-write leaves the previous window.
            written = self._file.with_suffix(".tmp")
            written.write_text(json.dumps(asdict(window)))
            os.replace(written, self._file)

    def acquire(self, *, wait: bool = True) -> None:
        """Wait until one more request fits, then count it in flight.

        `wait=False`: count it at once, room or not (a test that goes past the limit on purpose,
        so that the others hold back meanwhile).
        """
        with self._cond:
            while True:
                with self._state() as window:
                    room, until = window.room(self._clock())
                    # One request alone always goes once the window has room for it: a serial run
                    # never waits here longer than the server's own reset.
                    if not wait or (self._mine < self._parallel and window.out() < room):
                        window.take(self._pid, 1)
                        self._mine += 1
                        return
                timeout = until if until is not None else 1.0
                self._cond.wait(timeout=min(timeout, POLL) if self._file else timeout)

    def release(self, headers: Mapping[str, str] | None) -> None:
        """The request was answered (`headers`; None when it raised): learn the window from its
        `RateLimit` header, if any."""
        with self._cond:
            with self._state() as window:
                window.take(self._pid, -1)
                window.learn(headers, self._clock())
            self._mine -= 1
            self._cond.notify_all()


def _load(path: Path, own_pid: str) -> Window:
    """The shared window; the in-flight requests of processes that died no longer count."""
    try:
        window = Window(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return Window()  # not written yet: learn it from the first answer
    window.in_flight = {pid: n for pid, n in window.in_flight.items() if pid == own_pid or alive(int(pid))}
    return window


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
    """One Gate per credential (the `Authorization` header): Close limits each key on its own.

    `directory`: where the run's processes keep their shared windows, one file per credential,
    named by a hash of it (never the credential itself); None: this process alone sends.
    """

    def __init__(self, parallel: int = PARALLEL, *, directory: Path | None = None) -> None:
        self._parallel = parallel
        self._directory = directory
        self._gates: dict[str, Gate] = {}
        self._lock = threading.Lock()

    def __call__(self, authorization: str | None) -> Gate:
        with self._lock:
            key = authorization or ""
            if key not in self._gates:
                shared = None
                if self._directory is not None:
                    shared = self._directory / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"
                self._gates[key] = Gate(self._parallel, shared=shared)
            return self._gates[key]
