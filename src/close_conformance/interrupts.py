"""Ctrl-C and SIGTERM wait until a write in flight is recorded.

A run interrupted while a request is on the wire loses its answer: the server commits the POST,
the client never reads what it created, and the ledger cannot clean it up (a Send As association,
a lead left in somebody's organization). Requests run inside `recording()`: a SIGINT or SIGTERM
arriving there is held until the answer is read and written to the ledger (at most the request's
timeout), then raised as KeyboardInterrupt, and pytest tears down as usual: the ledger's cleanup
removes everything, the object of the last request included. A second signal while one is
held interrupts at once, as does one during the cleanup's deletes (gathered: those not started
are dropped); a ledger left that way is cleaned up by the next run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["install", "recording"]

_held: list[int] = []
_depth = 0


def _handler(signum: int, frame: FrameType | None) -> None:
    if _depth and not _held:
        _held.append(signum)  # raised when the request in flight is recorded (`recording`)
        return
    # A second signal does not wait (a server that hangs holds a request for its whole timeout).
    _held.clear()
    raise KeyboardInterrupt


def install() -> None:
    """SIGTERM, and SIGINT where it interrupts at all, raise KeyboardInterrupt, held during a
    `recording()`. Call in the main thread. A SIGINT the process was started ignoring (a job
    put in the background) stays ignored."""
    signal.signal(signal.SIGTERM, _handler)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _handler)


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """A request and the ledger entry for its answer, not to be cut apart by an interrupt.
    Signals reach the main thread only: elsewhere it does nothing."""
    global _depth
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _held:
            _held.clear()
            raise KeyboardInterrupt
