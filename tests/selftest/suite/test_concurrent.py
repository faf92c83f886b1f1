"""Independent requests go out together, never past the rate limit the server announces."""

from __future__ import annotations

import base64
import threading
import time

import httpx
import pytest

from close_conformance.concurrent import Gate, Gates, gather
from close_conformance.retry import Counter, RateLimitedTransport
from close_conformance.served import serve


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


def test_gate_holds_one_request_until_the_window_is_known() -> None:
    gate = Gate(parallel=4)
    gate.acquire()
    second = threading.Thread(target=gate.acquire)
    second.start()
    second.join(0.2)
    assert second.is_alive()  # nothing announced yet: one at a time
    gate.release({"RateLimit": "limit=100, remaining=50, reset=5"})
    second.join(30)  # returns as soon as it is let through
    assert not second.is_alive()


def test_gate_waits_for_the_reset_when_nothing_remains() -> None:
    gate = Gate(parallel=4)
    gate.acquire()
    gate.release({"RateLimit": "limit=2; remaining=0; reset=0.3"})  # Close's live separator too
    began = time.monotonic()
    gate.acquire()
    assert time.monotonic() - began >= 0.25


def test_workers_sharing_a_key_take_their_share_of_the_window() -> None:
    """Two xdist workers against one server: each lets through half of what remains, together
    never more than the server announced."""
    gates = [Gate(parallel=6, share=2) for _ in range(2)]
    for gate in gates:
        gate.acquire()
        gate.release({"RateLimit": "limit=10, remaining=4, reset=30"})
    let_through = 0
    for gate in gates:
        for _ in range(3):
            taker = threading.Thread(target=gate.acquire, daemon=True)
            taker.start()
            taker.join(0.2)
            if taker.is_alive():
                break
            let_through += 1
    assert let_through == 4  # 2 each: the 4 remaining, not 4 each


def test_a_burst_stays_within_the_announced_limit() -> None:
    """`close-mock serve --rate-limit 5`: 20 concurrent reads all answered, none refused with 429
    (no burst past the limit), and they took the windows the limit demands."""
    with serve("--rate-limit", "5") as served:
        key = served.user(0, 0)["api_key"]
        counter = Counter()
        transport = RateLimitedTransport(httpx.HTTPTransport(), counter=counter, gates=Gates(parallel=6))
        headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
        with httpx.Client(base_url=served.base_url, headers=headers, transport=transport) as client:
            began = time.monotonic()
            statuses = gather(lambda: client.get("/me/").status_code for _ in range(20))
            seconds = time.monotonic() - began
    assert statuses == [200] * 20
    assert counter.waits == 0
    assert counter.sent == 20
    assert seconds >= 2.5  # 20 requests at 5 per one-second window: at least three resets
