"""The run's shared context: settings, contract, and (once the session starts) target and ledger.

Schemathesis builds its tests at import time of the test module and calls checks without our
fixtures, so the few pieces those need are published here by the plugin. Nothing else should
reach for this: fixtures are the normal way in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from close_conformance.contract import Contract, default_contract
from close_conformance.ledger import Ledger
from close_conformance.retry import Counter
from close_conformance.settings import RunSettings
from close_conformance.target import Target

__all__ = ["RunContext", "current", "install"]


@dataclass
class RunContext:
    settings: RunSettings
    contract: Contract = field(default_factory=default_contract)
    target: Target | None = None
    ledger: Ledger | None = None
    requests_sent: Counter = field(default_factory=Counter)
    """Every request the run sent to the target (kept after the target closes)."""

    @property
    def strict(self) -> bool:
        return self.settings.strict

    def accepts(self, discrepancy: str, value: object) -> bool:
        """Whether the register's reading for this mode admits `value`."""
        return value in self.contract.discrepancy(discrepancy).accepted(strict=self.strict)

    def accepted(self, discrepancy: str) -> tuple[object, ...]:
        return self.contract.discrepancy(discrepancy).accepted(strict=self.strict)

    @property
    def read_lag(self) -> float:
        """Seconds a read may lag a delete in this mode: the register's `read-after-delete-lag`.

        Its `measure.maximum` where the reading admits `poll` (or less, `--read-lag`), else 0
        (the first read must be right). It does not depend on the target: a server the register
        allows may lag, ours included (`close-mock serve --reading read-after-delete-lag=SECONDS`).
        """
        entry = self.contract.discrepancy("read-after-delete-lag")
        if not self.accepts("read-after-delete-lag", "poll") or entry.measure is None:
            return 0.0
        bound = float(entry.measure["maximum"])
        return bound if self.settings.read_lag is None else min(self.settings.read_lag, bound)


_current: RunContext | None = None


def install(context: RunContext) -> None:
    global _current
    _current = context


def current() -> RunContext:
    if _current is None:
        # Outside a pytest run (a unit test of a check, say): the default, non-strict reading.
        install(RunContext(settings=RunSettings()))
    assert _current is not None
    return _current
