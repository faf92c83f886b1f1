"""A signal during a request waits until its answer is recorded (close_conformance.interrupts)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from close_conformance import interrupts

pytestmark = pytest.mark.selftest


@pytest.fixture
def installed() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupts.install()
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _request_interrupted_by(signum: int, recorded: list[str]) -> None:
    with interrupts.recording():
        os.kill(os.getpid(), signum)
        recorded.append("the answer")  # still runs: the interrupt is held


def _busy_after(signum: int) -> None:
    os.kill(os.getpid(), signum)
    for _ in range(10_000_000):  # the handler runs at the next bytecode boundary
        pass


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_in_flight_is_raised_once_the_answer_is_recorded(installed: None, signum: int) -> None:
    recorded: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _request_interrupted_by(signum, recorded)
    assert recorded == ["the answer"]


def _request_interrupted_twice(recorded: list[str]) -> None:
    with interrupts.recording():
        os.kill(os.getpid(), signal.SIGINT)
        recorded.append("held")
        _busy_after(signal.SIGINT)
        recorded.append("the answer")  # never: the second signal does not wait


def test_a_second_signal_does_not_wait(installed: None) -> None:
    recorded: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        _request_interrupted_twice(recorded)
    assert recorded == ["held"]


def test_outside_a_request_a_signal_interrupts_at_once(installed: None) -> None:
    with pytest.raises(KeyboardInterrupt):
        _busy_after(signal.SIGTERM)


def test_a_sigint_the_process_ignores_stays_ignored() -> None:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        interrupts.install()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
