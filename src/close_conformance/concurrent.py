"""Requests that do not depend on each other, sent at once.

Against Close a request costs 100-200 ms of waiting (issue 14): the three identities' views of one
step, a lead's lists, the run's cleanup can wait together. `gather(calls)` runs independent calls
on threads, at most `PARALLEL` at once, and returns their results in order (the first error, in
order, is raised once all have finished, so no request is left running behind a failure). Callers
pass only calls that touch objects of one test, so concurrency never lets a test see another's
writes. Each request still passes its credential's Gate (`close_conformance.gate`): the calls
together stay within the rate limit the server announces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

from close_conformance.gate import PARALLEL

__all__ = ["gather"]

T = TypeVar("T")


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
