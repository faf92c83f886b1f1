"""What a run spent on the target: requests sent per test, and 429s waited out.

Against Close every request costs 100-200 ms and a share of the key's rate limit (issue 14), so
the run says what it spent: one line in pytest's terminal summary, and per test in
`--close-results` (`requests_by_test`, which `benchmarks/remote.py` sums per file and per rule).

A test is charged what was sent from its setup to its teardown: session fixtures (the preflight,
the references) are charged to the first test that asks for them; the session's own teardown
(the ledger's cleanup after the last test) is charged to `SESSION_TEARDOWN`, not to that test.
Under xdist each worker counts its own and the controller adds them up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from close_conformance import runtime

__all__ = ["SESSION_TEARDOWN", "Spend"]

SESSION_TEARDOWN = "<session teardown>"
_WORKER_KEY = "close_spend"


class Spend:
    """The pytest plugin object counting requests per test (registered by close_conformance.plugin)."""

    def __init__(self) -> None:
        self.by_test: dict[str, int] = {}
        self._workers_sent = 0
        self._workers_waits = 0

    @staticmethod
    def _sent() -> int:
        return runtime.current().requests_sent.sent

    def _charge(self, name: str, count: int) -> None:
        if count:
            self.by_test[name] = self.by_test.get(name, 0) + count

    @property
    def sent(self) -> int:
        """Requests sent in this process, plus those its xdist workers reported."""
        return self._sent() + self._workers_sent

    @property
    def waits(self) -> int:
        return runtime.current().requests_sent.waits + self._workers_waits

    @contextlib.contextmanager
    def _charging(self, name: str) -> Iterator[None]:
        """Charge what is sent inside (one phase of a test) to `name`."""
        before = self._sent()
        try:
            yield
        finally:
            self._charge(name, self._sent() - before)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, None, None]:
        with self._charging(item.nodeid):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        with self._charging(item.nodeid):
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(
        self, item: pytest.Item, nextitem: pytest.Item | None
    ) -> Generator[None, None, None]:
        # The last item's teardown finalizes the session fixtures (the ledger's cleanup).
        with self._charging(SESSION_TEARDOWN if nextitem is None else item.nodeid):
            return (yield)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[_WORKER_KEY] = {
                "sent": self._sent(),
                "waits": runtime.current().requests_sent.waits,
                "by_test": self.by_test,
            }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        spent = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if spent:
            self._workers_sent += int(spent["sent"])
            self._workers_waits += int(spent["waits"])
            for name, count in spent["by_test"].items():
                self._charge(name, int(count))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_line(
            f"close-conformance: {self.sent:,} requests sent, "
            f"{self.waits:,} wait{'' if self.waits == 1 else 's'} on 429"
        )
