"""Independent requests go out together (concurrent.py)."""

from __future__ import annotations

import threading
import time

import pytest

from close_conformance.concurrent import gather

pytestmark = pytest.mark.selftest


def test_gather_answers_in_order_and_waits_together() -> None:
    # Each call waits for all six to have started: run one after another, the first would wait
    # alone until the barrier broke. No clock: a loaded machine cannot make it fail.
    together = threading.Barrier(6, timeout=30)

    def call(i: int) -> int:
        together.wait()
        return i

    results = gather((lambda i=i: call(i)) for i in range(6))
    assert results == list(range(6))


def test_gather_raises_the_first_error_after_every_call_finished() -> None:
    finished: list[int] = []

    def call(i: int) -> int:
        time.sleep(0.05 * (3 - i))
        finished.append(i)
        if i in (1, 2):
            raise ValueError(i)
        return i

    with pytest.raises(ValueError, match="1"):
        gather((lambda i=i: call(i)) for i in range(3))
    assert sorted(finished) == [0, 1, 2]
