"""A credential's requests in flight stay within the window the server announces, across the run's
processes too (gate.py)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from close_conformance.concurrent import gather
from close_conformance.gate import Gate, Gates
from close_conformance.retry import Counter, RateLimitedTransport
from close_conformance.served import serve

pytestmark = pytest.mark.selftest


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


def _let_through(gate: Gate, most: int) -> int:
    """How many more acquires the gate lets through at once (of `most` tried, stopping at the first held)."""
    for taken in range(most):
        taker = threading.Thread(target=gate.acquire, daemon=True)
        taker.start()
        taker.join(0.3)
        if taker.is_alive():
            return taken
    return most


def test_gates_sharing_a_window_let_through_what_remains_in_all(tmp_path: Path) -> None:
    """Two processes' gates on one window file (xdist workers against one server): together they
    let through what the server said remains, not that much each."""
    first, second = (Gate(parallel=6, shared=tmp_path / "key.json") for _ in range(2))
    first.acquire()
    first.release({"RateLimit": "limit=10, remaining=4, reset=30"})
    assert _let_through(first, 3) == 3
    assert _let_through(second, 3) == 1  # what the first has in flight counts for the second
    second.release({"RateLimit": "limit=10, remaining=3, reset=30"})  # one answered: 3 left, 3 out
    assert _let_through(second, 3) == 0


def test_a_dead_process_in_flight_no_longer_counts(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead = finished.stdout.decode().strip()
    window = tmp_path / "key.json"
    window.write_text(
        json.dumps({"answered": True, "remaining": 2, "reset_at": time.time() + 30, "in_flight": {dead: 2}})
    )
    assert _let_through(Gate(parallel=6, shared=window), 3) == 2


def test_a_request_sent_past_the_limit_on_purpose_holds_the_others_back(tmp_path: Path) -> None:
    bursting, other = (Gate(parallel=6, shared=tmp_path / "key.json") for _ in range(2))
    bursting.acquire()
    bursting.release({"RateLimit": "limit=10, remaining=1, reset=30"})
    bursting.acquire(wait=False)
    bursting.acquire(wait=False)  # past the one remaining: counted, not held
    assert _let_through(other, 1) == 0


# One process of the run: a script run by the interpreter (not a multiprocessing target: a spawned
# child cannot import this test module under pytest's importlib import mode, and would hang).
_SENDER = """
import base64, json, sys
from pathlib import Path
import httpx
from close_conformance.concurrent import gather
from close_conformance.gate import Gates
from close_conformance.retry import Counter, RateLimitedTransport

base_url, key, directory, count = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
counter = Counter()
transport = RateLimitedTransport(httpx.HTTPTransport(), counter=counter, gates=Gates(directory=directory))
headers = {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}
with httpx.Client(base_url=base_url, headers=headers, transport=transport) as client:
    statuses = gather(lambda: client.get("/me/").status_code for _ in range(count))
print(json.dumps({"statuses": statuses, "sent": counter.sent, "waits": counter.waits}))
"""


def test_processes_sharing_a_key_stay_within_its_limit_together(tmp_path: Path) -> None:
    """Three processes, 8 concurrent reads each, against `close-mock serve --rate-limit 8`: none
    refused with 429 (each alone would have taken the whole window)."""
    with serve("--rate-limit", "8") as served:
        key = served.user(0, 0)["api_key"]
        senders = [
            subprocess.Popen(
                [sys.executable, "-c", _SENDER, served.base_url, key, str(tmp_path), "8"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        try:
            outputs = [sender.communicate(timeout=120) for sender in senders]
        finally:
            for sender in senders:
                sender.kill()
    for sender, (out, err) in zip(senders, outputs, strict=True):
        assert sender.returncode == 0, err[-2000:]
        assert json.loads(out) == {"statuses": [200] * 8, "sent": 8, "waits": 0}


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
